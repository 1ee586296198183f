package sources

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

const kubeconfigTemplate = `apiVersion: v1
kind: Config
current-context: c
contexts:
- name: c
  context: {cluster: k, user: u}
clusters:
- name: k
  cluster:
    server: SERVER
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
CLUSTEREXTRA
users:
- name: u
  user:
USER
`

func kubeconfig(server, clusterExtra, user string) []byte {
	return []byte(strings.NewReplacer("SERVER", server, "CLUSTEREXTRA", clusterExtra, "USER", user).Replace(kubeconfigTemplate))
}

// privateAllowed is a policy with the private ranges where clusters live allowlisted.
var privateAllowed = egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}

func TestParseKubeconfigRefusesWhatReachesBeyondTheCluster(t *testing.T) {
	token := "    token: abc"
	cases := []struct {
		name, server, extra, user, want string
	}{
		{"exec plugin", "https://10.0.0.1:6443", "", "    exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}", "exec plugin"},
		{"auth provider", "https://10.0.0.1:6443", "", "    auth-provider: {name: gcp}", "auth provider"},
		{"token file", "https://10.0.0.1:6443", "", "    tokenFile: /var/run/secrets/token", "refers to files"},
		{"client cert file", "https://10.0.0.1:6443", "", "    client-certificate: /etc/ssl/key.pem", "refers to files"},
		{"proxy", "https://10.0.0.1:6443", "    proxy-url: socks5://10.0.0.9:1080", token, "proxy-url"},
		{"skip TLS verify", "https://10.0.0.1:6443", "    insecure-skip-tls-verify: true", token, "TLS verification"},
		{"plain http", "http://10.0.0.1:8080", "", token, "https://"},
		{"loopback", "https://127.0.0.1:6443", "", token, "loopback"},
		{"metadata service", "https://169.254.169.254", "", token, "metadata"},
		{"link-local", "https://169.254.1.1", "", token, "link-local"},
		{"localhost", "https://localhost:6443", "", token, "localhost"},
		{"IPv6 loopback", "https://[::1]:6443", "", token, "loopback"},
		{"unspecified", "https://0.0.0.0:6443", "", token, "unspecified"},
		{"private, not allowlisted", "https://192.168.1.1:6443", "", token, "server.outbound_allow"},
		{"CGNAT, not allowlisted", "https://100.64.0.1:6443", "", token, "private"},
		{"ULA, not allowlisted", "https://[fd00::1]:6443", "", token, "private"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseKubeconfig(kubeconfig(c.server, c.extra, c.user), "", privateAllowed)
			if posture.ErrorCode(err) != posture.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want EINVALID mentioning %q", err, c.want)
			}
		})
	}
	if _, err := ParseKubeconfig(kubeconfig("https://10.0.0.1:6443", "", token), "", egress.Policy{}); err == nil {
		t.Error("a private address is accepted without an allowlist")
	}
	if _, err := ParseKubeconfig(kubeconfig("https://10.0.0.1:6443", "", token), "", privateAllowed); err != nil {
		t.Errorf("a self-contained kubeconfig for an allowlisted private address: %v", err)
	}
	if _, err := ParseKubeconfig(kubeconfig("https://k8s.example.com:6443", "", token), "", egress.Policy{}); err != nil {
		t.Errorf("a name (checked when connecting): %v", err)
	}
	for _, server := range []string{"https://127.0.0.1:6443", "https://localhost:6443", "https://[::1]:6443"} {
		if _, err := ParseKubeconfig(kubeconfig(server, "", token), "", egress.Policy{}.WithLoopback()); err != nil {
			t.Errorf("%s with loopback allowed (server.allow_loopback_clusters): %v", server, err)
		}
	}
	if _, err := ParseKubeconfig(kubeconfig("https://169.254.169.254", "", token), "", egress.Policy{}.WithLoopback()); err == nil {
		t.Error("allowing loopback admits the metadata service")
	}
	if _, err := ParseKubeconfig(kubeconfig("https://10.0.0.1:6443", "", token), "other", privateAllowed); err == nil {
		t.Error("a missing context is accepted")
	}
	if _, err := ParseKubeconfig([]byte("{{{"), "", privateAllowed); err == nil || strings.Contains(err.Error(), "{{{") {
		t.Errorf("garbage: %v (must fail without echoing input)", err)
	}
}

// TestUploadedKubeconfigsDialThroughThePolicy: the client configuration dials through the
// policy (so a name that resolves to 127.0.0.1 is refused when connecting) and ignores
// proxies from the environment.
func TestUploadedKubeconfigsDialThroughThePolicy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rc, err := ParseKubeconfig(kubeconfig("https://cluster.example.com:6443", "", "    token: abc"), "", privateAllowed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Dial(context.Background(), "tcp", ln.Addr().String()); !errors.Is(err, egress.ErrNotAllowed) {
		t.Errorf("dial 127.0.0.1: %v, want ErrNotAllowed", err)
	}
	t.Setenv("HTTPS_PROXY", "http://10.0.0.9:3128")
	req, _ := http.NewRequest(http.MethodGet, "https://cluster.example.com:6443/api", nil)
	if u, err := rc.Proxy(req); u != nil || err != nil {
		t.Errorf("proxy %v %v, want none", u, err)
	}
}
