package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// signedReceiver is a webhook endpoint that counts the requests signed with its secret.
type signedReceiver struct {
	mu            sync.Mutex
	secret        []byte
	signed, wrong int
}

func (r *signedReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	err := notify.Verify(r.secret, body, req.Header.Get(notify.HeaderTimestamp), req.Header.Get(notify.HeaderSignature), time.Now(), 0)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.wrong++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	r.signed++
}

func (r *signedReceiver) counts() (signed, wrong int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.signed, r.wrong
}

// auditOf returns the tenant's newest audit entry of the action (exact) for the object.
func auditOf(t *testing.T, f *fixture, tf *tenantFixture, action, object string) posture.AuditEntry {
	t.Helper()
	entries, err := f.DB.ListAudit(context.Background(), posture.AuditFilter{TenantID: tf.Tenant.ID, Action: action, Limit: 100})
	must(t, err)
	for _, e := range entries {
		if e.Action == action && e.Object == object {
			return e
		}
	}
	t.Fatalf("no audit entry %s %s in %+v", action, object, entries)
	return posture.AuditEntry{}
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", w.Body.String(), err)
	}
	return v
}

type channelOut struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Settings  map[string]string `json:"settings"`
	HasSecret bool              `json:"has_secret"`
	Enabled   bool              `json:"enabled"`
}

// TestChannelEdit: a channel is renamed, disabled, re-pointed and given a new secret through
// the API, each change validated as on create, audited with its URL shown as scheme and host
// and without the secret; the new URL and secret are the ones used from then on.
func TestChannelEdit(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect)
			sm := f.Acme.Tokens[posture.RoleSecurityManager]
			path := fmt.Sprintf("/api/v1/tenants/acme/channels/%d", f.Acme.ChannelID)
			const newSecret = "a-rotated-signing-secret-0123456789"
			rcv := &signedReceiver{secret: []byte(newSecret)}
			srv := httptest.NewServer(rcv)
			defer srv.Close()

			w := f.call(t, sm, "PATCH", path, `{"name":"soc-hook","enabled":false}`)
			if w.Code != http.StatusOK {
				t.Fatalf("rename and disable: %d %s", w.Code, w.Body.String())
			}
			if got := decode[channelOut](t, w); got.Name != "soc-hook" || got.Enabled || !got.HasSecret || got.Settings["url"] != "http://127.0.0.1:9/…" {
				t.Fatalf("after rename and disable: %+v", got)
			}
			stored, err := f.DB.Channel(t.Context(), f.Acme.Tenant.ID, f.Acme.ChannelID)
			must(t, err)
			if stored.Enabled || stored.Name != "soc-hook" || stored.Settings["url"] != "http://127.0.0.1:9/hook" {
				t.Fatalf("stored: %+v", stored)
			}

			// Refused changes leave the channel as it was.
			for _, c := range []struct {
				body, want string
				status     int
			}{
				{`{"settings":{"url":"ftp://127.0.0.1/x"}}`, "http", http.StatusBadRequest},
				{`{"settings":{"url":""}}`, "url", http.StatusBadRequest},
				{`{"secret":"short"}`, "at least 16 bytes", http.StatusBadRequest},
				{`{"kind":"email"}`, "kind", http.StatusBadRequest},
				{`{}`, "", http.StatusBadRequest},
				{`{"name":""}`, "name", http.StatusBadRequest},
			} {
				w := f.call(t, sm, "PATCH", path, c.body)
				if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
					t.Errorf("%s: %d %s (want %d naming %q)", c.body, w.Code, w.Body.String(), c.status, c.want)
				}
			}
			w = f.call(t, sm, "POST", "/api/v1/tenants/acme/channels",
				`{"name":"other","kind":"webhook","settings":{"url":"http://127.0.0.1:9/o"},"secret":"0123456789abcdef0123"}`)
			if w.Code != http.StatusCreated {
				t.Fatalf("create other: %d %s", w.Code, w.Body.String())
			}
			if w := f.call(t, sm, "PATCH", path, `{"name":"other"}`); w.Code != http.StatusConflict {
				t.Errorf("rename onto another channel's name: %d %s", w.Code, w.Body.String())
			}
			after, err := f.DB.Channel(t.Context(), f.Acme.Tenant.ID, f.Acme.ChannelID)
			must(t, err)
			if after.Name != "soc-hook" || after.Settings["url"] != "http://127.0.0.1:9/hook" || string(after.Secret) != string(stored.Secret) {
				t.Fatalf("a refused change was applied: %+v", after)
			}

			// A new URL with the stored secret, then a new secret: a test reaches the new
			// receiver signed with the new secret.
			w = f.call(t, sm, "PATCH", path, `{"settings":{"url":"`+srv.URL+`/in/token-abc"},"enabled":true}`)
			if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "token-abc") {
				t.Fatalf("new url: %d %s", w.Code, w.Body.String())
			}
			w = f.call(t, sm, "POST", path+"/test", "")
			if signed, wrong := rcv.counts(); !strings.Contains(w.Body.String(), `"delivered":false`) || signed != 0 || wrong != 1 {
				t.Fatalf("before the rotation the old secret signs: %s (signed %d, wrong %d)", w.Body.String(), signed, wrong)
			}
			w = f.call(t, sm, "PATCH", path, `{"secret":"`+newSecret+`"}`)
			if w.Code != http.StatusOK || strings.Contains(w.Body.String(), newSecret) || !decode[channelOut](t, w).HasSecret {
				t.Fatalf("rotate: %d %s", w.Code, w.Body.String())
			}
			w = f.call(t, sm, "POST", path+"/test", "")
			if signed, _ := rcv.counts(); !strings.Contains(w.Body.String(), `"delivered":true`) || signed != 1 {
				t.Fatalf("after the rotation: %s (signed %d)", w.Body.String(), signed)
			}

			object := fmt.Sprintf("channel:%d", f.Acme.ChannelID)
			e := auditOf(t, f, f.Acme, "channel.update", object)
			if !strings.Contains(e.After, `"secret_rotated":true`) || strings.Contains(e.Before+e.After, newSecret) ||
				strings.Contains(e.Before+e.After, "token-abc") || e.Actor != "token:test-security-manager" {
				t.Fatalf("audit of the rotation: %+v", e)
			}
		})
	}
}

// TestChannelEditKeepsOtherSettings: settings merge; "" removes an optional one, and a
// channel whose secret cannot be opened can still be disabled but not re-pointed.
func TestChannelEditKeepsOtherSettings(t *testing.T) {
	f := newFixture(t, "sqlite")
	sm := f.Acme.Tokens[posture.RoleSecurityManager]
	w := f.call(t, sm, "POST", "/api/v1/tenants/acme/channels",
		`{"name":"mail","kind":"email","settings":{"host":"smtp.acme.example","port":"587","from":"p@acme.example","to":"a@acme.example","username":"p"},"secret":"pw"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	id := decode[channelOut](t, w).ID
	path := fmt.Sprintf("/api/v1/tenants/acme/channels/%d", id)
	w = f.call(t, sm, "PATCH", path, `{"settings":{"to":"a@acme.example, b@acme.example","port":""}}`)
	want := map[string]string{"host": "smtp.acme.example", "from": "p@acme.example", "to": "a@acme.example, b@acme.example", "username": "p"}
	if got := decode[channelOut](t, w); w.Code != http.StatusOK || fmt.Sprint(got.Settings) != fmt.Sprint(want) {
		t.Fatalf("merge: %d %s", w.Code, w.Body.String())
	}
	if w := f.call(t, sm, "PATCH", path, `{"settings":{"to":"not an address"}}`); w.Code != http.StatusBadRequest {
		t.Fatalf("bad recipient: %d %s", w.Code, w.Body.String())
	}

	// The sealing key changed under the channel: its secret cannot be opened.
	must(t, f.DB.Exec(t.Context(), "UPDATE notification_channels SET secret = ? WHERE id = ?", []byte("not sealed by this key"), id))
	if w := f.call(t, sm, "PATCH", path, `{"settings":{"port":"2525"}}`); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "new secret") {
		t.Fatalf("re-point with an unreadable secret: %d %s", w.Code, w.Body.String())
	}
	if w := f.call(t, sm, "PATCH", path, `{"enabled":false}`); w.Code != http.StatusOK || decode[channelOut](t, w).Enabled {
		t.Fatalf("disable with an unreadable secret: %d %s", w.Code, w.Body.String())
	}
	if w := f.call(t, sm, "PATCH", path, `{"settings":{"port":"2525"},"secret":"pw2"}`); w.Code != http.StatusOK {
		t.Fatalf("re-point with a new secret: %d %s", w.Code, w.Body.String())
	}
}

// TestChannelDelete: a channel that rules route to is refused (409 naming them) until
// force=true, which deletes the rules and the channel's deliveries with it; another tenant's
// channel is not found.
func TestChannelDelete(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect)
			sm := f.Acme.Tokens[posture.RoleSecurityManager]
			path := fmt.Sprintf("/api/v1/tenants/acme/channels/%d", f.Acme.ChannelID)
			w := f.call(t, sm, "POST", "/api/v1/tenants/acme/alert-rules", fmt.Sprintf(`{"name":"page the SOC","channel_id":%d}`, f.Acme.ChannelID))
			if w.Code != http.StatusCreated {
				t.Fatalf("rule: %d %s", w.Code, w.Body.String())
			}
			pageSOC := fmt.Sprintf(`{"id":%d,"name":"page the SOC"}`, decode[ruleOut](t, w).ID)
			for i, status := range []string{"pending", "sent", "dead"} {
				must(t, f.DB.Exec(t.Context(), `INSERT INTO notification_outbox (tenant_id, channel_id, dedup_key, payload, status, next_attempt_at, created_at)
VALUES (?, ?, ?, '{}', ?, ?, ?)`, f.Acme.Tenant.ID, f.Acme.ChannelID, fmt.Sprintf("k%d", i), status, time.Now().UTC(), time.Now().UTC()))
			}

			globex := fmt.Sprintf("/api/v1/tenants/acme/channels/%d?force=true", f.Globex.ChannelID)
			if w := f.call(t, sm, "DELETE", globex, ""); w.Code != http.StatusNotFound {
				t.Fatalf("globex's channel under acme: %d %s", w.Code, w.Body.String())
			}
			if w := f.call(t, sm, "PATCH", strings.TrimSuffix(globex, "?force=true"), `{"enabled":false}`); w.Code != http.StatusNotFound {
				t.Fatalf("patch globex's channel under acme: %d %s", w.Code, w.Body.String())
			}
			if ch, err := f.DB.Channel(t.Context(), f.Globex.Tenant.ID, f.Globex.ChannelID); err != nil || !ch.Enabled {
				t.Fatalf("globex's channel: %+v %v", ch, err)
			}

			w = f.call(t, sm, "DELETE", path, "")
			body := w.Body.String()
			if w.Code != http.StatusConflict || !strings.Contains(body, `\"fixture-rule\"`) || !strings.Contains(body, `\"page the SOC\"`) ||
				!strings.Contains(body, "2 alert rule") {
				t.Fatalf("delete in use: %d %s", w.Code, body)
			}
			if rules, _ := f.DB.ListRules(t.Context(), f.Acme.Tenant.ID); len(rules) != 2 {
				t.Fatalf("a refused delete removed rules: %+v", rules)
			}

			w = f.call(t, sm, "DELETE", path+"?force=true", "")
			got := decode[struct {
				Rules []struct {
					Name string `json:"name"`
				} `json:"rules_deleted"`
				Deliveries int `json:"deliveries_deleted"`
			}](t, w)
			if w.Code != http.StatusOK || len(got.Rules) != 2 || got.Deliveries != 3 {
				t.Fatalf("force delete: %d %s", w.Code, w.Body.String())
			}
			if _, err := f.DB.Channel(t.Context(), f.Acme.Tenant.ID, f.Acme.ChannelID); posture.ErrorCode(err) != posture.ENOTFOUND {
				t.Fatalf("the channel is still there: %v", err)
			}
			rules, _ := f.DB.ListRules(t.Context(), f.Acme.Tenant.ID)
			deliveries, _ := f.DB.ListDeliveries(t.Context(), f.Acme.Tenant.ID, 10)
			if len(rules) != 0 || len(deliveries) != 0 {
				t.Fatalf("left behind: rules %+v, deliveries %+v", rules, deliveries)
			}
			e := auditOf(t, f, f.Acme, "channel.delete", fmt.Sprintf("channel:%d", f.Acme.ChannelID))
			if !strings.Contains(e.Before, `"deliveries_deleted":3`) || !strings.Contains(e.Before, pageSOC) ||
				!strings.Contains(e.Before, "fixture-rule") ||
				strings.Contains(e.Before, "/hook") || e.After != "" && e.After != "null" {
				t.Fatalf("audit of the delete: %+v", e)
			}
			if w := f.call(t, sm, "DELETE", path, ""); w.Code != http.StatusNotFound {
				t.Fatalf("delete twice: %d %s", w.Code, w.Body.String())
			}
			if w := f.call(t, sm, "DELETE", path+"?force=maybe", ""); w.Code != http.StatusBadRequest {
				t.Fatalf("force=maybe: %d %s", w.Code, w.Body.String())
			}
		})
	}
}

type ruleOut struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	MinSeverity string   `json:"min_severity"`
	Checks      []string `json:"checks"`
	Areas       []string `json:"areas"`
	Targets     []int64  `json:"targets"`
	Kinds       []string `json:"kinds"`
	ChannelID   int64    `json:"channel_id"`
	Digest      bool     `json:"digest"`
	Enabled     bool     `json:"enabled"`
}

// TestAlertRuleEditAndDelete: every field of a rule can change, validated as on create (the
// channel must be one of the tenant's that carries alerts); the change is audited; the rule
// is deleted; another tenant's rule is not found.
func TestAlertRuleEditAndDelete(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect)
			sm := f.Acme.Tokens[posture.RoleSecurityManager]
			path := fmt.Sprintf("/api/v1/tenants/acme/alert-rules/%d", f.Acme.RuleID)
			w := f.call(t, sm, "POST", "/api/v1/tenants/acme/channels",
				`{"name":"second","kind":"webhook","settings":{"url":"http://127.0.0.1:9/2"},"secret":"0123456789abcdef0123"}`)
			second := decode[channelOut](t, w).ID
			w = f.call(t, sm, "POST", "/api/v1/tenants/acme/channels",
				`{"name":"jira","kind":"ticket-sync","settings":{"url":"http://127.0.0.1:9/j"},"secret":"0123456789abcdef0123"}`)
			jira := decode[channelOut](t, w).ID
			if w := f.call(t, sm, "POST", "/api/v1/tenants/acme/alert-rules", fmt.Sprintf(`{"name":"taken","channel_id":%d}`, second)); w.Code != http.StatusCreated {
				t.Fatalf("rule: %d %s", w.Code, w.Body.String())
			}

			w = f.call(t, sm, "PATCH", path, fmt.Sprintf(`{"name":"crit","enabled":true,"min_severity":"critical","checks":["k8s.privileged-container"],
"areas":["3.1"],"targets":[%d],"kinds":["new_finding","regression"],"channel_id":%d,"digest":true}`, f.Acme.Target.ID, second))
			got := decode[ruleOut](t, w)
			want := ruleOut{ID: f.Acme.RuleID, Name: "crit", MinSeverity: "critical", Checks: []string{"k8s.privileged-container"}, Areas: []string{"3.1"},
				Targets: []int64{f.Acme.Target.ID}, Kinds: []string{"new_finding", "regression"}, ChannelID: second, Digest: true, Enabled: true}
			if w.Code != http.StatusOK || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("patch: %d %s", w.Code, w.Body.String())
			}
			stored, err := f.DB.Rule(t.Context(), f.Acme.Tenant.ID, f.Acme.RuleID)
			must(t, err)
			if !stored.Enabled || stored.ChannelID != second || stored.MinSeverity != posture.SeverityCritical || len(stored.Kinds) != 2 || !stored.Digest {
				t.Fatalf("stored: %+v", stored)
			}
			// Left-out fields keep their value; an empty list selects everything again.
			w = f.call(t, sm, "PATCH", path, `{"enabled":false,"kinds":[]}`)
			if got := decode[ruleOut](t, w); got.Enabled || len(got.Kinds) != 0 || got.Name != "crit" || len(got.Checks) != 1 {
				t.Fatalf("partial patch: %s", w.Body.String())
			}

			for _, c := range []struct {
				body, want string
				status     int
			}{
				{fmt.Sprintf(`{"channel_id":%d}`, f.Globex.ChannelID), "channel not found", http.StatusNotFound},
				{fmt.Sprintf(`{"channel_id":%d}`, jira), "syncs tickets", http.StatusBadRequest},
				{`{"min_severity":"urgent"}`, "min_severity", http.StatusBadRequest},
				{`{"kinds":["weather"]}`, "kinds", http.StatusBadRequest},
				{`{"name":""}`, "name", http.StatusBadRequest},
				{`{"name":"taken"}`, "already exists", http.StatusConflict},
				{`{}`, "", http.StatusBadRequest},
			} {
				w := f.call(t, sm, "PATCH", path, c.body)
				if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
					t.Errorf("%s: %d %s (want %d naming %q)", c.body, w.Code, w.Body.String(), c.status, c.want)
				}
			}
			if after, _ := f.DB.Rule(t.Context(), f.Acme.Tenant.ID, f.Acme.RuleID); after.Name != "crit" || after.ChannelID != second {
				t.Fatalf("a refused change was applied: %+v", after)
			}
			e := auditOf(t, f, f.Acme, "alert_rule.update", fmt.Sprintf("alert_rule:%d", f.Acme.RuleID))
			if !strings.Contains(e.Before, `"enabled":true`) || !strings.Contains(e.After, `"enabled":false`) {
				t.Fatalf("audit of the last change: %+v", e)
			}

			globex := fmt.Sprintf("/api/v1/tenants/acme/alert-rules/%d", f.Globex.RuleID)
			if w := f.call(t, sm, "PATCH", globex, `{"enabled":true}`); w.Code != http.StatusNotFound {
				t.Fatalf("patch globex's rule under acme: %d", w.Code)
			}
			if w := f.call(t, sm, "DELETE", globex, ""); w.Code != http.StatusNotFound {
				t.Fatalf("delete globex's rule under acme: %d", w.Code)
			}
			if _, err := f.DB.Rule(t.Context(), f.Globex.Tenant.ID, f.Globex.RuleID); err != nil {
				t.Fatalf("globex's rule: %v", err)
			}

			if w := f.call(t, sm, "DELETE", path, ""); w.Code != http.StatusNoContent {
				t.Fatalf("delete: %d %s", w.Code, w.Body.String())
			}
			if _, err := f.DB.Rule(t.Context(), f.Acme.Tenant.ID, f.Acme.RuleID); posture.ErrorCode(err) != posture.ENOTFOUND {
				t.Fatalf("deleted rule: %v", err)
			}
			auditOf(t, f, f.Acme, "alert_rule.delete", fmt.Sprintf("alert_rule:%d", f.Acme.RuleID))
			if w := f.call(t, sm, "DELETE", path, ""); w.Code != http.StatusNotFound {
				t.Fatalf("delete twice: %d", w.Code)
			}
			// With its rules gone the channel deletes without force.
			w = f.call(t, sm, "DELETE", fmt.Sprintf("/api/v1/tenants/acme/channels/%d", f.Acme.ChannelID), "")
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"rules_deleted":[]`) {
				t.Fatalf("delete the unused channel: %d %s", w.Code, w.Body.String())
			}
		})
	}
}
