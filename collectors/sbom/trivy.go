package sbom

import (
	"encoding/json"
	"fmt"

	"github.com/palisade-dev/palisade/backend/posture"
)

// The part of Trivy's JSON report (trivy image -f json, SchemaVersion 2) read here. Trivy
// itself is not imported: it would bring hundreds of modules for a dozen fields.
type trivyReport struct {
	SchemaVersion int    `json:"SchemaVersion"`
	CreatedAt     string `json:"CreatedAt"`
	Trivy         struct {
		Version string `json:"Version"`
	} `json:"Trivy"`
	Metadata struct {
		OS *struct {
			Family string `json:"Family"`
			Name   string `json:"Name"`
		} `json:"OS"`
	} `json:"Metadata"`
	Results []trivyResult `json:"Results"`
}

type trivyResult struct {
	Target          string               `json:"Target"`
	Class           string               `json:"Class"` // os-pkgs, lang-pkgs (and config, secret…)
	Type            string               `json:"Type"`  // debian, alpine; gobinary, npm, jar…
	Packages        []trivyPackage       `json:"Packages"`
	Vulnerabilities []trivyVulnerability `json:"Vulnerabilities"`
}

type trivyPackage struct {
	Name       string          `json:"Name"`
	Identifier trivyIdentifier `json:"Identifier"`
	Version    string          `json:"Version"`
	Release    string          `json:"Release"`
	Epoch      int             `json:"Epoch"`
	SrcName    string          `json:"SrcName"`
	SrcVersion string          `json:"SrcVersion"`
	SrcRelease string          `json:"SrcRelease"`
	SrcEpoch   int             `json:"SrcEpoch"`
	FilePath   string          `json:"FilePath"`
}

type trivyIdentifier struct {
	PURL string `json:"PURL"`
}

// trivyVulnerability is a vulnerability's package fields; InstalledVersion is printed
// [epoch:]version[-release] already.
type trivyVulnerability struct {
	PkgID            string          `json:"PkgID"`
	PkgName          string          `json:"PkgName"`
	PkgPath          string          `json:"PkgPath"`
	PkgIdentifier    trivyIdentifier `json:"PkgIdentifier"`
	InstalledVersion string          `json:"InstalledVersion"`
}

// trivyEcosystems maps Trivy's language package types to OSV ecosystems, for packages
// without a purl.
var trivyEcosystems = map[string]string{
	"gobinary": EcosystemGo, "gomod": EcosystemGo,
	"npm": EcosystemNPM, "node-pkg": EcosystemNPM, "yarn": EcosystemNPM, "pnpm": EcosystemNPM, "bun": EcosystemNPM,
	"pip": EcosystemPyPI, "pipenv": EcosystemPyPI, "poetry": EcosystemPyPI, "python-pkg": EcosystemPyPI, "uv": EcosystemPyPI,
	"jar": EcosystemMaven, "pom": EcosystemMaven, "gradle": EcosystemMaven, "sbt": EcosystemMaven,
	"bundler": EcosystemRubyGems, "gemspec": EcosystemRubyGems,
	"cargo": EcosystemCrates, "rust-binary": EcosystemCrates,
	"nuget": EcosystemNuGet, "dotnet-core": EcosystemNuGet, "packages-props": EcosystemNuGet,
	"composer": EcosystemPackagist, "composer-vendor": EcosystemPackagist,
}

func (b *builder) readTrivy(doc []byte) error {
	var rep trivyReport
	if err := json.Unmarshal(doc, &rep); err != nil {
		return jsonError("Trivy", err)
	}
	if rep.SchemaVersion != 2 {
		return posture.Errorf(posture.EINVALID, "Trivy report schema version %d is not accepted (2)", rep.SchemaVersion)
	}
	b.setCreated(rep.CreatedAt)
	b.setTool("trivy", rep.Trivy.Version)
	osRelease := ""
	if os := rep.Metadata.OS; os != nil {
		b.setDistro(os.Family, os.Name, "")
		osRelease = os.Name
	}
	vulnerableOnly := false
	for i, res := range rep.Results {
		if res.Class != "os-pkgs" && res.Class != "lang-pkgs" {
			continue
		}
		var err error
		if len(res.Packages) == 0 {
			// Without --list-all-pkgs Trivy lists a result's vulnerable packages only.
			vulnerableOnly = true
			err = b.trivyVulnerablePackages(i, res, osRelease)
		} else {
			err = b.trivyPackages(i, res, osRelease)
		}
		if err != nil {
			return err
		}
	}
	if vulnerableOnly {
		b.onlyVulnerable("run trivy with --list-all-pkgs to list all")
	}
	return nil
}

// trivyEcosystem is a result's ecosystem for packages without a purl.
func trivyEcosystem(res trivyResult, osRelease string) string {
	if res.Class == "os-pkgs" {
		return EcosystemFor(&Distro{ID: res.Type, Version: osRelease})
	}
	return trivyEcosystems[res.Type]
}

func (b *builder) trivyPackages(i int, res trivyResult, osRelease string) error {
	ecosystem := trivyEcosystem(res, osRelease)
	for j, p := range res.Packages {
		r := pkgRecord{path: fmt.Sprintf("Results[%d].Packages[%d]", i, j), name: p.Name,
			purl: p.Identifier.PURL, ecosystem: ecosystem}
		if res.Class == "os-pkgs" {
			// The purl's version lacks the epoch (Trivy puts it in a qualifier): the
			// installed version is written from the fields as Trivy prints it.
			r.version = osVersion(epoch(p.Epoch), p.Version, p.Release)
			r.sourceName = p.SrcName
			r.sourceVersion = osVersion(epoch(p.SrcEpoch), p.SrcVersion, p.SrcRelease)
		} else {
			r.version = p.Version
			r.location = firstOf(p.FilePath, res.Target)
		}
		if err := b.addRecord(r); err != nil {
			return err
		}
	}
	return nil
}

// trivyVulnerablePackages derives components from a result's vulnerabilities, each
// package once. Source packages are not in them: OS packages match by their own name.
func (b *builder) trivyVulnerablePackages(i int, res trivyResult, osRelease string) error {
	ecosystem := trivyEcosystem(res, osRelease)
	seen := map[string]bool{}
	for j, v := range res.Vulnerabilities {
		key := v.PkgID + "\x00" + v.PkgName + "\x00" + v.InstalledVersion + "\x00" + v.PkgPath
		if seen[key] {
			continue
		}
		seen[key] = true
		r := pkgRecord{path: fmt.Sprintf("Results[%d].Vulnerabilities[%d]", i, j), name: v.PkgName,
			version: v.InstalledVersion, purl: v.PkgIdentifier.PURL, ecosystem: ecosystem}
		if res.Class == "lang-pkgs" {
			r.location = firstOf(v.PkgPath, res.Target)
		}
		if err := b.addRecord(r); err != nil {
			return err
		}
	}
	return nil
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
