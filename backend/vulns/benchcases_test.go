package vulns_test

// The list cases of BenchmarkVulnerabilities, the values they cycle through, and the VEX
// statements the tenant holds.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/vulns"
)

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var sevRank = map[string]int{"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

func (env *vulnEnv) listCases(pr *probes) []listCase {
	at := func(list []string, i int) string { return list[i%len(list)] }
	anything := func(int, benchVuln) string { return "" }
	atLeast := func(s string) func(int, benchVuln) string {
		return func(_ int, v benchVuln) string {
			return map[bool]string{false: "severity " + v.Severity}[sevRank[v.Severity] >= sevRank[s]]
		}
	}
	fix := func(want bool) func(int, benchVuln) string {
		return func(_ int, v benchVuln) string {
			return map[bool]string{false: "fix_available"}[v.FixAvailable == want]
		}
	}
	inNS := func(i int, v benchVuln) string {
		return map[bool]string{false: "not in " + at(pr.namespaces, i)}[pr.inNamespace[at(pr.namespaces, i)][v.Digest]]
	}
	return []listCase{
		{name: "default", query: func(int) url.Values { return vals() }, want: anything},
		{name: "severity-high", query: func(int) url.Values { return vals("severity", "high") }, want: atLeast("high")},
		{name: "severity-critical", query: func(int) url.Values { return vals("severity", "critical") }, want: atLeast("critical")},
		{name: "fixable", query: func(int) url.Values { return vals("fixable", "true") }, want: fix(true)},
		{name: "unfixable", query: func(int) url.Values { return vals("fixable", "false") }, want: fix(false)},
		{name: "package", query: func(i int) url.Values { return vals("package", at(pr.packages, i)) },
			want: func(i int, v benchVuln) string {
				return map[bool]string{false: "package"}[v.Package == at(pr.packages, i)]
			},
			empty: true},
		{name: "vulnerability", query: func(i int) url.Values { return vals("vulnerability", at(pr.cves, i)) },
			want: func(i int, v benchVuln) string {
				return map[bool]string{false: "advisory"}[slices.Contains(pr.advisoriesOf[at(pr.cves, i)], v.Advisory)]
			}, empty: true},
		{name: "image", query: func(i int) url.Values { return vals("image", at(pr.images, i)) },
			want: func(i int, v benchVuln) string { return map[bool]string{false: "digest"}[v.Digest == at(pr.images, i)] }},
		{name: "namespace", query: func(i int) url.Values { return vals("namespace", at(pr.namespaces, i)) }, want: inNS},
		{name: "ns-high-fixable", query: func(i int) url.Values {
			return vals("namespace", at(pr.namespaces, i), "severity", "high", "fixable", "true")
		}, want: func(i int, v benchVuln) string { return inNS(i, v) + atLeast("high")(i, v) + fix(true)(i, v) }, empty: true},
		{name: "not-affected", query: func(int) url.Values { return vals("not_affected", "true") }, want: anything},
		{name: "deep-cursor", query: func(i int) url.Values { return vals("cursor", at(pr.cursors, i)) }, want: anything},
		{name: "pages2-3", pages: 3, query: func(int) url.Values { return vals() }, want: anything},
	}
}

// spread picks up to k entries of a list sorted most common first, dense at the top and
// reaching its tail.
func spread(list []string, k int) []string {
	var out []string
	for j := range k {
		i := int(float64(len(list)-1) * math.Pow(float64(j)/float64(max(1, k-1)), 3))
		if s := list[i]; !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (env *vulnEnv) strings(b *testing.B, query string) []string {
	rows, err := env.db.SQL().QueryContext(context.Background(), query)
	must(b, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(b, rows.Scan(&s))
		out = append(out, s)
	}
	must(b, rows.Err())
	return out
}

// probe reads the values the cases cycle through.
func (env *vulnEnv) probe(b *testing.B, rows int64) *probes {
	ctx := context.Background()
	ten := strconv.FormatInt(env.tenant.ID, 10)
	pr := &probes{advisoriesOf: map[string][]string{}, inNamespace: map[string]map[string]bool{}}
	pr.packages = spread(env.strings(b, "SELECT component FROM image_vulns WHERE tenant_id = "+ten+
		" GROUP BY component ORDER BY COUNT(*) DESC, component"), 16)
	ids := spread(env.strings(b, "SELECT advisory_id FROM image_vulns WHERE tenant_id = "+ten+
		" GROUP BY advisory_id ORDER BY COUNT(*) DESC, advisory_id"), 16)
	advs, err := env.db.Advisories(ctx, ids)
	must(b, err)
	for _, id := range ids {
		cve := advs[id].Aliases[0]
		resolved, err := env.db.ResolveVulnerability(ctx, cve)
		must(b, err)
		pr.cves, pr.advisoriesOf[cve] = append(pr.cves, cve), resolved
	}
	digests := env.strings(b, "SELECT DISTINCT digest FROM image_vulns WHERE tenant_id = "+ten+" ORDER BY digest")
	pr.images = spread(digests, 32)
	for _, nd := range env.strings(b, "SELECT namespace || ' ' || digest FROM image_usages WHERE tenant_id = "+ten) {
		ns, d := nd[:len("ns-000")], nd[len("ns-000 "):]
		if pr.inNamespace[ns] == nil {
			pr.inNamespace[ns] = map[string]bool{}
		}
		pr.inNamespace[ns][d] = true
	}
	bySize := make([]string, 0, len(pr.inNamespace))
	for ns := range pr.inNamespace {
		bySize = append(bySize, ns)
	}
	slices.SortFunc(bySize, func(x, y string) int { return len(pr.inNamespace[y]) - len(pr.inNamespace[x]) })
	pr.namespaces = spread(bySize, 16)
	pr.cursors = env.deepCursors(b, ten, rows)
	env.logf("list: probes: %d packages, %d CVEs, %d images, %d namespaces (%d to %d images), %d deep cursors",
		len(pr.packages), len(pr.cves), len(pr.images), len(pr.namespaces), len(pr.inNamespace[pr.namespaces[0]]),
		len(pr.inNamespace[pr.namespaces[len(pr.namespaces)-1]]), len(pr.cursors))
	return pr
}

// deepCursors are cursors at 30 % to 95 % of the tenant's list.
func (env *vulnEnv) deepCursors(b *testing.B, ten string, rows int64) []string {
	var out []string
	for j := range 12 {
		offset := int64(float64(rows) * (0.30 + 0.65*float64(j)/11))
		q := fmt.Sprintf(`SELECT severity, advisory_id, digest, component FROM image_vulns WHERE tenant_id = %s
			ORDER BY severity DESC, advisory_id, digest, component LIMIT 1 OFFSET %d`, ten, offset)
		var sev int
		var adv, digest, comp string
		must(b, env.db.SQL().QueryRowContext(context.Background(), q).Scan(&sev, &adv, &digest, &comp))
		out = append(out, vulnCursor(sev, adv, digest, comp))
	}
	return out
}

// seedVEX gives the tenant 100 statements in force about its most common advisories (by
// CVE for every image, by advisory for one image, by CVE for one package) and 50 expired
// ones, as months of triage leave; then marks a kept estate complete.
func (env *vulnEnv) seedVEX(b *testing.B) {
	if env.vexed || env.reused {
		return
	}
	env.vexed = true
	ctx := context.Background()
	ten := strconv.FormatInt(env.tenant.ID, 10)
	top := env.strings(b, "SELECT advisory_id FROM image_vulns WHERE tenant_id = "+ten+
		" GROUP BY advisory_id ORDER BY COUNT(*) DESC, advisory_id LIMIT 600")
	advs, err := env.db.Advisories(ctx, top)
	must(b, err)
	for j := 0; j < len(top); j += 4 {
		id := top[j]
		v := &vulns.VEXStatement{Vulnerability: advs[id].Aliases[0], Justification: vulns.VEXJustifications[j%5],
			Reason: "reviewed by the platform team", ExpiresAt: time.Now().Add(90 * 24 * time.Hour), CreatedBy: "bench"}
		where := env.strings(b, "SELECT digest || ' ' || component FROM image_vulns WHERE tenant_id = "+ten+
			" AND advisory_id = '"+id+"' ORDER BY digest, component LIMIT 1")[0]
		switch (j / 4) % 3 {
		case 1:
			v.Vulnerability, v.Digest = id, where[:71]
		case 2:
			v.Component = where[72:]
		}
		if j/4 >= 100 {
			must(b, env.db.Exec(ctx, `INSERT INTO vex_statements (tenant_id, vulnerability, digest, component, status, justification,
				reason, expires_at, created_by, created_at) VALUES (?, ?, ?, ?, 'not_affected', ?, ?, ?, 'bench', ?)`, env.tenant.ID,
				v.Vulnerability, v.Digest, v.Component, v.Justification, v.Reason, time.Now().Add(-24*time.Hour), time.Now().Add(-90*24*time.Hour)))
			continue
		}
		must(b, env.db.CreateVEX(ctx, env.tenant.ID, v))
	}
	env.analyze(b)
	if env.dialect == store.Postgres && os.Getenv("PALISADE_BENCH_VULNS_SCHEMA") != "" {
		sum := sha256.Sum256([]byte(benchSeededMark))
		must(b, env.db.CreateAPIToken(ctx, &posture.APIToken{TenantID: env.tenant.ID, Name: benchSeededMark,
			Prefix: "pal_seeded", Hash: hex.EncodeToString(sum[:]), Role: posture.RoleViewer, CreatedBy: "bench"}))
	}
}
