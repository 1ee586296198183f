package cluster_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/outbox"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// webhookReceiver stands in for a SOC's endpoint: it verifies every signature.
type webhookReceiver struct {
	mu     sync.Mutex
	secret []byte
	msgs   []notify.Message
	bad    int
}

func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := notify.Verify(r.secret, body, req.Header.Get(notify.HeaderTimestamp), req.Header.Get(notify.HeaderSignature), time.Now(), notify.DefaultTolerance); err != nil {
		r.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m notify.Message
	_ = json.Unmarshal(body, &m)
	r.msgs = append(r.msgs, m)
}

// TestRemediationLoopAgainstRealCluster walks the whole loop of issue 6 on a real
// kube-apiserver: a workload turns privileged > the next run raises a drift event > the
// alert reaches a webhook receiver with a valid signature > an operator opens a ticket from
// the finding through the API > the workload is fixed > the next run verifies the ticket.
func TestRemediationLoopAgainstRealCluster(t *testing.T) {
	c := kubeharness.Start(t)
	ctx := t.Context()
	admin := clientset.NewForConfigOrDie(c.AdminConfig())
	bindCollector(t, admin, shippedCollectorRole(t))
	seed(t, admin)
	setPrivileged(t, admin, false)

	db := storetest.Open(t, store.SQLite)
	ten := &posture.Tenant{Slug: "acme", Name: "Acme"}
	must(t, db.CreateTenant(ctx, ten))
	tgt := &posture.Target{TenantID: ten.ID, Name: "harness", Kind: posture.TargetCluster, Schedule: "10m", Enabled: true,
		Settings: map[string]string{"kubeconfig": c.Kubeconfig(t, c.CollectorToken), "context": kubeharness.ContextName}}
	must(t, db.CreateTarget(ctx, tgt))
	log := slog.New(slog.DiscardHandler)
	r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(),
		Log: log, Sources: map[posture.TargetKind]runner.Source{posture.TargetCluster: sources.Cluster(sources.ClusterOptions{})}}

	// The SOC's webhook and a rule for new critical and high findings.
	rcv := &webhookReceiver{secret: []byte("soc-webhook-signing-secret-0123456789")}
	soc := httptest.NewServer(rcv)
	defer soc.Close()
	raw, _ := seal.GenerateKey()
	key, _ := seal.ParseKey(raw)
	sealer := seal.New(key)
	ch := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": soc.URL}}
	must(t, db.CreateChannel(ctx, ch))
	sealed, err := sealer.Seal(rcv.secret, store.ChannelSecretContext(ch.ID))
	must(t, err)
	must(t, db.SetChannelSecret(ctx, ten.ID, ch.ID, sealed))
	must(t, db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "new high", MinSeverity: posture.SeverityHigh,
		Kinds: []string{alerting.KindNewFinding, alerting.KindRegression}, ChannelID: ch.ID}))
	worker := &outbox.Worker{Store: db, Sealer: sealer, Context: store.ChannelSecretContext, Log: log}

	// The API, with an operator's token.
	api := httpapi.New(httpapi.Config{Listen: "127.0.0.1:0", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: 5 * time.Second, RequestTimeout: 10 * time.Second, ShutdownTimeout: time.Second, MaxBodyBytes: 1 << 20}, log, nil)
	api.MountAPI(httpapi.APIOptions{Store: db, Tickets: db, Alerts: db, Catalog: checks.Builtin(), LoginSealer: sealer})
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	token := "pal_remediation_loop_operator_token_0123"
	sum := sha256.Sum256([]byte(token))
	must(t, db.CreateAPIToken(ctx, &posture.APIToken{TenantID: ten.ID, Name: "operator", Prefix: token[:10],
		Hash: hex.EncodeToString(sum[:]), Role: posture.RoleOperator, CreatedBy: "omar@acme.example"}))
	call := func(method, path, body string, out any) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		if out != nil {
			must(t, json.NewDecoder(resp.Body).Decode(out))
		}
		return resp.StatusCode
	}

	run := func(what string) *posture.Run {
		done, err := r.Run(ctx, *tgt, "test")
		if err != nil || done.Status != posture.RunComplete {
			t.Fatalf("%s: %+v %v", what, done, err)
		}
		return done
	}
	run("baseline")
	setPrivileged(t, admin, true)
	turned := run("after the workload turned privileged")

	var driftRaw struct {
		Items []map[string]any `json:"items"`
	}
	if code := call("GET", "/api/v1/tenants/acme/drift", "", &driftRaw); code != 200 {
		t.Fatalf("drift: %d", code)
	}
	found := false
	for _, e := range driftRaw.Items {
		if e["kind"] == "new_finding" && e["check_id"] == privilegedCheck && e["asset_key"] == "apps/Deployment/shop/web" &&
			int64(e["run_id"].(float64)) == turned.ID {
			found = true
		}
	}
	if !found {
		t.Fatalf("no drift event for the privileged workload: %+v", driftRaw.Items)
	}
	if n := worker.Once(ctx); n == 0 {
		t.Fatal("no alert was delivered")
	}
	rcv.mu.Lock()
	var alert *notify.Message
	for i := range rcv.msgs {
		if rcv.msgs[i].Fields["check"] == privilegedCheck {
			alert = &rcv.msgs[i]
		}
	}
	bad := rcv.bad
	rcv.mu.Unlock()
	if alert == nil || bad != 0 || alert.Severity != "critical" && alert.Severity != "high" {
		t.Fatalf("alert at the receiver: %+v (bad signatures %d)", alert, bad)
	}

	// The operator opens a ticket from the finding.
	priv := openFindings(t, db, ten.ID, privilegedCheck)
	if len(priv) != 1 {
		t.Fatalf("privileged findings: %+v", priv)
	}
	var ticket struct {
		ID     int64  `json:"id"`
		Key    string `json:"key"`
		Status string `json:"status"`
	}
	if code := call("POST", "/api/v1/tenants/acme/tickets", fmt.Sprintf(`{"finding_ids":[%d],"assignee":"omar"}`, priv[0].ID), &ticket); code != 201 {
		t.Fatalf("create ticket: %d", code)
	}
	if code := call("POST", "/api/v1/tenants/acme/tickets", fmt.Sprintf(`{"finding_ids":[%d]}`, priv[0].ID), nil); code != 409 {
		t.Fatalf("a second ticket for the same finding: %d", code)
	}

	// The fix in the cluster; the next complete run verifies the ticket.
	setPrivileged(t, admin, false)
	run("after the fix")
	if code := call("GET", fmt.Sprintf("/api/v1/tenants/acme/tickets/%d", ticket.ID), "", &ticket); code != 200 || ticket.Status != "verified" {
		t.Fatalf("ticket %s after the fix: %d %s", ticket.Key, code, ticket.Status)
	}
	// And a regression reopens it.
	setPrivileged(t, admin, true)
	run("after the regression")
	if call("GET", fmt.Sprintf("/api/v1/tenants/acme/tickets/%d", ticket.ID), "", &ticket); ticket.Status != "reopened" {
		t.Fatalf("ticket after the regression: %s", ticket.Status)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
