package config

import (
	"slices"
	"strings"
	"testing"
)

func TestWatchedLabels(t *testing.T) {
	cfg, err := Load(writeFile(t, "checks:\n  watched_labels: [acme.io/data-class, acme.io/owner]\n"), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Checks.WatchedLabels, []string{"acme.io/data-class", "acme.io/owner"}) {
		t.Errorf("watched labels = %q", cfg.Checks.WatchedLabels)
	}
	if cfg, err := Load(writeFile(t, "checks:\n  watched_labels: []\n"), true, nil); err != nil || cfg.Checks.WatchedLabels == nil {
		t.Errorf("[] (watch none) = %#v, %v; want an empty, non-nil list", cfg.Checks.WatchedLabels, err)
	}
	for name, body := range map[string]string{
		"empty key": "checks:\n  watched_labels: ['']\n",
		"space":     "checks:\n  watched_labels: ['a b']\n",
		"too long":  "checks:\n  watched_labels: [" + strings.Repeat("a", 400) + "]\n",
		"too many":  "checks:\n  watched_labels: [" + strings.Repeat("k,", 40) + "k]\n",
	} {
		if _, err := Load(writeFile(t, body), true, nil); err == nil || !strings.Contains(err.Error(), "checks.watched_labels") {
			t.Errorf("%s: err = %v, want one naming checks.watched_labels", name, err)
		}
	}
}
