package sources

import (
	"strings"
	"testing"
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
		{"metadata service", "https://169.254.169.254", "", token, "link-local"},
		{"localhost", "https://localhost:6443", "", token, "localhost"},
		{"IPv6 loopback", "https://[::1]:6443", "", token, "loopback"},
	}
	for _, c := range cases {
		_, err := ParseKubeconfig(kubeconfig(c.server, c.extra, c.user), "", false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
	if _, err := ParseKubeconfig(kubeconfig("https://10.0.0.1:6443", "", token), "", false); err != nil {
		t.Errorf("a self-contained kubeconfig for a private address: %v", err)
	}
	if _, err := ParseKubeconfig(kubeconfig("https://127.0.0.1:6443", "", token), "", true); err != nil {
		t.Errorf("loopback with allowLoopback: %v", err)
	}
	if _, err := ParseKubeconfig(kubeconfig("https://10.0.0.1:6443", "", token), "other", false); err == nil {
		t.Error("a missing context is accepted")
	}
	if _, err := ParseKubeconfig([]byte("{{{"), "", false); err == nil || strings.Contains(err.Error(), "{{{") {
		t.Errorf("garbage: %v (must fail without echoing input)", err)
	}
}

func TestDialRefusesHostAddresses(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:443", "[::1]:443", "169.254.169.254:80", "0.0.0.0:443"} {
		if err := refuseHostAddresses("tcp", addr, nil); err == nil {
			t.Errorf("%s allowed at dial time", addr)
		}
	}
	if err := refuseHostAddresses("tcp", "10.1.2.3:6443", nil); err != nil {
		t.Errorf("private cluster address refused: %v", err)
	}
}
