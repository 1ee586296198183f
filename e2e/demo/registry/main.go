// Command registry runs the demo's OCI registry for `make run`: Debian's docker-registry on
// 127.0.0.1 with TLS (a CA made on first start) and htpasswd, seeded with a few images that
// show what the image checks find: a signed, non-root, labelled image; an unsigned one that
// runs as root with a secret-looking environment variable and a package manager; and a tag
// that moves between two digests. It writes, in --dir, the CA, the credentials file, the
// signing key's public half and the trust policy that trusts it, then serves until stopped.
//
//	go run ./e2e/demo/registry --dir data/demo-registry --addr 127.0.0.1:5443
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/palisade-dev/palisade/backend/imagetrust"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// fatal is registrytest.T for a command: any failure ends it.
type fatal struct{}

func (fatal) Helper()                      {}
func (fatal) Fatal(args ...any)            { log.Fatal(args...) }
func (fatal) Fatalf(f string, args ...any) { log.Fatalf(f, args...) }

const user, password = "palisade-demo", "palisade-demo-registry"

func main() {
	dir := flag.String("dir", "data/demo-registry", "where the registry keeps its data, CA and the files Palisade reads")
	addr := flag.String("addr", "127.0.0.1:5443", "listen address")
	flag.Parse()
	log.SetFlags(0)
	bin := os.Getenv("PALISADE_DOCKER_REGISTRY")
	if bin == "" {
		bin = rt.DistributionBinary
	}
	if _, err := os.Stat(bin); err != nil {
		log.Fatalf("docker-registry is not installed (apt-get install docker-registry): %v", err)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	abs, _ := filepath.Abs(*dir)
	files, err := prepare(abs, *addr)
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", files.Config)
	logf, err := os.Create(filepath.Join(abs, "registry.log"))
	if err != nil {
		log.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		log.Fatalf("start docker-registry: %v", err)
	}
	stop := func() { _ = cmd.Process.Signal(syscall.SIGTERM); _, _ = cmd.Process.Wait() }
	tr, err := rt.WaitDistribution(*addr, files.CAPEM, 20*time.Second)
	if err != nil {
		stop()
		log.Fatalf("%v (see %s)", err, filepath.Join(abs, "registry.log"))
	}
	p := rt.Pusher{Host: *addr, Transport: tr, Auth: &authn.Basic{Username: user, Password: password}}
	if err := seed(p, abs); err != nil {
		stop()
		log.Fatal(err)
	}
	fmt.Printf("registry ready https://%s\n", *addr)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-done
	case err := <-done:
		log.Fatalf("docker-registry stopped: %v", err)
	}
}

// prepare writes the registry's configuration once; later starts keep the CA (Palisade's
// target trusts it) and the images.
func prepare(dir, addr string) (*rt.DistributionFiles, error) {
	config := filepath.Join(dir, "config.yml")
	if _, err := os.Stat(config); err == nil {
		ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
		if err == nil {
			return &rt.DistributionFiles{Config: config, CAPEM: ca}, nil
		}
	}
	files, err := rt.PrepareDistribution(dir, addr, user, password)
	if err != nil {
		return nil, err
	}
	creds, _ := json.Marshal(map[string]string{"username": user, "password": password})
	return files, os.WriteFile(filepath.Join(dir, "credentials.json"), creds, 0o600)
}

// seed pushes the demo images (again: pushing the same content is idempotent, and the
// moving tag moves on every start) and writes the trust policy.
func seed(p rt.Pusher, dir string) error {
	key, err := signingKey(filepath.Join(dir, "cosign.key"))
	if err != nil {
		return err
	}
	t := fatal{}
	now := time.Now().UTC()
	web := p.Push(t, "acme/web:1.4.2", rt.Image(t, rt.Spec{User: "10001", Created: now.Add(-72 * time.Hour), Ports: []string{"8080/tcp"},
		Labels:     map[string]string{"org.opencontainers.image.version": "1.4.2", "org.opencontainers.image.source": "https://git.acme.example/web"},
		Entrypoint: []string{"/web"}}))
	p.SignCosign(t, "acme/web", web, key)
	p.Push(t, "acme/legacy:2019", rt.Image(t, rt.Spec{Created: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC),
		Env: []string{"PATH=/usr/local/bin:/usr/bin", "DB_PASSWORD=Summer2019!"}, Entrypoint: []string{"/bin/sh", "-c", "/start.sh"},
		History: []string{"RUN /bin/sh -c apt-get update && apt-get install -y curl"}}))
	// latest moves to a new build on every start: the tag-moved check sees it.
	p.Push(t, "acme/web:latest", rt.Image(t, rt.Spec{User: "10001", Created: now, Labels: map[string]string{"org.opencontainers.image.version": "1.5.0-dev"}}))

	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	policy := imagetrust.Policy{Rules: []imagetrust.Rule{{Name: "acme-release", Images: []string{p.Host + "/acme/*"},
		Keys: []imagetrust.Key{{Name: "acme-release-key", PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}}}}}
	b, err := json.MarshalIndent(policy, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "trust-policy.json"), b, 0o600)
}

// signingKey loads or makes the demo's signing key.
func signingKey(path string) (*ecdsa.PrivateKey, error) {
	if b, err := os.ReadFile(path); err == nil {
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, errors.New(path + ": not PEM")
		}
		return x509.ParseECPrivateKey(blk.Bytes)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return key, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}
