package imagepkgstest

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// OldAlpineOpenSSL is the libssl3/libcrypto3 version of DefaultApkPackages.
const OldAlpineOpenSSL = "3.1.4-r0"

// ApkPackage is one record of lib/apk/db/installed. Empty fields take plausible values.
type ApkPackage struct {
	Name, Version string
	Origin        string // the aports source package; default Name
	Arch          string // default x86_64
	Description   string
	URL           string
	License       string
	Depends       string   // "so:libc.musl-x86_64.so.1 so:libcrypto.so.3"
	Provides      string   // "so:libssl.so.3=3"
	Files         []string // installed files, "usr/lib/libssl.so.3"
}

// DefaultApkPackages is a small Alpine 3.19 set: musl, busybox, libcrypto3 and libssl3
// (origin openssl, at OldAlpineOpenSSL) and zlib.
func DefaultApkPackages() []ApkPackage {
	return []ApkPackage{
		{Name: "musl", Version: "1.2.4_git20230717-r4", Description: "the musl c library (libc) implementation",
			URL: "https://musl.libc.org/", License: "MIT", Provides: "so:libc.musl-x86_64.so.1=1",
			Files: []string{"lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"}},
		{Name: "busybox", Version: "1.36.1-r15", Description: "Size optimized toolbox of many common UNIX utilities",
			URL: "https://busybox.net/", License: "GPL-2.0-only", Depends: "so:libc.musl-x86_64.so.1",
			Provides: "/bin/sh cmd:busybox=1.36.1-r15 cmd:sh=1.36.1-r15", Files: []string{"bin/busybox", "etc/securetty"}},
		{Name: "libcrypto3", Version: OldAlpineOpenSSL, Origin: "openssl", Description: "Crypto library from openssl",
			URL: "https://www.openssl.org/", License: "Apache-2.0", Depends: "so:libc.musl-x86_64.so.1",
			Provides: "so:libcrypto.so.3=3", Files: []string{"lib/libcrypto.so.3", "usr/lib/engines-3/afalg.so"}},
		{Name: "libssl3", Version: OldAlpineOpenSSL, Origin: "openssl", Description: "SSL shared libraries",
			URL: "https://www.openssl.org/", License: "Apache-2.0", Depends: "so:libc.musl-x86_64.so.1 so:libcrypto.so.3",
			Provides: "so:libssl.so.3=3", Files: []string{"lib/libssl.so.3"}},
		{Name: "zlib", Version: "1.3.1-r0", Description: "A compression/decompression Library",
			URL: "https://zlib.net/", License: "Zlib", Depends: "so:libc.musl-x86_64.so.1",
			Provides: "so:libz.so.1=1.3.1", Files: []string{"lib/libz.so.1", "lib/libz.so.1.3.1"}},
	}
}

// checksum is apk's "Q1" + base64 SHA-1 form, of s (stable per package).
func checksum(s string) string {
	h := sha1.Sum([]byte(s))
	return "Q1" + base64.StdEncoding.EncodeToString(h[:])
}

// Record is the package's lines of lib/apk/db/installed, in apk's order: C P V A S I T
// U L o m t c D p, then F (directory) / R (file) a (owner:mode) Z (checksum) per file.
func (p ApkPackage) Record() string {
	if p.Origin == "" {
		p.Origin = p.Name
	}
	if p.Arch == "" {
		p.Arch = "x86_64"
	}
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s:%s\n", k, v)
		}
	}
	line("C", checksum("control "+p.Name))
	line("P", p.Name)
	line("V", p.Version)
	line("A", p.Arch)
	line("S", fmt.Sprint(20000+len(p.Name)*1000))
	line("I", fmt.Sprint(40960+len(p.Name)*4096))
	line("T", p.Description)
	line("U", p.URL)
	line("L", p.License)
	line("o", p.Origin)
	line("m", "Natanael Copa <ncopa@alpinelinux.org>")
	line("t", "1701354453")
	line("c", fmt.Sprintf("%x", sha1.Sum([]byte("commit "+p.Origin))))
	line("D", p.Depends)
	line("p", p.Provides)
	dir := ""
	for _, f := range p.Files {
		if d := path.Dir(f); d != dir {
			dir = d
			line("F", d)
		}
		line("R", path.Base(f))
		line("a", "0:0:755")
		line("Z", checksum(f))
	}
	return b.String()
}

// ApkInstalled is a lib/apk/db/installed file of pkgs.
func ApkInstalled(pkgs ...ApkPackage) []byte {
	recs := make([]string, len(pkgs))
	for i, p := range pkgs {
		recs[i] = p.Record()
	}
	return []byte(strings.Join(recs, "\n") + "\n")
}

// AlpineImage is a one-layer image like alpine:<release> (a full version, "3.19.1"):
// /etc/os-release, /etc/alpine-release, lib/apk/db/installed of pkgs (DefaultApkPackages
// when none) and a non-Go ELF /bin/busybox.
func AlpineImage(t registrytest.T, release string, pkgs ...ApkPackage) v1.Image {
	t.Helper()
	parts := strings.Split(release, ".")
	if len(parts) != 3 {
		t.Fatalf("AlpineImage: release %q is not a full version (3.19.1)", release)
	}
	if len(pkgs) == 0 {
		pkgs = DefaultApkPackages()
	}
	osr := fmt.Sprintf(`NAME="Alpine Linux"
ID=alpine
VERSION_ID=%s
PRETTY_NAME="Alpine Linux v%s.%s"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`, release, parts[0], parts[1])
	return WithFiles(t, Base(t), "/bin/sh -c #(nop) ADD file:1f4eb46669b5b6275af19eb7471a6899a0e5a2e7a2a5d4d1c8f6b1b6a7d3e0f1 in / ",
		Exec("bin/busybox", NotGoELF()),
		Symlink("bin/sh", "/bin/busybox"),
		File{Path: "etc/alpine-release", Body: []byte(release + "\n")},
		File{Path: "etc/os-release", Body: []byte(osr)},
		File{Path: "lib/apk/db/installed", Body: ApkInstalled(pkgs...)},
	)
}
