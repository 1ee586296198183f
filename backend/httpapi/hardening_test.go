package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// TestTargetsCannotReachPalisadesHost: through the API a target cannot name a host file or
// directory, or collect with Palisade's own cluster identity.
func TestTargetsCannotReachPalisadesHost(t *testing.T) {
	f := newFixture(t, store.SQLite)
	op := f.Acme.Tokens[posture.RoleOperator]
	cases := map[string]string{
		"host kubeconfig":        `{"name":"x","kind":"cluster","settings":{"kubeconfig":"/root/.kube/config"},"credentials":"irrelevant"}`,
		"in-cluster identity":    `{"name":"x","kind":"cluster"}`,
		"manifests outside root": `{"name":"x","kind":"manifests","settings":{"path":"/etc"}}`,
		"manifests escaping":     `{"name":"x","kind":"manifests","settings":{"path":"/srv/../etc"}}`,
		"relative path":          `{"name":"x","kind":"manifests","settings":{"path":"srv/manifests"}}`,
		"unknown setting":        `{"name":"x","kind":"manifests","settings":{"path":"/srv/a","exec":"rm"}}`,
		"kubeconfig with exec": `{"name":"x","kind":"cluster","credentials":` + jsonQuote(`apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://10.0.0.1"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}}}]`) + `}`,
		"schedule too short": `{"name":"x","kind":"manifests","settings":{"path":"/srv/a"},"schedule":"-1h"}`,
	}
	for name, body := range cases {
		w := f.call(t, op, "POST", "/api/v1/tenants/acme/targets", body)
		if w.Code != 400 {
			t.Errorf("%s: %d %s", name, w.Code, w.Body.String())
		}
	}
	// Settings cannot be smuggled in by a later change either.
	w := f.call(t, op, "PATCH", fmt.Sprintf("/api/v1/tenants/acme/targets/%d", f.Acme.Target.ID), `{"settings":{"path":"/root"}}`)
	if w.Code != 400 {
		t.Fatalf("patch to a host path: %d", w.Code)
	}
	if w := f.call(t, op, "POST", "/api/v1/tenants/acme/targets", `{"name":"ok","kind":"manifests","settings":{"path":"/srv/team-a"}}`); w.Code != 201 {
		t.Fatalf("a path below the root: %d %s", w.Code, w.Body.String())
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestExceptionNeedsTwoPeople: the requester cannot approve their own exception, neither
// directly nor with a token they created.
func TestExceptionNeedsTwoPeople(t *testing.T) {
	f := newFixture(t, store.SQLite)
	cookie, csrf := signIn(t, f, posture.RoleAdmin)
	w := f.browser(t, cookie, csrf, "POST", "/api/v1/tenants/acme/exceptions",
		`{"check_id":"k8s.privileged-container","reason":"agent","expires_at":"`+in30days()+`"}`)
	var exc struct{ ID int64 }
	must(t, json.Unmarshal(w.Body.Bytes(), &exc))
	if w.Code != 201 {
		t.Fatalf("request: %d %s", w.Code, w.Body.String())
	}
	decide := fmt.Sprintf("/api/v1/tenants/acme/exceptions/%d/decision", exc.ID)
	if w := f.browser(t, cookie, csrf, "POST", decide, `{"decision":"approved"}`); w.Code != 403 {
		t.Fatalf("self-approval: %d", w.Code)
	}
	w = f.browser(t, cookie, csrf, "POST", "/api/v1/tenants/acme/api-tokens", `{"name":"mine","role":"security-manager"}`)
	var tok struct{ Token string }
	must(t, json.Unmarshal(w.Body.Bytes(), &tok))
	if w := f.call(t, tok.Token, "POST", decide, `{"decision":"approved"}`); w.Code != 403 || !strings.Contains(w.Body.String(), "requester") {
		t.Fatalf("self-approval through an own token: %d %s", w.Code, w.Body.String())
	}
	// Someone else may.
	if w := f.call(t, f.Acme.Tokens[posture.RoleSecurityManager], "POST", decide, `{"decision":"approved"}`); w.Code != 200 {
		t.Fatalf("approval by another person: %d %s", w.Code, w.Body.String())
	}
}

func in30days() string { return time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339) }

// TestRequestsAreHeldToTheContract: the limits written in api/openapi.yaml are enforced by
// the server, with messages that name the parameter or field.
func TestRequestsAreHeldToTheContract(t *testing.T) {
	f := newFixture(t, store.SQLite)
	op := f.Acme.Tokens[posture.RoleOperator]
	cases := []struct{ method, path, body, want string }{
		{"GET", "/api/v1/tenants/acme/findings?limit=100000", "", `query parameter \"limit\"`},
		{"GET", "/api/v1/tenants/acme/findings?q=" + strings.Repeat("a", 300), "", `query parameter \"q\"`},
		{"GET", "/api/v1/tenants/acme/findings?severity=extreme", "", `query parameter \"severity\"`},
		{"GET", "/api/v1/tenants/acme/findings?check=" + strings.Repeat("c,", 150), "", `query parameter \"check\"`},
		{"POST", "/api/v1/tenants/acme/targets", `{"name":"` + strings.Repeat("n", 101) + `","kind":"manifests"}`, `field \"name\"`},
		{"POST", "/api/v1/tenants/acme/findings/triage", `{"ids":[],"triage":"acknowledged"}`, `field \"ids\"`},
		{"POST", "/api/v1/tenants/acme/findings/triage", `{"ids":[1],"triage":"acknowledged","admin":true}`, "request body"},
		{"GET", "/api/v1/tenants/acme/exceptions/report?within_days=0", "", `query parameter \"within_days\"`},
		{"GET", "/api/v1/tenants/acme/exceptions/report?within_days=soon", "", `query parameter \"within_days\"`},
	}
	for _, c := range cases {
		w := f.call(t, op, c.method, c.path, c.body)
		if w.Code != 400 || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s %.60s: %d %s (want 400 naming %s)", c.method, c.path, w.Code, w.Body.String(), c.want)
		}
	}
}
