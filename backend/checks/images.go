package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// The image facet of a snapshot: a registry target's registry, repositories and images, or
// the facts of the digests a cluster's pods run. Image checks judge registry images as
// image assets and running containers through their digest; where the facts are missing or
// stale the verdict is not applicable with the reason, never a pass.

// imageAssets are the assets of a registry target's facet, built once.
type imageAssets struct {
	registry *posture.Asset
	repos    []posture.Asset // as Facet.Repositories
	images   map[string]*posture.Asset
	order    []string // digests in repository order
}

// RegistryKey, RepositoryKey and ImageKey are the asset keys of a registry target's tree.
func RegistryKey(host string) string         { return "registry/" + host }
func RepositoryKey(host, repo string) string { return "repository/" + host + "/" + repo }
func ImageKey(host, repo, digest string) string {
	return "image/" + host + "/" + repo + "@" + digest
}

// SetImages attaches an image facet to the snapshot.
func (s *Snapshot) SetImages(f *imagefacts.Facet) {
	s.Images = f
	s.imageAssets = nil
	if f == nil || f.Registry == nil {
		return
	}
	host := f.Registry.Host
	ia := &imageAssets{images: map[string]*posture.Asset{}}
	ia.registry = &posture.Asset{Kind: posture.AssetRegistry, Key: RegistryKey(host), Name: host}
	ia.repos = make([]posture.Asset, len(f.Repositories))
	for i, r := range f.Repositories {
		ia.repos[i] = posture.Asset{Kind: posture.AssetRepository, Key: RepositoryKey(host, r.Name), ParentKey: ia.registry.Key, Name: r.Name}
		tags := map[string][]string{}
		var digests []string
		for _, tg := range r.Tags {
			if _, seen := tags[tg.Digest]; !seen {
				digests = append(digests, tg.Digest)
			}
			tags[tg.Digest] = append(tags[tg.Digest], tg.Name)
		}
		for _, d := range digests {
			key := ImageKey(host, r.Name, d)
			if _, dup := ia.images[key]; dup {
				continue
			}
			ia.images[key] = &posture.Asset{Kind: posture.AssetImage, Key: key, ParentKey: ia.repos[i].Key,
				Name: r.Name + "@" + shortDigest(d), Labels: map[string]string{"tags": strings.Join(tags[d], ",")}}
			ia.order = append(ia.order, key)
		}
	}
	s.imageAssets = ia
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return d[:len(d)-len(hex)] + hex[:12]
	}
	return d
}

// imageSubject is one image a check judges: a registry image, or the image a container runs.
type imageSubject struct {
	digest string
	image  *imagefacts.Image // nil: unknown, see why
	why    string
	// container is set for a running container: its workload and the container.
	workload  *kubeinv.Workload
	container *kubeinv.ContainerRef
}

// facts returns the subject's facts, or a not-applicable verdict saying why there are none
// or why they are too old to judge.
func (s *Snapshot) imageFacts(digest string) (*imagefacts.Image, string) {
	im, why := s.Images.Lookup(digest)
	if im == nil {
		return nil, why
	}
	if age := s.Config.Now().Sub(im.ObservedAt); age > s.Config.ImageFactsMaxAge {
		return nil, fmt.Sprintf("image data for %s is stale (inspected %s, more than %s ago)", digest, im.ObservedAt.UTC().Format(time.DateOnly), durationWords(s.Config.ImageFactsMaxAge))
	}
	return im, ""
}

func durationWords(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.String()
}

// containerDigests are the digests a container ran (from its pods' status), else the digest
// its image reference pins.
func containerDigests(w *kubeinv.Workload, c kubeinv.ContainerRef) []string {
	var out []string
	sub := c.SubKey()
	for _, pi := range w.PodImages {
		if pi.Container == sub && strings.HasPrefix(pi.Digest, "sha256:") && !slices.Contains(out, pi.Digest) {
			out = append(out, pi.Digest)
		}
	}
	if len(out) == 0 {
		if d := ParseImage(c.Image).Digest; d != "" {
			out = append(out, d)
		}
	}
	return out
}

// perImage evaluates fn on every image of a registry target's facet and on every container
// of the inventory's workloads, through the digests it runs. A container running several
// digests (a rolling update) fails when any of them fails.
func perImage(fn func(s *Snapshot, sub imageSubject) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		var out []posture.Result
		if ia := s.imageAssets; ia != nil {
			for _, key := range ia.order {
				a := ia.images[key]
				digest := key[strings.LastIndex(key, "@")+1:]
				im, why := s.imageFacts(digest)
				if im == nil {
					out = append(out, na(why).result(a, ""))
					continue
				}
				out = append(out, fn(s, imageSubject{digest: digest, image: im}).result(a, ""))
			}
		}
		for i, w := range s.Workloads {
			for _, c := range w.Containers() {
				c := c
				out = append(out, containerImageVerdict(s, w, &c, fn).result(&s.workloadAssets[i], c.SubKey()))
			}
		}
		return out
	}
}

func containerImageVerdict(s *Snapshot, w *kubeinv.Workload, c *kubeinv.ContainerRef, fn func(*Snapshot, imageSubject) verdict) verdict {
	digests := containerDigests(w, *c)
	if len(digests) == 0 {
		return na("the image's digest is unknown: the container is not running and its image is not pinned by digest")
	}
	var first *verdict
	var unknown string
	for _, d := range digests {
		im, why := s.imageFacts(d)
		if im == nil {
			unknown = why
			continue
		}
		v := fn(s, imageSubject{digest: d, image: im, workload: w, container: c})
		if v.status == posture.Fail {
			if v.evidence == nil {
				v.evidence = map[string]string{}
			}
			v.evidence["digest"] = d
			return v
		}
		if first == nil {
			first = &v
		}
	}
	if unknown != "" {
		return na(unknown)
	}
	return *first
}

// perRegistry evaluates fn once for a registry target's registry.
func perRegistry(fn func(s *Snapshot, r *imagefacts.Registry) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		if s.imageAssets == nil {
			return nil
		}
		return []posture.Result{fn(s, s.Images.Registry).result(s.imageAssets.registry, "")}
	}
}

// perRepository evaluates fn for each repository of a registry target.
func perRepository(fn func(s *Snapshot, r *imagefacts.Repository) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		if s.imageAssets == nil {
			return nil
		}
		out := make([]posture.Result, 0, len(s.Images.Repositories))
		for i := range s.Images.Repositories {
			out = append(out, fn(s, &s.Images.Repositories[i]).result(&s.imageAssets.repos[i], ""))
		}
		return out
	}
}

// ImageAssets lists the registry, repository and image assets of the snapshot's facet, in
// tree order, for recording.
func (s *Snapshot) ImageAssets() []*posture.Asset {
	ia := s.imageAssets
	if ia == nil {
		return nil
	}
	out := []*posture.Asset{ia.registry}
	for i := range ia.repos {
		out = append(out, &ia.repos[i])
	}
	for _, k := range ia.order {
		out = append(out, ia.images[k])
	}
	return out
}

// runsAsNonRootBySpec reports whether the pod or container says the container must not run
// as root (runAsNonRoot, or a non-zero runAsUser), overriding the image's user.
func runsAsNonRootBySpec(w *kubeinv.Workload, c *kubeinv.ContainerRef) (bool, string) {
	sc := c.SecurityContext
	psc := w.PodSpec.SecurityContext
	if sc != nil && sc.RunAsUser != nil {
		return *sc.RunAsUser != 0, "the container sets runAsUser"
	}
	if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser != 0 {
		return true, "the pod sets runAsUser"
	}
	if sc != nil && sc.RunAsNonRoot != nil {
		return *sc.RunAsNonRoot, "the container sets runAsNonRoot"
	}
	if psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot {
		return true, "the pod sets runAsNonRoot"
	}
	return false, ""
}

func imageFactChecks() []*Check {
	return []*Check{
		{
			ID: "image.signature-trusted", Title: "Image not signed by a trusted identity",
			Description: "The image's digest carries no signature that verifies against the tenant's trust policy (a trusted public key, or a keyless identity under the trusted root). A signature by anyone else, a tampered or expired signature, or one made for another digest does not count: existence is not trust.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.1.1", "3.1.6.1", "3.1.6.4", "3.1.8.1"}, Applies: posture.AssetImage, Facet: FacetImages,
			References:  []Reference{{NSA, "Supply chain", "Image signing"}},
			Remediation: Remediation{Text: "Sign the image in the pipeline that builds it (cosign sign --key, or keyless in CI), and add the key or CI identity to the trust policy rule that covers its repository.", Example: "cosign sign --key cosign.key registry.example.com/shop/web@sha256:...\n# trust policy rule\n{\"name\": \"shop\", \"images\": [\"registry.example.com/shop/*\"], \"keys\": [{\"name\": \"release\", \"pem\": \"-----BEGIN PUBLIC KEY-----...\"}]}\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				tr := sub.image.Trust
				switch {
				case tr == nil:
					return na("signatures were not judged: no trust policy was given")
				case tr.Rule == "":
					return fail("no trust policy rule covers "+sub.image.Registry+"/"+sub.image.Repository+": nothing says whose signature to trust", "image", sub.image.Ref())
				case tr.Signed:
					return pass("signed by " + tr.SignedBy + " (rule " + tr.Rule + ")")
				}
				why := "no signature was found"
				if len(tr.Reasons) > 0 {
					why = strings.Join(tr.Reasons, "; ")
				}
				return fail("not signed by an identity rule "+tr.Rule+" trusts: "+why, "image", sub.image.Ref(), "rule", tr.Rule)
			}),
		},
		{
			ID: "image.provenance", Title: "Image without verified build provenance",
			Description: "No SLSA provenance attestation that verifies against the trust policy is attached to the image, so where and how it was built cannot be shown.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.1.1", "3.1.8.1"}, Applies: posture.AssetImage, Facet: FacetImages,
			Remediation: Remediation{Text: "Attach a signed SLSA provenance attestation when building (docker buildx --provenance, the SLSA GitHub generator, or cosign attest --type slsaprovenance).", Example: "cosign attest --key cosign.key --type slsaprovenance1 --predicate provenance.json registry.example.com/shop/web@sha256:...\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				tr := sub.image.Trust
				switch {
				case tr == nil:
					return na("attestations were not judged: no trust policy was given")
				case tr.Provenance:
					return pass("verified SLSA provenance attached")
				}
				return fail("no verified SLSA provenance attestation", "image", sub.image.Ref())
			}),
		},
		{
			ID: "image.config-root-user", Title: "Image runs as root",
			Description: "The image's configuration names no user, or root, and (for a running container) the pod does not override it with runAsNonRoot or a non-zero runAsUser: the process runs as root.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.3"}, Applies: posture.AssetImage, Facet: FacetImages,
			References:  []Reference{{CIS, "5.2.6", "Minimize the admission of root containers"}},
			Remediation: Remediation{Text: "Set a non-root USER in the Dockerfile, and runAsNonRoot in the pod.", Example: "# Dockerfile\nUSER 10001:10001\n# pod\nsecurityContext:\n  runAsNonRoot: true\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				if sub.container != nil {
					if ok, why := runsAsNonRootBySpec(sub.workload, sub.container); ok {
						return pass("the image's user is overridden: " + why)
					}
				}
				var root []string
				for _, v := range sub.image.Variants {
					if v.RunsAsRoot() {
						root = append(root, v.Platform.String())
					}
				}
				if len(root) > 0 {
					user := sub.image.Variants[0].User
					if user == "" {
						user = "(none: root)"
					}
					return fail("the image runs as root ("+strings.Join(root, ", ")+")", "user", user)
				}
				return pass("the image runs as user " + sub.image.Variants[0].User)
			}),
		},
		{
			ID: "image.secret-in-config", Title: "Secret-looking value in the image's environment",
			Description: "An environment variable baked into the image's configuration holds what looks like a credential. Everyone who can pull the image can read it. Palisade keeps only the variable's name.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.10.1"}, Applies: posture.AssetImage, Facet: FacetImages,
			Remediation: Remediation{Text: "Remove the value from the Dockerfile (ENV/ARG), rebuild, rotate the credential, and inject it at run time from a secret store.", Example: "# not: ENV DB_PASSWORD=...\n# mount it instead\nvolumes:\n- name: db\n  secret: {secretName: db-credentials}\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				var names []string
				for _, v := range sub.image.Variants {
					for _, e := range v.SecretEnv {
						if !slices.Contains(names, e.Name) {
							names = append(names, e.Name)
						}
					}
				}
				if len(names) > 0 {
					sort.Strings(names)
					return fail("the image's environment holds secret-looking values: "+strings.Join(names, ", "), "env", strings.Join(names, ","), "value", Redacted)
				}
				return pass("no secret-looking values in the image's environment")
			}),
		},
		{
			ID: "image.shell-or-package-manager", Title: "Image is not minimal (shell or package manager)",
			Description: "The image's build ran a shell or an OS package manager in its final stage, or its entrypoint is a shell: tools an attacker can use after a compromise. Read from the image's configuration and build history; the image's files are not read.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.6.3", "3.1.8.3"}, Applies: posture.AssetImage, Facet: FacetImages,
			Remediation: Remediation{Text: "Build the final stage FROM a distroless or scratch base and copy in only the application.", Example: "FROM golang:1.26 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				for _, v := range sub.image.Variants {
					if v.Shell != "" || len(v.PackageManagers) > 0 {
						msg := v.Shell
						if len(v.PackageManagers) > 0 {
							if msg != "" {
								msg += "; "
							}
							msg += "package managers used: " + strings.Join(v.PackageManagers, ", ")
						}
						return fail("not a minimal image: "+msg, "platform", v.Platform.String())
					}
				}
				return pass("no shell or package manager seen in the configuration or build history")
			}),
		},
		{
			ID: "image.version-label", Title: "Image without a version label",
			Description: "The image has no org.opencontainers.image.version label, so the version that runs cannot be read from the image itself.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.3.1"}, Applies: posture.AssetImage, Facet: FacetImages,
			Remediation: Remediation{Text: "Label the image with its version when building.", Example: "docker buildx build --label org.opencontainers.image.version=1.4.2 .\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				if v := sub.image.Label(imagefacts.LabelVersion); v != "" {
					return pass("version " + v)
				}
				return fail("no " + imagefacts.LabelVersion + " label")
			}),
		},
		{
			ID: "image.too-old", Title: "Image older than the allowed age",
			Description: "The image was built longer ago than the configured maximum age: it carries every vulnerability published since, and whoever maintains it is not rebuilding it.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.6.5"}, Applies: posture.AssetImage, Facet: FacetImages,
			Remediation: Remediation{Text: "Rebuild the image regularly (at least as often as the maximum age) so that base image fixes reach it.", Example: "# e.g. a scheduled pipeline\non:\n  schedule: [{cron: '0 3 * * 1'}]\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				created := sub.image.Created()
				if created == nil {
					return na("the image's configuration has no creation date")
				}
				age := s.Config.Now().Sub(*created)
				if age > s.Config.MaxImageAge {
					return fail(fmt.Sprintf("built %s, %s ago (more than %s)", created.Format(time.DateOnly), durationWords(age), durationWords(s.Config.MaxImageAge)), "created", created.Format(time.RFC3339))
				}
				return pass("built " + created.Format(time.DateOnly))
			}),
		},
		{
			ID: "image.tag-moved", Title: "Tag moved to a new digest",
			Description: "A tag of the repository now points at another image than before: whoever deploys by that tag runs different code without changing their manifests.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.3.1", "3.1.8.8"}, Applies: posture.AssetRepository, Facet: FacetImages,
			Remediation: Remediation{Text: "Make tags immutable in the registry and release each build under a new tag; deploy by digest.", Example: "image: registry.example.com/shop/web:1.4.2@sha256:...\n"},
			Eval: perRepository(func(s *Snapshot, r *imagefacts.Repository) verdict {
				var moved []string
				for _, tg := range r.Tags {
					if tg.MovedAt != nil && s.Config.Now().Sub(*tg.MovedAt) <= s.Config.TagMoveWindow {
						moved = append(moved, fmt.Sprintf("%s (from %s on %s)", tg.Name, shortDigest(tg.PreviousDigest), tg.MovedAt.Format(time.DateOnly)))
					}
				}
				if len(moved) > 0 {
					return fail("tags moved to a new digest: "+strings.Join(moved, ", "), "tags", strings.Join(moved, "; "))
				}
				return pass("no tag moved in the last " + durationWords(s.Config.TagMoveWindow))
			}),
		},
		{
			ID: "registry.insecure-transport", Title: "Registry without valid TLS",
			Description: "The registry is reached over plain HTTP, or its certificate does not verify: images and credentials can be read or replaced on the way.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.2"}, Applies: posture.AssetRegistry, Facet: FacetImages,
			Remediation: Remediation{Text: "Serve the registry over HTTPS with a certificate from a CA the clients trust (give Palisade the CA bundle for a private CA).", Example: "http:\n  tls:\n    certificate: /etc/docker/registry/tls.crt\n    key: /etc/docker/registry/tls.key\n"},
			Eval: perRegistry(func(s *Snapshot, r *imagefacts.Registry) verdict {
				switch {
				case r.Scheme == "http":
					return fail("the registry is reached over plain HTTP", "scheme", "http")
				case r.TLSError != "":
					return fail("the registry's TLS does not verify: "+r.TLSError, "tls", r.TLSError)
				}
				return pass("HTTPS with a certificate that verifies")
			}),
		},
		{
			ID: "registry.anonymous-pull", Title: "Private registry serves anonymous pulls",
			Description: "The registry target is marked private, yet a client without credentials could list its images.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.2"}, Applies: posture.AssetRegistry, Facet: FacetImages,
			Remediation: Remediation{Text: "Require authentication for pulls (htpasswd, token auth, or the provider's access policy).", Example: "auth:\n  htpasswd:\n    realm: registry\n    path: /etc/docker/registry/htpasswd\n"},
			Eval: perRegistry(func(s *Snapshot, r *imagefacts.Registry) verdict {
				switch {
				case !r.Private:
					return na("the registry target is not marked private")
				case r.AnonymousPull == nil:
					return na("anonymous access was not probed (no repository to try)")
				case *r.AnonymousPull:
					return fail("a client without credentials can list the registry's images")
				}
				return pass("anonymous clients are refused")
			}),
		},
	}
}
