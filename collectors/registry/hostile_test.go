package registry_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/collectors/registry"
)

// hostile is a registry with one repository "evil" and one tag "t", whose manifest and
// blob endpoints misbehave as manifest and blob say.
func hostile(t *testing.T, manifest, blob http.HandlerFunc) registry.Options {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
			w.WriteHeader(http.StatusOK)
		case r.URL.Path == "/v2/_catalog":
			fmt.Fprint(w, `{"repositories":["evil"]}`)
		case r.URL.Path == "/v2/evil/tags/list":
			fmt.Fprint(w, `{"name":"evil","tags":["t"]}`)
		case strings.HasPrefix(r.URL.Path, "/v2/evil/manifests/"):
			manifest(w, r)
		case strings.HasPrefix(r.URL.Path, "/v2/evil/blobs/") && blob != nil:
			blob(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return registry.Options{URL: srv.URL, CABundle: ca,
		Limits: registry.Limits{RequestTimeout: 2 * time.Second, ManifestBytes: 64 << 10, BlobBytes: 64 << 10}}
}

func digestOf(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

const ociManifest = "application/vnd.oci.image.manifest.v1+json"

// headThen answers HEAD with a digest, and GET with get.
func headThen(digest string, get http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Type", ociManifest)
			w.Header().Set("Docker-Content-Digest", digest)
			w.Header().Set("Content-Length", "100")
			return
		}
		get(w, r)
	}
}

func TestHostileRegistriesAreBoundedWithClearErrors(t *testing.T) {
	configJSON := []byte(`{"architecture":"amd64","os":"linux","config":{"User":"root"}}`)
	goodManifest := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[]}`,
		ociManifest, digestOf(configJSON), len(configJSON)))
	fake := digestOf([]byte("what the tag claims"))

	tests := []struct {
		name     string
		manifest http.HandlerFunc
		blob     http.HandlerFunc
		want     string
	}{
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}, nil, "more than 3 redirects"},
		{"2 GB manifest, announced", headThen(fake, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ociManifest)
			w.Header().Set("Content-Length", "2147483648")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(make([]byte, 1<<20)) // then hang up
		}), nil, "exceeds the limit"},
		{"2 GB manifest, streamed", headThen(fake, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ociManifest)
			w.WriteHeader(http.StatusOK)
			chunk := make([]byte, 32<<10)
			for i := 0; i < 2<<20/32 && r.Context().Err() == nil; i++ { // up to 2 GB, until the client hangs up
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}), nil, "exceeds the limit"},
		{"slow drip", headThen(fake, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ociManifest)
			w.WriteHeader(http.StatusOK)
			for r.Context().Err() == nil {
				_, _ = w.Write([]byte(" "))
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		}), nil, "not received within 2s"},
		{"wrong content type", headThen(fake, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>login here</html>")
		}), nil, "does not match requested digest"},
		{"manifest digest mismatch", headThen(fake, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ociManifest)
			_, _ = w.Write(goodManifest) // a valid manifest, but not the one the tag resolved to
		}), nil, "does not match requested digest"},
		{"config digest mismatch", headThen(digestOf(goodManifest), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ociManifest)
			_, _ = w.Write(goodManifest)
		}), func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(strings.Replace(string(configJSON), "root", "r00t", 1))) // same size, other bytes
		}, "config: error verifying sha256 checksum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := hostile(t, tc.manifest, tc.blob)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := registry.Collect(ctx, o)
			if ctx.Err() != nil {
				t.Fatal("the collection was not bounded by its own limits")
			}
			var msgs []string
			if err != nil {
				msgs = append(msgs, err.Error())
			}
			if res != nil {
				for _, e := range res.Errors {
					msgs = append(msgs, e.Message)
				}
			}
			all := strings.Join(msgs, " | ")
			if !strings.Contains(all, tc.want) {
				t.Fatalf("errors %q do not say %q", all, tc.want)
			}
			if res != nil && len(res.Images) > 0 {
				t.Fatalf("facts were kept from a response that failed: %+v", res.Images[0])
			}
			if res != nil && res.Bytes > 2<<20 {
				t.Fatalf("read %d bytes; the limits allow far less", res.Bytes)
			}
		})
	}
}
