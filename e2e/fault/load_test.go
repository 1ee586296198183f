package fault_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// loadClients is how many API clients call at once, each with its own token.
const loadClients = 200

// writeWorkloads writes deployments deployments, ten per namespace, each failing about 30
// checks: 3,000 of them make a run of about 90,000 findings.
func writeWorkloads(t *testing.T, dir string, deployments int) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < deployments; i++ {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-%05d, namespace: team-%03d, labels: {app: app-%05d}}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-%05d}}
  template:
    metadata: {labels: {app: app-%05d}}
    spec:
      containers:
      - {name: app, image: "registry.example.com/app:latest", ports: [{containerPort: 8080, hostPort: 8080}]}
      - {name: proxy, image: "registry.example.com/proxy:1.2"}
`, i, i/10, i, i, i)
		if i%500 == 499 || i == deployments-1 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("apps-%05d.yaml", i)), []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			b.Reset()
		}
	}
}

// latencies keeps what the clients saw.
type latencies struct {
	mu           sync.Mutex
	reads        []time.Duration
	codes        map[int]int
	noRetryAfter int
}

func (l *latencies) add(code int, d time.Duration, retryAfter string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codes[code]++
	if code == http.StatusOK {
		l.reads = append(l.reads, d)
	}
	if code == http.StatusServiceUnavailable && retryAfter == "" {
		l.noRetryAfter++
	}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// TestFaultReadsDuringALargeRunOnSQLite: 200 API clients, each with its own token, keep
// reading while SQLite records a run of about 90,000 new findings. None gets a 5xx other
// than 503 (with Retry-After), none is told to sign in again, and the run completes.
// (Recording 90,000 findings held SQLite's write lock for 64-113 s, token uses waited for
// it, and clients got 500 "database is locked".) The latencies are logged, and written to
// $PALISADE_FAULT_REPORT as JSON for docs/benchmarks.md; they are not asserted here.
func TestFaultReadsDuringALargeRunOnSQLite(t *testing.T) {
	ctx := context.Background()
	manifests := t.TempDir()
	dbSpec := freshDatabase(t, store.SQLite)
	cfg := writeConfig(t, dbSpec, fmt.Sprintf("{name: apps, kind: manifests, path: %q, schedule: 1h}", manifests))
	srv := startServer(t, cfg)
	db := dbSpec.open(t)
	ten, err := db.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	targets, err := db.ListTargets(ctx, ten.ID)
	if err != nil || len(targets) != 1 {
		t.Fatalf("targets: %v %v", targets, err)
	}
	waitFor(t, "the first (empty) run", 30*time.Second, func() bool {
		last, err := db.LastCompleteRun(ctx, ten.ID, targets[0].ID)
		return err == nil && last != nil
	})
	tokens := make([]string, loadClients)
	for i := range tokens {
		tokens[i] = makeToken(t, db, "acme", posture.RoleViewer, fmt.Sprintf("reader-%03d", i))
	}
	operator := makeToken(t, db, "acme", posture.RoleOperator, "operator")

	lat := &latencies{codes: map[int]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: loadClients}}
	paths := []string{"/api/v1/tenants/acme/findings?limit=50", "/api/v1/tenants/acme/scores", "/api/v1/tenants/acme/targets",
		"/api/v1/session", "/api/v1/tenants/acme/findings?severity=high&limit=20"}
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := i; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				resp, err := apiCall(client, "GET", srv.URL+paths[n%len(paths)], tok)
				if err != nil {
					t.Errorf("client %d: %v", i, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat.add(resp.StatusCode, time.Since(start), resp.Header.Get("Retry-After"))
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}

	writeWorkloads(t, manifests, 3000)
	resp, err := apiCall(client, "POST", fmt.Sprintf("%s/api/v1/tenants/acme/targets/%d/runs", srv.URL, targets[0].ID), operator)
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		ID int64 `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || started.ID == 0 {
		t.Fatalf("run now: %d", resp.StatusCode)
	}
	began := time.Now()
	waitFor(t, "the large run to be recorded", 10*time.Minute, func() bool {
		run, err := db.Run(ctx, ten.ID, started.ID)
		return err == nil && run.Status != posture.RunRunning
	})
	took := time.Since(began)
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	run, err := db.Run(ctx, ten.ID, started.ID)
	if err != nil || run.Status != posture.RunComplete || run.Failed < 90_000 {
		t.Fatalf("the large run: %+v, %v; want complete with at least 90,000 findings", run, err)
	}
	lat.mu.Lock()
	defer lat.mu.Unlock()
	sort.Slice(lat.reads, func(i, j int) bool { return lat.reads[i] < lat.reads[j] })
	total := 0
	for code, n := range lat.codes {
		total += n
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d (only 200, or 503 while busy, are right)", n, code)
		}
	}
	if lat.noRetryAfter > 0 {
		t.Errorf("%d answers 503 without Retry-After", lat.noRetryAfter)
	}
	report := map[string]any{"clients": loadClients, "findings": run.Failed, "run_seconds": took.Seconds(), "requests": total,
		"status_200": lat.codes[200], "status_503": lat.codes[503],
		"p50_ms": ms(percentile(lat.reads, 0.50)), "p95_ms": ms(percentile(lat.reads, 0.95)),
		"p99_ms": ms(percentile(lat.reads, 0.99)), "max_ms": ms(percentile(lat.reads, 1))}
	t.Logf("%d clients while a %d-finding run recorded (%.1f s): %v", loadClients, run.Failed, took.Seconds(), report)
	if path := os.Getenv("PALISADE_FAULT_REPORT"); path != "" {
		raw, _ := json.Marshal(report)
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
