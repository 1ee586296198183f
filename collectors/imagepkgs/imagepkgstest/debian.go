package imagepkgstest

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// Debian releases DebianImage knows, as their /usr/lib/os-release files read.
var debianOSRelease = map[string]string{
	"12": `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
	"11": `PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"
NAME="Debian GNU/Linux"
VERSION_ID="11"
VERSION="11 (bullseye)"
VERSION_CODENAME=bullseye
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
	// testing has no VERSION_ID: its packages match no advisory ecosystem.
	"testing": `PRETTY_NAME="Debian GNU/Linux trixie/sid"
NAME="Debian GNU/Linux"
VERSION_CODENAME=trixie
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
}

var debianVersion = map[string]string{"12": "12.4", "11": "11.8", "testing": "trixie/sid"}

// distrolessOSRelease is gcr.io/distroless's /etc/os-release (Debian 12 based).
const distrolessOSRelease = `PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
`

// OldOpenSSL is the openssl version of DefaultDebPackages: old enough for a test advisory.
const OldOpenSSL = "3.0.11-1~deb12u1"

// DebPackage is one dpkg status stanza. Empty fields take plausible values.
type DebPackage struct {
	Name, Version string
	Source        string // "openssl" or "openssl (3.0.11-1)"; empty when it is the package itself
	Status        string // default "install ok installed"
	Arch          string // default amd64
	Essential     bool
	Priority      string // default optional
	Section       string // default libs
	InstalledSize int    // KiB, default 512
	Maintainer    string
	MultiArch     string
	Depends       string
	PreDepends    string
	Conffiles     []string // "/etc/x 0123…" lines
	Description   string   // the synopsis
	Long          []string // the long description's lines ("." is an empty line)
	Homepage      string
}

// DefaultDebPackages is a small bookworm package set: base-files, libc6 (source glibc),
// libssl3 and openssl at OldOpenSSL, zlib1g with an epoch (source zlib).
func DefaultDebPackages() []DebPackage {
	ssl := "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>"
	return []DebPackage{
		{Name: "base-files", Version: "12.4+deb12u4", Essential: true, Priority: "required", Section: "admin",
			InstalledSize: 341, Maintainer: "Santiago Vila <sanvila@debian.org>",
			Conffiles: []string{"/etc/debian_version 9a9a3b4b3f1e6ff6e1a3e5d2b0a0ad0c", "/etc/issue 5b71ad6c11c4ecf4b1bd1b6e5c1e2ac7",
				"/etc/issue.net 1cfd7a4b3d8cd6d84c0e64a6d3e5f0b8"},
			Description: "Debian base system miscellaneous files",
			Long: []string{"This package contains the basic filesystem hierarchy of a Debian system, and",
				"several important miscellaneous files, such as /etc/debian_version,",
				"/etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,",
				"and the text of several common licenses in use on Debian systems."}},
		{Name: "libc6", Version: "2.36-9+deb12u3", Source: "glibc", Priority: "optional", InstalledSize: 12991,
			Maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>", MultiArch: "same",
			Depends: "libgcc-s1", Description: "GNU C Library: Shared libraries",
			Long: []string{"Contains the standard libraries that are used by nearly all programs on",
				"the system. This package includes shared versions of the standard C library",
				"and the standard math library, as well as many others."},
			Homepage: "https://www.gnu.org/software/libc/libc.html"},
		{Name: "libssl3", Version: OldOpenSSL, Source: "openssl", InstalledSize: 6160, Maintainer: ssl, MultiArch: "same",
			Depends: "libc6 (>= 2.34)", Description: "Secure Sockets Layer toolkit - shared libraries",
			Long: []string{"This package is part of the OpenSSL project's implementation of the SSL",
				"and TLS cryptographic protocols for secure communication over the",
				"Internet.", ".", "It provides the libssl and libcrypto shared libraries."},
			Homepage: "https://www.openssl.org/"},
		{Name: "openssl", Version: OldOpenSSL, Section: "utils", InstalledSize: 2298, Maintainer: ssl, MultiArch: "foreign",
			Depends: "libc6 (>= 2.34), libssl3 (>= 3.0.9)", Conffiles: []string{"/etc/ssl/openssl.cnf 3e4a4a6b3e2a5a2ec3ed0c1b0c4b8a11"},
			Description: "Secure Sockets Layer toolkit - cryptographic utility",
			Long: []string{"This package is part of the OpenSSL project's implementation of the SSL",
				"and TLS cryptographic protocols for secure communication over the",
				"Internet.", ".", "It contains the general-purpose command line binary /usr/bin/openssl,",
				"useful for cryptographic operations such as:", " * creating RSA, DH, and DSA key parameters;",
				" * creating X.509 certificates, CSRs, and CRLs;"},
			Homepage: "https://www.openssl.org/"},
		{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Source: "zlib", Priority: "required", InstalledSize: 168,
			Maintainer: "Mark Brown <broonie@debian.org>", MultiArch: "same", Depends: "libc6 (>= 2.14)",
			Description: "compression library - runtime",
			Long: []string{"zlib is a library implementing the deflate compression method found", "in gzip and PKZIP.",
				"This package includes the shared library."},
			Homepage: "http://zlib.net/"},
	}
}

// Stanza is the package's paragraph of var/lib/dpkg/status (withStatus) or of a
// distroless status.d file (without Status), in dpkg's field order.
func (p DebPackage) Stanza(withStatus bool) string {
	p = p.withDefaults()
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("Package", p.Name)
	if p.Essential {
		line("Essential", "yes")
	}
	if withStatus {
		line("Status", p.Status)
	}
	line("Priority", p.Priority)
	line("Section", p.Section)
	line("Installed-Size", fmt.Sprint(p.InstalledSize))
	line("Maintainer", p.Maintainer)
	line("Architecture", p.Arch)
	line("Multi-Arch", p.MultiArch)
	line("Source", p.Source)
	line("Version", p.Version)
	line("Depends", p.Depends)
	line("Pre-Depends", p.PreDepends)
	if len(p.Conffiles) > 0 {
		b.WriteString("Conffiles:\n")
		for _, c := range p.Conffiles {
			b.WriteString(" " + c + "\n")
		}
	}
	line("Description", p.Description)
	for _, l := range p.Long {
		b.WriteString(" " + l + "\n")
	}
	line("Homepage", p.Homepage)
	return b.String()
}

func (p DebPackage) withDefaults() DebPackage {
	set := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	set(&p.Status, "install ok installed")
	set(&p.Arch, "amd64")
	set(&p.Priority, "optional")
	set(&p.Section, "libs")
	set(&p.Maintainer, "Debian QA Group <packages@qa.debian.org>")
	set(&p.Description, p.Name)
	if p.InstalledSize == 0 {
		p.InstalledSize = 512
	}
	return p
}

// DpkgStatus is a var/lib/dpkg/status file of pkgs.
func DpkgStatus(pkgs ...DebPackage) []byte {
	stanzas := make([]string, len(pkgs))
	for i, p := range pkgs {
		stanzas[i] = p.Stanza(true)
	}
	return []byte(strings.Join(stanzas, "\n"))
}

// DebianImage is a one-layer image like debian:<release> ("12", "11" or "testing"):
// /usr/lib/os-release (with /etc/os-release a symlink to it), /etc/debian_version,
// var/lib/dpkg/status of pkgs (DefaultDebPackages when none) and a non-Go ELF /usr/bin/openssl.
func DebianImage(t registrytest.T, release string, pkgs ...DebPackage) v1.Image {
	t.Helper()
	osr, ok := debianOSRelease[release]
	if !ok {
		t.Fatalf("DebianImage: unknown release %q (12, 11, testing)", release)
	}
	if len(pkgs) == 0 {
		pkgs = DefaultDebPackages()
	}
	return WithFiles(t, Base(t), fmt.Sprintf("# debian.sh --arch 'amd64' out/ '%s' '@1704672000'", release),
		Symlink("etc/os-release", "../usr/lib/os-release"),
		File{Path: "etc/debian_version", Body: []byte(debianVersion[release] + "\n")},
		Exec("usr/bin/openssl", NotGoELF()),
		File{Path: "usr/lib/os-release", Body: []byte(osr)},
		File{Path: "var/lib/dpkg/status", Body: DpkgStatus(pkgs...)},
	)
}

// WithDpkgStatus appends a layer rewriting var/lib/dpkg/status to list pkgs, as
// `RUN apt-get install …` or `apt-get upgrade` does (dpkg rewrites the whole file).
func WithDpkgStatus(t registrytest.T, img v1.Image, createdBy string, pkgs ...DebPackage) v1.Image {
	t.Helper()
	return WithFiles(t, img, createdBy, File{Path: "var/lib/dpkg/status", Body: DpkgStatus(pkgs...)})
}

// DebianUpgradedImage is DebianImage("12") plus a layer where `apt-get upgrade` took
// libssl3 and openssl to opensslVersion: the merge must list the newer versions only.
func DebianUpgradedImage(t registrytest.T, opensslVersion string) v1.Image {
	t.Helper()
	pkgs := DefaultDebPackages()
	for i := range pkgs {
		if pkgs[i].Name == "libssl3" || pkgs[i].Name == "openssl" {
			pkgs[i].Version = opensslVersion
		}
	}
	img := DebianImage(t, "12")
	return WithDpkgStatus(t, img, "RUN /bin/sh -c apt-get update && apt-get upgrade -y openssl # buildkit", pkgs...)
}

// DistrolessImage is like gcr.io/distroless/base-debian12: /etc/os-release of Distroless,
// then one layer per package holding var/lib/dpkg/status.d/<name> (a stanza without
// Status) and its <name>.md5sums. No pkgs means DefaultDebPackages.
func DistrolessImage(t registrytest.T, pkgs ...DebPackage) v1.Image {
	t.Helper()
	if len(pkgs) == 0 {
		pkgs = DefaultDebPackages()
	}
	img := WithFiles(t, Base(t), "bazel build @distroless//base:base_root_amd64_debian12",
		File{Path: "etc/os-release", Body: []byte(distrolessOSRelease)})
	for _, p := range pkgs {
		dir := "var/lib/dpkg/status.d/"
		img = WithFiles(t, img, "bazel build @distroless//base:"+p.Name,
			File{Path: dir + p.Name, Body: []byte(p.Stanza(false))},
			File{Path: dir + p.Name + ".md5sums", Body: []byte("d41d8cd98f00b204e9800998ecf8427e  usr/share/doc/" + p.Name + "/copyright\n")})
	}
	return img
}

// NotGoELF is the start of an ELF file that is not a Go program (nor a parseable ELF):
// it must be examined and dismissed.
func NotGoELF() []byte {
	return append([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, make([]byte, 120)...)
}
