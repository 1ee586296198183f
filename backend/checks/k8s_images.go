package checks

import (
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// ImageRef is a parsed container image reference.
type ImageRef struct {
	Registry   string // host[:port]; "docker.io" when the reference names none
	Repository string // path without registry, e.g. "library/nginx"
	Tag        string
	Digest     string // "sha256:..."
}

// ParseImage splits an image reference the way container runtimes resolve it.
func ParseImage(ref string) ImageRef {
	var r ImageRef
	rest := strings.TrimSpace(ref)
	if i := strings.Index(rest, "@"); i >= 0 {
		r.Digest = rest[i+1:]
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i+1:], "/") {
		r.Tag = rest[i+1:]
		rest = rest[:i]
	}
	first, remainder, hasSlash := strings.Cut(rest, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Registry = strings.ToLower(first)
		r.Repository = remainder
	} else {
		r.Registry = "docker.io"
		r.Repository = rest
		if !hasSlash {
			r.Repository = "library/" + rest
		}
	}
	return r
}

// imageAllowed reports whether image comes from one of the allowed registries (a host, or
// host/path prefix ending at a path boundary). Docker Hub aliases are treated as docker.io.
func imageAllowed(ref ImageRef, allowed []string) bool {
	full := ref.Registry + "/" + ref.Repository
	for _, a := range allowed {
		a = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(a)), "/")
		for _, alias := range []string{"index.docker.io", "registry-1.docker.io"} {
			if a == alias || strings.HasPrefix(a, alias+"/") {
				a = "docker.io" + strings.TrimPrefix(a, alias)
			}
		}
		if a != "" && (full == a || strings.HasPrefix(full, a+"/")) {
			return true
		}
	}
	return false
}

// imageMatches reports whether an image's repository contains any of the fragments.
func imageMatches(image string, fragments []string) bool {
	ref := ParseImage(image)
	repo := strings.ToLower(ref.Registry + "/" + ref.Repository)
	for _, f := range fragments {
		if f != "" && strings.Contains(repo, strings.ToLower(f)) {
			return true
		}
	}
	return false
}

const versionLabel = "app.kubernetes.io/version"

func imageChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.image-tag-mutable", Title: "Image without tag or with latest",
			Description: "An image with no tag or the latest tag does not identify which version runs; a restart may silently run different code.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.3.1", "3.1.8.8"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Image security", ""}},
			Remediation: Remediation{Text: "Reference a specific version tag (and ideally a digest).", Example: "containers:\n- name: app\n  image: registry.example.com/shop/web:1.4.2@sha256:<digest>\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				ref := ParseImage(c.Image)
				if ref.Digest != "" {
					return pass("image pinned by digest")
				}
				if ref.Tag == "" || ref.Tag == "latest" {
					return fail("image has no tag or uses latest", "image", c.Image)
				}
				return pass("image has a version tag")
			}),
		},
		{
			ID: "k8s.image-digest", Title: "Image not pinned by digest",
			Description: "Tags can be moved; only a digest guarantees the running image is the one that was scanned and signed.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.3.1", "3.1.6.4", "3.1.8.4"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Pin images by digest (tag@sha256:...), e.g. with your CD tool's image updater.", Example: "image: registry.example.com/shop/web:1.4.2@sha256:0123456789abcdef...\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if strings.HasPrefix(ParseImage(c.Image).Digest, "sha256:") || strings.HasPrefix(ParseImage(c.Image).Digest, "sha512:") {
					return pass("image pinned by digest")
				}
				return fail("image is not pinned by digest", "image", c.Image)
			}),
		},
		{
			ID: "k8s.image-registry-allowlist", Title: "Image from a registry outside the allowlist",
			Description: "Only images from approved registries should run; anything else has skipped the organisation's scanning, signing and promotion.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.6.4", "3.1.1.2", "3.1.8.4"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Image security", "Use trusted repositories"}},
			Remediation: Remediation{Text: "Mirror the image into an approved registry and reference it from there; enforce the allowlist with an admission policy.", Example: "containers:\n- name: app\n  image: registry.example.com/mirror/nginx:1.27.0\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if len(s.Config.AllowedRegistries) == 0 {
					return na("no registry allowlist configured")
				}
				ref := ParseImage(c.Image)
				if imageAllowed(ref, s.Config.AllowedRegistries) {
					return pass("image registry is allowed")
				}
				return fail("image registry "+ref.Registry+" is not in the allowlist", "image", c.Image, "registry", ref.Registry)
			}),
		},
		{
			ID: "k8s.version-label", Title: "Workload lacks a version label",
			Description: "Without app.kubernetes.io/version, operators cannot tell which application version a workload runs.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.3.1"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Label the workload (and its pod template) with app.kubernetes.io/version.", Example: "metadata:\n  labels:\n    app.kubernetes.io/version: \"1.4.2\"\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if w.Labels[versionLabel] != "" || w.PodMeta.Labels[versionLabel] != "" {
					return pass("version label present")
				}
				return fail("label " + versionLabel + " missing")
			}),
		},
	}
}
