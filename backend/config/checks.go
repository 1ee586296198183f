package config

import (
	"fmt"
	"strings"
	"time"
)

// Checks parameterises the check catalog and adds custom (CEL) checks.
type Checks struct {
	AllowedRegistries   []string      `yaml:"allowed_registries"`
	ClassificationLabel string        `yaml:"classification_label"`
	TenantLabel         string        `yaml:"tenant_label"`
	OwnerLabel          string        `yaml:"owner_label"`
	ZoneLabel           string        `yaml:"zone_label"`
	BackupRPO           time.Duration `yaml:"backup_rpo"`
	// MaxImageAge: images built longer ago fail image.too-old (default 180 days, as 4320h).
	MaxImageAge time.Duration `yaml:"max_image_age"`
	// ImageFactsMaxAge: older image facts are stale and the image checks not applicable
	// (default 168h).
	ImageFactsMaxAge time.Duration `yaml:"image_facts_max_age"`
	// TagMoveWindow: a tag that moved within it fails image.tag-moved (default 720h).
	TagMoveWindow time.Duration `yaml:"tag_move_window"`
	// ImageReinspect: registry and cluster runs read an image again once its facts are older
	// than this (default 24h).
	ImageReinspect time.Duration `yaml:"image_reinspect"`
	// SBOMMaxAge: an uploaded or attested SBOM older than this fails
	// image.vulnerability-scan (default 2160h, 90 days).
	SBOMMaxAge time.Duration `yaml:"sbom_max_age"`
	// AdvisoryMaxAge: advisory feeds last loaded longer ago are stale: image.advisory-data
	// fails and image.vulnerabilities is not applicable (default 72h).
	AdvisoryMaxAge time.Duration `yaml:"advisory_max_age"`
	Custom         []CustomCheck `yaml:"custom"`
	// WatchedLabels are the label keys whose removal or change on a namespace or workload
	// is config drift (docs/alerts.md). Unset: the classification, tenant and owner labels;
	// [] watches none.
	WatchedLabels []string `yaml:"watched_labels"`
}

// maxWatchedLabels bounds checks.watched_labels (watch.MaxLabelKeys).
const maxWatchedLabels = 32

func (c Checks) validateWatchedLabels(bad func(key, format string, args ...any)) {
	if len(c.WatchedLabels) > maxWatchedLabels {
		bad("checks.watched_labels", "at most %d label keys, got %d", maxWatchedLabels, len(c.WatchedLabels))
	}
	for i, k := range c.WatchedLabels {
		// A label key is an optional DNS prefix (253) and "/" and a name (63).
		if k == "" || len(k) > 317 || strings.ContainsAny(k, " \t\r\n") {
			bad(fmt.Sprintf("checks.watched_labels[%d]", i), "is not a label key: %q", k)
		}
	}
}

// CustomCheck is a user-defined check: a CEL expression with the same metadata as built-ins.
type CustomCheck struct {
	ID          string   `yaml:"id"`
	Title       string   `yaml:"title"`
	Description string   `yaml:"description"`
	Severity    string   `yaml:"severity"`
	CSA         []string `yaml:"csa"`
	Scope       string   `yaml:"scope"`
	Match       string   `yaml:"match"`
	Expression  string   `yaml:"expression"`
	Message     string   `yaml:"message"`
	Remediation struct {
		Text    string `yaml:"text"`
		Example string `yaml:"example"`
	} `yaml:"remediation"`
}

// Target is a collection target declared in configuration.
type Target struct {
	Name       string `yaml:"name"`
	Kind       string `yaml:"kind"` // cluster, manifests or registry
	Schedule   string `yaml:"schedule"`
	Path       string `yaml:"path"`       // manifests: file or directory
	Kubeconfig string `yaml:"kubeconfig"` // cluster: kubeconfig path ("" = in-cluster or $KUBECONFIG)
	Context    string `yaml:"context"`    // cluster: kubeconfig context ("" = current)
	// Optional marks a target that may legitimately be absent (the demo's "current kube
	// context"): it is skipped with a log line instead of failing start-up.
	Optional bool `yaml:"optional"`
	// Registry targets: the registry's URL, an explicit repository list (for registries that
	// refuse the catalog), include/exclude patterns, whether anonymous pulls are a finding,
	// a CA bundle file, and a credentials file (JSON: username/password, token, or
	// dockerConfig), read at each collection.
	URL             string   `yaml:"url"`
	Repositories    []string `yaml:"repositories"`
	Include         []string `yaml:"include"`
	Exclude         []string `yaml:"exclude"`
	Private         bool     `yaml:"private"`
	CAFile          string   `yaml:"ca_file"`
	CredentialsFile string   `yaml:"credentials_file"`
}

func (c Config) validateTargets(bad func(key, format string, args ...any)) {
	slugs := map[string]bool{}
	for ti, spec := range c.Tenants {
		key := fmt.Sprintf("tenants[%d]", ti)
		switch {
		case !slugRE.MatchString(spec.Slug):
			bad(key+".slug", "must be a lower-case slug (letters, digits, dashes), got %q", spec.Slug)
		case slugs[spec.Slug] || (spec.Slug == c.Tenant && len(c.Targets) > 0):
			bad(key+".slug", "duplicate tenant %q", spec.Slug)
		}
		slugs[spec.Slug] = true
		if spec.DefaultRole != "" && !roles[spec.DefaultRole] {
			bad(key+".default_role", "must be empty or admin, security-manager, operator, auditor or viewer, got %q", spec.DefaultRole)
		}
		validateTargetList(key+".targets", spec.Targets, bad)
	}
	validateTargetList("targets", c.Targets, bad)
	if (len(c.Targets) > 0 || len(c.Tenants) == 0) && !slugRE.MatchString(c.Tenant) {
		bad("tenant", "must be a lower-case slug (letters, digits, dashes), got %q", c.Tenant)
	}
	for i, cc := range c.Checks.Custom {
		if cc.ID == "" || cc.Expression == "" {
			bad(fmt.Sprintf("checks.custom[%d]", i), "needs an id and an expression")
		}
	}
}

func validateTargetList(prefix string, targets []Target, bad func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, t := range targets {
		key := fmt.Sprintf("%s[%d]", prefix, i)
		switch {
		case strings.TrimSpace(t.Name) == "":
			bad(key+".name", "must not be empty")
		case seen[t.Name]:
			bad(key+".name", "duplicate target name %q", t.Name)
		}
		seen[t.Name] = true
		switch t.Kind {
		case "manifests":
			if t.Path == "" {
				bad(key+".path", "a manifests target needs a path")
			}
		case "cluster":
		case "registry":
			if !strings.HasPrefix(t.URL, "https://") && !strings.HasPrefix(t.URL, "http://") {
				bad(key+".url", "a registry target needs a url such as https://registry.example.com, got %q", t.URL)
			}
		default:
			bad(key+".kind", `must be "cluster", "manifests" or "registry", got %q`, t.Kind)
		}
		if t.Schedule == "" {
			bad(key+".schedule", "must be a duration such as 15m or a cron expression")
		} else if d, err := time.ParseDuration(t.Schedule); err == nil && d < 10*time.Second {
			bad(key+".schedule", "must be at least 10s, got %s", t.Schedule)
		}
	}
}
