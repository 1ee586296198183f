// Package sources adapts the collectors to the runner: a manifests target is read like
// `palisade scan --path`, a cluster target through client-go. Either way the runner gets an
// inventory, the collection errors and whether the collection was complete.
package sources

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubernetes"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

// Manifests collects a manifests target: Settings["path"], a file or directory. A path that
// cannot be read at all fails the run; unreadable files make it partial.
//
// A path below one of roots (server.manifest_roots) is read through an os.Root opened on
// that root, whoever made the target: no symbolic link, at any depth and whenever it was
// made, can lead the read out of the root; such a link is a collection error naming it. A
// path below no root (a configuration-file target) is read as `palisade scan` reads it.
// Variadic so that callers with no roots (tests, tools) stay `Manifests()`.
func Manifests(roots ...string) runner.Source {
	return runner.SourceFunc(func(ctx context.Context, t posture.Target) (*runner.Collection, error) {
		path := t.Settings["path"]
		arg, opts := path, manifests.Options{}
		if root, rel, ok := manifests.RootOf(path, roots); ok {
			r, err := os.OpenRoot(root)
			if err != nil {
				return nil, fmt.Errorf("open manifest root %q: %w", root, err)
			}
			defer r.Close()
			arg, opts.Root = rel, r
		}
		if err := statTarget(path, arg, opts.Root); err != nil {
			return nil, err
		}
		res, err := manifests.Load(ctx, []string{arg}, nil, opts)
		if err != nil {
			return nil, err
		}
		status := posture.RunComplete
		if len(res.Errors) > 0 {
			status = posture.RunPartial
		}
		return &runner.Collection{Inventory: res.Inventory, Errors: res.Errors, Status: status}, nil
	})
}

// statTarget fails the run when the target's path itself cannot be read (through r when
// confined), rather than reporting a run that saw nothing.
func statTarget(path, arg string, r *os.Root) error {
	var err error
	if r == nil {
		_, err = os.Stat(arg)
	} else if _, err = r.Stat(arg); manifests.LeavesRoot(r, err) {
		return fmt.Errorf("manifests path %q: %s", path, manifests.LeavesRootMessage)
	}
	if err != nil {
		return fmt.Errorf("manifests path %q: %w", path, err)
	}
	return nil
}

// ClusterOptions tune live collections.
type ClusterOptions struct {
	PageSize int64
	Timeout  time.Duration // per resource type
	Log      *slog.Logger
	// OpenCredentials unseals a target's uploaded kubeconfig; nil when uploads are off.
	OpenCredentials func(t posture.Target) ([]byte, error)
	// Outbound says which API servers uploaded kubeconfigs may reach.
	Outbound egress.Policy
	// Images, when set, resolves the digests the pods run to image facts; nil: image
	// checks are not applicable ("image facts were not collected").
	Images *RunningImages
}

// Cluster collects a cluster target: Settings["kubeconfig"] and Settings["context"], or the
// in-cluster credentials when no kubeconfig is set.
func Cluster(o ClusterOptions) runner.Source {
	return runner.SourceFunc(func(ctx context.Context, t posture.Target) (*runner.Collection, error) {
		opts := kubernetes.Options{Kubeconfig: t.Settings["kubeconfig"], Context: t.Settings["context"],
			PageSize: o.PageSize, Timeout: o.Timeout, Logger: o.Log}
		if len(t.Credentials) > 0 {
			raw, err := openSealed(t, o.OpenCredentials)
			if err != nil {
				return nil, err
			}
			if opts.RESTConfig, err = ParseKubeconfig(raw, t.Settings["context"], o.Outbound); err != nil {
				return nil, err
			}
			opts.Kubeconfig = ""
		}
		res, err := kubernetes.Collect(ctx, opts)
		if err != nil {
			return nil, err
		}
		col := &runner.Collection{Inventory: res.Inventory, Errors: res.Errors, Status: res.Status}
		if o.Images != nil && res.Status != posture.RunFailed && res.Inventory != nil {
			col.ImagesLater = func(ctx context.Context) (*imagefacts.Facet, error) {
				return o.Images.Facet(ctx, t, res.Inventory, res.Status == posture.RunComplete)
			}
		}
		return col, nil
	})
}

// openSealed unseals a target's stored credentials.
func openSealed(t posture.Target, open func(posture.Target) ([]byte, error)) ([]byte, error) {
	if open == nil {
		return nil, posture.Errorf(posture.EINVALID, "target has uploaded credentials but no sealing key is configured")
	}
	raw, err := open(t)
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "the target's credentials cannot be opened (was the sealing key changed?)")
	}
	return raw, nil
}
