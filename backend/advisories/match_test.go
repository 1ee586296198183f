package advisories

import (
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

// eco and sem build ranges: events alternate kinds by prefix ("i:", "f:", "la:", "l:").
func eco(events ...string) Range { return Range{Type: RangeEcosystem, Events: evs(events)} }
func sem(events ...string) Range { return Range{Type: RangeSemver, Events: evs(events)} }

func evs(list []string) []Event {
	var out []Event
	for _, s := range list {
		kind, v, _ := strings.Cut(s, ":")
		switch kind {
		case "i":
			out = append(out, Event{Introduced: v})
		case "f":
			out = append(out, Event{Fixed: v})
		case "la":
			out = append(out, Event{LastAffected: v})
		case "l":
			out = append(out, Event{Limit: v})
		}
	}
	return out
}

type matchCase struct {
	name      string
	affected  Affected
	component sbom.Component
	want      bool
	fixed     string
	rng       string // expected Match.Range, when want
	wantErr   string // a part of the error, "" for none
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, got, err := Affects(tc.affected, tc.component)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tc.want {
				t.Fatalf("affected = %v, want %v (match %+v)", got, tc.want, m)
			}
			if got && (m.Fixed != tc.fixed || (tc.rng != "" && m.Range != tc.rng)) {
				t.Fatalf("match = %+v, want fixed %q range %q", m, tc.fixed, tc.rng)
			}
		})
	}
}

func deb(name, srcName, version string) sbom.Component {
	return sbom.Component{Ecosystem: "Debian:12", Name: name, Version: version, SourceName: srcName}
}

func TestAffectsDebian(t *testing.T) {
	openssl := Affected{Ecosystem: "Debian:12", Name: "openssl", Ranges: []Range{eco("i:0", "f:3.0.11-1~deb12u1")}}
	zlib := Affected{Ecosystem: "Debian:12", Name: "zlib", Ranges: []Range{eco("i:0", "f:1:1.2.13.dfsg-1")}}
	glibc := Affected{Ecosystem: "Debian:12", Name: "glibc", Ranges: []Range{eco("i:0", "f:2.36-9+deb12u4")}}
	unstable := Affected{Ecosystem: "Debian:12", Name: "openssl", Ranges: []Range{eco("i:0", "f:3.0.11-1")}}
	runMatchCases(t, []matchCase{
		{name: "binary from source package, below fix", affected: openssl, component: deb("libssl3", "openssl", "3.0.9-1"),
			want: true, fixed: "3.0.11-1~deb12u1", rng: ">= 0, < 3.0.11-1~deb12u1"},
		{name: "at the fix", affected: openssl, component: deb("libssl3", "openssl", "3.0.11-1~deb12u1")},
		{name: "past the fix", affected: openssl, component: deb("libssl3", "openssl", "3.0.11-1~deb12u2")},
		{name: "binary without its source is another package", affected: openssl, component: deb("libssl3", "", "3.0.9-1")},
		{name: "source version differs from binary", affected: openssl, want: true, fixed: "3.0.11-1~deb12u1",
			component: sbom.Component{Ecosystem: "Debian:12", Name: "libssl3", Version: "9.9", SourceName: "openssl", SourceVersion: "3.0.9-1"}},
		{name: "tilde sorts before the release", affected: unstable, component: deb("openssl", "", "3.0.11-1~deb12u1"),
			want: true, fixed: "3.0.11-1"},
		{name: "epoch 0 below epoch 1", affected: zlib, component: deb("zlib1g", "zlib", "1.2.99.dfsg-1"), want: true, fixed: "1:1.2.13.dfsg-1"},
		{name: "epoch 1 older upstream", affected: zlib, component: deb("zlib1g", "zlib", "1:1.2.11.dfsg-2+deb11u2"), want: true, fixed: "1:1.2.13.dfsg-1"},
		{name: "epoch 1 newer upstream", affected: zlib, component: deb("zlib1g", "zlib", "1:1.3.dfsg-3")},
		{name: "revision below", affected: glibc, component: deb("libc6", "glibc", "2.36-9+deb12u3"), want: true, fixed: "2.36-9+deb12u4"},
		{name: "revision compared as numbers", affected: glibc, component: deb("libc6", "glibc", "2.36-9+deb12u10")},
		{name: "other Debian release", affected: openssl,
			component: sbom.Component{Ecosystem: "Debian:11", Name: "openssl", Version: "1.1.1n-0+deb11u1"}},
		{name: "unparsable Debian version", affected: openssl, component: deb("openssl", "", "1:x:y"), wantErr: "not valid"},
	})
}

func alpine(name, version string) sbom.Component {
	return sbom.Component{Ecosystem: "Alpine:v3.19", Name: name, Version: version}
}

func TestAffectsAlpine(t *testing.T) {
	openssl := Affected{Ecosystem: "Alpine:v3.19", Name: "openssl", Ranges: []Range{eco("i:0", "f:3.1.4-r1")}}
	openssh := Affected{Ecosystem: "Alpine:v3.19", Name: "openssh", Ranges: []Range{eco("i:0", "f:9.6_p1-r0")}}
	curl := Affected{Ecosystem: "Alpine:v3.19", Name: "curl", Ranges: []Range{eco("i:0", "f:8.5.0-r0")}}
	runMatchCases(t, []matchCase{
		{name: "release below", affected: openssl, component: alpine("openssl", "3.1.4-r0"), want: true, fixed: "3.1.4-r1", rng: ">= 0, < 3.1.4-r1"},
		{name: "at the fix", affected: openssl, component: alpine("openssl", "3.1.4-r1")},
		{name: "_p sorts after the plain version", affected: openssh, component: alpine("openssh", "9.6-r0"), want: true, fixed: "9.6_p1-r0"},
		{name: "_p at the fix", affected: openssh, component: alpine("openssh", "9.6_p1-r0")},
		{name: "_rc sorts before the release", affected: curl, component: alpine("curl", "8.5.0_rc1-r0"), want: true, fixed: "8.5.0-r0"},
		{name: "other Alpine branch", affected: openssl, component: sbom.Component{Ecosystem: "Alpine:v3.18", Name: "openssl", Version: "3.1.0-r0"}},
		{name: "unparsable Alpine version", affected: openssl, component: alpine("openssl", "not-a-version"), wantErr: "not valid"},
	})
}

func goModule(name, version string) sbom.Component {
	return sbom.Component{Ecosystem: "Go", Name: name, Version: version}
}

func TestAffectsGo(t *testing.T) {
	gin := Affected{Ecosystem: "Go", Name: "github.com/gin-gonic/gin", Ranges: []Range{sem("i:0", "f:1.9.1")}}
	stdlib := Affected{Ecosystem: "Go", Name: "stdlib", Ranges: []Range{sem("i:0", "f:1.20.14", "i:1.21.0-0", "f:1.21.10")}}
	xnet := Affected{Ecosystem: "Go", Name: "golang.org/x/net", Ranges: []Range{sem("i:0", "f:0.17.0")}}
	runMatchCases(t, []matchCase{
		{name: "module with v prefix below fix", affected: gin, component: goModule("github.com/gin-gonic/gin", "v1.9.0"), want: true, fixed: "1.9.1"},
		{name: "module at fix", affected: gin, component: goModule("github.com/gin-gonic/gin", "v1.9.1")},
		{name: "module path is exact", affected: gin, component: goModule("github.com/Gin-Gonic/gin", "v1.9.0")},
		{name: "stdlib go prefix", affected: stdlib, component: goModule("stdlib", "go1.21.9"), want: true, fixed: "1.21.10", rng: ">= 1.21.0-0, < 1.21.10"},
		{name: "stdlib 1.21.0 is affected", affected: stdlib, component: goModule("stdlib", "1.21.0"), want: true, fixed: "1.21.10"},
		{name: "stdlib 1.21.10 > 1.21.9 numerically", affected: stdlib, component: goModule("stdlib", "1.21.10")},
		{name: "stdlib between the branches' fixes", affected: stdlib, component: goModule("stdlib", "1.20.14")},
		{name: "stdlib older branch", affected: stdlib, component: goModule("stdlib", "v1.20.13"), want: true, fixed: "1.20.14"},
		{name: "pseudo-version", affected: xnet, component: goModule("golang.org/x/net", "v0.0.0-20230101000000-abcdef123456"), want: true, fixed: "0.17.0"},
		{name: "+incompatible", affected: xnet, component: goModule("golang.org/x/net", "v0.18.0+incompatible")},
		{name: "devel is no version", affected: stdlib, component: goModule("stdlib", "devel"), wantErr: "does not start with a number"},
	})
}

func TestAffectsNPM(t *testing.T) {
	lodash := Affected{Ecosystem: "npm", Name: "lodash", Ranges: []Range{sem("i:0", "f:4.17.21")}}
	scoped := Affected{Ecosystem: "npm", Name: "@babel/traverse", Ranges: []Range{sem("i:8.0.0-alpha.0", "f:8.0.0-alpha.4")}}
	next := Affected{Ecosystem: "npm", Name: "next", Ranges: []Range{sem("i:0", "f:2.0.0")}}
	npm := func(name, v string) sbom.Component { return sbom.Component{Ecosystem: "npm", Name: name, Version: v} }
	runMatchCases(t, []matchCase{
		{name: "below fix", affected: lodash, component: npm("lodash", "4.17.20"), want: true, fixed: "4.17.21"},
		{name: "at fix", affected: lodash, component: npm("lodash", "4.17.21")},
		{name: "prerelease before its release", affected: next, component: npm("next", "2.0.0-beta.1"), want: true, fixed: "2.0.0"},
		{name: "prerelease range", affected: scoped, component: npm("@babel/traverse", "8.0.0-alpha.2"), want: true, fixed: "8.0.0-alpha.4"},
		{name: "prerelease numeric identifiers", affected: scoped, component: npm("@babel/traverse", "8.0.0-alpha.10")},
		{name: "release after prerelease range", affected: scoped, component: npm("@babel/traverse", "8.0.0")},
		{name: "npm names are exact", affected: lodash, component: npm("Lodash", "4.17.20")},
		{name: "not a version", affected: lodash, component: npm("lodash", "latest"), wantErr: "does not start with a number"},
		{name: "no version", affected: lodash, component: npm("lodash", ""), wantErr: "has no version"},
	})
}

func TestAffectsPyPI(t *testing.T) {
	post := Affected{Ecosystem: "PyPI", Name: "zope-interface", Ranges: []Range{eco("i:0", "f:1.0.post1")}}
	rc := Affected{Ecosystem: "PyPI", Name: "django", Ranges: []Range{eco("i:2.0rc1", "f:2.0.1")}}
	py := func(name, v string) sbom.Component { return sbom.Component{Ecosystem: "PyPI", Name: name, Version: v} }
	runMatchCases(t, []matchCase{
		{name: "post release is the fix", affected: post, component: py("zope.interface", "1.0"), want: true, fixed: "1.0.post1"},
		{name: "at the post release", affected: post, component: py("Zope_Interface", "1.0.post1")},
		{name: "PEP 503 name, rc introduced", affected: rc, component: py("Django", "2.0rc1"), want: true, fixed: "2.0.1"},
		{name: "release after rc", affected: rc, component: py("DJANGO", "2.0"), want: true, fixed: "2.0.1"},
		{name: "before the rc", affected: rc, component: py("django", "2.0b3")},
		{name: "other name", affected: rc, component: py("django-extensions", "2.0")},
	})
}

func TestAffectsMaven(t *testing.T) {
	spring := Affected{Ecosystem: "Maven", Name: "org.springframework:spring-core", Ranges: []Range{eco("i:5.3.0", "f:5.3.18")}}
	log4j := Affected{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Ranges: []Range{eco("i:2.0-beta9", "f:2.15.0")}}
	mvn := func(name, v string) sbom.Component { return sbom.Component{Ecosystem: "Maven", Name: name, Version: v} }
	runMatchCases(t, []matchCase{
		{name: "RELEASE qualifier below fix", affected: spring, component: mvn("org.springframework:spring-core", "5.3.17.RELEASE"), want: true, fixed: "5.3.18"},
		{name: "RELEASE qualifier equals the release", affected: spring, component: mvn("org.springframework:spring-core", "5.3.18.RELEASE")},
		{name: "SNAPSHOT before its release", affected: spring, component: mvn("org.springframework:spring-core", "5.3.18-SNAPSHOT"), want: true, fixed: "5.3.18"},
		{name: "beta qualifier introduced", affected: log4j, component: mvn("org.apache.logging.log4j:log4j-core", "2.0-beta9"), want: true, fixed: "2.15.0"},
		{name: "alpha before the beta", affected: log4j, component: mvn("org.apache.logging.log4j:log4j-core", "2.0-alpha1")},
		{name: "rc before the fix", affected: log4j, component: mvn("org.apache.logging.log4j:log4j-core", "2.15.0-rc1"), want: true, fixed: "2.15.0"},
		{name: "group:artifact is exact", affected: log4j, component: mvn("org.apache.logging.log4j:log4j-api", "2.14.1")},
	})
}

func TestAffectsRangeShapes(t *testing.T) {
	n := func(v string) sbom.Component { return sbom.Component{Ecosystem: "npm", Name: "p", Version: v} }
	pkg := func(ranges ...Range) Affected { return Affected{Ecosystem: "npm", Name: "p", Ranges: ranges} }
	lastAffected := pkg(eco("i:0", "la:2.1.214"))
	limited := pkg(eco("i:0", "l:2.0.0"))
	twoPairs := pkg(sem("i:1.0.0", "f:1.0.2", "i:3.0.0", "f:3.2.5"))
	unsorted := pkg(sem("f:3.2.5", "i:3.0.0", "f:1.0.2", "i:1.0.0"))
	ghsaStyle := pkg(sem("i:1.0.0", "f:1.0.2"), sem("i:3.0.0", "f:3.2.5"))
	runMatchCases(t, []matchCase{
		{name: "last_affected includes itself", affected: lastAffected, component: n("2.1.214"), want: true, rng: ">= 0, <= 2.1.214"},
		{name: "past last_affected", affected: lastAffected, component: n("2.1.215")},
		{name: "below limit", affected: limited, component: n("1.9.9"), want: true, rng: ">= 0, < 2.0.0 (limit)"},
		{name: "at limit", affected: limited, component: n("2.0.0")},
		{name: "star limit", affected: pkg(eco("i:1.0.0", "l:*")), component: n("99.0.0"), want: true, rng: ">= 1.0.0"},
		{name: "first pair", affected: twoPairs, component: n("1.0.1"), want: true, fixed: "1.0.2", rng: ">= 1.0.0, < 1.0.2"},
		{name: "between pairs", affected: twoPairs, component: n("2.0.0")},
		{name: "re-introduced", affected: twoPairs, component: n("3.1.0"), want: true, fixed: "3.2.5", rng: ">= 3.0.0, < 3.2.5"},
		{name: "after the last fix", affected: twoPairs, component: n("3.2.5")},
		{name: "before the first introduced", affected: twoPairs, component: n("0.9.0")},
		{name: "events out of order are sorted", affected: unsorted, component: n("3.1.0"), want: true, fixed: "3.2.5"},
		{name: "events out of order, between", affected: unsorted, component: n("2.0.0")},
		{name: "second range", affected: ghsaStyle, component: n("3.0.0"), want: true, fixed: "3.2.5"},
		{name: "introduced and fixed at once is empty", affected: pkg(sem("i:1.0.0", "f:1.0.0")), component: n("1.0.0")},
		{name: "open range", affected: pkg(sem("i:0")), component: n("0.0.1"), want: true, rng: ">= 0"},
		{name: "explicit versions", affected: Affected{Ecosystem: "npm", Name: "p", Versions: []string{"1.0.0", "1.0.1"}},
			component: n("1.0.1"), want: true, rng: "= 1.0.1"},
		{name: "not in explicit versions", affected: Affected{Ecosystem: "npm", Name: "p", Versions: []string{"1.0.0"}}, component: n("1.0.2")},
		{name: "wrong ecosystem", affected: pkg(sem("i:0")), component: sbom.Component{Ecosystem: "PyPI", Name: "p", Version: "1.0"}},
		{name: "component without ecosystem", affected: pkg(sem("i:0")), component: sbom.Component{Name: "p", Version: "1.0"}},
		{name: "unparsable event", affected: pkg(sem("i:0", "f:next")), component: n("1.0.0"), wantErr: `"next"`},
		{name: "a bad range does not hide a good one", affected: pkg(sem("i:0", "f:next"), sem("i:0", "f:2.0.0")),
			component: n("1.0.0"), want: true, fixed: "2.0.0"},
		{name: "unsupported ecosystem", affected: Affected{Ecosystem: "GitHub Actions", Name: "p", Ranges: []Range{eco("i:0", "f:2")}},
			component: sbom.Component{Ecosystem: "GitHub Actions", Name: "p", Version: "1"}, wantErr: "cannot be compared"},
	})
}

func TestVersionsCompare(t *testing.T) {
	for _, tc := range []struct {
		ecosystem, a, b string
		want            int
	}{
		{"Debian:12", "3.0.11-1~deb12u1", "3.0.11-1", -1},
		{"Debian:12", "1:1.2.13.dfsg-1", "1.2.13.dfsg-1", 1},
		{"Alpine:v3.19", "3.1.4-r0", "3.1.4-r1", -1},
		{"Ubuntu:22.04", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.9", 1},
		{"PyPI", "2.0rc1", "2.0", -1},
		{"Maven", "1.2.3.RELEASE", "1.2.3", 0},
		{"Go", "1.21.10", "1.21.9", 1},
	} {
		s, err := Versions(tc.ecosystem)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Compare(tc.a, tc.b); err != nil || got != tc.want {
			t.Errorf("%s: Compare(%q, %q) = %d, %v; want %d", tc.ecosystem, tc.a, tc.b, got, err, tc.want)
		}
	}
	if _, err := Versions("Linux"); err == nil {
		t.Error("Versions(Linux) succeeded; semantic has no ordering for it")
	}
}
