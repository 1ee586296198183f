package fault_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// ownPostgres starts a PostgreSQL cluster of the test's own (scripts/test-postgres.sh), which
// the test may stop and start again; the suite's shared one must stay up.
func ownPostgres(t *testing.T) (dsn string, pause, resume func()) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "pg.state")
	script := func(verb string) ([]byte, error) {
		cmd := exec.Command("../../scripts/test-postgres.sh", verb)
		cmd.Env = append(os.Environ(), "PALISADE_PGTEST_STATE="+state)
		cmd.Stderr = os.Stderr
		return cmd.Output()
	}
	out, err := script("start")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("start PostgreSQL: %v", err)
		}
		t.Skipf("no PostgreSQL server binaries: %v", err)
	}
	t.Cleanup(func() { _, _ = script("stop") })
	run := func(verb string) func() {
		return func() {
			if _, err := script(verb); err != nil {
				t.Fatalf("PostgreSQL %s: %v", verb, err)
			}
		}
	}
	return strings.TrimSpace(string(out)), run("pause"), run("resume")
}

// clusterBehindGate runs a real kube-apiserver seeded with the demo manifests, reached through
// a gate that authenticates as the cluster admin.
func clusterBehindGate(t *testing.T) *gate {
	t.Helper()
	c := kubeharness.Start(t)
	for _, crd := range []struct{ kind, plural string }{{"Schedule", "schedules"}, {"Backup", "backups"}} {
		if err := c.CreateCRD(context.Background(), kubeharness.VeleroCRD(crd.kind, crd.plural)); err != nil {
			t.Fatal(err)
		}
	}
	manifests, err := filepath.Glob("../demo/manifests/*.yaml")
	if err != nil || len(manifests) == 0 {
		t.Fatalf("demo manifests: %v", err)
	}
	var all []byte // one stream, so that every namespace is created before what lives in it
	for _, m := range manifests {
		raw, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		all = append(append(all, raw...), "\n---\n"...)
	}
	if _, err := c.Apply(context.Background(), all); err != nil {
		t.Fatalf("apply the demo manifests: %v", err)
	}
	api, err := url.Parse(c.Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(c.AdminConfig())
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Transport: transport, Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(api)
		r.Out.Header.Del("Authorization") // the transport authenticates as admin
	}}
	return newGate(proxy)
}

// loadResult counts what API clients got, by phase.
type loadResult struct {
	mu           sync.Mutex
	codes        map[string]map[int]int // phase -> status -> count
	noRetryAfter int
}

func (l *loadResult) add(phase string, resp *http.Response) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.codes[phase] == nil {
		l.codes[phase] = map[int]int{}
	}
	l.codes[phase][resp.StatusCode]++
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		l.noRetryAfter++
	}
}

// TestFaultDatabaseStopsMidRunUnderLoad: PostgreSQL stops for 30 s while a collection is
// under way and API clients (tokens and a writer) keep calling. Nobody is told to sign in
// again or that a thing does not exist: every answer is 200 or 503 (with Retry-After),
// /readyz says 503 then 200, and when the database is back the run's results are recorded
// (the run completes with its findings: no write is lost).
func TestFaultDatabaseStopsMidRunUnderLoad(t *testing.T) {
	dsn, pause, resume := ownPostgres(t)
	g := clusterBehindGate(t)
	cluster := httptest.NewServer(g)
	defer cluster.Close()
	dbSpec := database{store.Postgres, dsn}
	cfg := writeConfig(t, dbSpec, fmt.Sprintf("{name: prod, kind: cluster, kubeconfig: %q, schedule: 1h}", gateKubeconfig(t, cluster.URL)))
	srv := startServer(t, cfg)
	db := dbSpec.open(t)
	waitFor(t, "the run to be collecting", 30*time.Second, func() bool { return len(runningRuns(t, db)) == 1 })
	run := runningRuns(t, db)[0]
	ten, err := db.TenantBySlug(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	var readers []string
	for i := 0; i < 20; i++ {
		readers = append(readers, makeToken(t, db, "acme", posture.RoleViewer, fmt.Sprintf("reader-%02d", i)))
	}
	admin := makeToken(t, db, "acme", posture.RoleAdmin, "admin")

	res := &loadResult{codes: map[string]map[int]int{}}
	var phase atomic.Value
	phase.Store("before")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	call := func(method, path, token, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		res.add(phase.Load().(string), resp)
	}
	loop := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				fn()
				time.Sleep(100 * time.Millisecond) // under each token's rate limit (1,200 a minute)
			}
		}()
	}
	for i, tok := range readers {
		path := []string{"/api/v1/session", "/api/v1/tenants/acme/findings?limit=20", "/api/v1/tenants/acme/targets", "/api/v1/tenants/acme/scores"}[i%4]
		loop(func() { call("GET", path, tok, "") })
	}
	schedules := []string{"2h", "3h"}
	n := 0
	loop(func() {
		n++
		call("PATCH", fmt.Sprintf("/api/v1/tenants/acme/targets/%d", run.TargetID), admin, fmt.Sprintf(`{"schedule":%q}`, schedules[n%2]))
		time.Sleep(200 * time.Millisecond)
	})
	ready := func() int {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	time.Sleep(time.Second)
	phase.Store("outage") // from the moment the database starts shutting down
	pause()
	g.release() // the collection finishes while the database is away
	waitFor(t, "/readyz to say 503", 20*time.Second, func() bool { return ready() == http.StatusServiceUnavailable })
	time.Sleep(30 * time.Second)
	resume()
	phase.Store("recovering")
	waitFor(t, "/readyz to say 200 again", 60*time.Second, func() bool { return ready() == http.StatusOK })
	waitFor(t, "the run to be recorded", 3*time.Minute, func() bool {
		got, err := db.Run(context.Background(), ten.ID, run.ID)
		return err == nil && got.Status != posture.RunRunning
	})
	time.Sleep(time.Second)
	phase.Store("after")
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()

	got, err := db.Run(context.Background(), ten.ID, run.ID)
	if err != nil || got.Status != posture.RunComplete || got.Opened == 0 {
		t.Fatalf("the run collected during the outage: %+v, %v; want complete with its findings", got, err)
	}
	res.mu.Lock()
	defer res.mu.Unlock()
	t.Logf("answers by phase: %v", res.codes)
	for ph, codes := range res.codes {
		for code, count := range codes {
			if code != http.StatusOK && code != http.StatusServiceUnavailable {
				t.Errorf("%s: %d answers with status %d (only 200 and 503 are right)", ph, count, code)
			}
		}
	}
	if res.codes["outage"][http.StatusServiceUnavailable] == 0 {
		t.Error("no 503 during the outage: the test did not reach the database")
	}
	if bad := res.codes["before"][http.StatusServiceUnavailable] + res.codes["after"][http.StatusServiceUnavailable]; bad > 0 ||
		res.codes["after"][http.StatusOK] == 0 {
		t.Errorf("with the database up: %v before, %v after", res.codes["before"], res.codes["after"])
	}
	if res.noRetryAfter > 0 {
		t.Errorf("%d answers 503 without Retry-After", res.noRetryAfter)
	}
	if err := srv.terminate(60 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}
