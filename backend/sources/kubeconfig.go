package sources

import (
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
func ParseKubeconfig(raw []byte, context string) (*rest.Config, error) {
	if len(raw) > maxKubeconfig {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig is larger than %d bytes", maxKubeconfig)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "kubeconfig is not valid YAML or JSON")
	}
	if err := selfContained(cfg); err != nil {
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
	return rc, nil
}

func selfContained(cfg *clientcmdapi.Config) error {
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
		if c.CertificateAuthority != "" {
			return posture.Errorf(posture.EINVALID, "kubeconfig cluster %q refers to a CA file; embed certificate-authority-data", name)
		}
	}
	return nil
}
