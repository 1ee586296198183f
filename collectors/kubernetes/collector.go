// Package kubernetes collects a live cluster into a kubeinv.Inventory with client-go.
//
// Every resource type the inventory holds is listed cluster-wide, page by page
// (limit/continue), a few types at a time. Secrets are read through the metadata API, so
// their data never crosses the wire. Velero Schedules and Backups are read through the
// dynamic client when discovery shows their CRDs. A resource type that cannot be read
// (forbidden, timed out, not served) becomes a posture.CollectionError and the
// collection goes on: the run is then partial, and the inventory marks the type's kind
// missing (kubeinv.Inventory.Missing) so that checks which need it say so instead of
// judging on what is not there. An API server that cannot be reached, or that rejects
// the credentials, makes the run failed.
//
// The collector only reads: it needs the ClusterRole in deploy/kubernetes/collector-rbac.yaml.
package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Defaults for Options.
const (
	DefaultPageSize    = 500
	DefaultTimeout     = 60 * time.Second
	DefaultQPS         = 20
	DefaultBurst       = 40
	DefaultConcurrency = 4
	userAgent          = "palisade-collector"
)

// Options says which cluster to collect and how gently. Zero values take the defaults.
type Options struct {
	// Kubeconfig is the path of a kubeconfig file and Context the context in it to use
	// (empty: the file's current context). The file is read only here; it is never
	// logged. The default loading rules ($KUBECONFIG, ~/.kube/config) are not applied:
	// cmd resolves the path.
	Kubeconfig string
	Context    string
	// RESTConfig is used as is (except QPS, Burst and UserAgent) when Kubeconfig is
	// empty. With neither, the in-cluster configuration is used.
	RESTConfig *rest.Config
	// PageSize is the limit of each list request (default 500).
	PageSize int64
	// Timeout bounds the listing of one resource type, all its pages included, and the
	// initial reachability probe (default 60s).
	Timeout time.Duration
	// QPS and Burst throttle the client (default 20 and 40).
	QPS   float32
	Burst int
	// Concurrency is how many resource types are listed at once (default 4).
	Concurrency int
	// SecretMetadata also lists Secrets, through the metadata API only (names, labels,
	// annotations; never data). It needs list on secrets, which RBAC cannot limit to
	// metadata, so it is off by default and no built-in check depends on it.
	SecretMetadata bool
	// Logger receives progress at debug level and per-type failures at warn level.
	// nil discards. Tokens and kubeconfig contents are never logged.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.QPS <= 0 {
		o.QPS = DefaultQPS
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// ResourceStat is what listing one resource type took.
type ResourceStat struct {
	Source   string // e.g. "apps/v1 deployments"
	Objects  int
	Pages    int
	Restarts int // lists restarted because a continue token expired (410 Gone)
	Duration time.Duration
	Failed   bool
}

// Result is one collection.
type Result struct {
	Inventory *kubeinv.Inventory
	// Errors name the resource types (Source) that could not be fully listed, and why.
	Errors []posture.CollectionError
	// Status is complete when every resource type was fully listed, partial when some
	// failed and failed when none could be listed (unreachable server, bad credentials).
	Status posture.RunStatus
	// ClusterName is the kubeconfig context's cluster name, else the API server's host.
	ClusterName   string
	Server        string // API server URL
	ServerVersion string // e.g. v1.37.2; empty when the server could not be reached
	Objects       int    // objects added to the inventory
	Duration      time.Duration
	Resources     []ResourceStat
}

// Clients are the API clients a collection uses; Collect builds them from Options,
// tests pass fakes to CollectWith.
type Clients struct {
	Kube     clientset.Interface // typed lists and discovery
	Metadata metadata.Interface  // Secrets, as metadata only
	Dynamic  dynamic.Interface   // Velero custom resources
}

// NewClients builds the three clients from one REST config.
func NewClients(cfg *rest.Config) (Clients, error) {
	var c Clients
	var err error
	if c.Kube, err = clientset.NewForConfig(cfg); err != nil {
		return c, fmt.Errorf("kubernetes client: %w", err)
	}
	if c.Metadata, err = metadata.NewForConfig(cfg); err != nil {
		return c, fmt.Errorf("metadata client: %w", err)
	}
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return c, fmt.Errorf("dynamic client: %w", err)
	}
	return c, nil
}

// Collect lists the cluster that opts points at. The error is non-nil only when the
// collection could not start (invalid options or kubeconfig: code posture.EINVALID) or
// when ctx ended; an unreachable or refusing API server gives a Result with Status
// failed and the reason in Errors.
func Collect(ctx context.Context, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	cfg, clusterName, err := restConfig(opts)
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	cfg.UserAgent = userAgent
	clients, err := NewClients(cfg)
	if err != nil {
		return nil, posture.WrapError(posture.EINVALID, err, "cannot build a Kubernetes client for %s", clusterName)
	}
	res, err := CollectWith(ctx, clients, opts)
	if res != nil {
		res.ClusterName, res.Server = clusterName, cfg.Host
	}
	return res, err
}

// restConfig resolves the REST config and a display name for the cluster.
func restConfig(opts Options) (*rest.Config, string, error) {
	switch {
	case opts.Kubeconfig != "":
		loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: opts.Kubeconfig},
			&clientcmd.ConfigOverrides{CurrentContext: opts.Context})
		raw, err := loader.RawConfig()
		if err != nil {
			// The loader's errors name the file and the parse problem, never its secrets.
			return nil, "", posture.WrapError(posture.EINVALID, err, "cannot read kubeconfig %s", opts.Kubeconfig)
		}
		ctxName := opts.Context
		if ctxName == "" {
			ctxName = raw.CurrentContext
		}
		kctx, ok := raw.Contexts[ctxName]
		if !ok {
			if ctxName == "" {
				return nil, "", posture.Errorf(posture.EINVALID, "kubeconfig %s has no current context; name one", opts.Kubeconfig)
			}
			return nil, "", posture.Errorf(posture.EINVALID, "kubeconfig %s has no context %q", opts.Kubeconfig, ctxName)
		}
		cfg, err := loader.ClientConfig()
		if err != nil {
			return nil, "", posture.WrapError(posture.EINVALID, err, "kubeconfig %s, context %q is not usable", opts.Kubeconfig, ctxName)
		}
		name := kctx.Cluster
		if name == "" {
			name = ctxName
		}
		return cfg, name, nil
	case opts.Context != "":
		return nil, "", posture.Errorf(posture.EINVALID, "context %q given without a kubeconfig path", opts.Context)
	case opts.RESTConfig != nil:
		return opts.RESTConfig, hostOf(opts.RESTConfig.Host), nil
	default:
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, "", posture.WrapError(posture.EINVALID, err, "no kubeconfig given and not running in a cluster")
		}
		return cfg, "in-cluster", nil
	}
}

func hostOf(server string) string {
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		return u.Hostname()
	}
	return server
}

// CollectWith lists the cluster behind clients. See Collect for the error contract.
func CollectWith(ctx context.Context, clients Clients, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	start := time.Now()
	log := opts.Logger
	res := &Result{Inventory: &kubeinv.Inventory{}}
	finish := func() (*Result, error) {
		res.Duration = time.Since(start)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("collect: %w", err)
		}
		log.Info("kubernetes collection finished", "status", res.Status, "objects", res.Objects,
			"errors", len(res.Errors), "duration", res.Duration)
		return res, nil
	}

	disc := discovery.ToDiscoveryInterfaceWithContext(clients.Kube.Discovery())
	version, err := probe(ctx, disc, opts.Timeout)
	if err != nil {
		res.Status = posture.RunFailed
		res.Errors = append(res.Errors, posture.CollectionError{Source: "api server", Message: err.Error()})
		for _, k := range kubeinv.Kinds() {
			res.Inventory.MarkMissing(k)
		}
		log.Warn("kubernetes API server unusable", "error", err.Error())
		return finish()
	}
	res.ServerVersion = version

	types := typedResources(clients, opts)
	if !opts.SecretMetadata {
		// Not listed by choice, but not seen all the same: a check that needed Secrets
		// must not take their absence for an empty namespace.
		res.Inventory.MarkMissing(kubeinv.KindSecret)
	}
	velero, verr := veleroResources(ctx, disc, clients, opts)
	if verr != nil {
		// Discovery failed, so the run cannot tell whether Velero is installed. (CRDs
		// that are simply absent are not missing: there are no schedules or backups.)
		res.Errors = append(res.Errors, *verr)
		res.Inventory.MarkMissing(kubeinv.KindVeleroSchedule)
		res.Inventory.MarkMissing(kubeinv.KindVeleroBackup)
	}
	types = append(types, velero...)

	res.Resources = make([]ResourceStat, len(types))
	errs := make([]*posture.CollectionError, len(types))
	var mu sync.Mutex // guards res.Inventory while a finished type is merged in
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for i, rt := range types {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				res.Resources[i] = ResourceStat{Source: rt.source, Failed: true}
				mu.Lock()
				res.Inventory.MarkMissing(rt.kind)
				mu.Unlock()
				return
			}
			defer func() { <-sem }()
			inv, stat, cerr := listAll(ctx, rt, opts)
			res.Resources[i], errs[i] = stat, cerr
			mu.Lock()
			move(res.Inventory, inv)
			if stat.Failed {
				// Forbidden, timed out, failed part-way or with unreadable objects: what
				// was listed is kept, but the inventory cannot say which others exist.
				res.Inventory.MarkMissing(rt.kind)
			}
			mu.Unlock()
			if cerr != nil {
				log.Warn("kubernetes resource not fully listed", "source", rt.source, "reason", cerr.Message,
					"objects", stat.Objects)
			} else {
				log.Debug("kubernetes resource listed", "source", rt.source, "objects", stat.Objects,
					"pages", stat.Pages, "duration", stat.Duration)
			}
		})
	}
	wg.Wait()

	listed := 0
	for i, e := range errs {
		res.Objects += res.Resources[i].Objects
		if e != nil {
			res.Errors = append(res.Errors, *e)
		} else if !res.Resources[i].Failed {
			listed++
		}
	}
	switch {
	case listed == 0:
		res.Status = posture.RunFailed
	case len(res.Errors) > 0:
		res.Status = posture.RunPartial
	default:
		res.Status = posture.RunComplete
	}
	if res.Status != posture.RunFailed {
		// Drop the specs of pods and intermediate controllers that are attributed to a
		// workload: checks read the owner's template instead.
		res.Inventory.Compact()
	}
	return finish()
}

// probe checks that the API server answers and accepts the credentials before 25 lists
// each time out or fail the same way.
func probe(ctx context.Context, disc discovery.DiscoveryInterfaceWithContext, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := disc.ServerVersionWithContext(ctx)
	if err != nil {
		return "", errors.New(describe(ctx, err, "read the server version", timeout))
	}
	return v.GitVersion, nil
}

// veleroResources returns the Velero types to list when discovery shows their CRDs.
// Absent CRDs are not an error; a failed discovery is (the run cannot know what it missed).
func veleroResources(ctx context.Context, disc discovery.DiscoveryInterfaceWithContext, clients Clients, opts Options) ([]resourceType, *posture.CollectionError) {
	gv := schema.GroupVersion{Group: kubeinv.VeleroGroup, Version: "v1"}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	list, err := disc.ServerResourcesForGroupVersionWithContext(ctx, gv.String())
	if err != nil {
		if isNotFound(err) {
			opts.Logger.Debug("velero CRDs not installed; skipping schedules and backups")
			return nil, nil
		}
		return nil, &posture.CollectionError{Source: gv.String() + " discovery", Message: describe(ctx, err, "discover", opts.Timeout)}
	}
	served := map[string]bool{}
	for _, r := range list.APIResources {
		served[r.Name] = true
	}
	var out []resourceType
	for _, name := range []string{"schedules", "backups"} {
		if served[name] {
			out = append(out, dynamicResource(clients.Dynamic, gv.WithResource(name)))
		}
	}
	return out, nil
}

// move hands every object of src over to dst. Each resource type fills its own field,
// so this normally just moves slice headers: no object is copied twice.
func move(dst, src *kubeinv.Inventory) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := 0; i < d.NumField(); i++ {
		df, sf := d.Field(i), s.Field(i)
		if df.Kind() != reflect.Slice || sf.Len() == 0 {
			continue
		}
		if df.Len() == 0 {
			df.Set(sf)
		} else {
			df.Set(reflect.AppendSlice(df, sf))
		}
	}
}

// stripObject drops what no check reads and what can be large: managed fields (one
// entry per writer per object). kubeinv.Add strips the last-applied annotation of Secrets.
func stripObject(obj metav1.Object) {
	obj.SetManagedFields(nil)
}
