package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
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

// syncTrustPolicy applies a tenant's trust_policy_file: validated, and saved as a new
// version when it differs from the stored policy.
func syncTrustPolicy(ctx context.Context, db *store.DB, spec config.TenantSpec, tenantID int64, log *slog.Logger) error {
	if spec.TrustPolicyFile == "" {
		return nil
	}
	raw, err := os.ReadFile(spec.TrustPolicyFile)
	if err != nil {
		return fmt.Errorf("tenant %q: trust_policy_file: %w", spec.Slug, err)
	}
	p, err := imagetrust.Parse(string(raw))
	if err == nil {
		err = p.Validate()
	}
	if err != nil {
		return fmt.Errorf("tenant %q: trust_policy_file %s: %w", spec.Slug, spec.TrustPolicyFile, err)
	}
	canonical, err := json.Marshal(p)
	if err != nil {
		return err
	}
	stored, _, err := db.TrustPolicy(ctx, tenantID)
	if err != nil || stored == string(canonical) {
		return err
	}
	version, err := db.SaveTrustPolicy(ctx, tenantID, string(canonical), "config:"+spec.TrustPolicyFile)
	if err == nil {
		log.Info("trust policy applied from the configuration", "tenant", spec.Slug, "file", spec.TrustPolicyFile, "version", version)
	}
	return err
}
