// Command stack runs the whole Palisade stack for browser tests and demos against a real
// cluster: a kube-apiserver + etcd seeded with the demo manifests, the bundled identity
// provider, and the palisade binary collecting from the cluster. It writes the addresses
// as JSON once the first collections are done, and stops everything on SIGTERM or SIGINT.
//
//	go run ./e2e/stack --bin bin/palisade --out /tmp/stack.json
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/palisade-dev/palisade/e2e/demo/demoregistry"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// Stack is what the tests read from --out.
type Stack struct {
	BaseURL    string `json:"base_url"`
	Issuer     string `json:"issuer"`
	Kubeconfig string `json:"kubeconfig"` // admin credentials, for tests that change the cluster
	Config     string `json:"config"`
	Database   string `json:"database"`
	Binary     string `json:"binary"`
	// The demo registry (Debian's docker-registry, TLS + htpasswd), for the registry tests
	// to add as a target; empty when docker-registry is not installed (outside CI).
	RegistryURL       string `json:"registry_url,omitempty"`
	RegistryCA        string `json:"registry_ca,omitempty"`
	RegistryUser      string `json:"registry_user,omitempty"`
	RegistryPassword  string `json:"registry_password,omitempty"`
	RegistryPublicKey string `json:"registry_public_key,omitempty"`
}

func main() {
	bin := flag.String("bin", "bin/palisade", "the palisade binary to run")
	out := flag.String("out", "", "write the stack's addresses here as JSON (required)")
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "stack: --out is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, *bin, *out, *root); err != nil {
		fmt.Fprintln(os.Stderr, "stack:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, out, root string) error {
	root, _ = filepath.Abs(root)
	bin, _ = filepath.Abs(bin)
	work, err := os.MkdirTemp("", "palisade-stack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	cluster, err := kubeharness.StartProcess(ctx, kubeharness.Options{})
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer cluster.Stop()
	if err := seedCluster(ctx, cluster, root); err != nil {
		return err
	}
	collectorKube, adminKube := filepath.Join(work, "collector.kubeconfig"), filepath.Join(work, "admin.kubeconfig")
	if err := cluster.WriteKubeconfig(collectorKube, cluster.CollectorToken); err != nil {
		return err
	}
	if err := cluster.WriteKubeconfig(adminKube, cluster.AdminToken); err != nil {
		return err
	}

	port, err := freePort()
	if err != nil {
		return err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	idp, issuer, err := startIdP(ctx, root, base)
	if err != nil {
		return err
	}
	defer stopProcess(idp)

	s := Stack{BaseURL: base, Issuer: issuer, Kubeconfig: adminKube, Binary: bin,
		Config: filepath.Join(work, "palisade.yaml"), Database: filepath.Join(work, "palisade.db")}
	regPort, err := freePort()
	if err != nil {
		return err
	}
	reg, err := demoregistry.Start(filepath.Join(work, "registry"), fmt.Sprintf("127.0.0.1:%d", regPort))
	switch {
	case err == nil:
		defer reg.Stop()
		s.RegistryURL, s.RegistryCA, s.RegistryPublicKey = reg.URL, string(reg.CAPEM), reg.PublicKeyPEM
		s.RegistryUser, s.RegistryPassword = demoregistry.User, demoregistry.Password
	case os.Getenv("CI") == "true":
		return fmt.Errorf("demo registry: %w", err)
	default:
		fmt.Fprintln(os.Stderr, "stack: no demo registry, the registry tests will skip:", err)
	}
	if err := writeConfig(s, root, collectorKube, port, work); err != nil {
		return err
	}
	srv := exec.Command(bin, "--config", s.Config, "serve")
	srv.Dir, srv.Stdout, srv.Stderr = root, os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer stopProcess(srv)
	if err := waitCollected(ctx, s); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(out, raw, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "stack ready: %s (identity provider %s)\n", base, issuer)
	<-ctx.Done()
	return nil
}

// seedCluster installs the Velero CRDs, the collector's shipped RBAC bound to the harness's
// collector user, and the demo manifests.
func seedCluster(ctx context.Context, c *kubeharness.Cluster, root string) error {
	for _, crd := range []struct{ kind, plural string }{{"Schedule", "schedules"}, {"Backup", "backups"}} {
		if err := c.CreateCRD(ctx, kubeharness.VeleroCRD(crd.kind, crd.plural)); err != nil {
			return err
		}
	}
	rbac, err := os.ReadFile(filepath.Join(root, "deploy", "kubernetes", "collector-rbac.yaml"))
	if err != nil {
		return err
	}
	binding := fmt.Sprintf(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",
"metadata":{"name":"palisade-e2e-collector"},
"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":%q},
"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":%q}]}`, "palisade-collector", kubeharness.CollectorUser)
	files, _ := filepath.Glob(filepath.Join(root, "e2e", "demo", "manifests", "*.yaml"))
	// The shipped RBAC names the namespace Palisade is installed in.
	namespace := []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"palisade"}}`)
	docs := [][]byte{namespace, rbac, []byte(binding)}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		docs = append(docs, b)
	}
	// One stream, so that every namespace is created before anything in it.
	total, err := c.Apply(ctx, bytes.Join(docs, []byte("\n---\n")))
	if err != nil {
		return fmt.Errorf("seed cluster: %w", err)
	}
	fmt.Fprintf(os.Stderr, "cluster %s seeded with %d objects\n", c.Host, total)
	return nil
}

func startIdP(ctx context.Context, root, base string) (*exec.Cmd, string, error) {
	cmd := exec.Command("node", filepath.Join(root, "deploy", "idp", "server.mjs"), "--port", "0", "--quiet",
		"--redirect-uri", base+"/auth/callback", "--post-logout-redirect-uri", base+"/")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("identity provider (node deploy/idp/server.mjs): %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if issuer, ok := strings.CutPrefix(sc.Text(), "idp ready "); ok {
				ready <- issuer
			}
		}
	}()
	select {
	case issuer := <-ready:
		return cmd, issuer, nil
	case <-time.After(60 * time.Second):
	case <-ctx.Done():
	}
	stopProcess(cmd)
	return nil, "", errors.New("the identity provider did not start within 60s")
}

func writeConfig(s Stack, root, kubeconfig string, port int, work string) error {
	key, err := exec.Command(s.Binary, "keys", "generate").Output()
	if err != nil {
		return fmt.Errorf("palisade keys generate: %w", err)
	}
	keyFile := filepath.Join(work, "palisade.key")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		return err
	}
	var mappings strings.Builder
	for _, t := range []string{"acme", "globex"} {
		for _, r := range []string{"admin", "security-manager", "operator", "auditor", "viewer"} {
			fmt.Fprintf(&mappings, "    - {tenant: %s, group: %q, role: %s}\n", t, t+":"+r, r)
		}
	}
	// outbound_allow: the browser tests' webhook receivers listen on 127.0.0.1.
	// The demo registry writes the demo advisory feeds beside its data; without it, none.
	feeds := filepath.Join(work, "registry", "osv")
	cfg := fmt.Sprintf(`advisories: {ecosystems: [], interval: 1h, files: {Debian: %q, Alpine: %q}}
server: {listen: "127.0.0.1:%d", public_url: %q, outbound_allow: [127.0.0.1/32]}
database: {driver: sqlite, dsn: %q}
secrets: {key: "file:%s"}
log: {level: warn, format: text}
auth:
  oidc: {issuer: %q, client_id: palisade, client_secret: palisade-demo-secret}
  role_mappings:
%stenants:
  - slug: acme
    name: Acme Retail
    targets:
      - {name: acme-prod-cluster, kind: cluster, kubeconfig: %q, context: %s, schedule: 1h}
  - slug: globex
    name: Globex Analytics
    targets:
      - {name: globex-analytics-manifests, kind: manifests, path: %q, schedule: 1h}
`, filepath.Join(feeds, "Debian-all.zip"), filepath.Join(feeds, "Alpine-all.zip"), port, s.BaseURL, s.Database, keyFile, s.Issuer, mappings.String(), kubeconfig, kubeharness.ContextName,
		filepath.Join(root, "e2e", "demo", "manifests", "analytics.yaml"))
	return os.WriteFile(s.Config, []byte(cfg), 0o600)
}

// waitCollected waits for the server to be ready and every target to have a complete run.
func waitCollected(ctx context.Context, s Stack) error {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.BaseURL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 && allComplete(s) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return errors.New("the first collections did not complete within 3 minutes")
}

func allComplete(s Stack) bool {
	out, err := exec.Command(s.Binary, "--config", s.Config, "targets", "list", "-o", "json").Output()
	if err != nil {
		return false
	}
	var list struct {
		Targets []struct {
			LastStatus string `json:"last_status"`
		} `json:"targets"`
	}
	if json.Unmarshal(out, &list) != nil || len(list.Targets) < 2 {
		return false
	}
	for _, t := range list.Targets {
		if t.LastStatus != "complete" {
			return false
		}
	}
	return true
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func stopProcess(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
	}
}
