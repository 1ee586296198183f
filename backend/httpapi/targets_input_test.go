package httpapi_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/store"
)

// withManifestRoots serves f's database with other manifest roots.
func withManifestRoots(f *fixture, roots ...string) {
	srv := httpapi.New(httpapi.Config{Listen: "127.0.0.1:0", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: 5 * time.Second, RequestTimeout: 10 * time.Second, ShutdownTimeout: 5 * time.Second,
		MaxBodyBytes: 1 << 20, Version: "test"}, nopLog(), nil)
	srv.MountAPI(httpapi.APIOptions{Store: f.DB, Now: f.clock.Now, ManifestRoots: roots,
		Interval: func(s string) (time.Duration, error) { return schedule.CheckedInterval(s, f.clock.Now()) }})
	f.Server, f.Handler = srv, srv.Handler()
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// A manifests target's path must stay below the root as the file system resolves it, not
// only as written: a link out of the root, as the path or as any component of it, is refused.
func TestTargetPathResolvedInsideManifestRoot(t *testing.T) {
	f := newFixture(t, store.SQLite)
	base := t.TempDir()
	root, outside := filepath.Join(base, "manifests"), filepath.Join(base, "etc-palisade")
	for _, d := range []string{filepath.Join(root, "team"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("kind: Pod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	symlink(t, outside, filepath.Join(root, "leak"))
	symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(root, "team", "leak.yaml"))
	symlink(t, "../../etc-palisade", filepath.Join(root, "team", "up"))
	symlink(t, "team", filepath.Join(root, "alias"))
	symlink(t, root, filepath.Join(base, "root-link")) // the admin's own link to the root
	withManifestRoots(f, root, filepath.Join(base, "root-link"))
	admin := f.Acme.Tokens[posture.RoleAdmin]

	tests := []struct {
		name string
		path string
		code int
	}{
		{"a directory in the root", filepath.Join(root, "team"), 201},
		{"not cloned yet", filepath.Join(root, "later", "checkout"), 201},
		{"a link inside the root", filepath.Join(root, "alias"), 201},
		{"through the root's own link", filepath.Join(base, "root-link", "team"), 201},
		{"a directory link out", filepath.Join(root, "leak"), 400},
		{"a missing path under a link out", filepath.Join(root, "leak", "not-yet"), 400},
		{"a file link out", filepath.Join(root, "team", "leak.yaml"), 400},
		{"a relative link out as a component", filepath.Join(root, "team", "up", "secret.yaml"), 400},
		{"outside every root", outside, 400},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"name":"m%d","kind":"manifests","settings":{"path":%s}}`, i, jsonQuote(tc.path))
			w := f.call(t, admin, "POST", "/api/v1/tenants/acme/targets", body)
			if w.Code != tc.code {
				t.Fatalf("%s: %d %s, want %d", tc.path, w.Code, w.Body.String(), tc.code)
			}
			if tc.code == 400 && !strings.Contains(w.Body.String(), "settings.path") {
				t.Errorf("the refusal does not name settings.path: %s", w.Body.String())
			}
		})
	}
	// A later change cannot point an accepted target out either.
	path := fmt.Sprintf("/api/v1/tenants/acme/targets/%d", f.Acme.Target.ID)
	if w := f.call(t, admin, "PATCH", path, `{"settings":{"path":`+jsonQuote(filepath.Join(root, "leak"))+`}}`); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "symbolic link") {
		t.Fatalf("patch to a link out: %d %s", w.Code, w.Body.String())
	}
}

// Names and other one-line fields with terminal control characters are refused by the
// contract, with a message naming the field; ordinary Unicode is not.
func TestNamesWithControlCharactersRefused(t *testing.T) {
	f := newFixture(t, store.SQLite)
	admin := f.Acme.Tokens[posture.RoleAdmin]
	const tenant = "/api/v1/tenants/acme"
	evil := jsonQuote("pwned\x1b]0;title\x07")
	tests := []struct {
		name, method, path, body, field string
	}{
		{"target name", "POST", tenant + "/targets", `{"name":` + evil + `,"kind":"manifests","settings":{"path":"/srv/a"}}`, "name"},
		{"target rename", "PATCH", fmt.Sprintf(tenant+"/targets/%d", f.Acme.Target.ID), `{"name":` + evil + `}`, "name"},
		{"target name with a newline", "POST", tenant + "/targets", `{"name":"a\nb","kind":"manifests","settings":{"path":"/srv/a"}}`, "name"},
		{"target name with a C1 control", "POST", tenant + "/targets", `{"name":"a\u009bb","kind":"manifests","settings":{"path":"/srv/a"}}`, "name"},
		{"channel name", "POST", tenant + "/channels", `{"name":` + evil + `,"kind":"webhook","settings":{"url":"http://127.0.0.1:9/x"}}`, "name"},
		{"channel rename", "PATCH", fmt.Sprintf(tenant+"/channels/%d", f.Acme.ChannelID), `{"name":` + evil + `}`, "name"},
		{"alert rule name", "POST", tenant + "/alert-rules", fmt.Sprintf(`{"name":%s,"channel_id":%d}`, evil, f.Acme.ChannelID), "name"},
		{"token name", "POST", tenant + "/api-tokens", `{"name":` + evil + `,"role":"viewer"}`, "name"},
		{"role mapping claim", "POST", tenant + "/role-mappings", `{"claim_value":` + evil + `,"role":"viewer"}`, "claim_value"},
		{"ticket title", "PATCH", fmt.Sprintf(tenant+"/tickets/%d", f.Acme.TicketID), `{"title":` + evil + `}`, "title"},
		{"attestation owner", "POST", tenant + "/attestations", `{"csa_id":"3.1.1.1","statement":"s","owner":` + evil + `,"expires_at":"2099-01-01T00:00:00Z"}`, "owner"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.call(t, admin, tc.method, tc.path, tc.body)
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != 400 || e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, `field "`+tc.field+`"`) {
				t.Fatalf("%d %s, want 400 naming field %q", w.Code, w.Body.String(), tc.field)
			}
			// It says why in words, and does not echo the value (or the spec's placeholder URL).
			if !strings.HasSuffix(e.Error.Message, "must not contain control characters") || strings.Contains(e.Error.Message, "x1b") {
				t.Fatalf("message %q", e.Error.Message)
			}
		})
	}
	t.Run("ordinary unicode", func(t *testing.T) {
		w := f.call(t, admin, "POST", tenant+"/targets", `{"name":"Überwachung ✓ 監視","kind":"manifests","settings":{"path":"/srv/a"}}`)
		if w.Code != 201 {
			t.Fatalf("%d %s", w.Code, w.Body.String())
		}
	})
}
