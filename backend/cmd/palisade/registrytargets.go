package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/sources"
)

// registrySettingsFromConfig turns a configuration-file registry target into settings. The
// CA bundle is read now; the credentials file is read at each collection (a rotated
// password needs no restart).
func registrySettingsFromConfig(ct config.Target, settings map[string]string) error {
	settings[sources.SettingURL] = ct.URL
	settings[sources.SettingRepositories] = strings.Join(ct.Repositories, ",")
	settings[sources.SettingInclude] = strings.Join(ct.Include, ",")
	settings[sources.SettingExclude] = strings.Join(ct.Exclude, ",")
	if ct.Private {
		settings[sources.SettingPrivate] = "true"
	}
	if ct.CAFile != "" {
		b, err := os.ReadFile(ct.CAFile)
		if err != nil {
			return fmt.Errorf("ca_file: %w", err)
		}
		settings[sources.SettingCABundle] = string(b)
	}
	if ct.CredentialsFile != "" {
		settings[sources.SettingCredentialsFile] = ct.CredentialsFile
	}
	for k, v := range settings {
		if v == "" {
			delete(settings, k)
		}
	}
	return nil
}
