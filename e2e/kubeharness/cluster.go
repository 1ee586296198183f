// Package kubeharness runs a real kube-apiserver backed by a real etcd on
// loopback for integration tests. There is no scheduler, kubelet or
// controller-manager: objects are stored and admitted exactly as in a real
// cluster, but Pods stay Pending and controllers do not reconcile, which is
// all a posture collector needs. Deleted namespaces stay Terminating (no
// namespace controller), so tests should use fresh namespace names.
//
// The binaries come from $PALISADE_KUBE_BIN_DIR or from the version-keyed
// cache that scripts/kube-tools.sh fills (building on a miss takes minutes,
// so CI should run the script before `go test` to stay clear of its timeout).
//
//	c := kubeharness.Start(t)                       // skip, or fail under CI=true
//	admin := kubernetes.NewForConfigOrDie(c.AdminConfig())
//	path := c.Kubeconfig(t, c.CollectorToken)       // context kubeharness.ContextName
package kubeharness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// Well-known identities in the static token file.
const (
	AdminUser     = "admin"     // member of system:masters: bypasses RBAC
	CollectorUser = "collector" // only system:authenticated: RBAC decides
)

// User is an extra static-token identity for tests that need other subjects.
type User struct {
	Name   string
	Token  string
	Groups []string
}

// Options tunes StartProcess. The zero value is usable.
type Options struct {
	// BinDir holds kube-apiserver and etcd; empty means FindBinaries.
	BinDir string
	// Dir receives etcd data, certificates and logs; empty means a new temp
	// dir that Stop removes.
	Dir string
	// Users are added to the token file next to admin and collector.
	Users []User
	// Timeout bounds the whole start-up; default one minute.
	Timeout time.Duration
}

// Cluster is a running kube-apiserver + etcd pair.
type Cluster struct {
	Host           string // https://127.0.0.1:<port>
	CAData         []byte // PEM that verifies the serving certificate
	AdminToken     string
	CollectorToken string
	Dir            string // logs: etcd.log, kube-apiserver.log

	etcd, apiserver *process
	stopSA          func()
	removeDir       bool
	stopOnce        sync.Once
}

// StartProcess starts etcd and kube-apiserver and returns once /readyz is
// OK. ctx bounds start-up only; the processes live until Stop, so cmd tools
// must call Stop (tests use Start, which registers it).
func StartProcess(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.BinDir == "" {
		dir, err := FindBinaries(ctx)
		if err != nil {
			return nil, err
		}
		opts.BinDir = dir
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	c := &Cluster{Dir: opts.Dir}
	if c.Dir == "" {
		dir, err := os.MkdirTemp("", "kubeharness-")
		if err != nil {
			return nil, err
		}
		c.Dir, c.removeDir = dir, true
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := c.start(ctx, opts); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, opts Options) error {
	users, err := c.makeUsers(opts.Users)
	if err != nil {
		return err
	}
	files, err := writeAPIServerFiles(c.Dir, users)
	if err != nil {
		return err
	}
	if err := c.bringUp(ctx, opts.BinDir, files); err != nil {
		return err
	}
	c.stopSA, err = startDefaultServiceAccounts(ctx, c.AdminConfig())
	return err
}

func (c *Cluster) makeUsers(extra []User) ([]User, error) {
	var err error
	if c.AdminToken, err = randomToken(); err != nil {
		return nil, err
	}
	if c.CollectorToken, err = randomToken(); err != nil {
		return nil, err
	}
	return append([]User{
		{Name: AdminUser, Token: c.AdminToken, Groups: []string{"system:masters"}},
		{Name: CollectorUser, Token: c.CollectorToken},
	}, extra...), nil
}

// bringUp retries because freePort cannot reserve ports: another process
// may bind one first, and fresh ports fix that. Other failures are final.
func (c *Cluster) bringUp(ctx context.Context, binDir string, files apiserverFiles) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		c.stopProcesses()
		err = c.startProcesses(ctx, binDir, files)
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
	return err
}

func (c *Cluster) startProcesses(ctx context.Context, binDir string, files apiserverFiles) error {
	// A failed attempt's member data names old peer URLs; start clean.
	if err := os.RemoveAll(filepath.Join(c.Dir, "etcd-data")); err != nil {
		return err
	}
	var etcdURL string
	var err error
	c.etcd, etcdURL, err = startEtcd(ctx, filepath.Join(binDir, "etcd"), c.Dir)
	if err != nil {
		return err
	}
	apiserver := filepath.Join(binDir, "kube-apiserver")
	c.apiserver, c.Host, c.CAData, err = startAPIServer(ctx, apiserver, c.Dir, etcdURL, c.AdminToken, files)
	return err
}

func (c *Cluster) stopProcesses() {
	c.apiserver.stop()
	c.etcd.stop()
	c.apiserver, c.etcd = nil, nil
}

// Stop kills both processes (apiserver first, so it never sees etcd vanish
// mid-request) and removes a temp dir StartProcess created. Safe to call
// more than once.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		if c.stopSA != nil {
			c.stopSA()
		}
		c.stopProcesses()
		if c.removeDir {
			os.RemoveAll(c.Dir)
		}
	})
}

// AdminConfig authenticates as a system:masters member.
func (c *Cluster) AdminConfig() *rest.Config { return c.TokenConfig(c.AdminToken) }

// TokenConfig authenticates with a static token from the token file.
func (c *Cluster) TokenConfig(token string) *rest.Config {
	return &rest.Config{
		Host:            c.Host,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CAData},
		// client-go's default 5 QPS would make fixture set-up the slowest
		// part of a test; this server has no other clients.
		QPS:   100,
		Burst: 200,
	}
}

// LogTail returns the last lines of the apiserver log, for failure messages.
func (c *Cluster) LogTail(lines int) string {
	if c.apiserver == nil {
		return ""
	}
	return c.apiserver.logTail(lines)
}
