package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// errNoKubeconfig skips an optional cluster target on a machine without a kubeconfig.
var errNoKubeconfig = errors.New("no kubeconfig found")

// resolveKubeconfig finds the kubeconfig a cluster target means: the given path, else
// $KUBECONFIG (its first entry), else ~/.kube/config. The context stays as given ("" = the
// file's current context).
func resolveKubeconfig(path, context string) (string, string, error) {
	if path == "" {
		if env := os.Getenv("KUBECONFIG"); env != "" {
			path = filepath.SplitList(env)[0]
		} else if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, ".kube", "config")
		}
	}
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	if path == "" {
		return "", "", errNoKubeconfig
	}
	if _, err := os.Stat(path); err != nil {
		return "", "", errNoKubeconfig
	}
	return path, context, nil
}
