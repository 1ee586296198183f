package sources

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/registry"
)

// UsageStore records where images run.
type UsageStore interface {
	RecordImageUsages(ctx context.Context, tenantID, targetID int64, usages []imagefacts.Usage, complete bool) error
}

// RunningImages makes the image facet of a cluster run: the digests its pods run, with
// facts inspected through the registry targets the tenant configured for each registry host.
// The cluster's image pull secrets are never read: a registry Palisade has no target for
// stays unknown, and the checks say so.
type RunningImages struct {
	Images ImageStore
	Usages UsageStore
	// Targets lists a tenant's targets (its registry targets hold the credentials).
	Targets  func(ctx context.Context, tenantID int64) ([]posture.Target, error)
	Registry RegistryOptions
	// MaxAge: facts older than this are inspected again (default 24h).
	MaxAge time.Duration
	// MaxLookups bounds the images one run inspects (default 100); Budget bounds the time
	// (default 2m). What is left is inspected by the next runs.
	MaxLookups int
	Budget     time.Duration
}

// dockerHubHosts are the names of Docker Hub's registry.
var dockerHubHosts = map[string]bool{"docker.io": true, "index.docker.io": true, "registry-1.docker.io": true}

func sameRegistry(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	return a == b || dockerHubHosts[a] && dockerHubHosts[b]
}

// Facet resolves the digests inv's pods run and returns their facts.
func (ri *RunningImages) Facet(ctx context.Context, t posture.Target, inv *kubeinv.Inventory, complete bool) (*imagefacts.Facet, error) {
	maxAge, maxLookups, budget := ri.MaxAge, ri.MaxLookups, ri.Budget
	if maxAge <= 0 {
		maxAge = 24 * time.Hour
	}
	if maxLookups <= 0 {
		maxLookups = 100
	}
	if budget <= 0 {
		budget = 2 * time.Minute
	}
	usages, refs := runningImages(t.ID, inv)
	if ri.Usages != nil {
		if err := ri.Usages.RecordImageUsages(ctx, t.TenantID, t.ID, usages, complete); err != nil {
			return nil, fmt.Errorf("record where images run: %w", err)
		}
	}
	digests := make([]string, 0, len(refs))
	for d := range refs {
		digests = append(digests, d)
	}
	sort.Strings(digests)
	f := imagefacts.NewFacet()
	stored, err := ri.Images.ImageFacts(ctx, t.TenantID, digests)
	if err != nil {
		return nil, fmt.Errorf("read stored image facts: %w", err)
	}
	now := ri.Registry.now()
	var due []string
	for _, d := range digests {
		if im := stored[d]; im != nil {
			f.Images[d] = im
			if now.Sub(im.ObservedAt) <= maxAge {
				continue
			}
		}
		due = append(due, d)
	}
	pool, err := ri.pool(ctx, t.TenantID)
	if err != nil {
		return nil, err
	}
	inspected, unknown := ri.inspect(ctx, pool, due, refs, maxLookups, budget)
	for _, im := range inspected {
		f.Images[im.Digest] = im
	}
	for d, why := range unknown {
		if f.Images[d] == nil {
			f.Unknown[d] = why
		}
	}
	all := make([]*imagefacts.Image, 0, len(f.Images))
	for _, d := range digests {
		if im := f.Images[d]; im != nil {
			all = append(all, im)
		}
	}
	if ri.Registry.Judge != nil {
		if err := ri.Registry.Judge(ctx, t.TenantID, all); err != nil {
			return nil, fmt.Errorf("judge signatures: %w", err)
		}
	}
	if err := ri.Registry.acquire(ctx, t.TenantID, all, pool.open); err != nil {
		return nil, err
	}
	if err := ri.Images.SaveImageFacts(ctx, t.TenantID, all); err != nil {
		return nil, fmt.Errorf("store image facts: %w", err)
	}
	if err := ri.Registry.fill(ctx, t.TenantID, f); err != nil {
		return nil, err
	}
	return f, nil
}

// runningImages lists the containers' digests and, per digest, a reference to fetch it by.
func runningImages(targetID int64, inv *kubeinv.Inventory) ([]imagefacts.Usage, map[string]string) {
	var usages []imagefacts.Usage
	refs := map[string]string{}
	for _, w := range inv.Workloads() {
		key := w.Key()
		for _, pi := range w.PodImages {
			if !strings.HasPrefix(pi.Digest, "sha256:") || len(pi.Digest) != len("sha256:")+64 {
				continue
			}
			usages = append(usages, imagefacts.Usage{TargetID: targetID, Digest: pi.Digest, Namespace: w.Namespace,
				Workload: key, Container: pi.Container, Image: pi.Image})
			if _, ok := refs[pi.Digest]; !ok {
				refs[pi.Digest] = pi.Image
			}
		}
	}
	return usages, refs
}

// clientPool makes one registry client per registry target of the tenant, when first
// needed.
type clientPool struct {
	targets []posture.Target
	clients map[int64]*registry.Client
	opts    RegistryOptions
}

func (ri *RunningImages) pool(ctx context.Context, tenantID int64) (*clientPool, error) {
	p := &clientPool{clients: map[int64]*registry.Client{}, opts: ri.Registry}
	if ri.Targets == nil {
		return p, nil
	}
	all, err := ri.Targets(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list registry targets: %w", err)
	}
	for _, t := range all {
		if t.Kind == posture.TargetRegistry && t.Enabled {
			p.targets = append(p.targets, t)
		}
	}
	return p, nil
}

// client returns the client of the registry target for host, or why there is none.
func (p *clientPool) client(host string) (*registry.Client, string) {
	target := registryTargetFor(p.targets, host)
	if target == nil {
		return nil, "no registry target for " + host + " (Palisade reads images through the registry targets you configure, never the cluster's pull secrets)"
	}
	if c := p.clients[target.ID]; c != nil {
		return c, ""
	}
	ro, err := RegistryClientOptions(*target, p.opts)
	if err != nil {
		return nil, "registry target " + target.Name + ": " + posture.ErrorMessage(err)
	}
	c, err := registry.NewClient(ro)
	if err != nil {
		return nil, "registry target " + target.Name + ": " + posture.ErrorMessage(err)
	}
	p.clients[target.ID] = c
	return c, ""
}

// open opens an image's layers through the registry target of its registry.
func (p *clientPool) open(ctx context.Context, im *imagefacts.Image) (v1.Image, string, error) {
	c, why := p.client(im.Registry)
	if c == nil {
		return nil, "", posture.Errorf(posture.EINVALID, "%s", why)
	}
	return c.PlatformImage(ctx, im.Repository, im.Digest)
}

// inspect fetches the facts of due digests through the tenant's registry targets, within
// the run's bounds; unknown says why a digest was not inspected.
func (ri *RunningImages) inspect(ctx context.Context, pool *clientPool, due []string, refs map[string]string, maxLookups int, budget time.Duration) ([]*imagefacts.Image, map[string]string) {
	unknown := map[string]string{}
	if len(due) == 0 {
		return nil, unknown
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var out []*imagefacts.Image
	lookups := 0
	for _, d := range due {
		ref, err := name.ParseReference(refs[d])
		if err != nil {
			unknown[d] = "not inspected: the pod's image reference cannot be parsed"
			continue
		}
		c, why := pool.client(ref.Context().RegistryStr())
		if c == nil {
			unknown[d] = "not inspected: " + why
			continue
		}
		if lookups >= maxLookups || ctx.Err() != nil {
			unknown[d] = fmt.Sprintf("not inspected yet: this run's lookup budget (%d images, %s) was used; later runs continue", maxLookups, budget)
			continue
		}
		lookups++
		repo, err := name.NewRepository(c.Host() + "/" + ref.Context().RepositoryStr())
		if err != nil {
			unknown[d] = "not inspected: " + err.Error()
			continue
		}
		im, err := c.Inspect(ctx, repo.Digest(d))
		if err != nil {
			unknown[d] = "inspection through registry " + c.Host() + " failed: " + posture.CleanText(err.Error())
			continue
		}
		out = append(out, im)
	}
	return out, unknown
}

// registryTargetFor finds the tenant's registry target for a registry host.
func registryTargetFor(targets []posture.Target, host string) *posture.Target {
	for i := range targets {
		u, err := url.Parse(targets[i].Settings[SettingURL])
		if err == nil && sameRegistry(u.Host, host) {
			return &targets[i]
		}
	}
	return nil
}
