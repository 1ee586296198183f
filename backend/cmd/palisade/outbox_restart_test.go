package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/store"
)

// asBinary makes the test binary act as the palisade binary when a test starts it as a
// process (TestIntegrationAlertSurvivesAKilledProcess): the same code, killed for real.
const asBinary = "PALISADE_TEST_RUN_AS_BINARY"

func TestMain(m *testing.M) {
	if os.Getenv(asBinary) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, vars: os.Environ()})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func appManifest(privileged bool) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          securityContext: {privileged: %v}
`, privileged)
}

// hangingReceiver is a webhook endpoint that, until released, holds every request open (the
// send is in flight when the test kills the process), then verifies and records them.
type hangingReceiver struct {
	secret   []byte
	mu       sync.Mutex
	hold     chan struct{}
	arrived  chan struct{}
	ids      []string // X-Palisade-Id of each signed message accepted
	attempts int
}

func (h *hangingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.attempts++
	h.mu.Unlock()
	select {
	case h.arrived <- struct{}{}:
	default:
	}
	select {
	case <-h.hold:
	case <-r.Context().Done():
		return
	}
	if err := notify.Verify(h.secret, body, r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), time.Now(), notify.DefaultTolerance); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	h.ids = append(h.ids, r.Header.Get("X-Palisade-Id"))
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// TestIntegrationAlertSurvivesAKilledProcess: `palisade serve` runs, a workload has turned
// privileged, the run queues the alert and the worker starts sending it; the process is
// killed (SIGKILL) while the send is in flight. A new process, started on the same database,
// delivers the alert, signed, once the dead worker's lease has ended.
func TestIntegrationAlertSurvivesAKilledProcess(t *testing.T) {
	dir := t.TempDir()
	manifest, dbPath, cfgPath := filepath.Join(dir, "app.yaml"), filepath.Join(dir, "p.db"), filepath.Join(dir, "palisade.yaml")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(manifest, []byte(appManifest(false)), 0o600))
	key, err := seal.GenerateKey()
	must(err)
	must(os.WriteFile(cfgPath, []byte(fmt.Sprintf(`server: {listen: "127.0.0.1:0", outbound_allow: [127.0.0.1/32]}
database: {driver: sqlite, dsn: %q}
secrets: {key: %q}
alerts: {delivery_lease: 3s}
log: {level: info, format: json}
tenant: acme
targets:
  - {name: app, kind: manifests, path: %q, schedule: 1h}
`, dbPath, key, manifest)), 0o600))

	var logs bytes.Buffer
	var logMu sync.Mutex
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "serve", "--config", cfgPath)
		cmd.Env = append(os.Environ(), asBinary+"=1")
		w := writerFunc(func(p []byte) (int, error) { logMu.Lock(); defer logMu.Unlock(); return logs.Write(p) })
		cmd.Stdout, cmd.Stderr = w, w
		must(cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	failf := func(format string, args ...any) {
		t.Helper()
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf(format+"\nlogs:\n%s", append(args, logs.String())...)
	}
	ctx := context.Background()
	var db *store.DB
	completeRuns := func() int {
		if db == nil {
			if _, err := os.Stat(dbPath); err != nil {
				return 0
			}
			if db, err = store.Open(ctx, store.Options{Driver: store.SQLite, DSN: dbPath}); err != nil {
				return 0
			}
			t.Cleanup(func() { db.Close() })
		}
		var n int
		_ = db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM collection_runs WHERE status = 'complete'").Scan(&n)
		return n
	}
	waitFor := func(what string, timeout time.Duration, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if ok() {
				return
			}
		}
		failf("timed out waiting for %s", what)
	}

	// The baseline run, then a clean stop.
	first := start()
	waitFor("the baseline run", 60*time.Second, func() bool { return completeRuns() == 1 })
	must(first.Process.Signal(syscall.SIGTERM))
	must(first.Wait())

	// The SOC's webhook, holding requests open, and a rule for new high findings.
	rcv := &hangingReceiver{secret: []byte("soc-webhook-signing-secret-0123456789"), hold: make(chan struct{}), arrived: make(chan struct{}, 1)}
	soc := httptest.NewServer(rcv)
	defer soc.Close()
	tenants, err := db.ListTenants(ctx)
	must(err)
	ten := tenants[0]
	ch := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": soc.URL}}
	k, err := seal.ParseKey(key)
	must(err)
	must(db.CreateSealedChannel(ctx, ch, func(id int64) ([]byte, error) {
		return seal.New(k).Seal(rcv.secret, store.ChannelSecretContext(id))
	}))
	must(db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "new high", MinSeverity: posture.SeverityHigh,
		Kinds: []string{alerting.KindNewFinding}, ChannelID: ch.ID}))

	// An operator's token, to start the next run (a process collects at start only targets
	// whose last run is older than their schedule).
	const token = "pal_restart_test_operator_token_0123456789"
	sum := sha256.Sum256([]byte(token))
	must(db.CreateAPIToken(ctx, &posture.APIToken{TenantID: ten.ID, Name: "op", Prefix: token[:10],
		Hash: hex.EncodeToString(sum[:]), Role: posture.RoleOperator, CreatedBy: "test"}))
	targets, err := db.ListTargets(ctx, ten.ID)
	must(err)
	servingURL := func(n int) string {
		var url string
		waitFor("the server to listen", 30*time.Second, func() bool {
			logMu.Lock()
			defer logMu.Unlock()
			m := regexp.MustCompile(`"msg":"palisade serving","url":"([^"]+)"`).FindAllStringSubmatch(logs.String(), -1)
			if len(m) >= n {
				url = m[n-1][1]
			}
			return url != ""
		})
		return url
	}

	// The workload turns privileged; the next process's run queues the alert and its
	// worker starts sending it. Killed mid-send.
	must(os.WriteFile(manifest, []byte(appManifest(true)), 0o600))
	second := start()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tenants/acme/targets/%d/runs", servingURL(2), targets[0].ID), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		failf("run now: %d", resp.StatusCode)
	}
	select {
	case <-rcv.arrived:
	case <-time.After(60 * time.Second):
		failf("the alert was never sent")
	}
	must(second.Process.Signal(syscall.SIGKILL))
	_ = second.Wait()
	deliveries, err := db.ListDeliveries(ctx, ten.ID, 10)
	must(err)
	if len(deliveries) != 1 || deliveries[0].Status == "sent" {
		failf("after the kill: deliveries %+v, want one not sent", deliveries)
	}

	// A new process delivers it after the lease, signed, exactly the queued message.
	close(rcv.hold)
	start()
	waitFor("the alert after the restart", 60*time.Second, func() bool {
		list, err := db.ListDeliveries(ctx, ten.ID, 10)
		return err == nil && len(list) == 1 && list[0].Status == "sent"
	})
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.ids) != 1 || rcv.ids[0] == "" || rcv.attempts < 2 {
		failf("the receiver accepted %q in %d attempts; want the one alert, signed, after a retry", rcv.ids, rcv.attempts)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
