package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// imageFixture is a TLS registry with a signed and an unsigned image of team/app, a trust
// policy that trusts the signing key, and the registry's CA, as files.
type imageFixture struct {
	srv              *rt.Server
	signed, unsigned string // tag references
	signedDigest     string
	unsignedDigest   string
	policy, ca, dir  string
}

// cleanImage passes every image check but the signature (and provenance, medium): a
// non-root user, a version label, built yesterday, no secret in its environment.
func cleanImage(t *testing.T, version string) rt.Spec {
	return rt.Spec{User: "10001", Labels: map[string]string{imagefacts.LabelVersion: version},
		Created: time.Now().Add(-24 * time.Hour), Env: []string{"PATH=/usr/bin", "APP_MODE=production"}}
}

func newImageFixture(t *testing.T) *imageFixture {
	t.Helper()
	return seedImages(t, rt.InProcess(t, nil))
}

func seedImages(t *testing.T, srv *rt.Server) *imageFixture {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &imageFixture{srv: srv, dir: t.TempDir()}
	f.signedDigest = srv.Pusher.Push(t, "team/app:1.4", rt.Image(t, cleanImage(t, "1.4")))
	srv.Pusher.SignCosign(t, "team/app", f.signedDigest, key)
	f.unsignedDigest = srv.Pusher.Push(t, "team/app:1.5", rt.Image(t, cleanImage(t, "1.5")))
	f.signed, f.unsigned = srv.Host+"/team/app:1.4", srv.Host+"/team/app:1.5"
	policy, err := json.Marshal(imagetrust.Policy{Rules: []imagetrust.Rule{{Name: "team", Images: []string{srv.Host + "/team/*"},
		Keys: []imagetrust.Key{{Name: "release", PEM: rt.PublicKeyPEM(t, key)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.policy = f.write(t, "trust.json", policy)
	if srv.CAPEM != nil {
		f.ca = f.write(t, "ca.pem", srv.CAPEM)
	}
	return f
}

func (f *imageFixture) write(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// trusted is the flags that read the fixture's registry and judge with its policy.
func (f *imageFixture) trusted(args ...string) []string {
	return append([]string{"scan", "--trust-policy", f.policy, "--registry-ca", f.ca}, args...)
}

func decodeReport(t *testing.T, r result) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("scan JSON (exit %d): %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	return out
}

// The "done when": a signed image passes --fail-on high, an unsigned one fails it
// and the report names image.signature-trusted, in JSON and SARIF, about the image.
func TestScanImageSignedPassesUnsignedFails(t *testing.T) {
	f := newImageFixture(t)

	r := palisade(t, nil, f.trusted("--image", f.signed, "--fail-on", "high")...)
	if r.code != 0 {
		t.Fatalf("signed image: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "signed by release") || !strings.Contains(r.stderr, "scanned 1 image(s)") {
		t.Errorf("progress lines: %s", r.stderr)
	}
	// By digest too, and the digest is the one pushed.
	r = palisade(t, nil, f.trusted("--image", f.srv.Host+"/team/app@"+f.signedDigest, "--fail-on", "high", "-o", "json")...)
	out := decodeReport(t, r)
	if r.code != 0 || len(findingsOf(out, "image.signature-trusted")) != 0 {
		t.Fatalf("signed image by digest: exit %d, findings %v\n%s", r.code, out["findings"], r.stderr)
	}
	// Provenance is judged (and missing: medium, under the gate).
	if fs := findingsOf(out, "image.provenance"); len(fs) != 1 || fs[0]["severity"] != "medium" {
		t.Errorf("provenance findings %v", fs)
	}

	r = palisade(t, nil, f.trusted("--image", f.unsigned, "--fail-on", "high", "-o", "json", "-q")...)
	if r.code != 1 {
		t.Fatalf("unsigned image: exit %d, want 1\n%s", r.code, r.stderr)
	}
	out = decodeReport(t, r)
	sig := findingsOf(out, "image.signature-trusted")
	if len(sig) != 1 || sig[0]["severity"] != "high" || !strings.Contains(sig[0]["message"].(string), "rule team") {
		t.Fatalf("signature findings %v", sig)
	}
	res := sig[0]["resource"].(map[string]any)
	if res["kind"] != "Image" || res["name"] != f.srv.Host+"/team/app@"+f.unsignedDigest {
		t.Errorf("finding resource %v", res)
	}
	for _, ch := range []string{"image.config-root-user", "image.version-label", "image.too-old", "image.secret-in-config", "registry.insecure-transport"} {
		if fs := findingsOf(out, ch); len(fs) != 0 {
			t.Errorf("the clean image fails %s: %v", ch, fs)
		}
	}

	r = palisade(t, nil, f.trusted("--image", f.unsigned, "--fail-on", "high", "-o", "sarif", "-q")...)
	if r.code != 1 || !strings.Contains(r.stdout, `"ruleId": "image.signature-trusted"`) ||
		!strings.Contains(r.stdout, `"fullyQualifiedName": "Image/`+f.srv.Host+"/team/app@"+f.unsignedDigest+`"`) {
		t.Fatalf("SARIF (exit %d):\n%.3000s", r.code, r.stdout)
	}

	// Without a trust policy the signature is not judged: not applicable, no finding.
	r = palisade(t, nil, "scan", "--registry-ca", f.ca, "--image", f.unsigned, "--fail-on", "high", "-o", "json")
	out = decodeReport(t, r)
	if r.code != 0 || len(findingsOf(out, "image.signature-trusted")) != 0 || len(findingsOf(out, "image.provenance")) != 0 ||
		!strings.Contains(r.stderr, "signatures not judged") {
		t.Fatalf("no policy: exit %d, findings %v\n%s", r.code, out["findings"], r.stderr)
	}
	// Both images at once: one registry in the report, each image judged.
	r = palisade(t, nil, f.trusted("--image", f.signed, "--image", f.unsigned, "-o", "json", "-q")...)
	out = decodeReport(t, r)
	if r.code != 0 || len(findingsOf(out, "image.signature-trusted")) != 1 || len(findingsOf(out, "image.provenance")) != 2 {
		t.Fatalf("two images: exit %d, findings %v", r.code, out["findings"])
	}
}

// Manifests and images go into one report and one --fail-on gate.
func TestScanImageBesidePath(t *testing.T) {
	f := newImageFixture(t)
	r := palisade(t, nil, f.trusted("-p", good, "--image", f.signed, "--fail-on", "high")...)
	if r.code != 0 || !strings.Contains(r.stderr, "object(s)") || !strings.Contains(r.stderr, "and 1 image(s)") {
		t.Fatalf("clean manifests and signed image: exit %d\n%s", r.code, r.stderr)
	}
	// The image alone fails the gate of a clean manifests scan.
	if r := palisade(t, nil, f.trusted("-p", good, "--image", f.unsigned, "--fail-on", "high", "-q")...); r.code != 1 {
		t.Fatalf("clean manifests and unsigned image: exit %d, want 1\n%s", r.code, r.stderr)
	}
	r = palisade(t, nil, f.trusted("-p", bad, "--image", f.unsigned, "-o", "json", "-q")...)
	out := decodeReport(t, r)
	if len(findingsOf(out, "k8s.privileged-container")) == 0 || len(findingsOf(out, "image.signature-trusted")) != 1 {
		t.Fatalf("one report holds both: %v", out["findings"])
	}
	// Worst first across both: the critical manifest finding precedes the image's.
	fs := out["findings"].([]any)
	if fs[0].(map[string]any)["severity"] != "critical" {
		t.Errorf("first finding %v", fs[0])
	}
	// A manifest error and an image error are both listed, exit 2.
	r = palisade(t, nil, f.trusted("-p", good, "-p", broken, "--image", f.srv.Host+"/team/app:nope", "-o", "json", "-q")...)
	out = decodeReport(t, r)
	if r.code != 2 || len(out["errors"].([]any)) != 2 {
		t.Fatalf("two errors: exit %d, errors %v", r.code, out["errors"])
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Every image that cannot be read is an error that names it and says why (exit 2, in the
// report); wrong flags are usage errors before anything is read.
func TestScanImageErrors(t *testing.T) {
	f := newImageFixture(t)
	notPEM := f.write(t, "not.pem", []byte("hello"))
	badPolicy := f.write(t, "bad.json", []byte(`{"rules": [{"name": "x", "images": ["*/*"]}]}`))
	missing := f.srv.Host + "/team/app:9.9"
	nowhere := closedPort(t) + "/team/app:1.0"
	cases := []struct {
		name string
		args []string
		code int
		want []string // in stderr
	}{
		{"bad reference", []string{"scan", "--image", "Team/App:has spaces"}, 2, []string{`--image "Team/App:has spaces" is not an image reference`}},
		{"bad digest", []string{"scan", "--image", f.srv.Host + "/team/app@sha256:1234"}, 2, []string{"is not an image reference"}},
		{"missing tag", f.trusted("--image", missing), 2, []string{"image " + missing + " could not be read", "HTTP 404"}},
		{"unreachable registry", []string{"scan", "--image", nowhere}, 2, []string{"image " + nowhere + " could not be read", "connection refused"}},
		{"unknown CA", []string{"scan", "--image", f.signed}, 2, []string{"image " + f.signed + " could not be read", "unknown authority", "--registry-ca"}},
		{"HTTPS registry asked for HTTP", []string{"scan", "--image", "http://" + f.signed}, 2, []string{"could not be read"}},
		{"policy without image", []string{"scan", "-p", good, "--trust-policy", f.policy}, 2, []string{"--trust-policy needs --image"}},
		{"invalid policy", []string{"scan", "--image", f.signed, "--trust-policy", badPolicy}, 2, []string{"--trust-policy " + badPolicy}},
		{"CA bundle without PEM", []string{"scan", "--image", f.signed, "--registry-ca", notPEM}, 2, []string{"holds no PEM certificate"}},
		{"image and cluster", []string{"scan", "--image", f.signed, "--kubeconfig", "x"}, 2, []string{"cannot be combined"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := palisade(t, nil, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
	// The report is still written, with the error naming the image; the readable image
	// beside it is judged.
	r := palisade(t, nil, f.trusted("--image", missing, "--image", f.unsigned, "-o", "json", "-q")...)
	out := decodeReport(t, r)
	errs := out["errors"].([]any)
	if r.code != 2 || len(errs) != 1 || errs[0].(map[string]any)["source"] != "image "+missing ||
		len(findingsOf(out, "image.signature-trusted")) != 1 {
		t.Fatalf("exit %d, errors %v, findings %v", r.code, errs, out["findings"])
	}
}

// Plain HTTP only when asked for, and then the registry is a finding.
func TestScanImagePlainHTTPOnlyWhenAsked(t *testing.T) {
	srv := rt.InProcessHTTP(t)
	srv.Pusher.Push(t, "team/app:1.0", rt.Image(t, cleanImage(t, "1.0")))
	ref := srv.Host + "/team/app:1.0"
	if r := palisade(t, nil, "scan", "--image", ref, "-q"); r.code != 2 || !strings.Contains(r.stderr, "--insecure-registry") {
		t.Fatalf("HTTP registry read as HTTPS: exit %d\n%s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"--image", "http://" + ref}, {"--insecure-registry", "--image", ref}} {
		r := palisade(t, nil, append([]string{"scan", "-o", "json", "-q", "--fail-on", "high"}, args...)...)
		out := decodeReport(t, r)
		fs := findingsOf(out, "registry.insecure-transport")
		if r.code != 1 || len(fs) != 1 || fs[0]["resource"].(map[string]any)["name"] != srv.Host {
			t.Fatalf("%v: exit %d, findings %v\n%s", args, r.code, out["findings"], r.stderr)
		}
	}
}

// Registry credentials from the environment or a Docker config sign in, and appear in no
// output, in any format, whether they work or not.
func TestScanImageCredentialsNeverPrinted(t *testing.T) {
	const user, pass = "ci-bot", "s3cret-Pa55-word"
	srv := rt.InProcess(t, rt.BasicAuth(user, pass))
	srv.Pusher.Auth = &authn.Basic{Username: user, Password: pass}
	f := seedImages(t, srv)
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	dockerConfig := f.write(t, "config.json", []byte(`{"auths": {"https://`+f.srv.Host+`": {"auth": "`+auth+`"}}}`))
	wrongConfig := f.write(t, "wrong.json", []byte(`{"auths": {"`+f.srv.Host+`": {"auth": "`+
		base64.StdEncoding.EncodeToString([]byte(user+":wrong-"+pass))+`"}}}`))
	otherConfig := f.write(t, "other.json", []byte(`{"auths": {"registry.example.com": {"auth": "`+auth+`"}}}`))
	basic := []string{"PALISADE_REGISTRY_USERNAME=" + user, "PALISADE_REGISTRY_PASSWORD=" + pass}
	secrets := []string{pass, auth, "tok-" + pass}
	check := func(t *testing.T, r result) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Fatalf("output holds a credential:\n%s\n%s", r.stdout, r.stderr)
			}
		}
	}
	cases := []struct {
		name string
		vars []string
		args []string
		code int
		want string // in stderr
	}{
		{"anonymous", nil, nil, 2, "HTTP 401"},
		{"user and password", basic, nil, 0, "signed by release"},
		{"wrong password", []string{"PALISADE_REGISTRY_USERNAME=" + user, "PALISADE_REGISTRY_PASSWORD=wrong-" + pass}, nil, 2, "PALISADE_REGISTRY_PASSWORD"},
		{"token", []string{"PALISADE_REGISTRY_TOKEN=tok-" + pass}, nil, 2, "HTTP 401"},
		{"docker config", nil, []string{"--docker-config", dockerConfig}, 0, "signed by release"},
		{"wrong docker config", nil, []string{"--docker-config", wrongConfig}, 2, "HTTP 401"},
		// No entry for the registry: read anonymously, as docker pull would, and refused.
		{"docker config for another registry", nil, []string{"--docker-config", otherConfig}, 2, "HTTP 401"},
		{"two sources of credentials", basic, []string{"--docker-config", dockerConfig}, 2, "give registry credentials once"},
		{"password without user", []string{"PALISADE_REGISTRY_PASSWORD=" + pass}, nil, 2, "go together"},
		{"environment credentials for two registries", basic, []string{"--image", "registry.example.com/team/app:1.0"}, 2, "for one registry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, format := range []string{"table", "json", "sarif", "csv"} {
				r := palisade(t, tc.vars, append(f.trusted("--image", f.signed, "-o", format), tc.args...)...)
				check(t, r)
				if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
					t.Fatalf("%s: exit %d, want %d; stderr lacks %q?\n%s", format, r.code, tc.code, tc.want, r.stderr)
				}
			}
		})
	}
}

func TestParseImageRef(t *testing.T) {
	const d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cases := []struct {
		in, host, repo, tag, scheme string
		insecure                    bool // --insecure-registry
		digest                      bool
	}{
		{in: "registry.example.com/team/app:1.4", host: "registry.example.com", repo: "team/app", tag: "1.4", scheme: "https"},
		{in: "registry.example.com:5000/team/app@" + d, host: "registry.example.com:5000", repo: "team/app", scheme: "https", digest: true},
		{in: "registry.example.com/team/app:1.4@" + d, host: "registry.example.com", repo: "team/app", tag: "1.4", scheme: "https", digest: true},
		{in: "http://10.0.0.5:5000/app:1", host: "10.0.0.5:5000", repo: "app", tag: "1", scheme: "http"},
		{in: "https://127.0.0.1:5000/app:1", host: "127.0.0.1:5000", repo: "app", tag: "1", scheme: "https"},
		{in: "127.0.0.1:5000/app:1", host: "127.0.0.1:5000", repo: "app", tag: "1", scheme: "http", insecure: true},
		{in: "nginx", host: "index.docker.io", repo: "library/nginx", tag: "latest", scheme: "https"},
	}
	for _, tc := range cases {
		r, err := parseImageRef(tc.in, tc.insecure)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		_, isDigest := r.ref.(interface{ DigestStr() string })
		if r.host() != tc.host || r.ref.Context().RepositoryStr() != tc.repo || r.tag != tc.tag || r.scheme() != tc.scheme || isDigest != tc.digest {
			t.Errorf("%s: host %s repo %s tag %q scheme %s digest %v", tc.in, r.host(), r.ref.Context().RepositoryStr(), r.tag, r.scheme(), isDigest)
		}
	}
	for _, bad := range []string{"", "http://", "UPPER/case:1", "registry.example.com/app@sha256:12", "https://registry.example.com/app:1"} {
		if _, err := parseImageRef(bad, bad == "https://registry.example.com/app:1"); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
