package webui

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHandlerServesAssetsAndClientRoutes(t *testing.T) {
	assets := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><div id=root></div>")},
		"assets/app-abc123.js": {Data: []byte("console.log(1)")},
		"favicon.svg":          {Data: []byte("<svg/>")},
	}
	h := Handler(assets)
	cases := []struct {
		path, cache, body string
		code              int
	}{
		{"/", "no-cache", "id=root", 200},
		{"/t/acme/findings?severity=high", "no-cache", "id=root", 200},
		{"/assets/app-abc123.js", "immutable", "console.log", 200},
		{"/favicon.svg", "max-age=3600", "<svg", 200},
		{"/assets/missing-1.js", "", "not found", 404},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", c.path, nil))
		if w.Code != c.code || !strings.Contains(w.Header().Get("Cache-Control"), c.cache) || !strings.Contains(w.Body.String(), c.body) {
			t.Errorf("%s: %d, Cache-Control %q, body %.40q", c.path, w.Code, w.Header().Get("Cache-Control"), w.Body.String())
		}
	}
}

func TestHandlerWithoutUI(t *testing.T) {
	w := httptest.NewRecorder()
	Handler(nil).ServeHTTP(w, httptest.NewRequest("GET", "/t/acme", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "make build") {
		t.Fatalf("no UI: %d %s", w.Code, w.Body.String())
	}
}
