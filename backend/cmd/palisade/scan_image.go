package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/termsafe"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/registry"
)

// Environment variables with the registry credentials of `palisade scan --image`.
const (
	envRegistryUsername = "PALISADE_REGISTRY_USERNAME"
	envRegistryPassword = "PALISADE_REGISTRY_PASSWORD"
	envRegistryToken    = "PALISADE_REGISTRY_TOKEN"
)

// imageInspectTimeout bounds the reading of one image (each request is bounded too).
const imageInspectTimeout = 5 * time.Minute

// imageRef is one --image, parsed.
type imageRef struct {
	given    string // as written, for messages
	ref      name.Reference
	tag      string // the tag the reference names; "" for a digest alone
	insecure bool   // plain HTTP, asked for with --insecure-registry or http://
}

func (r imageRef) host() string { return r.ref.Context().RegistryStr() }

func (r imageRef) scheme() string {
	if r.insecure {
		return "http"
	}
	return "https"
}

// imageAccess is what every image is read with: the trust policy, the CA bundle and the
// credentials. It is never printed.
type imageAccess struct {
	policy       *imagetrust.Policy // nil: signatures are not judged
	ca           []byte
	dockerConfig string
	dockerHosts  func(host string) bool // the Docker config has an entry for host
	env          registry.Credentials   // from PALISADE_REGISTRY_*
}

// parseImageRef reads registry/repository:tag, registry/repository@sha256:... (or both),
// optionally behind http:// (plain HTTP, asked for) or https://.
func parseImageRef(s string, insecure bool) (imageRef, error) {
	r := imageRef{given: s, insecure: insecure}
	rest := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(rest, "http://"):
		rest, r.insecure = strings.TrimPrefix(rest, "http://"), true
	case strings.HasPrefix(rest, "https://"):
		if insecure {
			return r, usageError("--image %q: https:// and --insecure-registry contradict each other", s)
		}
		rest = strings.TrimPrefix(rest, "https://")
	}
	opts := []name.Option{name.WeakValidation}
	if r.insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.ParseReference(rest, opts...)
	if err != nil || rest == "" {
		return r, usageError("--image %q is not an image reference: want registry.example.com/team/app:1.4 or registry.example.com/team/app@sha256:<64 hex>", s)
	}
	r.ref = ref
	switch v := ref.(type) {
	case name.Tag:
		r.tag = v.TagStr()
	case name.Digest:
		// repository:tag@sha256:...: read by digest, and record the tag it was given as.
		base, _, _ := strings.Cut(rest, "@")
		if i := strings.LastIndexByte(base, '/'); strings.Contains(base[i+1:], ":") {
			if t, err := name.NewTag(base, opts...); err == nil {
				r.tag = t.TagStr()
			}
		}
	}
	return r, nil
}

// imageSetup checks the --image flags and reads the files they name, before anything is
// scanned: every problem here is a usage error (exit 2).
func (so *scanOptions) imageSetup(vars []string) ([]imageRef, *imageAccess, error) {
	if len(so.images) == 0 {
		for flag, set := range map[string]bool{"--trust-policy": so.trustPolicy != "", "--registry-ca": so.registryCA != "",
			"--docker-config": so.dockerConfig != "", "--insecure-registry": so.insecureRegistry, "--advisories": len(so.advisoryFeeds) > 0} {
			if set {
				return nil, nil, usageError("%s needs --image", flag)
			}
		}
		return nil, nil, nil
	}
	refs := make([]imageRef, 0, len(so.images))
	hosts := map[string]bool{}
	for _, s := range so.images {
		r, err := parseImageRef(s, so.insecureRegistry)
		if err != nil {
			return nil, nil, err
		}
		refs = append(refs, r)
		hosts[r.host()] = true
	}
	acc := &imageAccess{}
	if so.trustPolicy != "" {
		raw, err := os.ReadFile(so.trustPolicy)
		if err != nil {
			return nil, nil, usageError("--trust-policy: %v", err)
		}
		p, err := imagetrust.Parse(string(raw))
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			return nil, nil, usageError("--trust-policy %s: %s", so.trustPolicy, posture.ErrorMessage(err))
		}
		acc.policy = p
	}
	if so.registryCA != "" {
		raw, err := os.ReadFile(so.registryCA)
		if err != nil {
			return nil, nil, usageError("--registry-ca: %v", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(raw) {
			return nil, nil, usageError("--registry-ca %s holds no PEM certificate", so.registryCA)
		}
		acc.ca = raw
	}
	acc.env = registry.Credentials{Username: lookupVar(vars, envRegistryUsername), Password: lookupVar(vars, envRegistryPassword),
		Token: lookupVar(vars, envRegistryToken)}
	envSet := acc.env != registry.Credentials{}
	switch {
	case acc.env.Token != "" && (acc.env.Username != "" || acc.env.Password != ""):
		return nil, nil, usageError("give %s or %s and %s, not both", envRegistryToken, envRegistryUsername, envRegistryPassword)
	case (acc.env.Username == "") != (acc.env.Password == "") && acc.env.Token == "":
		return nil, nil, usageError("%s and %s go together", envRegistryUsername, envRegistryPassword)
	case envSet && so.dockerConfig != "":
		return nil, nil, usageError("give registry credentials once: --docker-config or the %s variables", "PALISADE_REGISTRY_*")
	case envSet && len(hosts) > 1:
		// They would be sent to every registry; a Docker config names the registry of each.
		return nil, nil, usageError("the %s credentials are for one registry, and the images are on %d; use --docker-config for several registries",
			"PALISADE_REGISTRY_*", len(hosts))
	}
	if so.dockerConfig != "" {
		raw, err := os.ReadFile(so.dockerConfig)
		if err != nil {
			return nil, nil, usageError("--docker-config: %v", err)
		}
		// The content is never quoted: it holds credentials.
		var dc struct {
			Auths       map[string]json.RawMessage `json:"auths"`
			CredsStore  string                     `json:"credsStore"`
			CredHelpers map[string]string          `json:"credHelpers"`
		}
		if err := json.Unmarshal(raw, &dc); err != nil {
			return nil, nil, usageError("--docker-config %s is not a Docker config JSON file", so.dockerConfig)
		}
		helpers := dc.CredsStore != "" || len(dc.CredHelpers) > 0
		acc.dockerConfig = string(raw)
		acc.dockerHosts = func(host string) bool {
			// Keys are "host", "https://host" or "https://host/v1/", as the registry client
			// matches them. A config naming a credential helper goes to the client, which
			// refuses helpers with its reason.
			if _, ok := dc.Auths[host]; ok || helpers {
				return true
			}
			for k := range dc.Auths {
				if u, err := url.Parse(k); err == nil && u.Host == host {
					return true
				}
			}
			return false
		}
	}
	return refs, acc, nil
}

func lookupVar(vars []string, key string) string {
	for _, kv := range vars {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// credentials are the credentials for a registry host.
func (a *imageAccess) credentials(host string) registry.Credentials {
	if a.dockerConfig != "" {
		if a.dockerHosts(host) {
			return registry.Credentials{DockerConfig: a.dockerConfig}
		}
		return registry.Credentials{} // docker pull reads such a registry anonymously too
	}
	return a.env
}

// imageCatalog is the catalog an image scan runs: image.tag-moved needs the history of
// the repository's tags, which only a registry target keeps; a scan would pass it on no
// evidence, so it does not run it.
func imageCatalog(c *checks.Catalog) *checks.Catalog {
	return c.Filter(func(ch *checks.Check) bool { return ch.ID != "image.tag-moved" })
}

// collectImages reads each image and judges its signatures under the trust policy. An image
// that cannot be read is an error naming it (exit 2, listed in the report), said on stderr
// at once; the other images are still read.
func collectImages(ctx context.Context, refs []imageRef, acc *imageAccess, progress func(string, ...any), stderr io.Writer) ([]*imagefacts.Facet, []posture.CollectionError) {
	clients := map[string]*registry.Client{}
	clientErrs := map[string]error{}
	byImage := map[string]*imagefacts.Facet{}
	var order []string
	var errs []posture.CollectionError
	fail := func(r imageRef, msg string) {
		fmt.Fprintf(stderr, "palisade: image %s could not be read: %s\n", termsafe.String(r.given), termsafe.String(msg))
		errs = append(errs, posture.CollectionError{Source: "image " + r.given, Message: "could not be read: " + msg})
	}
	for _, r := range refs {
		base := r.scheme() + "://" + r.host()
		c, err := clients[base], clientErrs[base]
		if c == nil && err == nil {
			cr := acc.credentials(r.host())
			if r.insecure && cr != (registry.Credentials{}) {
				progress("warning: credentials for %s go over plain HTTP", termsafe.String(r.host()))
			}
			c, err = registry.NewClient(registry.Options{URL: base, Credentials: cr, CABundle: acc.ca})
			clients[base], clientErrs[base] = c, err
		}
		if err != nil {
			fail(r, errorText(err))
			continue
		}
		progress("reading image %s", termsafe.String(r.given))
		ictx, cancel := context.WithTimeout(ctx, imageInspectTimeout)
		im, err := c.Inspect(ictx, r.ref)
		cancel()
		if err != nil {
			fail(r, inspectProblem(err))
			continue
		}
		if acc.policy != nil {
			imagetrust.Apply(acc.policy, im, time.Now())
		}
		key := im.Ref()
		f := byImage[key]
		if f == nil {
			f = imagefacts.NewFacet()
			f.Registry = &imagefacts.Registry{Host: c.Host(), Scheme: r.scheme(),
				Catalog: "not listed: scan --image reads the images it is given"}
			f.Repositories = []imagefacts.Repository{{Name: im.Repository}}
			f.Images[im.Digest] = im
			byImage[key] = f
			order = append(order, key)
		}
		addScanTag(f, r.tag, im.Digest)
		progress("image %s is %s: %s", termsafe.String(r.given), im.Digest, trustWords(im))
	}
	facets := make([]*imagefacts.Facet, 0, len(order))
	for _, k := range order {
		f := byImage[k]
		repo := &f.Repositories[0]
		if len(repo.Tags) == 0 { // given by digest alone: still the repository's image
			for d := range f.Images { // the facet's one image
				repo.Tags = []imagefacts.Tag{{Digest: d}}
			}
		}
		facets = append(facets, f)
	}
	return facets, errs
}

// addScanTag records a tag the image was given as, once.
func addScanTag(f *imagefacts.Facet, tag, digest string) {
	if tag == "" {
		return
	}
	repo := &f.Repositories[0]
	for _, t := range repo.Tags {
		if t.Name == tag {
			return
		}
	}
	repo.Tags = append(repo.Tags, imagefacts.Tag{Name: tag, Digest: digest})
	f.Images[digest].AddTag(tag)
}

// trustWords says what the trust policy made of an image, for the progress line.
func trustWords(im *imagefacts.Image) string {
	switch tr := im.Trust; {
	case tr == nil:
		return "signatures not judged (no --trust-policy)"
	case tr.Signed:
		return "signed by " + termsafe.String(tr.SignedBy)
	case tr.Rule == "":
		return "no trust policy rule covers it"
	}
	return "not signed by an identity the policy trusts"
}

// inspectProblem is the registry client's reason, with what to do about it on a command line.
func inspectProblem(err error) string {
	msg := errorText(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		msg += fmt.Sprintf(" (gave up after %s)", imageInspectTimeout)
	case strings.Contains(msg, "add the registry's CA bundle to the target"):
		msg = strings.Replace(msg, "add the registry's CA bundle to the target", "give the registry's CA bundle with --registry-ca FILE", 1)
	case strings.Contains(msg, "answers plain HTTP on an https:// URL"):
		msg += " (if the registry has no TLS, ask for plain HTTP with --insecure-registry or an http:// reference)"
	case strings.Contains(msg, "HTTP 401"), strings.Contains(msg, "HTTP 403"):
		msg += fmt.Sprintf(" (check the credentials: %s and %s, %s, or --docker-config)", envRegistryUsername, envRegistryPassword, envRegistryToken)
	}
	return msg
}

// errorText is an error's message: a domain error's own, or the text of the registry
// client's (which names no credential).
func errorText(err error) string {
	var pe *posture.Error
	if errors.As(err, &pe) {
		return posture.ErrorMessage(err)
	}
	return err.Error()
}
