package imagepkgs

import (
	"debug/buildinfo"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

func TestParseDpkg(t *testing.T) {
	status := "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n" +
		"Source: openssl\nVersion: 3.0.11-1~deb12u1\nDescription: Secure Sockets Layer toolkit\n" +
		" Package: not-a-field (a continuation line)\n .\n more text\n" +
		"\n\n" + // two blank lines are one separator
		"package: lower-case-fields\nstatus: hold ok installed\nversion: 1\n" +
		" \t\n" + // a whitespace-only line separates too
		"Package: bin\nStatus: install ok installed\nSource: src (2.0-1)\nVersion: 2.0-1+b2\r\n" +
		"\nPackage: removed\nStatus: deinstall ok config-files\nVersion: 1\n" +
		"\nStatus: install ok installed\nVersion: 1\n" + // no Package: skipped
		"\nPackage: bad\x00name\nStatus: install ok installed\nVersion: \xff1\n"
	got, complete, err := parseDpkg(strings.NewReader(status), true, 100)
	if err != nil || !complete {
		t.Fatal(err, complete)
	}
	want := []OSPackage{
		{Name: "libssl3", Version: "3.0.11-1~deb12u1", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u1", Arch: "amd64"},
		{Name: "lower-case-fields", Version: "1"},
		{Name: "bin", Version: "2.0-1+b2", SourceName: "src", SourceVersion: "2.0-1"},
		{Name: "bad\uFFFDname", Version: "\uFFFD1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	part, _, _ := parseDpkg(strings.NewReader("Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"), false, 100)
	if len(part) != 1 || part[0].Name != "tzdata" {
		t.Errorf("status.d part: %+v", part)
	}
	few, complete, _ := parseDpkg(strings.NewReader(status), true, 2)
	if len(few) != 2 || complete {
		t.Errorf("limit: %d packages, complete %v", len(few), complete)
	}
}

// A line longer than the reader's buffer is cut, not held whole, and parsing goes on.
func TestParseDpkgOverlongLine(t *testing.T) {
	long := "Description: " + strings.Repeat("x", 3*maxLine) + "\n"
	got, _, err := parseDpkg(strings.NewReader("Package: a\nStatus: install ok installed\n"+long+"Version: 1\n\nPackage: b\nStatus: install ok installed\nVersion: "+strings.Repeat("9", 2*maxLine)+"\n"), true, 10)
	if err != nil || len(got) != 2 || got[0].Version != "1" || len(got[1].Version) != maxField {
		t.Errorf("%v %+v", err, got)
	}
}

func TestParseApk(t *testing.T) {
	db := "C:Q1abc=\nP:libssl3\nV:3.1.4-r0\nA:x86_64\nS:1\nT:SSL: shared libraries\no:openssl\nF:lib\nR:libssl.so.3\na:0:0:755\n\n" +
		"P:musl\nV:1.2.4-r4\nA:x86_64\no:musl\n"
	got, complete, err := parseApk(strings.NewReader(db), 100)
	want := []OSPackage{{Name: "libssl3", Version: "3.1.4-r0", Arch: "x86_64", SourceName: "openssl"},
		{Name: "musl", Version: "1.2.4-r4", Arch: "x86_64", SourceName: "musl"}}
	if err != nil || !complete || !reflect.DeepEqual(got, want) {
		t.Errorf("%v %v %+v", err, complete, got)
	}
}

func TestParseOSRelease(t *testing.T) {
	d, err := parseOSRelease(strings.NewReader("# comment\nNAME=\"Distroless\"\nID='debian'\nVERSION_ID=\"12\"\nPRETTY_NAME=\"A \\\"quoted\\\" name\"\n"))
	if err != nil || d == nil || *d != (sbom.Distro{ID: "debian", Version: "12", Name: `A "quoted" name`}) {
		t.Errorf("%v %+v", err, d)
	}
	if d, _ := parseOSRelease(strings.NewReader("NAME=nothing\n")); d != nil {
		t.Errorf("no ID: %+v", d)
	}
}

func TestStdlibVersion(t *testing.T) {
	for in, want := range map[string]string{"go1.22.1": "1.22.1", "go1.22.1 X:nocoverageredesign": "1.22.1",
		"go1.23.0+auto": "1.23.0", "devel go1.24-abcdef": "", "": ""} {
		if got := stdlibVersion(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestGoModules(t *testing.T) {
	info := &buildinfo.BuildInfo{GoVersion: "go1.22.5", Path: "example.com/app/cmd/app",
		Main: debug.Module{Path: "example.com/app", Version: "v1.4.0"},
		Deps: []*debug.Module{
			{Path: "golang.org/x/net", Version: "v0.20.0"},
			{Path: "github.com/old/lib", Version: "v1.0.0", Replace: &debug.Module{Path: "github.com/fork/lib", Version: "v1.0.1-fix"}},
			{Path: "github.com/local/lib", Version: "v0.1.0", Replace: &debug.Module{Path: "../lib"}},
		}}
	c := func(name, version, purl string) sbom.Component {
		return sbom.Component{Ecosystem: "Go", Name: name, Version: version, PURL: purl, Location: "bin/app"}
	}
	want := []sbom.Component{
		c("stdlib", "1.22.5", "pkg:golang/stdlib@1.22.5"),
		c("example.com/app", "v1.4.0", "pkg:golang/example.com/app@v1.4.0"),
		c("golang.org/x/net", "v0.20.0", "pkg:golang/golang.org/x/net@v0.20.0"),
		c("github.com/fork/lib", "v1.0.1-fix", "pkg:golang/github.com/fork/lib@v1.0.1-fix"),
		c("github.com/local/lib", "", "pkg:golang/github.com/local/lib"),
	}
	got, complete := goModules(info, "bin/app", 100)
	if !complete || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	info.Main.Version = "(devel)"
	if got, _ := goModules(info, "bin/app", 100); len(got) != 4 || got[1].Name != "golang.org/x/net" {
		t.Errorf("(devel) main module listed: %+v", got)
	}
	if got, complete := goModules(info, "bin/app", 2); len(got) != 2 || complete {
		t.Errorf("limit: %d, %v", len(got), complete)
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{4 << 30: "4 GiB", 64 << 20: "64 MiB", 64 << 10: "64 KiB", 1500: "1500 bytes", 3 << 29: "1536 MiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{"./usr/bin/x": "usr/bin/x", "/etc/os-release": "etc/os-release",
		"usr/local/": "usr/local", "../../etc/passwd": "etc/passwd", "./": "", "a/../b": "b"} {
		if got := cleanPath(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestCapProblems(t *testing.T) {
	p := make([]string, maxProblems+5)
	got := capProblems(p)
	if len(got) != maxProblems+1 || got[maxProblems] != "and 5 more problems" {
		t.Errorf("%d problems, last %q", len(got), got[len(got)-1])
	}
}
