package vulns_test

// The OSV feeds of BenchmarkVulnerabilities: a baseline, then rounds of changes (modified
// and new records), written as all.zip exports or stored directly.

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

// The OSV JSON written (the fields Palisade reads, and a schema version).
type osvJSON struct {
	SchemaVersion string       `json:"schema_version"`
	ID            string       `json:"id"`
	Modified      string       `json:"modified"`
	Published     string       `json:"published"`
	Withdrawn     string       `json:"withdrawn,omitempty"`
	Aliases       []string     `json:"aliases,omitempty"`
	Summary       string       `json:"summary"`
	Details       string       `json:"details"`
	Severity      []osvSevJSON `json:"severity,omitempty"`
	Affected      []osvAffJSON `json:"affected"`
	References    []osvRefJSON `json:"references"`
}

type osvSevJSON struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvAffJSON struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		PURL      string `json:"purl,omitempty"`
	} `json:"package"`
	Ranges []osvRangeJSON `json:"ranges"`
}

type osvRangeJSON struct {
	Type   string           `json:"type"`
	Events []map[string]any `json:"events"`
}

type osvRefJSON struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// CVSS v3.1 vectors of each severity (critical 9.8, high 7.5, medium 5.4, low 2.5).
var benchVectors = []string{
	"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
}

// benchFeed is one OSV export ("Debian", "Alpine", "Go", "npm") and its current records.
type benchFeed struct {
	name, eco string
	pool      *benchPool
	stdlib    *benchPkg // Go: the standard library, named by a share of the advisories
	held      int       // baseline records naming held packages (the first ones)
	unheld    int       // baseline records naming packages no image holds
	cveBase   int
	unknown   float64    // share of records without a CVSS vector
	kinds     [3]float64 // held records: fixed before every release, fixed in a release, unfixed
	records   []*osvJSON
	index     map[string]int
	next      int // the next new record's number
}

func (f *benchFeed) rangeType() string {
	if f.eco == ecoDebian || f.eco == ecoAlpine {
		return "ECOSYSTEM"
	}
	return "SEMVER"
}

func (f *benchFeed) put(rec *osvJSON) {
	if i, ok := f.index[rec.ID]; ok {
		f.records[i] = rec
		return
	}
	f.index[rec.ID] = len(f.records)
	f.records = append(f.records, rec)
}

// ids names record n: its id and aliases.
func (f *benchFeed) ids(n int) (string, []string) {
	cve := fmt.Sprintf("CVE-%d-%d", 2014+n%12, 10000+f.cveBase+n)
	switch f.name {
	case "Debian":
		return "DEBIAN-" + cve, []string{cve}
	case "Alpine":
		return "ALPINE-" + cve, []string{cve}
	case "Go":
		return fmt.Sprintf("GO-%d-%04d", 2020+n%6, n), []string{cve, ghsaID(f.cveBase + n)}
	}
	return ghsaID(f.cveBase + n), []string{cve}
}

func ghsaID(n int) string {
	const alphabet = "23456789cfghjmpqrvwx"
	r := rand.New(rand.NewPCG(uint64(n), 99))
	var b strings.Builder
	b.WriteString("GHSA")
	for range 3 {
		b.WriteByte('-')
		for range 4 {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
	}
	return b.String()
}

// pick chooses the held package a record names: core packages half the time, else by
// popularity; Go's standard library a sixth of the time.
func (f *benchFeed) pick(r *rand.Rand) *benchPkg {
	if f.stdlib != nil && r.IntN(6) == 0 {
		return f.stdlib
	}
	if f.pool.core > 0 && r.IntN(2) == 0 {
		return f.pool.pkgs[r.IntN(f.pool.core)]
	}
	return f.pool.draw(r, 1)[0]
}

// record builds record n, held or not, as published (round 0: before the baseline) or as
// modified in round: most modifications touch only references and text, some re-score the
// severity, publish a fix or rewrite the ranges, one in a hundred withdraws the record.
func (f *benchFeed) record(n int, held bool, round int, modified bool) *osvJSON {
	pr := rand.New(rand.NewPCG(uint64(f.cveBase+n), 0)) // the record as first published
	id, aliases := f.ids(n)
	age := time.Duration(1+n%3000) * 24 * time.Hour
	published := benchTime.Add(-age)
	// Published and last changed before any round's changes; a new record in its round.
	changedAt := published.Add(time.Duration(pr.Int64N(int64(age))))
	if round > 0 && !modified {
		published = benchTime.Add(time.Duration(round) * 24 * time.Hour)
		changedAt = published.Add(time.Duration(pr.IntN(3600)) * time.Second)
	}
	rec := &osvJSON{SchemaVersion: "1.6.0", ID: id, Aliases: aliases, Modified: changedAt.Format(time.RFC3339),
		Published: published.Format(time.RFC3339)}
	var p *benchPkg
	name := f.name
	if held {
		p = f.pick(pr)
		rec.Affected, name = []osvAffJSON{f.heldAffected(pr, p)}, p.name
	} else {
		rec.Affected = []osvAffJSON{f.unheldAffected(pr, n)}
		name = rec.Affected[0].Package.Name
	}
	if pr.Float64() >= f.unknown {
		rec.Severity = []osvSevJSON{{Type: "CVSS_V3", Score: benchVectors[severityDraw(pr)]}}
	}
	flaw := flaws[pr.IntN(len(flaws))]
	rec.Summary = fmt.Sprintf("%s: %s in %s", aliases[0], flaw, name)
	rec.Details = strings.Repeat(fmt.Sprintf("A flaw was found in %s that %s when processing crafted input. ", name, flaw), 2+pr.IntN(4))
	rec.References = []osvRefJSON{{Type: "ADVISORY", URL: "https://nvd.nist.gov/vuln/detail/" + aliases[0]},
		{Type: "WEB", URL: "https://security-tracker.example.org/tracker/" + aliases[0]}}
	if modified {
		f.modify(rec, p, n, round)
	}
	return rec
}

// modify applies round's modification to a record.
func (f *benchFeed) modify(rec *osvJSON, p *benchPkg, n, round int) {
	r := rand.New(rand.NewPCG(uint64(f.cveBase+n), uint64(round)))
	at := benchTime.Add(time.Duration(round)*24*time.Hour + time.Duration(r.IntN(3600))*time.Second)
	rec.Modified = at.Format(time.RFC3339)
	rec.References = append(rec.References, osvRefJSON{Type: "WEB", URL: fmt.Sprintf("https://lists.example.org/%s/%d", rec.ID, round)})
	switch c := r.IntN(10); {
	case c == 6 || c == 7:
		rec.Severity = []osvSevJSON{{Type: "CVSS_V3", Score: benchVectors[severityDraw(r)]}}
	case c == 8 && p != nil && len(p.versions) > 1:
		rec.Affected[0].Ranges[0].Events = []map[string]any{{"introduced": "0"}, {"fixed": osvVersion(p, p.versions[len(p.versions)-1])}}
	case c == 9 && p != nil:
		rec.Affected = []osvAffJSON{f.heldAffected(r, p)}
	}
	if r.IntN(100) == 0 {
		rec.Withdrawn = rec.Modified
	}
}

var flaws = []string{"allows a heap buffer overflow", "leads to a denial of service", "allows remote code execution",
	"discloses memory contents", "allows a path traversal", "causes an infinite loop", "allows request smuggling"}

func severityDraw(r *rand.Rand) int {
	switch x := r.Float64(); {
	case x < 0.12:
		return 3
	case x < 0.47:
		return 2
	case x < 0.87:
		return 1
	}
	return 0
}

// heldAffected is the affected entry of a record naming held package p: fixed before its
// first release, fixed in one of its later releases, or not fixed.
func (f *benchFeed) heldAffected(r *rand.Rand, p *benchPkg) osvAffJSON {
	var a osvAffJSON
	a.Package.Ecosystem, a.Package.Name = p.eco, p.name
	events := []map[string]any{{"introduced": "0"}}
	x := r.Float64()
	switch {
	case x < f.kinds[0] || (x < f.kinds[0]+f.kinds[1] && len(p.versions) < 2):
		events = append(events, map[string]any{"fixed": f.oldVersion(r)})
	case x < f.kinds[0]+f.kinds[1]:
		events = append(events, map[string]any{"fixed": osvVersion(p, p.versions[1+r.IntN(len(p.versions)-1)])})
	}
	a.Ranges = []osvRangeJSON{{Type: f.rangeType(), Events: events}}
	return a
}

// oldVersion is a version below every release of every pool package.
func (f *benchFeed) oldVersion(r *rand.Rand) string {
	v := fmt.Sprintf("0.%d.%d", r.IntN(9), r.IntN(9))
	switch f.eco {
	case ecoDebian:
		return v + "-1"
	case ecoAlpine:
		return v + "-r0"
	}
	return v
}

func osvVersion(p *benchPkg, v string) string {
	if p.eco == sbom.EcosystemGo {
		return strings.TrimPrefix(v, "v")
	}
	return v
}

func (f *benchFeed) unheldAffected(r *rand.Rand, n int) osvAffJSON {
	var a osvAffJSON
	a.Package.Ecosystem = f.eco
	a.Package.Name = fmt.Sprintf("other-%s-%05d", strings.ToLower(f.name), n%(f.unheld/3+1))
	if f.name == "Go" {
		a.Package.Name = fmt.Sprintf("github.com/other%03d/lib%05d", n%500, n%(f.unheld/2+1))
	}
	fixed := fmt.Sprintf("%d.%d.%d", 1+r.IntN(5), r.IntN(20), r.IntN(10))
	switch f.eco {
	case ecoDebian:
		fixed += "-1"
	case ecoAlpine:
		fixed += "-r1"
	}
	a.Ranges = []osvRangeJSON{{Type: f.rangeType(), Events: []map[string]any{{"introduced": "0"}, {"fixed": fixed}}}}
	return a
}

// baseline fills the feed with its baseline records.
func (f *benchFeed) baseline() {
	f.index = map[string]int{}
	for n := range f.held + f.unheld {
		f.put(f.record(n, n < f.held, 0, false))
	}
	f.next = f.held + f.unheld
}

// change applies round's n changes: 60 % modified records, 40 % new ones, a tenth of each
// naming packages images hold. It returns the changed records.
func (f *benchFeed) change(round, n int) []*osvJSON {
	r := rand.New(rand.NewPCG(uint64(f.cveBase), uint64(1000+round)))
	out := make([]*osvJSON, 0, n)
	seen := map[int]bool{}
	for len(out) < n*6/10 {
		k := f.held + r.IntN(f.unheld)
		if r.IntN(10) == 0 {
			k = r.IntN(f.held)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, f.record(k, k < f.held, round, true))
		}
	}
	for len(out) < n {
		out = append(out, f.record(f.next, r.IntN(10) == 0, round, false))
		f.next++
	}
	for _, rec := range out {
		f.put(rec)
	}
	return out
}

// writeZip writes the feed's records as an OSV all.zip export.
func (f *benchFeed) writeZip(path string) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(file)
	for _, rec := range f.records {
		w, err := zw.Create(rec.ID + ".json")
		if err == nil {
			err = json.NewEncoder(w).Encode(rec)
		}
		if err != nil {
			file.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
