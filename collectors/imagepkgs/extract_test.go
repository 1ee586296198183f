package imagepkgs_test

import (
	"bytes"
	"debug/buildinfo"
	"reflect"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/collectors/imagepkgs"
	ipt "github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
	"github.com/palisade-dev/palisade/collectors/registry/registrytest"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

func debian12Components() []sbom.Component {
	return []sbom.Component{
		deb("base-files", "12.4+deb12u4", "", "12.4%2Bdeb12u4?arch=amd64&distro=debian-12"),
		deb("libc6", "2.36-9+deb12u3", "glibc", "2.36-9%2Bdeb12u3?arch=amd64&distro=debian-12&upstream=glibc"),
		deb("libssl3", ipt.OldOpenSSL, "openssl", "3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl"),
		deb("openssl", ipt.OldOpenSSL, "", "3.0.11-1~deb12u1?arch=amd64&distro=debian-12"),
		deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"),
	}
}

func TestExtractDebian(t *testing.T) {
	img := ipt.DebianImage(t, "12")
	s, _ := extract(t, img, imagepkgs.Options{Origin: "layers of sha256:x (linux/amd64)"})
	wantNoProblems(t, s)
	want := sbom.SBOM{Digest: registrytest.MustDigest(t, img), Source: sbom.SourceExtractor, Format: sbom.FormatLayers,
		Origin: "layers of sha256:x (linux/amd64)", ObservedAt: observed,
		Distro: &sbom.Distro{ID: "debian", Version: "12", Name: "Debian GNU/Linux 12 (bookworm)"}}
	got := *s
	got.Components = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sbom: got %+v, want %+v", got, want)
	}
	wantComponents(t, s.Components, debian12Components())
}

func TestExtractAlpine(t *testing.T) {
	s, _ := extract(t, ipt.AlpineImage(t, "3.19.1"), imagepkgs.Options{})
	wantNoProblems(t, s)
	if want := (sbom.Distro{ID: "alpine", Version: "3.19.1", Name: "Alpine Linux v3.19"}); s.Distro == nil || *s.Distro != want {
		t.Errorf("distro %+v, want %+v", s.Distro, want)
	}
	apk := func(name, version, origin string) sbom.Component {
		purl := "pkg:apk/alpine/" + name + "@" + version + "?arch=x86_64&distro=alpine-3.19.1"
		if origin != "" {
			purl += "&upstream=" + origin
		}
		return sbom.Component{Ecosystem: "Alpine:v3.19", Name: name, Version: version, SourceName: origin,
			PURL: purl, Location: "lib/apk/db/installed"}
	}
	wantComponents(t, s.Components, []sbom.Component{
		apk("musl", "1.2.4_git20230717-r4", ""),
		apk("busybox", "1.36.1-r15", ""),
		apk("libcrypto3", ipt.OldAlpineOpenSSL, "openssl"),
		apk("libssl3", ipt.OldAlpineOpenSSL, "openssl"),
		apk("zlib", "1.3.1-r0", ""),
	})
}

// goAppComponents are the modules of imagepkgstest.GoApp at location.
func goAppComponents(t *testing.T, location string) []sbom.Component {
	t.Helper()
	info, err := buildinfo.Read(bytes.NewReader(ipt.GoApp(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Deps) != 1 || info.Deps[0].Path != "github.com/package-url/packageurl-go" {
		t.Fatalf("goapp deps: %+v", info.Deps)
	}
	purlVersion := info.Deps[0].Version
	std := strings.TrimPrefix(runtime.Version(), "go")
	return []sbom.Component{
		{Ecosystem: "Go", Name: "stdlib", Version: std, PURL: "pkg:golang/stdlib@" + std, Location: location},
		{Ecosystem: "Go", Name: "github.com/package-url/packageurl-go", Version: purlVersion,
			PURL: "pkg:golang/github.com/package-url/packageurl-go@" + purlVersion, Location: location},
	}
}

// The Debian image's /usr/bin/openssl is an ELF file but not a Go program: not listed.
func TestExtractGoBinaryOnDebian(t *testing.T) {
	img := ipt.WithGoApp(t, ipt.DebianImage(t, "12"), "/usr/local/bin/app")
	s, _ := extract(t, img, imagepkgs.Options{})
	wantNoProblems(t, s)
	wantComponents(t, s.Components, append(debian12Components(), goAppComponents(t, "usr/local/bin/app")...))
}

// A scratch image of a Go program has no package database but still lists the program;
// this one is the test binary itself (large, and its build info names stdlib only).
func TestExtractScratchGoImage(t *testing.T) {
	s, h := extract(t, ipt.ScratchGoImage(t, "app"), imagepkgs.Options{})
	wantNoProblems(t, s)
	std := strings.TrimPrefix(runtime.Version(), "go")
	wantComponents(t, s.Components, []sbom.Component{{Ecosystem: "Go", Name: "stdlib", Version: std,
		PURL: "pkg:golang/stdlib@" + std, Location: "app"}})
	if s.Distro != nil {
		t.Errorf("distro %+v", s.Distro)
	}
	if h.bytes < 1<<20 {
		t.Errorf("read %d bytes: the test binary was not read whole", h.bytes)
	}
}

func TestExtractDistroless(t *testing.T) {
	s, _ := extract(t, ipt.DistrolessImage(t), imagepkgs.Options{})
	wantNoProblems(t, s)
	if s.Distro == nil || s.Distro.ID != "debian" || s.Distro.Version != "12" || s.Distro.Name != "Distroless" {
		t.Errorf("distro %+v", s.Distro)
	}
	want := debian12Components()
	for i := range want {
		want[i].Location = "var/lib/dpkg/status.d/" + want[i].Name
	}
	wantComponents(t, s.Components, want)
}

func TestDebianTestingHasNoEcosystem(t *testing.T) {
	s, _ := extract(t, ipt.DebianImage(t, "testing", ipt.DebPackage{Name: "libssl3", Version: "3.1.4-1", Source: "openssl"}), imagepkgs.Options{})
	if s.Distro == nil || *s.Distro != (sbom.Distro{ID: "debian", Name: "Debian GNU/Linux trixie/sid"}) {
		t.Errorf("distro %+v", s.Distro)
	}
	wantComponents(t, s.Components, []sbom.Component{{Name: "libssl3", Version: "3.1.4-1", SourceName: "openssl",
		SourceVersion: "3.1.4-1", PURL: "pkg:deb/debian/libssl3@3.1.4-1?arch=amd64&upstream=openssl", Location: "var/lib/dpkg/status"}})
	wantProblem(t, s, "os-release names debian without a VERSION_ID (a testing or rolling release): advisories cannot be matched for its 1 deb packages")
}

func TestNoPackageDatabase(t *testing.T) {
	for name, img := range map[string]v1.Image{
		"no layers": ipt.Base(t),
		"plain files": ipt.WithFiles(t, ipt.Base(t), "COPY . /srv", ipt.File{Path: "srv/index.html", Body: []byte("<h1>hi</h1>")},
			ipt.Exec("srv/run.sh", []byte("#!/bin/sh\nexec httpd\n"))),
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := extract(t, img, imagepkgs.Options{})
			wantNoProblems(t, s)
			if s.Components == nil || len(s.Components) != 0 || s.Distro != nil {
				t.Errorf("components %v (want empty, not nil), distro %v", s.Components, s.Distro)
			}
		})
	}
}

// Only packages whose files are installed count; a Source with a version gives the
// source version and an upstream qualifier with it.
func TestDpkgStatusSelection(t *testing.T) {
	img := ipt.DebianImage(t, "12",
		ipt.DebPackage{Name: "gone", Version: "1.0-1", Status: "deinstall ok config-files"},
		ipt.DebPackage{Name: "half", Version: "1.0-1", Status: "install reinstreq half-installed"},
		ipt.DebPackage{Name: "held", Version: "2.0-1", Status: "hold ok installed", Arch: "all"},
		ipt.DebPackage{Name: "libfoo1", Version: "1.0-1+b1", Source: "foo (1.0-1)"},
	)
	s, _ := extract(t, img, imagepkgs.Options{})
	wantNoProblems(t, s)
	wantComponents(t, s.Components, []sbom.Component{
		{Ecosystem: "Debian:12", Name: "held", Version: "2.0-1", PURL: "pkg:deb/debian/held@2.0-1?arch=all&distro=debian-12", Location: "var/lib/dpkg/status"},
		{Ecosystem: "Debian:12", Name: "libfoo1", Version: "1.0-1+b1", SourceName: "foo", SourceVersion: "1.0-1",
			PURL: "pkg:deb/debian/libfoo1@1.0-1%2Bb1?arch=amd64&distro=debian-12&upstream=foo%401.0-1", Location: "var/lib/dpkg/status"},
	})
}

func TestNewestDpkgStatusWins(t *testing.T) {
	const newer = "3.0.13-1~deb12u1"
	s, _ := extract(t, ipt.DebianUpgradedImage(t, newer), imagepkgs.Options{})
	wantNoProblems(t, s)
	want := debian12Components()
	want[2] = deb("libssl3", newer, "openssl", "3.0.13-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl")
	want[3] = deb("openssl", newer, "", "3.0.13-1~deb12u1?arch=amd64&distro=debian-12")
	wantComponents(t, s.Components, want)
}

func TestWhiteoutsAndReplacedFiles(t *testing.T) {
	withApp := func(t *testing.T) v1.Image { return ipt.WithGoApp(t, ipt.DebianImage(t, "12"), "usr/local/bin/app") }
	cases := map[string]struct {
		img  func(t *testing.T) v1.Image
		want func(t *testing.T) []sbom.Component
	}{
		"binary deleted":        {func(t *testing.T) v1.Image { return ipt.WithWhiteout(t, withApp(t), "/usr/local/bin/app") }, nil},
		"its directory deleted": {func(t *testing.T) v1.Image { return ipt.WithWhiteout(t, withApp(t), "usr/local") }, nil},
		"replaced by a script": {func(t *testing.T) v1.Image {
			return ipt.WithFiles(t, withApp(t), "COPY app.sh /usr/local/bin/app", ipt.Exec("usr/local/bin/app", []byte("#!/bin/sh\n")))
		}, nil},
		"replaced by a symlink": {func(t *testing.T) v1.Image {
			return ipt.WithFiles(t, withApp(t), "RUN ln -sf /bin/true /usr/local/bin/app", ipt.Symlink("usr/local/bin/app", "/bin/true"))
		}, nil},
		"another file deleted": {func(t *testing.T) v1.Image { return ipt.WithWhiteout(t, withApp(t), "usr/local/bin/ap") },
			func(t *testing.T) []sbom.Component { return goAppComponents(t, "usr/local/bin/app") }},
		"dpkg database deleted": {func(t *testing.T) v1.Image {
			return ipt.WithWhiteout(t, ipt.WithGoApp(t, ipt.DebianImage(t, "12"), "usr/local/bin/app"), "var/lib/dpkg")
		}, func(t *testing.T) []sbom.Component { return goAppComponents(t, "usr/local/bin/app") }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, _ := extract(t, c.img(t), imagepkgs.Options{})
			wantNoProblems(t, s)
			var want []sbom.Component
			if name != "dpkg database deleted" {
				want = debian12Components()
			}
			if c.want != nil {
				want = append(want, c.want(t)...)
			}
			wantComponents(t, s.Components, want)
			if s.Distro == nil || s.Distro.Version != "12" {
				t.Errorf("distro %+v", s.Distro)
			}
		})
	}
}

// An opaque directory hides what earlier layers put in it, not what its own layer does.
func TestOpaqueDirectory(t *testing.T) {
	img := ipt.WithGoApp(t, ipt.DebianImage(t, "12"), "usr/local/bin/app")
	img = ipt.WithOpaqueDir(t, img, "usr/local/bin", ipt.Exec("usr/local/bin/new", ipt.GoApp(t)))
	img = ipt.WithOpaqueDir(t, img, "var/lib/dpkg", ipt.File{Path: "var/lib/dpkg/status",
		Body: ipt.DpkgStatus(ipt.DebPackage{Name: "tzdata", Version: "2024a-0+deb12u1", Arch: "all"})})
	s, _ := extract(t, img, imagepkgs.Options{})
	wantNoProblems(t, s)
	wantComponents(t, s.Components, append([]sbom.Component{{Ecosystem: "Debian:12", Name: "tzdata", Version: "2024a-0+deb12u1",
		PURL: "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12", Location: "var/lib/dpkg/status"}},
		goAppComponents(t, "usr/local/bin/new")...))
}

func TestHardLinkedGoBinary(t *testing.T) {
	img := ipt.WithFiles(t, ipt.Base(t), "COPY --link app /bin/",
		ipt.Exec("bin/app", ipt.GoApp(t)), ipt.File{Path: "bin/app-alias", Type: '1', Link: "bin/app"})
	s, _ := extract(t, img, imagepkgs.Options{})
	wantNoProblems(t, s)
	wantComponents(t, s.Components, append(goAppComponents(t, "bin/app"), goAppComponents(t, "bin/app-alias")...))
}

func TestExtractUbuntu(t *testing.T) {
	osr := "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\n" +
		"VERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n"
	img := ipt.WithFiles(t, ipt.Base(t), "ADD file:ubuntu in /",
		ipt.Symlink("etc/os-release", "../usr/lib/os-release"),
		ipt.File{Path: "usr/lib/os-release", Body: []byte(osr)},
		ipt.File{Path: "var/lib/dpkg/status", Body: ipt.DpkgStatus(ipt.DebPackage{Name: "libssl3", Version: "3.0.2-0ubuntu1.15", Source: "openssl"})})
	s, _ := extract(t, img, imagepkgs.Options{})
	wantNoProblems(t, s)
	wantComponents(t, s.Components, []sbom.Component{{Ecosystem: "Ubuntu:22.04", Name: "libssl3", Version: "3.0.2-0ubuntu1.15",
		SourceName: "openssl", SourceVersion: "3.0.2-0ubuntu1.15", Location: "var/lib/dpkg/status",
		PURL: "pkg:deb/ubuntu/libssl3@3.0.2-0ubuntu1.15?arch=amd64&distro=ubuntu-22.04&upstream=openssl"}})
}

// Without an os-release the packages are listed but cannot be matched, and the SBOM says so.
func TestDpkgWithoutOSRelease(t *testing.T) {
	img := ipt.WithFiles(t, ipt.Base(t), "COPY status", ipt.File{Path: "var/lib/dpkg/status",
		Body: ipt.DpkgStatus(ipt.DebPackage{Name: "libssl3", Version: "3.0.2-0ubuntu1.15", Source: "openssl"})})
	s, _ := extract(t, img, imagepkgs.Options{})
	wantProblem(t, s, "the image has no os-release file: advisories cannot be matched for its 1 deb packages")
	if len(s.Components) != 1 || s.Components[0].Ecosystem != "" || s.Components[0].PURL != "" {
		t.Errorf("components %+v", s.Components)
	}
}
