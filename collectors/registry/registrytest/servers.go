package registrytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"golang.org/x/crypto/bcrypt"
)

// Server is a running registry.
type Server struct {
	URL    string // https://127.0.0.1:port or http://...
	Host   string // 127.0.0.1:port
	CAPEM  []byte // the CA that signed its certificate; nil for plain HTTP
	Pusher Pusher
}

// InProcess starts go-containerregistry's registry (with the referrers API) over HTTPS on
// loopback; wrap, when set, wraps its handler (basic auth, faults).
func InProcess(t testing.TB, wrap func(http.Handler) http.Handler) *Server {
	t.Helper()
	var h http.Handler = ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return &Server{URL: srv.URL, Host: u.Host, CAPEM: ca,
		Pusher: Pusher{Host: u.Host, Transport: srv.Client().Transport}}
}

// BasicAuth wraps a handler with HTTP basic authentication.
func BasicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// DistributionBinary is where Debian's docker-registry package installs the registry.
const DistributionBinary = "/usr/bin/docker-registry"

// Distribution starts Debian's docker-registry (CNCF Distribution 2.8: no referrers API)
// on loopback with TLS from a fresh CA and htpasswd authentication for user/pass. Without
// the binary the test is skipped, or fails under CI=true.
func Distribution(t testing.TB, user, pass string) *Server {
	t.Helper()
	bin := os.Getenv("PALISADE_DOCKER_REGISTRY")
	if bin == "" {
		bin = DistributionBinary
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker-registry is required under CI=true (apt-get install docker-registry): %v", err)
		}
		t.Skipf("docker-registry not installed (apt-get install docker-registry): %v", err)
	}
	dir := t.TempDir()
	port := freePort(t)
	files, err := PrepareDistribution(dir, fmt.Sprintf("127.0.0.1:%d", port), user, pass)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := files.CAPEM
	cmd := exec.Command(bin, "serve", files.Config)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start docker-registry: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		logf.Close()
	})
	host := fmt.Sprintf("127.0.0.1:%d", port)
	tr, err := WaitDistribution(host, caPEM, 15*time.Second)
	if err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
		t.Fatalf("%v\n%s", err, b)
	}
	return &Server{URL: "https://" + host, Host: host, CAPEM: caPEM,
		Pusher: Pusher{Host: host, Transport: tr, Auth: &authn.Basic{Username: user, Password: pass}}}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// certificates makes a CA and a server certificate for 127.0.0.1 and localhost.
func certificates() (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "palisade test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "registry"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// Host strips the scheme from a registry URL.
func Host(u string) string {
	return strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
}

// InProcessHTTP starts go-containerregistry's registry over plain HTTP on loopback.
func InProcessHTTP(t testing.TB) *Server {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return &Server{URL: srv.URL, Host: u.Host, Pusher: Pusher{Host: u.Host, Insecure: true}}
}

// DistributionFiles are what PrepareDistribution wrote.
type DistributionFiles struct {
	Config string // the registry's config.yml
	CAPEM  []byte // the CA that signed its certificate
}

// PrepareDistribution writes, in dir, a docker-registry configuration serving addr over TLS
// (a fresh CA and a certificate for 127.0.0.1 and localhost) with htpasswd authentication
// for user/pass and its data below dir.
func PrepareDistribution(dir, addr, user, pass string) (*DistributionFiles, error) {
	caPEM, certPEM, keyPEM, err := certificates()
	if err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	for name, b := range map[string][]byte{"htpasswd": []byte(user + ":" + string(hash) + "\n"), "tls.crt": certPEM, "tls.key": keyPEM, "ca.pem": caPEM} {
		paths[name] = filepath.Join(dir, name)
		if err := os.WriteFile(paths[name], b, 0o600); err != nil {
			return nil, err
		}
	}
	cfg := fmt.Sprintf(`version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
http:
  addr: %s
  secret: palisade-test
  tls: {certificate: %s, key: %s}
auth:
  htpasswd: {realm: palisade-test, path: %s}
`, filepath.Join(dir, "data"), addr, paths["tls.crt"], paths["tls.key"], paths["htpasswd"])
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	return &DistributionFiles{Config: config, CAPEM: caPEM}, nil
}

// WaitDistribution waits until the registry on host answers over TLS (asking for
// authentication) and returns a transport that trusts its CA.
func WaitDistribution(host string, caPEM []byte, timeout time.Duration) (*http.Transport, error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := (&http.Client{Transport: tr, Timeout: time.Second}).Get("https://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return tr, nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("docker-registry did not answer on %s: %v", host, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
