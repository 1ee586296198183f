// Package demoregistry runs the demo's OCI registry: Debian's docker-registry on loopback with
// TLS (a CA made on first start) and htpasswd, seeded with images that show what the image
// checks find: a signed, non-root, labelled image; an unsigned one that runs as root with a
// secret-looking environment variable and a package manager; and a tag that moves on every
// start. `make run` starts it through e2e/demo/registry; the browser tests through e2e/stack.
package demoregistry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/palisade-dev/palisade/backend/advisories/osvtest"
	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// User and Password sign in to the demo registry.
const User, Password = "palisade-demo", "palisade-demo-registry"

// Registry is a running demo registry.
type Registry struct {
	URL   string // https://host:port
	Dir   string // CA (ca.pem), credentials.json, trust-policy.json, registry.log
	CAPEM []byte
	// PublicKeyPEM verifies the demo signing key's signatures.
	PublicKeyPEM string
	cmd          *exec.Cmd
	done         chan error
}

// Done is closed with the registry process's exit.
func (r *Registry) Done() <-chan error { return r.done }

// Stop ends the registry.
func (r *Registry) Stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.done
}

// failer is registrytest.T that turns a failure into an error (through panic/recover).
type failer struct{}

type failure struct{ err error }

func (failer) Helper()                      {}
func (failer) Fatal(args ...any)            { panic(failure{errors.New(fmt.Sprint(args...))}) }
func (failer) Fatalf(f string, args ...any) { panic(failure{fmt.Errorf(f, args...)}) }

// Start prepares dir on first use, starts docker-registry on addr and seeds it.
func Start(dir, addr string) (_ *Registry, err error) {
	bin := os.Getenv("PALISADE_DOCKER_REGISTRY")
	if bin == "" {
		bin = rt.DistributionBinary
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("docker-registry is not installed (apt-get install docker-registry): %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	dir, _ = filepath.Abs(dir)
	files, err := prepare(dir, addr)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", files.Config)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	r := &Registry{URL: "https://" + addr, Dir: dir, CAPEM: files.CAPEM, cmd: cmd, done: make(chan error, 1)}
	go func() { r.done <- cmd.Wait(); logf.Close(); close(r.done) }()
	defer func() {
		if err != nil {
			r.Stop()
		}
	}()
	tr, err := rt.WaitDistribution(addr, files.CAPEM, 20*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w (see %s)", err, filepath.Join(dir, "registry.log"))
	}
	p := rt.Pusher{Host: addr, Transport: tr, Auth: &authn.Basic{Username: User, Password: Password}}
	if r.PublicKeyPEM, err = seed(p, dir); err != nil {
		return nil, err
	}
	return r, nil
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
	files, err := rt.PrepareDistribution(dir, addr, User, Password)
	if err != nil {
		return nil, err
	}
	creds, _ := json.Marshal(map[string]string{"username": User, "password": Password})
	return files, os.WriteFile(filepath.Join(dir, "credentials.json"), creds, 0o600)
}

// seed pushes the demo images (again: pushing the same content is idempotent, and the
// moving tag moves on every start) and writes the trust policy.
func seed(p rt.Pusher, dir string) (publicKey string, err error) {
	key, err := signingKey(filepath.Join(dir, "cosign.key"))
	if err != nil {
		return "", err
	}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			err = f.err
		}
	}()
	t := failer{}
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
	// Real package databases for the vulnerability demo: a Debian 12 image with an old
	// openssl and a Go service, and an Alpine 3.19 one with an old libssl3.
	p.Push(t, "acme/payments-api:3.2.0", imagepkgstest.WithGoApp(t, imagepkgstest.DebianImage(t, "12"), "usr/local/bin/payments-api"))
	p.Push(t, "acme/edge-proxy:1.0.3", imagepkgstest.AlpineImage(t, "3.19.1"))
	if err := writeDemoFeeds(filepath.Join(dir, "osv"), now); err != nil {
		return "", err
	}

	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", err
	}
	publicKey = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	policy := imagetrust.Policy{Rules: []imagetrust.Rule{{Name: "acme-release", Images: []string{p.Host + "/acme/*"},
		Keys: []imagetrust.Key{{Name: "acme-release-key", PEM: publicKey}}}}}
	b, err := json.MarshalIndent(policy, "", "  ")
	if err != nil {
		return "", err
	}
	return publicKey, os.WriteFile(filepath.Join(dir, "trust-policy.json"), b, 0o600)
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

// writeDemoFeeds writes the demo's advisory feeds (OSV all.zip files that `advisories.files`
// names): made-up advisories, marked DEMO, against the versions the demo images hold, since
// no advisory database can be downloaded where the demo may run. One is dated at each start
// so that a refresh finds something new.
func writeDemoFeeds(dir string, now time.Time) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	old := now.Add(-30 * 24 * time.Hour)
	debian := []osvtest.Advisory{
		{ID: "DEMO-DEBIAN-2026-0001", Ecosystem: "Debian:12", Package: "openssl", Fixed: "3.0.13-1~deb12u1", Vector: osvtest.Critical,
			Summary: "Demo advisory: openssl before 3.0.13-1~deb12u1 (not real advisory data)", Modified: old},
		{ID: "DEMO-DEBIAN-2026-0002", Ecosystem: "Debian:12", Package: "zlib", Vector: osvtest.High,
			Summary: "Demo advisory: zlib, no fix published (not real advisory data)", Modified: old},
		{ID: "DEMO-DEBIAN-2026-0003", Ecosystem: "Debian:12", Package: "glibc", Fixed: "2.36-9+deb12u9",
			Summary: "Demo advisory without a severity (not real advisory data)", Modified: now},
	}
	alpine := []osvtest.Advisory{
		{ID: "DEMO-ALPINE-2026-0001", Ecosystem: "Alpine:v3.19", Package: "openssl", Fixed: "3.1.4-r5", Vector: osvtest.High,
			Summary: "Demo advisory: openssl before 3.1.4-r5 on Alpine 3.19 (not real advisory data)", Modified: old},
	}
	if err := osvtest.WriteArchive(filepath.Join(dir, "Debian-all.zip"), now, debian...); err != nil {
		return err
	}
	return osvtest.WriteArchive(filepath.Join(dir, "Alpine-all.zip"), now, alpine...)
}
