package kubeharness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// serviceAccountIssuer is the in-cluster issuer a kubeadm cluster uses, so
// tokens look like production ones to code that inspects them.
const serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

// apiserverFiles are the inputs kube-apiserver needs that the harness writes.
type apiserverFiles struct {
	tokenFile string
	saKeyFile string
	certDir   string
}

func writeAPIServerFiles(dir string, users []User) (apiserverFiles, error) {
	f := apiserverFiles{
		tokenFile: filepath.Join(dir, "tokens.csv"),
		saKeyFile: filepath.Join(dir, "sa.key"),
		certDir:   filepath.Join(dir, "pki"),
	}
	if err := writeTokenFile(f.tokenFile, users); err != nil {
		return f, err
	}
	return f, writeServiceAccountKey(f.saKeyFile)
}

// writeTokenFile writes the static token CSV: token,user,uid,"group1,group2".
func writeTokenFile(path string, users []User) error {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := csv.NewWriter(file)
	for _, u := range users {
		record := []string{u.Token, u.Name, u.Name}
		if len(u.Groups) > 0 {
			record = append(record, strings.Join(u.Groups, ","))
		}
		if err := w.Write(record); err != nil {
			file.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// writeServiceAccountKey generates the token signing key in Go (P-256 is far
// faster to generate than RSA); the same file serves as the verification key
// because kube-apiserver extracts public keys from private key PEMs.
func writeServiceAccountKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

func apiserverArgs(f apiserverFiles, etcdURL string, port int) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// The endpoint reconciler refuses loopback advertise addresses; with
		// no in-cluster clients, the kubernetes Service needs no endpoints.
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(port),
		// No serving cert flags: the apiserver self-signs one into cert-dir
		// (SANs include the bind address), and we trust that file.
		"--cert-dir=" + f.certDir,
		"--token-auth-file=" + f.tokenFile,
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--service-account-issuer=" + serviceAccountIssuer,
		"--service-account-key-file=" + f.saKeyFile,
		"--service-account-signing-key-file=" + f.saKeyFile,
		"--profiling=false",
	}
}

// startAPIServer runs kube-apiserver and waits for /readyz, returning the
// process and the PEM of its self-signed serving certificate.
func startAPIServer(ctx context.Context, bin, dir, etcdURL, adminToken string, f apiserverFiles) (*process, string, []byte, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", nil, err
	}
	p, err := startProcess("kube-apiserver", bin, filepath.Join(dir, "kube-apiserver.log"), apiserverArgs(f, etcdURL, port))
	if err != nil {
		return nil, "", nil, err
	}
	host := "https://127.0.0.1:" + strconv.Itoa(port)
	var caData []byte
	var client *http.Client
	ready := func(ctx context.Context) bool {
		// The certificate only exists once the apiserver has generated it.
		if client == nil {
			if caData, _ = os.ReadFile(filepath.Join(f.certDir, "apiserver.crt")); caData == nil {
				return false
			}
			client = tlsClient(caData)
		}
		return probe(ctx, client, host+"/readyz", adminToken)
	}
	if err := waitUntil(ctx, p, host+"/readyz", ready); err != nil {
		p.stop()
		return nil, "", nil, err
	}
	return p, host, caData, nil
}

func tlsClient(caData []byte) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caData)
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
