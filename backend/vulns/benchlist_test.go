package vulns_test

// The "list" part of BenchmarkVulnerabilities: the vulnerabilities list through the API.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/vulns"
)

// vulnAPI serves the vulnerability endpoints from the store and the service together, as
// `palisade serve` wires them.
type vulnAPI struct {
	*store.DB
	*vulns.Service
}

type benchVuln struct {
	Digest       string   `json:"digest"`
	Advisory     string   `json:"advisory"`
	Aliases      []string `json:"aliases"`
	Package      string   `json:"package"`
	FixAvailable bool     `json:"fix_available"`
	Severity     string   `json:"severity"`
	NotAffected  bool     `json:"not_affected"`
}

type benchVulnPage struct {
	Items      []benchVuln `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

// probes are the filter values the cases cycle through, read from the estate (untimed):
// common and rare packages, advisories and namespaces, images, and cursors deep in the list.
type probes struct {
	packages, cves, images, namespaces, cursors []string
	advisoriesOf                                map[string][]string        // CVE -> advisory ids
	inNamespace                                 map[string]map[string]bool // namespace -> digests
}

func (env *vulnEnv) benchList(b *testing.B) {
	b.StopTimer()
	env.ensureStored(b)
	env.seedVEX(b)
	rows := env.count(b, "SELECT COUNT(*) FROM image_vulns WHERE tenant_id = "+strconv.FormatInt(env.tenant.ID, 10))
	all := env.count(b, "SELECT COUNT(*) FROM image_vulns")
	env.logf("list: %d image vulnerabilities of the tenant, %d of all tenants", rows, all)
	pr := env.probe(b, rows)
	env.serve(b)
	cases := env.listCases(pr)
	lat := make([]*latency, len(cases))
	for i, c := range cases {
		lat[i] = &latency{name: c.name}
	}
	env.listRound(b, cases, lat, 0, false) // warm-up, checked against the filters
	requests := 0
	p := startPhase(b)
	for n := 0; n < b.N; n++ {
		for round := 1; round <= env.requests; round++ {
			requests += env.listRound(b, cases, lat, round, true)
		}
	}
	p.stop()
	env.report(b, lat, requests)
	b.ReportMetric(float64(rows), "image-vulns")
}

// listCase is one kind of list request; round i picks its values.
type listCase struct {
	name  string
	query func(i int) url.Values
	pages int                             // > 1: follow next_cursor; the samples are pages 2..pages
	want  func(i int, v benchVuln) string // "" when the item matches the filter
	empty bool                            // some values may list nothing (all declared not affected)
}

func (env *vulnEnv) listRound(b *testing.B, cases []listCase, lat []*latency, round int, measure bool) int {
	requests := 0
	for ci, c := range cases {
		q := c.query(round)
		pages := max(1, c.pages)
		for page := 1; page <= pages; page++ {
			body, d := env.get(b, "/api/v1/tenants/bench/vulnerabilities?"+q.Encode())
			requests++
			if measure && (pages == 1 || page > 1) {
				lat[ci].samples = append(lat[ci].samples, d)
			}
			var pg benchVulnPage
			must(b, json.Unmarshal(body, &pg))
			if !measure {
				env.check(b, c, round, q, pg)
			}
			if page < pages {
				if pg.NextCursor == "" {
					b.Fatalf("%s (%s): no page %d", c.name, q.Encode(), page+1)
				}
				q.Set("cursor", pg.NextCursor)
			}
		}
	}
	return requests
}

func (env *vulnEnv) check(b *testing.B, c listCase, round int, q url.Values, pg benchVulnPage) {
	if len(pg.Items) == 0 && !c.empty {
		b.Fatalf("%s (%s): no vulnerabilities", c.name, q.Encode())
	}
	for _, v := range pg.Items {
		msg := c.want(round, v)
		if msg == "" && v.NotAffected && q.Get("not_affected") != "true" {
			msg = "not affected, listed"
		}
		if msg != "" {
			b.Fatalf("%s (%s): item %+v does not match: %s", c.name, q.Encode(), v, msg)
		}
	}
}

// get sends one GET through the handler and times it.
func (env *vulnEnv) get(b *testing.B, path string) ([]byte, time.Duration) {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+path, nil)
	req.Header.Set("Authorization", "Bearer "+env.tokens[env.next%len(env.tokens)])
	env.next++
	w := httptest.NewRecorder()
	start := time.Now()
	env.handler.ServeHTTP(w, req)
	d := time.Since(start)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, w.Code, w.Body.String())
	}
	return w.Body.Bytes(), d
}

// serve mounts the API as `palisade serve` does, with enough admin tokens that the
// per-token rate limit never answers 429.
func (env *vulnEnv) serve(b *testing.B) {
	ctx := context.Background()
	srv := httpapi.New(httpapi.Config{Listen: "127.0.0.1:0", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: 5 * time.Second, RequestTimeout: 10 * time.Second, ShutdownTimeout: 5 * time.Second,
		MaxBodyBytes: 1 << 20, Version: "bench"}, slog.New(slog.DiscardHandler), nil)
	raw, err := seal.GenerateKey()
	must(b, err)
	key, err := seal.ParseKey(raw)
	must(b, err)
	sealer := seal.New(key)
	srv.MountAPI(httpapi.APIOptions{Store: env.db, Sealer: sealer, LoginSealer: sealer, Catalog: checks.Builtin(),
		CredentialContext: store.TargetCredentialsContext, Now: time.Now, Vulns: vulnAPI{env.db, env.svc}})
	env.handler = srv.Handler()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range 100 {
		secret := fmt.Sprintf("pal_bench_%s_%03d_0123456789abcdef", run, i)
		sum := sha256.Sum256([]byte(secret))
		tok := &posture.APIToken{TenantID: env.tenant.ID, Name: "bench-" + run + "-" + strconv.Itoa(i), Prefix: secret[:10],
			Hash: hex.EncodeToString(sum[:]), Role: posture.RoleAdmin, CreatedBy: "bench"}
		must(b, env.db.CreateAPIToken(ctx, tok))
		env.tokens = append(env.tokens, secret)
	}
}

type latency struct {
	name    string
	samples []time.Duration
}

// p is the nearest-rank percentile, in milliseconds.
func (l *latency) p(p float64) float64 {
	s := slices.Clone(l.samples)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return float64(s[max(0, min(i, len(s)-1))].Microseconds()) / 1000
}

// report logs every case's distribution, reports the pooled p50/p95/p99 and each case's
// p95, and the worst case's p95 (the budget's verdict).
func (env *vulnEnv) report(b *testing.B, cases []*latency, requests int) {
	var all []time.Duration
	worst, worstName := 0.0, ""
	env.logf("%-22s %6s %8s %8s %8s %8s", "case", "n", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, c := range cases {
		all = append(all, c.samples...)
		p95 := c.p(0.95)
		env.logf("%-22s %6d %8.1f %8.1f %8.1f %8.1f", c.name, len(c.samples), c.p(0.50), p95, c.p(0.99), c.p(1))
		b.ReportMetric(p95, c.name+"-p95-ms")
		if p95 > worst {
			worst, worstName = p95, c.name
		}
	}
	pooled := &latency{samples: all}
	env.logf("%-22s %6d %8.1f %8.1f %8.1f %8.1f (worst p95: %s)", "all", len(all), pooled.p(0.50), pooled.p(0.95),
		pooled.p(0.99), pooled.p(1), worstName)
	b.ReportMetric(pooled.p(0.50), "p50-ms")
	b.ReportMetric(pooled.p(0.95), "p95-ms")
	b.ReportMetric(worst, "worst-p95-ms")
	b.ReportMetric(float64(requests)/b.Elapsed().Seconds(), "req/s")
}

// vulnCursor is a list cursor as the store writes it (severity, advisory, digest and
// package, NUL-separated, base64url): the benchmark starts deep pages without walking
// thousands of pages to reach them.
func vulnCursor(sev int, advisory, digest, component string) string {
	raw := strings.Join([]string{strconv.Itoa(sev), advisory, digest, component}, "\x00")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}
