package sources

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/palisade-dev/palisade/backend/posture"
)

// maxKubeconfig bounds an uploaded kubeconfig; real ones are a few kilobytes.
const maxKubeconfig = 1 << 20

// ParseKubeconfig reads an uploaded kubeconfig into a client configuration. Uploaded
// kubeconfigs must be self-contained: an exec plugin or auth provider would run a command
// on Palisade's host, and a file path would read Palisade's own files, so both are refused.
//
// allowLoopback admits loopback API servers, for local clusters (kind, minikube, tests).
func ParseKubeconfig(raw []byte, context string, allowLoopback bool) (*rest.Config, error) {
	if len(raw) > maxKubeconfig {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig is larger than %d bytes", maxKubeconfig)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig is not valid YAML or JSON")
	}
	if err := selfContained(cfg, allowLoopback); err != nil {
		return nil, err
	}
	name := context
	if name == "" {
		name = cfg.CurrentContext
	}
	if _, ok := cfg.Contexts[name]; !ok || name == "" {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig has no context %q", name)
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, name, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig context %q is not usable: %v", name, err)
	}
	if !allowLoopback {
		// Checked again when connecting: a name can resolve to another address later.
		rc.Dial = (&net.Dialer{Timeout: 30 * time.Second, Control: refuseHostAddresses}).DialContext
	}
	return rc, nil
}

// refuseHostAddresses keeps uploaded kubeconfigs from reaching Palisade's own host or the
// cloud metadata service: loopback, link-local and unspecified addresses are refused.
// Private ranges stay allowed: that is where clusters live.
func refuseHostAddresses(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if forbiddenAddr(ip) {
		return fmt.Errorf("address %s is not allowed for an uploaded kubeconfig", ip)
	}
	return nil
}

func forbiddenAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast()
}

func selfContained(cfg *clientcmdapi.Config, allowLoopback bool) error {
	for name, u := range cfg.AuthInfos {
		switch {
		case u.Exec != nil:
			return posture.Errorf(posture.EINVALID, "kubeconfig user %q uses an exec plugin; upload a token or client certificate instead", name)
		case u.AuthProvider != nil:
			return posture.Errorf(posture.EINVALID, "kubeconfig user %q uses an auth provider; upload a token or client certificate instead", name)
		case u.ClientCertificate != "" || u.ClientKey != "" || u.TokenFile != "":
			return posture.Errorf(posture.EINVALID, "kubeconfig user %q refers to files; embed the data (client-certificate-data, token)", name)
		}
	}
	for name, c := range cfg.Clusters {
		if err := checkCluster(name, c, allowLoopback); err != nil {
			return err
		}
	}
	return nil
}

// checkCluster refuses what would let an uploaded kubeconfig reach other places than a
// Kubernetes API over verified TLS.
func checkCluster(name string, c *clientcmdapi.Cluster, allowLoopback bool) error {
	switch {
	case c.CertificateAuthority != "":
		return posture.Errorf(posture.EINVALID, "kubeconfig cluster %q refers to a CA file; embed certificate-authority-data", name)
	case c.ProxyURL != "":
		return posture.Errorf(posture.EINVALID, "kubeconfig cluster %q sets proxy-url, which uploaded kubeconfigs may not", name)
	case c.InsecureSkipTLSVerify:
		return posture.Errorf(posture.EINVALID, "kubeconfig cluster %q disables TLS verification; embed certificate-authority-data instead", name)
	}
	u, err := url.Parse(c.Server)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return posture.Errorf(posture.EINVALID, "kubeconfig cluster %q: server must be an https:// URL", name)
	}
	if allowLoopback {
		return nil
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && forbiddenAddr(ip) {
		return posture.Errorf(posture.EINVALID, "kubeconfig cluster %q: server %s is a loopback, link-local or unspecified address", name, ip)
	}
	if strings.EqualFold(u.Hostname(), "localhost") {
		return posture.Errorf(posture.EINVALID, "kubeconfig cluster %q: server localhost is not allowed", name)
	}
	return nil
}
