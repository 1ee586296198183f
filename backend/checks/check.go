package checks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Framework names used in references.
const (
	CIS = "CIS Kubernetes Benchmark v1.9"
	NSA = "NSA/CISA Kubernetes Hardening Guide v1.2"
	PSS = "Pod Security Standards"
)

// Reference points at a control of another framework that the check also serves.
type Reference struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`              // e.g. "5.2.2", or "baseline"/"restricted" for PSS
	Title     string `json:"title,omitempty"` // optional
}

// Remediation says how to fix a failure, with an example of the fixed object.
type Remediation struct {
	Text    string `json:"text"`
	Example string `json:"example"` // YAML snippet
}

// EvalFunc evaluates a check over a whole snapshot. It sets Asset, SubKey, Status, Message
// and Evidence; the engine fills in CheckID, Severity and CSA.
type EvalFunc func(s *Snapshot) []posture.Result

// Check is one catalog entry.
type Check struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Severity    posture.Severity  `json:"severity"`
	CSA         []string          `json:"csa"`
	References  []Reference       `json:"references,omitempty"`
	Remediation Remediation       `json:"remediation"`
	Applies     posture.AssetKind `json:"appliesTo"`
	Custom      bool              `json:"custom,omitempty"` // defined in configuration (CEL)
	Eval        EvalFunc          `json:"-"`
	// Needs are the inventory kinds (kubeinv kind names, e.g. "NetworkPolicy") the check
	// reads besides its subjects, whose absence could turn a pass into a fail or a fail
	// into a pass. When a collection could not list one of them, the engine makes every
	// result of the check not applicable instead of judging on what is not there.
	// TestNeedsAreComplete keeps the list honest against the fixtures.
	Needs []string `json:"needs,omitempty"`
	// Facet is the part of a snapshot the check reads besides the Kubernetes inventory:
	// FacetImages for image facts. A check whose facet is missing or stale answers not
	// applicable with the reason, never pass.
	Facet string `json:"facet,omitempty"`
}

// FacetImages marks checks that read image facts (Snapshot.Images).
const FacetImages = "images"

var checkIDPattern = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9]+(-[a-z0-9]+)*)+$`)

// Validate reports what is missing or wrong in a check's metadata.
func (c *Check) Validate() error {
	var problems []string
	if !checkIDPattern.MatchString(c.ID) {
		problems = append(problems, fmt.Sprintf("ID %q is not of the form family.name-with-dashes", c.ID))
	}
	if strings.TrimSpace(c.Title) == "" {
		problems = append(problems, "no title")
	}
	if strings.TrimSpace(c.Description) == "" {
		problems = append(problems, "no description")
	}
	if c.Severity < posture.SeverityInfo || c.Severity > posture.SeverityCritical {
		problems = append(problems, fmt.Sprintf("invalid severity %d", c.Severity))
	}
	if len(c.CSA) == 0 {
		problems = append(problems, "no CSA IDs")
	}
	seen := map[string]bool{}
	for _, id := range c.CSA {
		r, ok := csa.Lookup(id)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unknown CSA ID %q", id))
		case r.Mode == csa.ModeAttest:
			problems = append(problems, fmt.Sprintf("CSA %s is attest-only and cannot be evidenced by a check", id))
		case seen[id]:
			problems = append(problems, fmt.Sprintf("CSA %s listed twice", id))
		}
		seen[id] = true
	}
	if strings.TrimSpace(c.Remediation.Text) == "" {
		problems = append(problems, "no remediation text")
	}
	if strings.TrimSpace(c.Remediation.Example) == "" {
		problems = append(problems, "no remediation example")
	}
	if c.Applies == "" {
		problems = append(problems, "no asset kind")
	}
	if c.Eval == nil {
		problems = append(problems, "no Eval function")
	}
	if c.Facet != "" && c.Facet != FacetImages {
		problems = append(problems, fmt.Sprintf("unknown facet %q", c.Facet))
	}
	needs := map[string]bool{}
	for _, k := range c.Needs {
		switch {
		case !kubeinv.IsKind(k):
			problems = append(problems, fmt.Sprintf("needs unknown kind %q (want one of %s)", k, strings.Join(kubeinv.Kinds(), ", ")))
		case needs[k]:
			problems = append(problems, fmt.Sprintf("needs %s twice", k))
		}
		needs[k] = true
	}
	if len(problems) > 0 {
		return fmt.Errorf("check %q: %s", c.ID, strings.Join(problems, "; "))
	}
	return nil
}

// Catalog is an immutable, validated set of checks in ID order.
type Catalog struct {
	checks []*Check
	byID   map[string]*Check
}

// NewCatalog validates and indexes checks; a duplicate ID or an incomplete check is an error.
func NewCatalog(checks ...*Check) (*Catalog, error) {
	c := &Catalog{byID: make(map[string]*Check, len(checks))}
	for _, ch := range checks {
		if err := ch.Validate(); err != nil {
			return nil, err
		}
		if _, dup := c.byID[ch.ID]; dup {
			return nil, fmt.Errorf("check %q registered twice", ch.ID)
		}
		c.byID[ch.ID] = ch
		c.checks = append(c.checks, ch)
	}
	sort.Slice(c.checks, func(i, j int) bool { return c.checks[i].ID < c.checks[j].ID })
	return c, nil
}

// MustNewCatalog is NewCatalog that panics: registering a bad check is a programming error.
func MustNewCatalog(checks ...*Check) *Catalog {
	c, err := NewCatalog(checks...)
	if err != nil {
		panic(err)
	}
	return c
}

// With returns a new catalog holding this one's checks plus more (e.g. custom CEL checks).
func (c *Catalog) With(more ...*Check) (*Catalog, error) {
	return NewCatalog(append(append([]*Check(nil), c.checks...), more...)...)
}

// Filter returns a catalog of the checks keep accepts.
func (c *Catalog) Filter(keep func(*Check) bool) *Catalog {
	out := &Catalog{byID: map[string]*Check{}}
	for _, ch := range c.checks {
		if keep(ch) {
			out.byID[ch.ID] = ch
			out.checks = append(out.checks, ch)
		}
	}
	return out
}

// Checks returns the checks in ID order. The slice is a copy; the checks are shared and
// must not be modified.
func (c *Catalog) Checks() []*Check { return append([]*Check(nil), c.checks...) }

// Get finds a check by ID.
func (c *Catalog) Get(id string) (*Check, bool) {
	ch, ok := c.byID[id]
	return ch, ok
}

// Builtin returns the catalog of built-in Kubernetes checks. Registration happens here,
// in one place; each family lives in its own file.
func Builtin() *Catalog {
	var all []*Check
	for _, family := range [][]*Check{
		runtimeChecks(),
		imageChecks(),
		labelChecks(),
		rbacChecks(),
		networkChecks(),
		secretChecks(),
		lifecycleChecks(),
		resourceChecks(),
		backupChecks(),
		storageChecks(),
		agentChecks(),
		imageFactChecks(),
		vulnerabilityChecks(),
	} {
		all = append(all, family...)
	}
	return MustNewCatalog(all...)
}

// Config parameterises checks. It is passed in, never global; DefaultConfig gives the
// defaults and cmd overrides them from configuration. Zero fields take the defaults (a nil
// slice means "default"; pass an empty, non-nil slice to mean "none").
type Config struct {
	// AllowedRegistries are registry hosts, optionally with a path prefix
	// ("registry.example.com", "ghcr.io/acme"). Empty: the allowlist check is not applicable.
	AllowedRegistries []string
	// Label keys that document tenancy and data sensitivity (CSA 3.1.2.1).
	ClassificationLabel string
	TenantLabel         string
	OwnerLabel          string
	// ZoneLabel is the node label naming a node's security zone.
	ZoneLabel string
	// SensitiveClassifications are classification values whose workloads must be placed on
	// nodes of the matching zone; ZoneFor maps a classification to its zone (default: same value).
	SensitiveClassifications []string
	ZoneFor                  map[string]string
	// SystemNamespaces are exempt from namespace-level hygiene checks (labels, quotas, default-deny).
	SystemNamespaces []string
	// MonitoringNamespaces hold monitoring and logging agents (CSA 3.1.3.3).
	MonitoringNamespaces []string
	// Image name fragments that identify agents and platform components.
	LoggingAgentImages         []string
	RuntimeSecurityAgentImages []string
	AdmissionControllerImages  []string
	SecretOperatorImages       []string
	MonitoringAgentImages      []string
	// BackupRPO is the longest acceptable age of the last completed backup.
	BackupRPO time.Duration
	// MaxLimitRequestRatio flags containers whose limit exceeds request by more than this factor.
	MaxLimitRequestRatio float64
	// Now returns the evaluation time (injected so that tests and replays are deterministic).
	Now func() time.Time
	// OnlyDeclaredNamespaces judges namespace-level checks only on namespaces the input
	// defines (a Namespace object): a manifest scan of one application does not see the
	// cluster's other objects, so a namespace its workloads merely use is not in the scan
	// (not applicable) rather than one with no policy. A cluster collection sees everything
	// and leaves it off.
	OnlyDeclaredNamespaces bool
	// MaxImageAge: images built longer ago than this fail image.too-old (CSA 3.1.6.5).
	MaxImageAge time.Duration
	// ImageFactsMaxAge: image facts observed longer ago than this are stale, and checks that
	// read them are not applicable until the image is inspected again.
	ImageFactsMaxAge time.Duration
	// TagMoveWindow: a tag that moved to a new digest within this window fails image.tag-moved.
	TagMoveWindow time.Duration
	// SBOMMaxAge: an uploaded or attested SBOM received longer ago fails
	// image.vulnerability-scan.
	SBOMMaxAge time.Duration
	// AdvisoryMaxAge: advisory feeds last loaded longer ago are stale (image.advisory-data).
	AdvisoryMaxAge time.Duration
}

// DefaultConfig returns the configuration used unless overridden.
func DefaultConfig() Config {
	return Config{
		MaxImageAge:                180 * 24 * time.Hour,
		ImageFactsMaxAge:           7 * 24 * time.Hour,
		TagMoveWindow:              30 * 24 * time.Hour,
		SBOMMaxAge:                 90 * 24 * time.Hour,
		AdvisoryMaxAge:             3 * 24 * time.Hour,
		ClassificationLabel:        "palisade.dev/classification",
		TenantLabel:                "palisade.dev/tenant",
		OwnerLabel:                 "palisade.dev/owner",
		ZoneLabel:                  "palisade.dev/zone",
		SensitiveClassifications:   []string{"confidential", "restricted"},
		SystemNamespaces:           []string{"kube-system", "kube-public", "kube-node-lease"},
		MonitoringNamespaces:       []string{"monitoring", "logging", "observability"},
		LoggingAgentImages:         []string{"fluent-bit", "fluentbit", "fluentd", "vector", "promtail", "filebeat", "grafana/alloy", "opentelemetry-collector", "otel/opentelemetry-collector", "datadog/agent", "splunk-otel-collector", "logstash"},
		RuntimeSecurityAgentImages: []string{"falco", "tetragon", "tracee", "kubearmor", "neuvector/enforcer", "sysdig/agent", "sysdig/agent-slim", "stackrox/collector"},
		AdmissionControllerImages:  []string{"kyverno", "gatekeeper", "sigstore/policy-controller", "policy-controller", "kubewarden", "connaisseur", "ratify"},
		SecretOperatorImages:       []string{"external-secrets", "vault-secrets-operator", "secrets-store-csi-driver", "sealed-secrets", "vault-k8s", "hashicorp/vault"},
		MonitoringAgentImages:      []string{"node-exporter", "prometheus", "datadog/agent", "fluent-bit", "fluentd", "promtail", "grafana/alloy", "kube-state-metrics", "cadvisor"},
		BackupRPO:                  24 * time.Hour,
		MaxLimitRequestRatio:       4,
		Now:                        time.Now,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxImageAge <= 0 {
		c.MaxImageAge = d.MaxImageAge
	}
	if c.ImageFactsMaxAge <= 0 {
		c.ImageFactsMaxAge = d.ImageFactsMaxAge
	}
	if c.TagMoveWindow <= 0 {
		c.TagMoveWindow = d.TagMoveWindow
	}
	if c.SBOMMaxAge <= 0 {
		c.SBOMMaxAge = d.SBOMMaxAge
	}
	if c.AdvisoryMaxAge <= 0 {
		c.AdvisoryMaxAge = d.AdvisoryMaxAge
	}
	if c.ClassificationLabel == "" {
		c.ClassificationLabel = d.ClassificationLabel
	}
	if c.TenantLabel == "" {
		c.TenantLabel = d.TenantLabel
	}
	if c.OwnerLabel == "" {
		c.OwnerLabel = d.OwnerLabel
	}
	if c.ZoneLabel == "" {
		c.ZoneLabel = d.ZoneLabel
	}
	if c.SensitiveClassifications == nil {
		c.SensitiveClassifications = d.SensitiveClassifications
	}
	if c.SystemNamespaces == nil {
		c.SystemNamespaces = d.SystemNamespaces
	}
	if c.MonitoringNamespaces == nil {
		c.MonitoringNamespaces = d.MonitoringNamespaces
	}
	if c.LoggingAgentImages == nil {
		c.LoggingAgentImages = d.LoggingAgentImages
	}
	if c.RuntimeSecurityAgentImages == nil {
		c.RuntimeSecurityAgentImages = d.RuntimeSecurityAgentImages
	}
	if c.AdmissionControllerImages == nil {
		c.AdmissionControllerImages = d.AdmissionControllerImages
	}
	if c.SecretOperatorImages == nil {
		c.SecretOperatorImages = d.SecretOperatorImages
	}
	if c.MonitoringAgentImages == nil {
		c.MonitoringAgentImages = d.MonitoringAgentImages
	}
	if c.BackupRPO <= 0 {
		c.BackupRPO = d.BackupRPO
	}
	if c.MaxLimitRequestRatio <= 0 {
		c.MaxLimitRequestRatio = d.MaxLimitRequestRatio
	}
	if c.Now == nil {
		c.Now = d.Now
	}
	return c
}

// RecommendationChecks is one CSA recommendation with the checks that evidence it.
// Attest-mode recommendations have none and need an attestation.
type RecommendationChecks struct {
	csa.Recommendation
	Checks []string `json:"checks"`
}

// Recommendations lists every CSA recommendation in catalog order with the IDs of the
// checks (of this catalog) that support it.
func (c *Catalog) Recommendations() []RecommendationChecks {
	by := map[string][]string{}
	for _, ch := range c.checks {
		for _, id := range ch.CSA {
			by[id] = append(by[id], ch.ID)
		}
	}
	recs := csa.All()
	out := make([]RecommendationChecks, 0, len(recs))
	for _, r := range recs {
		out = append(out, RecommendationChecks{Recommendation: r, Checks: by[r.ID]})
	}
	return out
}
