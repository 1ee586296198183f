// Package config reads Palisade's configuration: one YAML file plus PALISADE_* environment
// overrides, validated up front so that a mistake names the offending key. Only cmd imports it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Config is the whole configuration. YAML keys are snake_case; the environment variable for a
// key is PALISADE_ followed by its path in upper case joined by underscores
// (database.dsn -> PALISADE_DATABASE_DSN).
type Config struct {
	Server   Server   `yaml:"server"`
	Database Database `yaml:"database"`
	Log      Log      `yaml:"log"`
	Secrets  Secrets  `yaml:"secrets"`
	Checks   Checks   `yaml:"checks"`
	Auth     Auth     `yaml:"auth"`
	Tickets  Tickets  `yaml:"tickets"`
	Alerts   Alerts   `yaml:"alerts"`
	// Advisories and Vulnerabilities configure vulnerability matching (issue 13).
	Advisories      Advisories      `yaml:"advisories"`
	Vulnerabilities Vulnerabilities `yaml:"vulnerabilities"`
	// Tenant and Targets are the single-tenant shorthand: the targets belong to Tenant.
	Tenant  string   `yaml:"tenant"`
	Targets []Target `yaml:"targets"`
	// Tenants declares several tenants, each with its targets.
	Tenants []TenantSpec `yaml:"tenants"`
}

// Server configures the HTTP listener.
type Server struct {
	Listen          string        `yaml:"listen"`
	PublicURL       string        `yaml:"public_url"`
	ReadTimeout     time.Duration `yaml:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	RequestTimeout  time.Duration `yaml:"request_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	TLSCertFile     string        `yaml:"tls_cert_file"`
	TLSKeyFile      string        `yaml:"tls_key_file"`
	// ManifestRoots are the directories manifests targets created through the API may read.
	// Every manifests target below one (from the API or this file) is read through os.Root:
	// no symbolic link can lead it out.
	ManifestRoots []string `yaml:"manifest_roots"`
	// AllowLoopbackClusters admits uploaded kubeconfigs that point at this host (kind,
	// minikube, test clusters). Off by default: it would let users probe local services.
	AllowLoopbackClusters bool `yaml:"allow_loopback_clusters"`
	// OutboundAllow lists the private and loopback prefixes (CIDR, e.g. 10.0.0.0/8) that
	// notification channels and uploaded kubeconfigs may reach. Empty, they reach only
	// public addresses: users choose those destinations, and must not reach internal
	// services through them.
	OutboundAllow []string `yaml:"outbound_allow"`
	// MetricsToken, when set, is the bearer token /metrics requires (Prometheus:
	// authorization.credentials_file). Unset, /metrics is open, as exporters usually are:
	// it shows counts and timings, never tenant data.
	MetricsToken Secret `yaml:"metrics_token"`
}

// OutboundPrefixes returns OutboundAllow parsed (Validate has checked every entry).
func (s Server) OutboundPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, v := range s.OutboundAllow {
		if p, err := netip.ParsePrefix(strings.TrimSpace(v)); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// Database selects the SQL backend.
type Database struct {
	Driver         string `yaml:"driver"` // sqlite or postgres
	DSN            Secret `yaml:"dsn"`    // a path for sqlite; a URL or key=value DSN for postgres
	MaxOpenConns   int    `yaml:"max_open_conns"`
	MigrateOnStart bool   `yaml:"migrate_on_start"`
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or text
}

// Secrets configures sealing of the credentials Palisade stores.
type Secrets struct {
	// Key is a base64-encoded 32-byte AES key, normally given as file: or env: reference.
	Key Secret `yaml:"key"`
	// PreviousKeys can still open data sealed before a rotation.
	PreviousKeys []Secret `yaml:"previous_keys"`
}

// Default returns the embedded-mode configuration: SQLite in ./data, loopback listener.
func Default() Config {
	return Config{
		Server: Server{
			Listen:          "127.0.0.1:8080",
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    30 * time.Second,
			IdleTimeout:     120 * time.Second,
			RequestTimeout:  25 * time.Second,
			ShutdownTimeout: 20 * time.Second,
			MaxBodyBytes:    1 << 20,
		},
		Database: Database{Driver: "sqlite", DSN: "./data/palisade.db", MaxOpenConns: 10, MigrateOnStart: true},
		Log:      Log{Level: "info", Format: "json"},
		Tenant:   "default",
		Auth:     Auth{SessionIdle: time.Hour, SessionAbsolute: 12 * time.Hour},
		Tickets:  Tickets{SLADays: map[string]int{"critical": 7, "high": 30, "medium": 90, "low": 180}},
		Alerts:   Alerts{DeliveryLease: 2 * time.Minute},
		Advisories: Advisories{Ecosystems: append([]string(nil), DefaultEcosystems...), Interval: 6 * time.Hour,
			MaxDownloadBytes: 2 << 30},
		Vulnerabilities: Vulnerabilities{MaxUploadBytes: 64 << 20, ExtractionsPerRun: 20, ExtractionBudget: 5 * time.Minute},
	}
}

// Alerts configures the delivery of alerts and ticket-sync messages.
type Alerts struct {
	// DeliveryLease is how long a worker holds a delivery it is sending: if its process dies
	// mid-send, another worker (or the restarted one) sends it again once the lease ends.
	DeliveryLease time.Duration `yaml:"delivery_lease"`
}

// Tickets configures remediation tickets.
type Tickets struct {
	// SLADays gives the days to fix a ticket by its severity (critical, high, medium, low,
	// info); a severity left out gets no due date. Keys given replace the defaults one by one.
	SLADays map[string]int `yaml:"sla_days"`
}

// maxSLADays bounds a due date: ten years is no deadline.
const maxSLADays = 3650

// SLA returns the due-date rule; Validate has checked every key and value.
func (t Tickets) SLA() posture.SLA {
	sla := posture.SLA{}
	for name, days := range t.SLADays {
		if sev, err := posture.ParseSeverity(name); err == nil && days > 0 {
			sla[sev] = days
		}
	}
	return sla
}

func (t Tickets) validate(bad func(key, format string, args ...any)) {
	for name, days := range t.SLADays {
		key := "tickets.sla_days." + name
		if _, err := posture.ParseSeverity(name); err != nil {
			bad(key, "is not a severity (critical, high, medium, low, info)")
		} else if days < 0 || days > maxSLADays {
			bad(key, "must be between 0 (no due date) and %d days, got %d", maxSLADays, days)
		}
	}
}

// DefaultPath is read when --config is not given and the file exists.
const DefaultPath = "palisade.yaml"

// maxConfigBytes bounds the config file; a real one is a few kilobytes.
const maxConfigBytes = 1 << 20

// Load reads path (if non-empty) over the defaults, applies environment overrides from env
// (os.Environ form), and validates. explicit says the user named the file, so a missing file
// is an error rather than a fall-back to defaults.
func Load(path string, explicit bool, env []string) (Config, error) {
	cfg := Default()
	if path != "" {
		f, err := os.Open(path)
		switch {
		case errors.Is(err, os.ErrNotExist) && !explicit:
			// no palisade.yaml in the working directory: run on defaults
		case err != nil:
			return cfg, fmt.Errorf("config file: %w", err)
		default:
			defer f.Close()
			if err := decodeYAML(f, &cfg); err != nil {
				return cfg, fmt.Errorf("config file %s: %w", path, err)
			}
		}
	}
	if err := applyEnv(&cfg, env); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func decodeYAML(r io.Reader, cfg *Config) error {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigBytes+1))
	if err != nil {
		return err
	}
	if len(data) > maxConfigBytes {
		return fmt.Errorf("larger than %d bytes", maxConfigBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key is an error, not silently ignored
	if err := dec.Decode(cfg); err != nil {
		return namedKeyError(&root, err)
	}
	return nil
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// namedKeyError rewrites yaml.v3's "line 4: cannot unmarshal ..." into
// "server.max_body_bytes (line 4): cannot unmarshal ...", because users think in keys.
func namedKeyError(root *yaml.Node, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = lineRE.ReplaceAllStringFunc(msg, func(m string) string {
		line, _ := strconv.Atoi(lineRE.FindStringSubmatch(m)[1])
		if key := keyAtLine(root, line, ""); key != "" {
			return fmt.Sprintf("%s (line %d): ", key, line)
		}
		return m
	})
	return errors.New(msg)
}

// keyAtLine returns the dotted path of the mapping key on the given line.
func keyAtLine(n *yaml.Node, line int, prefix string) string {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			if k := keyAtLine(c, line, prefix); k != "" {
				return k
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			if k.Line == line {
				return path
			}
			if found := keyAtLine(v, line, path); found != "" {
				return found
			}
		}
	}
	return ""
}

// FieldError names the key that is wrong and why.
type FieldError struct {
	Key    string
	Reason string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Reason }

// Validate checks every field that has a constraint, reporting all problems at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Key: key, Reason: fmt.Sprintf(format, args...)})
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		bad("server.listen", "must be host:port, got %q", c.Server.Listen)
	}
	for key, d := range map[string]time.Duration{
		"server.read_timeout": c.Server.ReadTimeout, "server.write_timeout": c.Server.WriteTimeout,
		"server.idle_timeout": c.Server.IdleTimeout, "server.request_timeout": c.Server.RequestTimeout,
		"server.shutdown_timeout": c.Server.ShutdownTimeout,
	} {
		if d <= 0 {
			bad(key, "must be a positive duration such as 30s, got %s", d)
		}
	}
	if c.Server.MaxBodyBytes <= 0 {
		bad("server.max_body_bytes", "must be positive, got %d", c.Server.MaxBodyBytes)
	}
	if (c.Server.TLSCertFile == "") != (c.Server.TLSKeyFile == "") {
		bad("server.tls_cert_file", "tls_cert_file and tls_key_file must be set together")
	}
	switch c.Database.Driver {
	case "sqlite", "postgres":
	default:
		bad("database.driver", `must be "sqlite" or "postgres", got %q`, c.Database.Driver)
	}
	if c.Database.DSN == "" {
		bad("database.dsn", "must not be empty")
	} else if err := c.Database.DSN.Check(); err != nil {
		bad("database.dsn", "%v", err)
	}
	c.Tickets.validate(bad)
	if c.Alerts.DeliveryLease < time.Second || c.Alerts.DeliveryLease > time.Hour {
		bad("alerts.delivery_lease", "must be between 1s and 1h, got %s", c.Alerts.DeliveryLease)
	}
	if c.Database.MaxOpenConns < 1 {
		bad("database.max_open_conns", "must be at least 1, got %d", c.Database.MaxOpenConns)
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		bad("log.format", `must be "json" or "text", got %q`, c.Log.Format)
	}
	if c.Server.MetricsToken != "" {
		if err := c.Server.MetricsToken.Check(); err != nil {
			bad("server.metrics_token", "%v", err)
		}
	}
	if c.Secrets.Key != "" {
		if err := c.Secrets.Key.Check(); err != nil {
			bad("secrets.key", "%v", err)
		}
	}
	for i, k := range c.Secrets.PreviousKeys {
		if err := k.Check(); err != nil {
			bad(fmt.Sprintf("secrets.previous_keys[%d]", i), "%v", err)
		}
	}
	for key, d := range map[string]time.Duration{"checks.max_image_age": c.Checks.MaxImageAge,
		"checks.image_facts_max_age": c.Checks.ImageFactsMaxAge, "checks.tag_move_window": c.Checks.TagMoveWindow, "checks.image_reinspect": c.Checks.ImageReinspect,
		"checks.sbom_max_age": c.Checks.SBOMMaxAge, "checks.advisory_max_age": c.Checks.AdvisoryMaxAge} {
		if d < 0 {
			bad(key, "must not be negative")
		}
	}
	c.validateVulnerabilities(bad)
	if c.Checks.BackupRPO < 0 {
		bad("checks.backup_rpo", "must not be negative")
	}
	for i, s := range c.Server.OutboundAllow {
		if _, err := netip.ParsePrefix(strings.TrimSpace(s)); err != nil {
			bad(fmt.Sprintf("server.outbound_allow[%d]", i), "must be a CIDR prefix such as 10.0.0.0/8 or 127.0.0.1/32, got %q", s)
		}
	}
	c.Checks.validateWatchedLabels(bad)
	c.validateTargets(bad)
	c.validateAuth(bad)
	return errors.Join(errs...)
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
