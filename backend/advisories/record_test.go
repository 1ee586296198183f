package advisories

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

const ghsaRecord = `{
  "schema_version": "1.6.0",
  "id": "GHSA-35jh-r3h4-6jhm",
  "modified": "2024-02-15T19:52:10.123Z",
  "published": "2021-02-15T23:19:44Z",
  "aliases": ["CVE-2021-23337", "CVE-2021-23337", "GHSA-35jh-r3h4-6jhm", ""],
  "summary": "Command Injection in lodash",
  "details": "lodash versions prior to 4.17.21 are vulnerable to Command Injection via the template function.",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "npm", "name": "lodash", "purl": "pkg:npm/lodash"},
    "ranges": [
      {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]},
      {"type": "GIT", "repo": "https://github.com/lodash/lodash", "events": [{"introduced": "0"}, {"fixed": "3dd2e1f6e9a7b1b8f8d8e0d8e1b6f6d0c3b0a1f2"}]}
    ],
    "database_specific": {"source": "https://github.com/github/advisory-database"}
  }],
  "references": [
    {"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-23337"},
    {"type": "WEB", "url": "ftp://example.org/x"},
    {"type": "WEB", "url": "javascript:alert(1)"},
    {"type": "PACKAGE", "url": "https://github.com/lodash/lodash"}
  ],
  "database_specific": {"cwe_ids": ["CWE-77"], "severity": "MODERATE", "github_reviewed": true}
}`

func TestParseRecordGHSA(t *testing.T) {
	a, err := ParseRecord([]byte(ghsaRecord))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "GHSA-35jh-r3h4-6jhm" || a.Summary != "Command Injection in lodash" {
		t.Errorf("id/summary = %q / %q", a.ID, a.Summary)
	}
	if want := []string{"CVE-2021-23337"}; fmt.Sprint(a.Aliases) != fmt.Sprint(want) {
		t.Errorf("aliases = %q, want %q (deduplicated, without the record's own id)", a.Aliases, want)
	}
	if !a.Modified.Equal(time.Date(2024, 2, 15, 19, 52, 10, 123e6, time.UTC)) || a.Published.Year() != 2021 || a.Withdrawn != nil {
		t.Errorf("dates = %v %v %v", a.Published, a.Modified, a.Withdrawn)
	}
	// The score decides over the MODERATE label.
	if a.Severity != SeverityCritical || a.CVSS != 9.8 || a.CVSSVector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" {
		t.Errorf("severity = %s %v %q, want critical 9.8", a.Severity, a.CVSS, a.CVSSVector)
	}
	if len(a.References) != 2 || !strings.HasPrefix(a.References[1], "https://github.com/") {
		t.Errorf("references = %q, want the two https ones", a.References)
	}
	if len(a.Affected) != 1 || len(a.Affected[0].Ranges) != 1 || a.Affected[0].Ranges[0].Type != RangeSemver || a.GitRangesDropped != 1 {
		t.Fatalf("affected = %+v, git dropped %d; want one SEMVER range and one GIT range dropped", a.Affected, a.GitRangesDropped)
	}
	m, hit, err := Affects(a.Affected[0], sbom.Component{Ecosystem: "npm", Name: "lodash", Version: "4.17.20"})
	if err != nil || !hit || m.Fixed != "4.17.21" {
		t.Errorf("Affects = %+v %v %v", m, hit, err)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Advisory
	if err := json.Unmarshal(b, &back); err != nil || back.ID != a.ID || back.Severity != a.Severity || len(back.Affected) != 1 {
		t.Errorf("JSON round trip = %+v, %v", back, err)
	}
}

// record makes a minimal OSV record with the given extra top-level fields.
func record(id string, extra string) []byte {
	if extra != "" {
		extra = "," + extra
	}
	return []byte(fmt.Sprintf(`{"id": %q, "modified": "2024-01-02T03:04:05Z"%s}`, id, extra))
}

func TestParseRecordSeverity(t *testing.T) {
	const (
		v31Critical = `{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}`
		v30High     = `{"type": "CVSS_V3", "score": "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"}`
		v31Low      = `{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}`
		v31Medium   = `{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}`
		v4Critical  = `{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}`
		v2High      = `{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}`
		malformed   = `{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X/AC:L"}`
	)
	for _, tc := range []struct {
		name     string
		extra    string
		want     Severity
		score    float64
		noteLike string
	}{
		{"v3.1 9.8", `"severity": [` + v31Critical + `]`, SeverityCritical, 9.8, ""},
		{"v3.0 8.8", `"severity": [` + v30High + `]`, SeverityHigh, 8.8, ""},
		{"v3.1 low", `"severity": [` + v31Low + `]`, SeverityLow, 3.1, ""},
		{"v3.1 medium", `"severity": [` + v31Medium + `]`, SeverityMedium, 5.5, ""},
		{"v4 only", `"severity": [` + v4Critical + `]`, SeverityCritical, 9.3, ""},
		{"v2 only", `"severity": [` + v2High + `]`, SeverityHigh, 7.5, ""},
		{"v3 preferred over v4", `"severity": [` + v4Critical + `,` + v31Medium + `]`, SeverityMedium, 5.5, ""},
		{"v4 preferred over v2", `"severity": [` + v2High + `,` + v4Critical + `]`, SeverityCritical, 9.3, ""},
		{"highest of the same version", `"severity": [` + v31Low + `,` + v30High + `]`, SeverityHigh, 8.8, ""},
		{"affected entry's vector", `"affected": [{"package": {"ecosystem": "Go", "name": "x"}, "severity": [` + v31Critical + `]}]`, SeverityCritical, 9.8, ""},
		{"GHSA label", `"database_specific": {"severity": "HIGH"}`, SeverityHigh, 0, ""},
		{"GHSA moderate", `"database_specific": {"severity": "MODERATE"}`, SeverityMedium, 0, ""},
		{"score decides over label", `"severity": [` + v31Low + `], "database_specific": {"severity": "CRITICAL"}`, SeverityLow, 3.1, ""},
		{"Ubuntu priority", `"severity": [{"type": "Ubuntu", "score": "medium"}]`, SeverityMedium, 0, ""},
		{"Ubuntu negligible is low", `"severity": [{"type": "Ubuntu", "score": "negligible"}]`, SeverityLow, 0, ""},
		{"Ubuntu untriaged is unknown", `"severity": [{"type": "Ubuntu", "score": "untriaged"}]`, SeverityUnknown, 0, ""},
		{"nothing is unknown", ``, SeverityUnknown, 0, ""},
		{"database_specific severity not a string", `"database_specific": {"severity": {"x": 1}}`, SeverityUnknown, 0, ""},
		{"malformed vector noted, label used", `"severity": [` + malformed + `], "database_specific": {"severity": "LOW"}`, SeverityLow, 0, "CVSS_V3 vector"},
		{"v3 vector under CVSS_V2 type", `"severity": [{"type": "CVSS_V2", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]`, SeverityUnknown, 0, "CVSS_V2 vector"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseRecord(record("CVE-2024-0001", tc.extra))
			if err != nil {
				t.Fatal(err)
			}
			if a.Severity != tc.want || a.CVSS != tc.score {
				t.Errorf("severity = %s %v, want %s %v", a.Severity, a.CVSS, tc.want, tc.score)
			}
			if tc.noteLike != "" && !strings.Contains(strings.Join(a.Notes, "|"), tc.noteLike) {
				t.Errorf("notes = %q, want one about %q", a.Notes, tc.noteLike)
			}
		})
	}
}

func TestScoreSeverityBoundaries(t *testing.T) {
	for score, want := range map[float64]Severity{
		10: SeverityCritical, 9.0: SeverityCritical, 8.9: SeverityHigh, 7.0: SeverityHigh, 6.9: SeverityMedium,
		4.0: SeverityMedium, 3.9: SeverityLow, 0.1: SeverityLow, 0: SeverityUnknown,
	} {
		if got := ScoreSeverity(score); got != want {
			t.Errorf("ScoreSeverity(%v) = %s, want %s", score, got, want)
		}
	}
}

func TestParseRecordDistributions(t *testing.T) {
	rec := `{"id": "UBUNTU-CVE-2023-5678", "modified": "2024-01-01T00:00:00Z", "upstream": ["CVE-2023-5678"],
	  "severity": [{"type": "Ubuntu", "score": "low"}],
	  "affected": [
	    {"package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "openssl"},
	     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.12"}]}]},
	    {"package": {"ecosystem": "Ubuntu:Pro:18.04:LTS", "name": "openssl"},
	     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1-1ubuntu2.1~18.04.23+esm4"}]}]},
	    {"ranges": [{"type": "GIT", "repo": "https://github.com/openssl/openssl", "events": [{"introduced": "0"}]}]}
	  ]}`
	a, err := ParseRecord([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Affected) != 1 || a.Affected[0].Ecosystem != "Ubuntu:22.04" {
		t.Fatalf("affected = %+v, want only Ubuntu:22.04 (Pro and package-less entries dropped)", a.Affected)
	}
	libssl := sbom.Component{Ecosystem: "Ubuntu:22.04", Name: "libssl3", Version: "3.0.2-0ubuntu1.10", SourceName: "openssl"}
	if m, hit, err := Affects(a.Affected[0], libssl); err != nil || !hit || m.Fixed != "3.0.2-0ubuntu1.12" {
		t.Errorf("Affects(libssl3) = %+v %v %v", m, hit, err)
	}
}

func TestParseRecordRanges(t *testing.T) {
	rec := record("DEBIAN-CVE-2023-0001", `"withdrawn": "2024-03-01T00:00:00Z", "affected": [{
	  "package": {"ecosystem": "Debian:12", "name": "curl"},
	  "ranges": [
	    {"type": "ECOSYSTEM", "events": [{"introduced": "7.0", "fixed": "7.88.1-10+deb12u5"}]},
	    {"type": "ECOSYSTEM", "events": [{"fixed": "8.0"}]},
	    {"type": "WEIRD", "events": [{"introduced": "0"}]}
	  ],
	  "versions": ["7.88.1-10", " ", "7.88.1-10+deb12u1"]}]`)
	a, err := ParseRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	if a.Withdrawn == nil || a.Withdrawn.Month() != time.March {
		t.Errorf("withdrawn = %v", a.Withdrawn)
	}
	af := a.Affected[0]
	if len(af.Ranges) != 2 || len(af.Versions) != 2 {
		t.Fatalf("ranges %+v versions %q", af.Ranges, af.Versions)
	}
	if got := af.Ranges[0].Events; len(got) != 2 || got[0].Introduced != "7.0" || got[1].Fixed != "7.88.1-10+deb12u5" {
		t.Errorf("an event with two fields is two events: %+v", got)
	}
	if got := af.Ranges[1].Events; len(got) != 2 || got[0].Introduced != "0" {
		t.Errorf("a range without introduced starts at 0: %+v", got)
	}
	notes := strings.Join(a.Notes, "|")
	if !strings.Contains(notes, "without an introduced event") || !strings.Contains(notes, "unknown type") {
		t.Errorf("notes = %q", a.Notes)
	}
}

func TestParseRecordBounds(t *testing.T) {
	var aliases, refs []string
	for i := range 80 {
		aliases = append(aliases, fmt.Sprintf("%q", fmt.Sprintf("CVE-2024-%04d", i)))
		refs = append(refs, fmt.Sprintf(`{"url": "https://example.org/%d"}`, i))
	}
	long := strings.Repeat("é", 5000)
	summary, _ := json.Marshal("bad \x00 byte " + long)
	rec := record("GHSA-aaaa-bbbb-cccc", fmt.Sprintf(`"aliases": [%s], "references": [%s], "summary": %s, "details": %q`,
		strings.Join(aliases, ","), strings.Join(refs, ","), summary, long))
	a, err := ParseRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Aliases) != maxAliases || len(a.References) != maxReferences {
		t.Errorf("aliases %d references %d, want %d %d", len(a.Aliases), len(a.References), maxAliases, maxReferences)
	}
	if len(a.Summary) > maxSummaryBytes || len(a.Details) > maxDetailsBytes || !posture.TextIsClean(a.Summary) || !posture.TextIsClean(a.Details) {
		t.Errorf("summary %d bytes clean=%v, details %d bytes", len(a.Summary), posture.TextIsClean(a.Summary), len(a.Details))
	}
	if !strings.Contains(a.Summary, "\uFFFD") {
		t.Errorf("the NUL is not visibly replaced: %q", a.Summary[:20])
	}
	if len(a.Notes) == 0 {
		t.Error("cut lists are not noted")
	}
}

func TestParseRecordErrors(t *testing.T) {
	big := record("CVE-1", fmt.Sprintf(`"details": %q`, strings.Repeat("x", MaxRecordBytes)))
	for _, tc := range []struct {
		name, rec, want string
	}{
		{"not JSON", `{"id": `, "not valid JSON"},
		{"not an object", `[1, 2]`, "not valid JSON"},
		{"wrong type", `{"id": "CVE-1", "modified": "2024-01-01T00:00:00Z", "aliases": "CVE-2"}`, "not valid JSON"},
		{"no id", `{"modified": "2024-01-01T00:00:00Z"}`, "has no id"},
		{"id with spaces", `{"id": "CVE 1", "modified": "2024-01-01T00:00:00Z"}`, "spaces"},
		{"no modified", `{"id": "CVE-1"}`, "has no modified time"},
		{"bad modified", `{"id": "CVE-1", "modified": "yesterday"}`, "malformed modified time"},
		{"bad published", `{"id": "CVE-1", "modified": "2024-01-01T00:00:00Z", "published": "2024-13-45"}`, "malformed published time"},
		{"bad withdrawn", `{"id": "CVE-1", "modified": "2024-01-01T00:00:00Z", "withdrawn": "soon"}`, "malformed withdrawn time"},
		{"version too long", string(record("CVE-1", fmt.Sprintf(`"affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": [%q]}]`,
			strings.Repeat("1", 300)))), "longer than"},
		{"over 1 MiB", string(big), "over the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tc.rec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			if posture.ErrorCode(err) != posture.EINVALID {
				t.Errorf("code = %s, want invalid", posture.ErrorCode(err))
			}
		})
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(ghsaRecord))
	f.Add(record("CVE-1", `"severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]`))
	f.Add(record("CVE-1", `"severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C"}]`))
	f.Add(record("CVE-1", `"affected": [{"package": {"ecosystem": "Alpine:v3.19", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1-r0"}]}]}]`))
	f.Add([]byte(`{"id": "\u0000", "modified": "2024-01-01"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseRecord(b)
		if err != nil {
			if posture.ErrorCode(err) != posture.EINVALID {
				t.Fatalf("error of code %s: %v", posture.ErrorCode(err), err)
			}
			return
		}
		if a.ID == "" || a.Modified.IsZero() || len(a.Aliases) > maxAliases || len(a.References) > maxReferences ||
			len(a.Summary) > maxSummaryBytes || len(a.Details) > maxDetailsBytes || len(a.Notes) > maxNotes {
			t.Fatalf("bounds broken: %+v", a)
		}
		if a.Severity.Rank() == 0 && a.Severity != SeverityUnknown || a.CVSS < 0 || a.CVSS > 10 {
			t.Fatalf("severity %q %v", a.Severity, a.CVSS)
		}
		for _, s := range append(append([]string{a.ID, a.Summary, a.Details, a.CVSSVector}, a.Aliases...), a.References...) {
			if !posture.TextIsClean(s) {
				t.Fatalf("unclean text %q", s)
			}
		}
		for _, af := range a.Affected {
			if af.Ecosystem == "" || af.Name == "" || len(af.Versions) > maxVersions {
				t.Fatalf("affected %+v", af)
			}
			_, _, _ = Affects(af, sbom.Component{Ecosystem: af.Ecosystem, Name: af.Name, Version: "1.0.0"})
		}
		if _, err := json.Marshal(a); err != nil {
			t.Fatal(err)
		}
	})
}
