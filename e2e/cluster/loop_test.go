package cluster_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/egress"
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

// loop is Palisade wired to a harness cluster as `palisade serve` wires it: tenant acme with
// the cluster as its target, a runner, the SOC's signed webhook with one alert rule, the
// outbox worker, and the API with a token of one role.
type loop struct {
	t      *testing.T
	db     *store.DB
	ten    *posture.Tenant
	tgt    *posture.Target
	runner *runner.Runner
	rcv    *webhookReceiver
	worker *outbox.Worker
	api    string
	token  string
}

func newLoop(t *testing.T, c *kubeharness.Cluster, rule alerting.Rule, role posture.Role) *loop {
	ctx := t.Context()
	l := &loop{t: t, db: storetest.Open(t, store.SQLite), ten: &posture.Tenant{Slug: "acme", Name: "Acme"}}
	must(t, l.db.CreateTenant(ctx, l.ten))
	l.tgt = &posture.Target{TenantID: l.ten.ID, Name: "harness", Kind: posture.TargetCluster, Schedule: "10m", Enabled: true,
		Settings: map[string]string{"kubeconfig": c.Kubeconfig(t, c.CollectorToken), "context": kubeharness.ContextName}}
	must(t, l.db.CreateTarget(ctx, l.tgt))
	log := slog.New(slog.DiscardHandler)
	l.runner = &runner.Runner{Runs: l.db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(),
		Log: log, Sources: map[posture.TargetKind]runner.Source{posture.TargetCluster: sources.Cluster(sources.ClusterOptions{})}}

	l.rcv = &webhookReceiver{secret: []byte("soc-webhook-signing-secret-0123456789")}
	soc := httptest.NewServer(l.rcv)
	t.Cleanup(soc.Close)
	raw, _ := seal.GenerateKey()
	key, _ := seal.ParseKey(raw)
	sealer := seal.New(key)
	ch := &alerting.Channel{TenantID: l.ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": soc.URL}}
	must(t, l.db.CreateSealedChannel(ctx, ch, func(id int64) ([]byte, error) {
		return sealer.Seal(l.rcv.secret, store.ChannelSecretContext(id))
	}))
	rule.TenantID, rule.ChannelID = l.ten.ID, ch.ID
	must(t, l.db.CreateRule(ctx, &rule))
	l.worker = &outbox.Worker{Store: l.db, Sealer: sealer, Context: store.ChannelSecretContext, Log: log,
		Outbound: egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}} // soc listens there

	api := httpapi.New(httpapi.Config{Listen: "127.0.0.1:0", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: 5 * time.Second, RequestTimeout: 10 * time.Second, ShutdownTimeout: time.Second, MaxBodyBytes: 1 << 20}, log, nil)
	api.MountAPI(httpapi.APIOptions{Store: l.db, Tickets: l.db, Alerts: l.db, Catalog: checks.Builtin(), LoginSealer: sealer})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	l.api = srv.URL
	l.token = "pal_cluster_loop_" + string(role) + "_token_0123456789"
	sum := sha256.Sum256([]byte(l.token))
	must(t, l.db.CreateAPIToken(ctx, &posture.APIToken{TenantID: l.ten.ID, Name: string(role), Prefix: l.token[:10],
		Hash: hex.EncodeToString(sum[:]), Role: role, CreatedBy: "omar@acme.example"}))
	return l
}

// call sends an API request with the loop's token and decodes the answer into out.
func (l *loop) call(method, path, body string, out any) int {
	req, _ := http.NewRequest(method, l.api+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	must(l.t, err)
	defer resp.Body.Close()
	if out != nil {
		must(l.t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

// run collects the target and requires a complete run.
func (l *loop) run(what string) *posture.Run {
	done, err := l.runner.Run(l.t.Context(), *l.tgt, "test")
	if err != nil || done.Status != posture.RunComplete {
		l.t.Fatalf("%s: %+v %v", what, done, err)
	}
	return done
}

// received returns the alerts the receiver accepted so far and how many it refused.
func (l *loop) received() ([]notify.Message, int) {
	l.rcv.mu.Lock()
	defer l.rcv.mu.Unlock()
	return append([]notify.Message(nil), l.rcv.msgs...), l.rcv.bad
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
