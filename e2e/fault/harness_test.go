// Package fault_test is the fault-injection suite: the real palisade binary and real
// databases, put through what a bad day brings. NUL characters and invalid bytes through
// every collector into both databases; a process killed (SIGKILL) or stopped (SIGTERM) in
// the middle of a run; PostgreSQL stopped for 30 s during a run and under load; 200
// concurrent API clients while SQLite records a 90,000-finding run. It runs in `make test`;
// under CI=true a missing component (PostgreSQL, the kube-apiserver) fails it.
package fault_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// palisadeBin is the binary under test, built once for the suite.
var palisadeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "palisade-fault")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	palisadeBin = filepath.Join(dir, "palisade")
	if bin := os.Getenv("PALISADE_FAULT_BIN"); bin != "" {
		palisadeBin = bin // another build, e.g. one from before a fix, to see the test fail
	} else {
		build := exec.Command("go", "build", "-o", palisadeBin, "../../backend/cmd/palisade")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "fault: build palisade:", err)
			os.Exit(2)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// database is where a palisade process keeps its data in a test.
type database struct {
	driver, dsn string
}

// freshDatabase is an empty database of the dialect: a SQLite file, or a new schema in the
// test PostgreSQL (storetest; under CI=true a missing one fails the test).
func freshDatabase(t *testing.T, dialect string) database {
	t.Helper()
	if dialect == store.SQLite {
		return database{store.SQLite, filepath.Join(t.TempDir(), "palisade.db")}
	}
	return database{store.Postgres, storetest.DSN(t)}
}

// open connects to the database as the test, to look at what the process stored.
func (d database) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{Driver: d.driver, DSN: d.dsn, MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("open %s: %v", d.driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeConfig writes a palisade.yaml for tenant acme with the given targets (YAML list items).
func writeConfig(t *testing.T, db database, targets ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "palisade.yaml")
	cfg := fmt.Sprintf(`server: {listen: "127.0.0.1:0", shutdown_timeout: 20s, request_timeout: 20s}
database: {driver: %s, dsn: %q, max_open_conns: 10}
log: {level: info, format: json}
tenant: acme
targets:
%s
`, db.driver, db.dsn, "  - "+strings.Join(targets, "\n  - "))
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// server is one `palisade serve` process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{}
	err  error
	URL  string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingLine = regexp.MustCompile(`"msg":"palisade serving","url":"([^"]+)"`)

// startServer runs `palisade serve` and waits until it listens.
func startServer(t *testing.T, cfgPath string) *server {
	t.Helper()
	s := &server{t: t, logs: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(palisadeBin, "serve", "--config", cfgPath)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("palisade log (without request lines):\n%s", tail(withoutRequests(s.logs.String()), 80))
		}
	})
	waitFor(t, "palisade to listen", 60*time.Second, func() bool {
		select {
		case <-s.done:
			t.Fatalf("palisade exited at start-up (%v):\n%s", s.err, tail(s.logs.String(), 40))
		default:
		}
		m := servingLine.FindStringSubmatch(s.logs.String())
		if m != nil {
			s.URL = m[1]
		}
		return m != nil
	})
	return s
}

// kill ends the process with SIGKILL: nothing of it runs after.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// terminate sends SIGTERM and returns the exit status once the process has stopped.
func (s *server) terminate(timeout time.Duration) error {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.err
	case <-time.After(timeout):
		s.t.Fatalf("palisade did not stop within %v of SIGTERM", timeout)
		return nil
	}
}

// withoutRequests drops the access log lines, which bury the rest under load.
func withoutRequests(log string) string {
	var keep []string
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, `"msg":"http request"`) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// makeToken stores an API token of the tenant with the role and returns its secret.
func makeToken(t *testing.T, db *store.DB, tenant string, role posture.Role, name string) string {
	t.Helper()
	ctx := context.Background()
	ten, err := db.TenantBySlug(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	secret := "pal_fault_" + strings.ReplaceAll(name, "-", "_") + "_0123456789abcdef"
	sum := sha256.Sum256([]byte(secret))
	if err := db.CreateAPIToken(ctx, &posture.APIToken{TenantID: ten.ID, Name: name, Prefix: secret[:10],
		Hash: hex.EncodeToString(sum[:]), Role: role, CreatedBy: "fault-suite"}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// runningRuns counts the runs still marked running.
func runningRuns(t *testing.T, db *store.DB) []posture.Run {
	t.Helper()
	runs, err := db.RunningRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// apiCall sends a request with a bearer token.
func apiCall(client *http.Client, method, url, token string) (*http.Response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return client.Do(req)
}

// gate is a Kubernetes API endpoint that holds every request until opened (or until the
// client goes away), then hands it to upstream: a cluster that is slow exactly when the
// test wants a run in the middle of its collection.
type gate struct {
	upstream http.Handler
	open     chan struct{}
	once     sync.Once
	arrived  chan struct{}
}

func newGate(upstream http.Handler) *gate {
	return &gate{upstream: upstream, open: make(chan struct{}), arrived: make(chan struct{}, 1)}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case g.arrived <- struct{}{}:
	default:
	}
	select {
	case <-g.open:
	case <-r.Context().Done():
		return
	}
	if g.upstream == nil {
		http.Error(w, "no cluster behind this gate", http.StatusServiceUnavailable)
		return
	}
	g.upstream.ServeHTTP(w, r)
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// gateKubeconfig writes a kubeconfig whose cluster is the gate.
func gateKubeconfig(t *testing.T, url string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: gate, cluster: {server: %q}}]
users: [{name: u, user: {token: unused-the-gate-authenticates}}]
contexts: [{name: gate, context: {cluster: gate, user: u}}]
current-context: gate
`, url)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
