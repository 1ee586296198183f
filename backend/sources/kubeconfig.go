package sources

import (
	"net/http"
	"net/url"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

// maxKubeconfig bounds an uploaded kubeconfig; real ones are a few kilobytes.
const maxKubeconfig = 1 << 20

// ParseKubeconfig reads an uploaded kubeconfig into a client configuration. Uploaded
// kubeconfigs must be self-contained: an exec plugin or auth provider would run a command
// on Palisade's host, and a file path would read Palisade's own files, so both are refused.
//
// The API server must be a destination policy allows: checked here for an IP literal, and
// on every connection for the address actually dialled (a name can resolve elsewhere later).
func ParseKubeconfig(raw []byte, context string, policy egress.Policy) (*rest.Config, error) {
	if len(raw) > maxKubeconfig {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig is larger than %d bytes", maxKubeconfig)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig is not valid YAML or JSON")
	}
	if err := selfContained(cfg, policy); err != nil {
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
	rc.Dial = policy.Dialer().DialContext
	// No proxy from the environment: the proxy's address would be checked instead of the
	// API server's, and the proxy would reach what the policy refuses.
	rc.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
	return rc, nil
}

func selfContained(cfg *clientcmdapi.Config, policy egress.Policy) error {
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
		if err := checkCluster(name, c, policy); err != nil {
			return err
		}
	}
	return nil
}

// checkCluster refuses what would let an uploaded kubeconfig reach other places than a
// Kubernetes API over verified TLS.
func checkCluster(name string, c *clientcmdapi.Cluster, policy egress.Policy) error {
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
	if err := policy.CheckHost(u.Hostname()); err != nil {
		return posture.WrapError(posture.EINVALID, egress.ErrNotAllowed, "kubeconfig cluster %q: server: %s", name, posture.ErrorMessage(err))
	}
	return nil
}
