// Package registry inventories an OCI registry with go-containerregistry: repositories
// (catalog with paging, or an explicit list), tags, manifests and indexes, config blobs,
// and the signatures and attestations attached to each image (OCI referrers with the tag
// fallback, and cosign's sha256-<hex>.sig / .att tags). Everything it does is bounded:
// sizes, redirects, time per request and per run, concurrency and the request rate.
package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// Limits bound what one collection may cost. Zero fields take the defaults.
type Limits struct {
	ManifestBytes     int64         // a manifest, index or referrers list (default 4 MiB)
	BlobBytes         int64         // a config blob or signature payload (default 4 MiB)
	ListBytes         int64         // a catalog or tag-list page, a token (default 4 MiB)
	Redirects         int           // per request (default 3)
	RequestTimeout    time.Duration // per request, body included (default 30s)
	RunTimeout        time.Duration // per collection (default 15m)
	Concurrency       int           // repositories inspected at once (default 4)
	RequestsPerSecond float64       // per registry (default 50)
	Repositories      int           // at most this many repositories (default 10,000)
	TagsPerRepository int           // at most this many tags per repository (default 1,000)
	Platforms         int           // at most this many platforms per index (default 16)
	Materials         int           // at most this many signatures/attestations per image (default 16)
	// LayerBytes bounds one compressed layer read for packages (default 2 GiB) and
	// LayerTimeout the time to receive it (default 10m); other requests keep the limits above.
	LayerBytes   int64
	LayerTimeout time.Duration
	// SBOMBytes bounds an SBOM attestation (default 32 MiB): SBOMs are larger than signatures.
	SBOMBytes int64
}

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.ManifestBytes, 4<<20)
	def(&l.BlobBytes, 4<<20)
	def(&l.ListBytes, 4<<20)
	def(&l.LayerBytes, 2<<30)
	def(&l.SBOMBytes, 32<<20)
	if l.LayerTimeout <= 0 {
		l.LayerTimeout = 10 * time.Minute
	}
	defInt(&l.Redirects, 3)
	defInt(&l.Concurrency, 4)
	defInt(&l.Repositories, 10000)
	defInt(&l.TagsPerRepository, 1000)
	defInt(&l.Platforms, 16)
	defInt(&l.Materials, 16)
	if l.RequestTimeout <= 0 {
		l.RequestTimeout = 30 * time.Second
	}
	if l.RunTimeout <= 0 {
		l.RunTimeout = 15 * time.Minute
	}
	if l.RequestsPerSecond <= 0 {
		l.RequestsPerSecond = 50
	}
	return l
}

// Credentials sign in to a registry: a user name and password, a bearer token, or a
// Docker config JSON (its "auths" entry for the registry's host). Empty: anonymous.
type Credentials struct {
	Username     string `json:"username,omitempty"`
	Password     string `json:"password,omitempty"`
	Token        string `json:"token,omitempty"`
	DockerConfig string `json:"dockerConfig,omitempty"`
}

// Options say which registry to inventory and how.
type Options struct {
	// URL is https://host[:port] or, only when asked for, http://host[:port].
	URL         string
	Credentials Credentials
	// CABundle (PEM) is trusted besides the system's roots.
	CABundle []byte
	// Repositories is an explicit list, for registries that refuse the catalog; empty:
	// the catalog.
	Repositories []string
	// Include and Exclude are path.Match patterns on repository names ("team/*");
	// no Include: every repository.
	Include, Exclude []string
	// Private: the registry must not serve anonymous pulls; the collection checks that an
	// unauthenticated client cannot list the first repository's tags.
	Private bool
	Limits  Limits
	// Dial, when set, makes every connection (egress policy).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Fresh reports whether an image's facts were inspected recently enough to be kept:
	// its tags are still recorded, but its manifest and signatures are not fetched again.
	Fresh func(digest string) bool
	Now   func() time.Time
	Log   *slog.Logger
}

// Facts, Repository and Tag are the domain's (collectors/imagefacts).
type (
	Facts      = imagefacts.Registry
	Repository = imagefacts.Repository
	Tag        = imagefacts.Tag
)

// Result is one collection of a registry.
type Result struct {
	Registry     Facts
	Repositories []Repository
	// Images are the images inspected in this run; images that Options.Fresh kept are
	// only in Repositories.
	Images   []*imagefacts.Image
	Errors   []posture.CollectionError
	Status   posture.RunStatus
	Requests int64
	Bytes    int64
}

// Client talks to one registry within its limits.
type Client struct {
	opts      Options
	limits    Limits
	reg       name.Registry
	transport *boundedTransport
	remote    []remote.Option
	puller    *remote.Puller
	now       func() time.Time
	log       *slog.Logger
}

// NewClient checks the options and prepares a client. It does not contact the registry.
func NewClient(o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(o.URL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, posture.Errorf(posture.EINVALID, "registry URL %q: want https://host[:port] (or http:// when the registry has no TLS)", o.URL)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return nil, posture.Errorf(posture.EINVALID, "registry URL %q: give only the scheme and host; repositories go in the repository list", o.URL)
	}
	regOpts := []name.Option{name.StrictValidation}
	if u.Scheme == "http" {
		regOpts = append(regOpts, name.Insecure)
	}
	reg, err := name.NewRegistry(u.Host, regOpts...)
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "registry host %q: %v", u.Host, err)
	}
	for _, p := range append(append([]string{}, o.Include...), o.Exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return nil, posture.Errorf(posture.EINVALID, "repository pattern %q: %v", p, err)
		}
	}
	auth, err := authenticator(o.Credentials, u.Host)
	if err != nil {
		return nil, err
	}
	base, err := baseTransport(o)
	if err != nil {
		return nil, err
	}
	l := o.Limits.withDefaults()
	bt := newBoundedTransport(base, u.Host, u.Scheme == "https", l)
	bt.guessed = reg.Scheme()
	c := &Client{opts: o, limits: l, reg: reg, transport: bt, now: o.Now, log: o.Log}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.remote = []remote.Option{remote.WithTransport(bt), remote.WithAuth(auth), remote.WithUserAgent("palisade"),
		remote.WithPageSize(100), remote.WithJobs(1),
		remote.WithRetryBackoff(remote.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 2})}
	if c.puller, err = remote.NewPuller(c.remote...); err != nil {
		return nil, err
	}
	return c, nil
}

func baseTransport(o Options) (http.RoundTripper, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // the egress policy decides where connections go
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if len(o.CABundle) > 0 && !pool.AppendCertsFromPEM(o.CABundle) {
		return nil, posture.Errorf(posture.EINVALID, "the CA bundle holds no PEM certificate")
	}
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	t.MaxConnsPerHost = 16
	if o.Dial != nil {
		t.DialContext = o.Dial
	}
	return t, nil
}

// Host is the registry's host[:port].
func (c *Client) Host() string { return c.reg.RegistryStr() }

// Requests is how many requests the client has made.
func (c *Client) Requests() int64 { return c.transport.requests.Load() }

// Collect inventories the registry. An error is returned only when nothing could be
// listed; a repository that fails makes the result partial with the reason.
func Collect(ctx context.Context, o Options) (*Result, error) {
	c, err := NewClient(o)
	if err != nil {
		return nil, err
	}
	return c.Collect(ctx)
}

// Collect inventories the registry (see the package function).
func (c *Client) Collect(ctx context.Context) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.limits.RunTimeout)
	defer cancel()
	res := &Result{Registry: Facts{Host: c.reg.RegistryStr(), Scheme: "https"}, Status: posture.RunComplete}
	if c.opts.URL != "" && strings.HasPrefix(strings.TrimSpace(c.opts.URL), "http://") {
		res.Registry.Scheme = "http"
	}
	defer func() { res.Requests, res.Bytes = c.transport.requests.Load(), c.transport.bytesRead.Load() }()

	repos, err := c.repositories(ctx, res)
	if err != nil {
		return res, err
	}
	repos = c.selected(repos)
	if c.opts.Private {
		res.Registry.Private = true
		if len(repos) > 0 {
			anon := c.anonymousPull(ctx, repos[0])
			res.Registry.AnonymousPull = &anon
		}
	}
	res.Repositories = make([]Repository, len(repos))
	images := make([][]*imagefacts.Image, len(repos))
	errs := make([][]posture.CollectionError, len(repos))

	work := make(chan int)
	var wg sync.WaitGroup
	for range min(c.limits.Concurrency, max(1, len(repos))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				res.Repositories[i], images[i], errs[i] = c.repository(ctx, repos[i])
			}
		}()
	}
	for i := range repos {
		select {
		case work <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	for i := range repos {
		res.Images = append(res.Images, images[i]...)
		res.Errors = append(res.Errors, errs[i]...)
		if res.Repositories[i].Name == "" { // never reached before the run's deadline
			res.Repositories[i].Name = repos[i]
			res.Errors = append(res.Errors, posture.CollectionError{Source: "registry/" + repos[i],
				Message: "not inspected: the collection ran out of time (" + c.limits.RunTimeout.String() + ")"})
		}
	}
	unread := 0
	for i := range repos {
		if len(errs[i]) > 0 && len(res.Repositories[i].Tags) == 0 {
			unread++
		}
	}
	for _, e := range res.Errors {
		if res.Registry.TLSError == "" && strings.Contains(e.Message, "TLS: ") {
			res.Registry.TLSError = e.Message[strings.Index(e.Message, "TLS: ")+len("TLS: "):]
		}
	}
	if len(repos) > 0 && unread == len(repos) {
		res.Status = posture.RunFailed
		return res, fmt.Errorf("no repository of %s could be read: %s: %s", c.reg.RegistryStr(), res.Errors[0].Source, res.Errors[0].Message)
	}
	if len(res.Errors) > 0 {
		res.Status = posture.RunPartial
	}
	return res, nil
}

// anonymousPull reports whether a client without credentials can list a repository's tags.
func (c *Client) anonymousPull(ctx context.Context, repoName string) bool {
	opts := append(append([]remote.Option{}, c.remote...), remote.WithAuth(authn.Anonymous), remote.WithContext(ctx))
	_, err := remote.List(c.reg.Repo(repoName), opts...)
	return err == nil
}

// repositories lists the repositories to look at: the explicit list, or the catalog.
func (c *Client) repositories(ctx context.Context, res *Result) ([]string, error) {
	if len(c.opts.Repositories) > 0 {
		res.Registry.Catalog = "explicit list"
		out := make([]string, 0, len(c.opts.Repositories))
		for _, r := range c.opts.Repositories {
			if r = strings.Trim(strings.TrimSpace(r), "/"); r != "" {
				out = append(out, r)
			}
		}
		return dedupe(out), nil
	}
	cat, err := c.puller.Catalogger(ctx, c.reg)
	if err != nil {
		res.Registry.TLSError = tlsProblem(err)
		res.Registry.Catalog = "refused: " + describe(err)
		if isStatus(err, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed) {
			return nil, fmt.Errorf("the registry refuses to list its catalog (%s): give the target an explicit repository list", describe(err))
		}
		return nil, fmt.Errorf("list the catalog of %s: %s", c.reg.RegistryStr(), describe(err))
	}
	seen := map[string]bool{}
	var out []string
	for cat.HasNext() {
		page, err := cat.Next(ctx)
		if err != nil {
			res.Registry.Catalog = "incomplete: " + describe(err)
			return nil, fmt.Errorf("list the catalog of %s: %s", c.reg.RegistryStr(), describe(err))
		}
		progress := false
		for _, r := range page.Repos {
			if !seen[r] {
				seen[r], progress = true, true
				out = append(out, r)
			}
		}
		if !progress && len(page.Repos) > 0 { // a registry that repeats a page forever
			return nil, fmt.Errorf("list the catalog of %s: the registry returned the same page again", c.reg.RegistryStr())
		}
		if len(out) > c.limits.Repositories {
			res.Registry.Catalog = "listed"
			res.Errors = append(res.Errors, posture.CollectionError{Source: "registry/catalog",
				Message: fmt.Sprintf("more than %d repositories: the first %d were inventoried", c.limits.Repositories, c.limits.Repositories)})
			return out[:c.limits.Repositories], nil
		}
	}
	res.Registry.Catalog = "listed"
	return out, nil
}

// selected applies the include and exclude patterns, keeping the order.
func (c *Client) selected(repos []string) []string {
	var out []string
	for _, r := range repos {
		if matchAny(c.opts.Exclude, r) {
			continue
		}
		if len(c.opts.Include) > 0 && !matchAny(c.opts.Include, r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// repository lists a repository's tags, resolves each to its digest and inspects every
// digest not fresh yet.
func (c *Client) repository(ctx context.Context, repoName string) (Repository, []*imagefacts.Image, []posture.CollectionError) {
	out := Repository{Name: repoName}
	source := "registry/" + repoName
	if _, err := name.NewRepository(c.reg.RegistryStr()+"/"+repoName, name.StrictValidation); err != nil {
		return out, nil, []posture.CollectionError{{Source: source, Message: "invalid repository name: " + posture.CleanText(err.Error())}}
	}
	repo := c.reg.Repo(repoName) // keeps the registry's scheme
	tags, truncated, err := c.tags(ctx, repo)
	if err != nil {
		return out, nil, []posture.CollectionError{{Source: source, Message: "list tags: " + describe(err)}}
	}
	out.Truncated = truncated
	var errs []posture.CollectionError
	if truncated {
		errs = append(errs, posture.CollectionError{Source: source, Message: fmt.Sprintf("more than %d tags: the first %d were inventoried", c.limits.TagsPerRepository, c.limits.TagsPerRepository)})
	}
	byDigest := map[string]*imagefacts.Image{}
	var order []string
	for _, tag := range tags {
		desc, err := c.puller.Head(ctx, repo.Tag(tag))
		if err != nil {
			errs = append(errs, posture.CollectionError{Source: source + ":" + tag, Message: "resolve tag: " + describe(err)})
			continue
		}
		d := desc.Digest.String()
		out.Tags = append(out.Tags, Tag{Name: tag, Digest: d})
		if im := byDigest[d]; im != nil {
			im.AddTag(tag)
			continue
		}
		if c.opts.Fresh != nil && c.opts.Fresh(d) {
			continue
		}
		im, err := c.Inspect(ctx, repo.Digest(d))
		if err != nil {
			errs = append(errs, posture.CollectionError{Source: source + "@" + d, Message: describe(err)})
			continue
		}
		im.AddTag(tag)
		byDigest[d] = im
		order = append(order, d)
	}
	images := make([]*imagefacts.Image, 0, len(order))
	for _, d := range order {
		images = append(images, byDigest[d])
	}
	return out, images, errs
}

// tags lists a repository's tags, without the attachment tags (sha256-<hex>[.sig|.att|...])
// that describe other images.
func (c *Client) tags(ctx context.Context, repo name.Repository) ([]string, bool, error) {
	lister, err := c.puller.Lister(ctx, repo)
	if err != nil {
		return nil, false, err
	}
	seen := map[string]bool{}
	var out []string
	for lister.HasNext() {
		page, err := lister.Next(ctx)
		if err != nil {
			return nil, false, err
		}
		progress := false
		for _, t := range page.Tags {
			if seen[t] {
				continue
			}
			seen[t], progress = true, true
			if isAttachmentTag(t) {
				continue
			}
			out = append(out, t)
		}
		if !progress && len(page.Tags) > 0 {
			return nil, false, errors.New("the registry returned the same page of tags again")
		}
		if len(out) > c.limits.TagsPerRepository {
			sort.Strings(out)
			return out[:c.limits.TagsPerRepository], true, nil
		}
	}
	sort.Strings(out)
	return out, false, nil
}

func isAttachmentTag(t string) bool {
	return strings.HasPrefix(t, "sha256-") && len(t) >= len("sha256-")+64
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// isStatus reports whether err is a registry answer with one of the status codes.
func isStatus(err error, codes ...int) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	for _, c := range codes {
		if te.StatusCode == c {
			return true
		}
	}
	return false
}

// describe turns an error into a sentence without credentials or tokens.
func describe(err error) string {
	if err == nil {
		return ""
	}
	if p := tlsProblem(err); p != "" {
		return "TLS: " + p
	}
	var te *transport.Error
	if errors.As(err, &te) {
		msg := fmt.Sprintf("HTTP %d", te.StatusCode)
		if len(te.Errors) > 0 {
			msg += ": " + string(te.Errors[0].Code) + " " + te.Errors[0].Message
		}
		return posture.CleanText(msg)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The transport's error names the method and the URL actually used (without its
		// query); the client's wrapper would repeat the URL as asked for.
		return posture.CleanText(ue.Err.Error())
	}
	return posture.CleanText(err.Error())
}

// tlsProblem says why the registry's certificate did not verify, "" when that is not the
// error.
func tlsProblem(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &unknown):
		return "certificate signed by an unknown authority (add the registry's CA bundle to the target)"
	case errors.As(err, &host):
		return "certificate is not valid for " + host.Host
	case errors.As(err, &invalid):
		return "certificate is invalid: " + invalid.Error()
	case errors.As(err, &verify):
		return "certificate did not verify: " + verify.Err.Error()
	case errors.As(err, &record) && string(record.RecordHeader[:]) == "HTTP/",
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the registry answers plain HTTP on an https:// URL"
	}
	return ""
}

// authenticator turns credentials into go-containerregistry's authenticator.
func authenticator(cr Credentials, host string) (authn.Authenticator, error) {
	switch {
	case cr.DockerConfig != "":
		return dockerConfigAuth(cr.DockerConfig, host)
	case cr.Token != "":
		return &authn.Bearer{Token: cr.Token}, nil
	case cr.Username != "" || cr.Password != "":
		return &authn.Basic{Username: cr.Username, Password: cr.Password}, nil
	}
	return authn.Anonymous, nil
}
