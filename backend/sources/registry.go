package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/registry"
)

// ImageStore keeps image facts by digest per tenant (backend/store).
type ImageStore interface {
	ImageObservedSince(ctx context.Context, tenantID int64, since time.Time) (map[string]bool, error)
	ImageFacts(ctx context.Context, tenantID int64, digests []string) (map[string]*imagefacts.Image, error)
	SaveImageFacts(ctx context.Context, tenantID int64, images []*imagefacts.Image) error
	RecordTags(ctx context.Context, tenantID int64, registryHost string, repos []imagefacts.Repository, now time.Time) ([]imagefacts.Repository, error)
}

// Judge applies a tenant's trust policy to images: it sets each image's Verifications and
// Trust. It reads only what the images hold (no registry access), so stored images are
// judged again under today's policy on every run.
type Judge func(ctx context.Context, tenantID int64, images []*imagefacts.Image) error

// RegistryOptions tune registry collections.
type RegistryOptions struct {
	Images ImageStore
	Judge  Judge // nil: signatures are not judged (image.signature-trusted is not applicable)
	// OpenCredentials unseals a target's credentials (JSON of registry.Credentials).
	OpenCredentials func(t posture.Target) ([]byte, error)
	// Outbound says which registries may be reached.
	Outbound egress.Policy
	// Reinspect: images inspected more recently than this are not fetched again (default 24h).
	Reinspect time.Duration
	Limits    registry.Limits
	// Vulns gives images their SBOM and vulnerability summary; nil: not matched (the
	// vulnerability checks are not applicable).
	Vulns   Vulnerabilities
	Acquire vulns.AcquireOptions
	Log     *slog.Logger
	Now     func() time.Time
}

// Vulnerabilities is the vulnerability service (backend/vulns) as the sources use it.
type Vulnerabilities interface {
	Acquire(ctx context.Context, tenantID int64, images []*imagefacts.Image, open vulns.ImageOpener, o vulns.AcquireOptions) (vulns.AcquireReport, error)
	Fill(ctx context.Context, tenantID int64, f *imagefacts.Facet) error
}

// acquire gives images an SBOM, within the run's bounds.
func (o RegistryOptions) acquire(ctx context.Context, tenantID int64, images []*imagefacts.Image, open vulns.ImageOpener) error {
	if o.Vulns == nil {
		return nil
	}
	rep, err := o.Vulns.Acquire(ctx, tenantID, images, open, o.Acquire)
	if err != nil {
		return fmt.Errorf("image SBOMs: %w", err)
	}
	if o.Log != nil && (rep.Extracted+rep.FromAttestations+rep.Waiting+rep.Failed) > 0 {
		o.Log.Info("image SBOMs", "tenant", tenantID, "from_attestations", rep.FromAttestations, "extracted", rep.Extracted,
			"failed", rep.Failed, "waiting", rep.Waiting)
	}
	return nil
}

// fill sets the vulnerability summaries of a facet's images.
func (o RegistryOptions) fill(ctx context.Context, tenantID int64, f *imagefacts.Facet) error {
	if o.Vulns == nil {
		return nil
	}
	if err := o.Vulns.Fill(ctx, tenantID, f); err != nil {
		return fmt.Errorf("image vulnerabilities: %w", err)
	}
	return nil
}

func (o RegistryOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Registry target settings.
const (
	SettingURL          = "url"
	SettingRepositories = "repositories" // explicit list, comma or newline separated
	SettingInclude      = "include"
	SettingExclude      = "exclude"
	SettingPrivate      = "private" // "true": anonymous pulls are a finding
	SettingCABundle     = "ca_bundle"
	// SettingCredentialsFile names a JSON credentials file on Palisade's host: configuration
	// file targets only (the API refuses it, as it refuses kubeconfig paths).
	SettingCredentialsFile = "credentials_file"
)

// SplitList splits a comma or newline separated setting.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// RegistryClientOptions turns a registry target into collector options, its credentials
// unsealed.
func RegistryClientOptions(t posture.Target, o RegistryOptions) (registry.Options, error) {
	ro := registry.Options{URL: t.Settings[SettingURL], Repositories: SplitList(t.Settings[SettingRepositories]),
		Include: SplitList(t.Settings[SettingInclude]), Exclude: SplitList(t.Settings[SettingExclude]),
		Private: t.Settings[SettingPrivate] == "true", CABundle: []byte(t.Settings[SettingCABundle]),
		Limits: o.Limits, Dial: o.Outbound.Dialer().DialContext, Log: o.Log, Now: o.Now}
	if path := t.Settings[SettingCredentialsFile]; path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return ro, fmt.Errorf("registry credentials file: %w", err)
		}
		if err := json.Unmarshal(raw, &ro.Credentials); err != nil {
			return ro, posture.Errorf(posture.EINVALID, "registry credentials file %s: not JSON of username/password, token or dockerConfig", path)
		}
	}
	if len(t.Credentials) > 0 {
		raw, err := openSealed(t, o.OpenCredentials)
		if err != nil {
			return ro, err
		}
		if err := json.Unmarshal(raw, &ro.Credentials); err != nil {
			return ro, posture.Errorf(posture.EINVALID, "the target's credentials are not registry credentials")
		}
	}
	return ro, nil
}

// Registry collects a registry target: repositories and tags, the facts of images not
// inspected within Reinspect, and the stored facts of the others; every image is judged
// under the tenant's trust policy.
func Registry(o RegistryOptions) runner.Source {
	if o.Reinspect <= 0 {
		o.Reinspect = 24 * time.Hour
	}
	return runner.SourceFunc(func(ctx context.Context, t posture.Target) (*runner.Collection, error) {
		ro, err := RegistryClientOptions(t, o)
		if err != nil {
			return nil, err
		}
		now := o.now()
		fresh, err := o.Images.ImageObservedSince(ctx, t.TenantID, now.Add(-o.Reinspect))
		if err != nil {
			return nil, fmt.Errorf("read stored image facts: %w", err)
		}
		ro.Fresh = func(d string) bool { return fresh[d] }
		res, err := registry.Collect(ctx, ro)
		if err != nil {
			if res != nil && res.Registry.TLSError != "" {
				// The registry's TLS is itself the finding (registry.insecure-transport):
				// a partial run that raises it and resolves nothing.
				f := imagefacts.NewFacet()
				f.Registry = &res.Registry
				return &runner.Collection{Inventory: &kubeinv.Inventory{}, Images: f, Status: posture.RunPartial,
					Errors: []posture.CollectionError{{Source: "registry", Message: posture.ErrorMessage(err)}}}, nil
			}
			return nil, err
		}
		facet, err := o.facet(ctx, t.TenantID, ro, res, now)
		if err != nil {
			return nil, err
		}
		return &runner.Collection{Inventory: &kubeinv.Inventory{}, Images: facet, Errors: res.Errors, Status: res.Status}, nil
	})
}

// facet judges and stores what a collection inspected, records the tags, and completes the
// facts with the stored facts of images not inspected again.
func (o RegistryOptions) facet(ctx context.Context, tenantID int64, ro registry.Options, res *registry.Result, now time.Time) (*imagefacts.Facet, error) {
	f := imagefacts.NewFacet()
	f.Registry = &res.Registry
	for _, im := range res.Images {
		f.Images[im.Digest] = im
	}
	var missing []string
	for _, r := range res.Repositories {
		for _, tg := range r.Tags {
			if f.Images[tg.Digest] == nil && !slices.Contains(missing, tg.Digest) {
				missing = append(missing, tg.Digest)
			}
		}
	}
	stored, err := o.Images.ImageFacts(ctx, tenantID, missing)
	if err != nil {
		return nil, fmt.Errorf("read stored image facts: %w", err)
	}
	for d, im := range stored {
		f.Images[d] = im
	}
	for _, e := range res.Errors {
		if _, d, ok := strings.Cut(e.Source, "@"); ok && f.Images[d] == nil {
			f.Unknown[d] = "inspection failed: " + e.Message
		}
	}
	all := make([]*imagefacts.Image, 0, len(f.Images))
	for _, im := range f.Images {
		all = append(all, im)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Digest < all[j].Digest })
	if o.Judge != nil {
		if err := o.Judge(ctx, tenantID, all); err != nil {
			return nil, fmt.Errorf("judge signatures: %w", err)
		}
	}
	if o.Vulns != nil {
		client, err := registry.NewClient(ro)
		if err != nil {
			return nil, err
		}
		open := func(ctx context.Context, im *imagefacts.Image) (v1.Image, string, error) {
			return client.PlatformImage(ctx, im.Repository, im.Digest)
		}
		if err := o.acquire(ctx, tenantID, all, open); err != nil {
			return nil, err
		}
	}
	if err := o.Images.SaveImageFacts(ctx, tenantID, all); err != nil {
		return nil, fmt.Errorf("store image facts: %w", err)
	}
	if f.Repositories, err = o.Images.RecordTags(ctx, tenantID, res.Registry.Host, res.Repositories, now); err != nil {
		return nil, fmt.Errorf("store tags: %w", err)
	}
	if err := o.fill(ctx, tenantID, f); err != nil {
		return nil, err
	}
	return f, nil
}

// TrustJudge judges images under the tenant's stored trust policy (imagetrust). An invalid
// stored policy verifies nothing, with the reason on every signature.
func TrustJudge(policy func(ctx context.Context, tenantID int64) (string, int64, error), now func() time.Time) Judge {
	return func(ctx context.Context, tenantID int64, images []*imagefacts.Image) error {
		raw, _, err := policy(ctx, tenantID)
		if err != nil {
			return err
		}
		p, err := imagetrust.Parse(raw)
		if err != nil {
			return err
		}
		at := now()
		for _, im := range images {
			imagetrust.Apply(p, im, at)
		}
		return nil
	}
}

// CheckRegistryCredentials validates uploaded registry credentials: JSON with a username
// and password, a token, or a Docker config. Errors never quote the input.
func CheckRegistryCredentials(raw []byte) error {
	var cr registry.Credentials
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cr); err != nil {
		return posture.Errorf(posture.EINVALID, `registry credentials must be JSON: {"username": ..., "password": ...}, {"token": ...} or {"dockerConfig": ...}`)
	}
	if cr == (registry.Credentials{}) {
		return posture.Errorf(posture.EINVALID, "registry credentials are empty")
	}
	return nil
}
