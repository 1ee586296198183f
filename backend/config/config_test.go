package config

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "palisade.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreEmbeddedMode(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), false, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Database.Driver != "sqlite" || cfg.Database.DSN != "./data/palisade.db" {
		t.Errorf("database = %+v, want sqlite at ./data/palisade.db", cfg.Database)
	}
	if cfg.Server.Listen != "127.0.0.1:8080" {
		t.Errorf("listen = %q", cfg.Server.Listen)
	}
}

func TestExplicitMissingFileIsError(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), true, nil)
	if err == nil || !strings.Contains(err.Error(), "config file") {
		t.Fatalf("err = %v, want a config file error", err)
	}
}

func TestFileAndEnvOverrides(t *testing.T) {
	p := writeFile(t, "server:\n  listen: 0.0.0.0:9000\n  read_timeout: 5s\ndatabase:\n  driver: postgres\n  dsn: postgres://x@localhost/db\n")
	cfg, err := Load(p, true, []string{"PALISADE_SERVER_LISTEN=127.0.0.1:7000", "PALISADE_LOG_LEVEL=debug", "PALISADE_TEST_POSTGRES_DSN=ignored", "HOME=/root"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Server.Listen != "127.0.0.1:7000" {
		t.Errorf("env did not override listen: %q", cfg.Server.Listen)
	}
	if cfg.Server.ReadTimeout != 5*time.Second || cfg.Database.Driver != "postgres" || cfg.Log.Level != "debug" {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestValidationNamesTheKey(t *testing.T) {
	cases := []struct {
		name, yaml string
		env        []string
		wantKey    string
	}{
		{"bad driver", "database:\n  driver: mysql\n", nil, "database.driver"},
		{"bad listen", "server:\n  listen: nonsense\n", nil, "server.listen"},
		{"unknown key", "server:\n  lisen: x\n", nil, "lisen"},
		{"bad duration env", "", []string{"PALISADE_SERVER_READ_TIMEOUT=soon"}, "PALISADE_SERVER_READ_TIMEOUT"},
		{"negative timeout", "server:\n  write_timeout: -1s\n", nil, "server.write_timeout"},
		{"missing env secret", "database:\n  dsn: env:PALISADE_NO_SUCH_VARIABLE_X\n", nil, "database.dsn"},
		{"bad level", "log:\n  level: loud\n", nil, "log.level"},
		{"half tls", "server:\n  tls_cert_file: c.pem\n", nil, "server.tls_cert_file"},
		{"wrong type", "server:\n  max_body_bytes: lots\n", nil, "max_body_bytes"},
		{"sla severity", "tickets:\n  sla_days:\n    urgent: 3\n", nil, "tickets.sla_days.urgent"},
		{"lease", "alerts:\n  delivery_lease: 0s\n", nil, "alerts.delivery_lease"},
		{"metrics token file", "server:\n  metrics_token: file:/no/such/metrics-token\n", nil, "server.metrics_token"},
		{"sla days", "tickets:\n  sla_days:\n    high: 99999\n", nil, "tickets.sla_days.high"},
		{"outbound allow", "server:\n  outbound_allow: [10.0.0.0/8, 10.0.0.0/33]\n", nil, `server.outbound_allow[1]: must be a CIDR prefix such as 10.0.0.0/8 or 127.0.0.1/32, got "10.0.0.0/33"`},
		{"outbound allow without length", "server:\n  outbound_allow: [192.168.1.1]\n", nil, "server.outbound_allow[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), true, tc.env)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tc.wantKey) {
				t.Errorf("error %q does not name %q", err, tc.wantKey)
			}
		})
	}
}

func TestOutboundAllow(t *testing.T) {
	cfg, err := Load(writeFile(t, "server:\n  outbound_allow: [10.0.0.0/8, \"fd00::/8\"]\n"), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cfg.Server.OutboundPrefixes()); got != "[10.0.0.0/8 fd00::/8]" {
		t.Errorf("from the file: %s", got)
	}
	cfg, err = Load("", false, []string{"PALISADE_SERVER_OUTBOUND_ALLOW=127.0.0.1/32, 192.168.7.9/16"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cfg.Server.OutboundPrefixes()); got != "[127.0.0.1/32 192.168.0.0/16]" {
		t.Errorf("from the environment: %s", got)
	}
	if got := Default().Server.OutboundPrefixes(); len(got) != 0 {
		t.Errorf("the default allows %v; want nothing but public addresses", got)
	}
}

func TestSecretReferences(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "dsn")
	if err := os.WriteFile(p, []byte("postgres://u:pw@h/db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PALISADE_T_SECRET", "from-env")
	for _, tc := range []struct {
		in   Secret
		want string
		str  string
	}{
		{Secret("file:" + p), "postgres://u:pw@h/db", "file:" + p},
		{Secret("env:PALISADE_T_SECRET"), "from-env", "env:PALISADE_T_SECRET"},
		{Secret("literal-password"), "literal-password", "[redacted]"},
	} {
		got, err := tc.in.Resolve()
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%s) = %q, %v; want %q", tc.str, got, err, tc.want)
		}
		if tc.in.String() != tc.str {
			t.Errorf("String() = %q, want %q (literals must never print)", tc.in.String(), tc.str)
		}
	}
}

func TestTicketSLA(t *testing.T) {
	cfg, err := Load(writeFile(t, "tickets:\n  sla_days:\n    critical: 2\n    low: 0\n"), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	sla := cfg.Tickets.SLA()
	// Keys given replace the defaults one by one; 0 means no due date.
	want := posture.SLA{posture.SeverityCritical: 2, posture.SeverityHigh: 30, posture.SeverityMedium: 90}
	if !maps.Equal(sla, want) {
		t.Fatalf("SLA = %v, want %v", sla, want)
	}
	def, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), false, nil)
	if err != nil || !maps.Equal(def.Tickets.SLA(), posture.DefaultSLA) {
		t.Fatalf("default SLA = %v (%v), want %v", def.Tickets.SLA(), err, posture.DefaultSLA)
	}
}
