package vulns_test

// The estate BenchmarkVulnerabilities (bench_test.go) measures against: packages, images and
// OSV advisories, all derived deterministically from fixed seeds, so that every run and
// every scale sees the same shapes.
//
// Packages: 400 Debian 12 source packages (60 in every Debian image, the rest drawn by
// popularity; 1-3 binary packages each), 100 Alpine 3.19 origins (12 in every Alpine image),
// 3,000 Go modules plus the standard library, 20,000 npm packages (Zipf popularity). Each
// package has 1-6 releases over 12 monthly epochs; an image built at epoch e holds the
// release current then, or (a third of the time) an older one.
//
// Images: 400 components each: Debian + npm (40 %), Debian + Go (25 %), Alpine + npm
// (20 %), Alpine + Go (15 %); the OS part (about 160 Debian or 45 Alpine packages) and
// application packages up to 400.
//
// Advisories, per ecosystem: "held" ones name packages that images hold (most of them
// fixed before any release the images have, some fixed in a later release, some not fixed
// at all: those affect images), the others name packages no image holds, as most of a real
// feed does. Debian and Alpine records have ECOSYSTEM ranges, Go and npm SEMVER ranges;
// CVE aliases; CVSS v3 vectors on some.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

const (
	benchEpochs     = 12
	benchComponents = 400
	ecoDebian       = "Debian:12"
	ecoAlpine       = "Alpine:v3.19"
)

// benchPkg is one package as advisories name it (a source package for OS ecosystems).
type benchPkg struct {
	eco      string
	name     string
	binaries []string // component names; the package's own name for application packages
	versions []string // releases, oldest first
	epochs   []int    // the epoch each release came out
	weight   float64  // popularity (extras and application packages)
	held     int      // held advisories naming it
}

// releaseAt is the release an image built at epoch e holds: the current one, or with
// probability 1/3 one or two older.
func (p *benchPkg) releaseAt(r *rand.Rand, e int) int {
	i := 0
	for i+1 < len(p.epochs) && p.epochs[i+1] <= e {
		i++
	}
	if r.IntN(3) == 0 {
		i = max(0, i-1-r.IntN(2))
	}
	return i
}

type benchPool struct {
	pkgs []*benchPkg
	core int       // the first core packages are in every image of their kind
	cum  []float64 // cumulative weights of pkgs[core:]
}

func (p *benchPool) finish() {
	total := 0.0
	p.cum = p.cum[:0]
	for _, k := range p.pkgs[p.core:] {
		total += k.weight
		p.cum = append(p.cum, total)
	}
}

// draw picks n distinct non-core packages by popularity.
func (p *benchPool) draw(r *rand.Rand, n int) []*benchPkg {
	n = min(n, len(p.pkgs)-p.core)
	seen := make(map[int]bool, n)
	out := make([]*benchPkg, 0, n)
	for len(out) < n {
		i, _ := slices.BinarySearch(p.cum, r.Float64()*p.cum[len(p.cum)-1])
		if i = min(i, len(p.cum)-1); !seen[i] {
			seen[i] = true
			out = append(out, p.pkgs[p.core+i])
		}
	}
	return out
}

type benchUniverse struct {
	deb, apk, gomod, npm benchPool
	stdlib               *benchPkg
}

var (
	debNames = []string{"glibc", "openssl", "zlib", "curl", "systemd", "perl", "ncurses", "util-linux", "gnutls28", "krb5",
		"libxml2", "sqlite3", "expat", "tar", "coreutils", "bash", "shadow", "pam", "libgcrypt20", "gnupg2", "openldap",
		"cyrus-sasl2", "e2fsprogs", "xz-utils", "bzip2", "libzstd", "lz4", "pcre2", "libidn2", "nettle", "p11-kit",
		"libtasn1-6", "libssh2", "nghttp2", "libpsl", "git", "python3.11", "tiff", "imagemagick", "libpng1.6"}
	apkNames = []string{"musl", "busybox", "openssl", "zlib", "apk-tools", "ca-certificates", "curl", "libxml2", "expat",
		"sqlite", "pcre2", "xz", "ncurses", "libssh2", "nghttp2", "brotli"}
	goNames = []string{"golang.org/x/net", "golang.org/x/crypto", "golang.org/x/text", "golang.org/x/sys",
		"google.golang.org/grpc", "google.golang.org/protobuf", "gopkg.in/yaml.v3", "github.com/gin-gonic/gin",
		"github.com/golang-jwt/jwt/v4", "github.com/docker/docker", "k8s.io/client-go", "github.com/prometheus/client_golang"}
	npmNames = []string{"lodash", "express", "minimist", "debug", "semver", "qs", "body-parser", "axios", "ws", "follow-redirects",
		"json5", "tough-cookie", "word-wrap", "path-to-regexp", "cookie", "send", "serve-static", "ip", "jsonwebtoken", "moment"}
)

func pkgName(real []string, i int, format string) string {
	if i < len(real) {
		return real[i]
	}
	return fmt.Sprintf(format, i)
}

// newBenchUniverse builds the package pools (seed 13: the same every run).
func newBenchUniverse() *benchUniverse {
	r := rand.New(rand.NewPCG(13, 13))
	u := &benchUniverse{}
	u.deb = benchPool{core: 60}
	for i := range 400 {
		name := pkgName(debNames, i, "src%03d")
		p := &benchPkg{eco: ecoDebian, name: name, weight: 1 / float64(i+5)}
		p.binaries = debBinaries(r, name)
		releases(r, p, debVersion(r))
		u.deb.pkgs = append(u.deb.pkgs, p)
	}
	u.apk = benchPool{core: 12}
	for i := range 100 {
		name := pkgName(apkNames, i, "apk%03d")
		p := &benchPkg{eco: ecoAlpine, name: name, binaries: []string{name}, weight: 1 / float64(i+3)}
		if r.IntN(2) == 0 {
			p.binaries = append(p.binaries, name+"-libs")
		}
		upstream := fmt.Sprintf("%d.%d.%d", 1+r.IntN(4), r.IntN(20), r.IntN(10))
		releases(r, p, func(k int) string { return fmt.Sprintf("%s-r%d", upstream, k) })
		u.apk.pkgs = append(u.apk.pkgs, p)
	}
	for i := range 3000 {
		name := pkgName(goNames, i, "github.com/org%03d/mod%04d")
		if i >= len(goNames) {
			name = fmt.Sprintf("github.com/org%03d/mod%04d", i%300, i)
		}
		p := &benchPkg{eco: sbom.EcosystemGo, name: name, binaries: []string{name}, weight: 1 / float64(i+8)}
		releases(r, p, semverVersions(r, "v"))
		u.gomod.pkgs = append(u.gomod.pkgs, p)
	}
	u.stdlib = &benchPkg{eco: sbom.EcosystemGo, name: "stdlib", binaries: []string{"stdlib"}}
	releases(r, u.stdlib, func(k int) string { return fmt.Sprintf("1.%d.%d", 21+k/4, k%4) })
	for i := range 20_000 {
		name := pkgName(npmNames, i, "pkg-%05d")
		if i >= len(npmNames) && i%5 == 0 {
			name = fmt.Sprintf("@scope%02d/lib-%05d", i%60, i)
		}
		p := &benchPkg{eco: sbom.EcosystemNPM, name: name, binaries: []string{name}, weight: 1 / float64(i+10)}
		releases(r, p, semverVersions(r, ""))
		u.npm.pkgs = append(u.npm.pkgs, p)
	}
	for _, p := range []*benchPool{&u.deb, &u.apk, &u.gomod, &u.npm} {
		p.finish()
	}
	return u
}

func debBinaries(r *rand.Rand, name string) []string {
	switch name {
	case "glibc":
		return []string{"libc6", "libc-bin"}
	case "openssl":
		return []string{"libssl3", "openssl"}
	case "zlib":
		return []string{"zlib1g"}
	}
	out := []string{name}
	for k := range r.IntN(3) {
		out = append(out, fmt.Sprintf("lib%s-%d", name, k+1))
	}
	return out
}

// debVersion returns release k of a Debian source: "1.2.3-1", then "1.2.3-1+deb12u1"...; a
// tenth of the sources carry an epoch ("1:").
func debVersion(r *rand.Rand) func(k int) string {
	upstream := fmt.Sprintf("%d.%d.%d", 1+r.IntN(9), r.IntN(30), r.IntN(20))
	if r.IntN(10) == 0 {
		upstream = "1:" + upstream
	}
	rev := 1 + r.IntN(3)
	return func(k int) string {
		if k == 0 {
			return fmt.Sprintf("%s-%d", upstream, rev)
		}
		return fmt.Sprintf("%s-%d+deb12u%d", upstream, rev, k)
	}
}

func semverVersions(r *rand.Rand, prefix string) func(k int) string {
	major, minor := 1+r.IntN(5), r.IntN(20)
	return func(k int) string { return fmt.Sprintf("%s%d.%d.%d", prefix, major, minor+k/3, k%3) }
}

// releases gives p one to six releases: the first at epoch 0, the others at random epochs.
func releases(r *rand.Rand, p *benchPkg, version func(int) string) {
	n := 1 + r.IntN(6)
	epochs := []int{0}
	for len(epochs) < n {
		epochs = append(epochs, 1+r.IntN(benchEpochs-1))
	}
	slices.Sort(epochs)
	epochs = slices.Compact(epochs)
	for k := range epochs {
		p.versions = append(p.versions, version(k))
	}
	p.epochs = epochs
}

// benchImage is one image of a tenant.
type benchImage struct {
	digest, repository string
	kind               int // 0 Debian+npm, 1 Debian+Go, 2 Alpine+npm, 3 Alpine+Go
	epoch              int
}

func benchDigest(tenant, i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "palisade-bench-image/%d/%d", tenant, i))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// image describes image i of a tenant (tenant seeds differ, so tenants' estates differ).
func (u *benchUniverse) image(tenant, i int) benchImage {
	r := rand.New(rand.NewPCG(uint64(tenant), uint64(i)))
	im := benchImage{digest: benchDigest(tenant, i), repository: fmt.Sprintf("team-%02d/svc-%04d", (i/2)%40, i/2)}
	switch x := r.Float64(); {
	case x < 0.40:
		im.kind = 0
	case x < 0.65:
		im.kind = 1
	case x < 0.85:
		im.kind = 2
	default:
		im.kind = 3
	}
	im.epoch = min(benchEpochs-1, int(benchEpochs*math.Sqrt(r.Float64()))) // recent builds more often
	return im
}

// sbomOf builds image i's SBOM as the extractor would report it: 400 components.
func (u *benchUniverse) sbomOf(tenant, i int) *sbom.SBOM {
	im := u.image(tenant, i)
	r := rand.New(rand.NewPCG(uint64(tenant)<<32|uint64(i), 7))
	s := &sbom.SBOM{Digest: im.digest, Source: sbom.SourceExtractor, Format: sbom.FormatLayers,
		Origin: "layers of " + im.digest[:19], Tool: "palisade"}
	if im.kind < 2 {
		s.Distro = &sbom.Distro{ID: "debian", Version: "12"}
		u.addOS(r, s, &u.deb, im.epoch, 30+r.IntN(30), "var/lib/dpkg/status")
	} else {
		s.Distro = &sbom.Distro{ID: "alpine", Version: "3.19.1"}
		u.addOS(r, s, &u.apk, im.epoch, 8+r.IntN(15), "lib/apk/db/installed")
	}
	app := &u.npm
	if im.kind == 1 || im.kind == 3 {
		app = &u.gomod
		s.Components = append(s.Components, appComponent(u.stdlib, u.stdlib.releaseAt(r, im.epoch), "usr/local/bin/app"))
	}
	for _, p := range app.draw(r, benchComponents-len(s.Components)) {
		where := "usr/local/bin/app"
		if p.eco == sbom.EcosystemNPM {
			where = "app/node_modules/" + p.name + "/package.json"
		}
		s.Components = append(s.Components, appComponent(p, p.releaseAt(r, im.epoch), where))
	}
	return s
}

func (u *benchUniverse) addOS(r *rand.Rand, s *sbom.SBOM, pool *benchPool, epoch, extras int, where string) {
	pkgs := append(slices.Clone(pool.pkgs[:pool.core]), pool.draw(r, extras)...)
	distro := "debian-12"
	if pool == &u.apk {
		distro = "alpine-3.19.1"
	}
	for _, p := range pkgs {
		v := p.versions[p.releaseAt(r, epoch)]
		for k, bin := range p.binaries {
			if k > 0 && r.IntN(5) < 2 {
				continue
			}
			typ := "deb/debian"
			if pool == &u.apk {
				typ = "apk/alpine"
			}
			c := sbom.Component{Ecosystem: p.eco, Name: bin, Version: v, Location: where,
				PURL: fmt.Sprintf("pkg:%s/%s@%s?arch=x86_64&distro=%s", typ, bin, v, distro)}
			if bin != p.name {
				c.SourceName = p.name
			}
			s.Components = append(s.Components, c)
		}
	}
}

func appComponent(p *benchPkg, release int, where string) sbom.Component {
	v := p.versions[release]
	typ := "npm"
	if p.eco == sbom.EcosystemGo {
		typ = "golang"
	}
	return sbom.Component{Ecosystem: p.eco, Name: p.name, Version: v, Location: where,
		PURL: fmt.Sprintf("pkg:%s/%s@%s", typ, strings.ReplaceAll(p.name, "@", "%40"), v)}
}

// benchTime is the advisories' clock: the baseline's records were modified before it.
var benchTime = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
