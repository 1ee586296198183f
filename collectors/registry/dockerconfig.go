package registry

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/palisade-dev/palisade/backend/posture"
)

// dockerConfig is the part of a Docker config JSON (~/.docker/config.json, or a
// kubernetes.io/dockerconfigjson Secret's payload) that holds static credentials.
// docker/cli's loader is not used: for a file uploaded by a user it would run the credential
// helpers the file names. Palisade reads the static entries and refuses helpers.
type dockerConfig struct {
	Auths       map[string]dockerAuth `json:"auths"`
	CredsStore  string                `json:"credsStore"`
	CredHelpers map[string]string     `json:"credHelpers"`
}

type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

// dockerConfigAuth finds host's entry in a Docker config JSON. Errors never quote the
// file's content.
func dockerConfigAuth(raw, host string) (authn.Authenticator, error) {
	var cfg dockerConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return nil, posture.Errorf(posture.EINVALID, "the Docker config is not valid JSON")
	}
	entry, ok := dockerConfigEntry(cfg.Auths, host)
	if !ok {
		if cfg.CredsStore != "" || len(cfg.CredHelpers) > 0 {
			return nil, posture.Errorf(posture.EINVALID, "the Docker config names a credential helper; Palisade runs no helper: give static credentials (an \"auths\" entry for %s)", host)
		}
		return nil, posture.Errorf(posture.EINVALID, "the Docker config has no \"auths\" entry for %s", host)
	}
	ac := authn.AuthConfig{Username: entry.Username, Password: entry.Password,
		IdentityToken: entry.IdentityToken, RegistryToken: entry.RegistryToken}
	if entry.Auth != "" {
		dec, err := base64.StdEncoding.DecodeString(entry.Auth)
		if err != nil {
			return nil, posture.Errorf(posture.EINVALID, "the Docker config's \"auth\" for %s is not base64", host)
		}
		user, pass, ok := strings.Cut(string(dec), ":")
		if !ok {
			return nil, posture.Errorf(posture.EINVALID, "the Docker config's \"auth\" for %s is not user:password", host)
		}
		ac.Username, ac.Password = user, pass
	}
	if ac == (authn.AuthConfig{}) {
		return nil, posture.Errorf(posture.EINVALID, "the Docker config's entry for %s holds no credentials", host)
	}
	return authn.FromConfig(ac), nil
}

// dockerConfigEntry matches keys written as "host", "https://host" or "https://host/v1/".
func dockerConfigEntry(auths map[string]dockerAuth, host string) (dockerAuth, bool) {
	if a, ok := auths[host]; ok {
		return a, true
	}
	for k, a := range auths {
		if u, err := url.Parse(k); err == nil && u.Host == host {
			return a, true
		}
	}
	return dockerAuth{}, false
}
