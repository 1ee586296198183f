// Package webui embeds the built web UI (frontend/, built by `make build` into dist/) and
// serves it: hashed assets with long-lived caching, index.html for every client-side route.
package webui

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Assets returns the built UI, or nil when the binary was built without it (Go tests, or
// `go build` without `make build`).
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}

// notBuilt is served in place of the UI when the binary carries none.
const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Palisade</title></head>
<body><h1>Palisade</h1><p>This binary was built without the web UI. Build it with <code>make build</code>
(or <code>make run</code>). The API is served under <a href="/api/v1/session">/api/v1</a>.</p></body></html>`

// Handler serves files from assets; any other path that does not look like a file gets
// index.html, so that client-side routes survive a reload.
func Handler(assets fs.FS) http.Handler {
	if assets == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte(notBuilt))
		})
	}
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if _, err := fs.Stat(assets, name); err == nil {
				if strings.HasPrefix(name, "assets/") {
					// Vite puts a content hash in every asset name: cache for a year.
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					w.Header().Set("Cache-Control", "public, max-age=3600")
				}
				files.ServeHTTP(w, r)
				return
			}
			if path.Ext(name) != "" {
				http.NotFound(w, r) // a missing file, not a route
				return
			}
		}
		// index.html names the current asset hashes: never cache it.
		w.Header().Set("Cache-Control", "no-cache")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/"
		files.ServeHTTP(w, r2)
	})
}
