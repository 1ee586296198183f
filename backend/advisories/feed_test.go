package advisories

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// osvServer serves archive as <Ecosystem>/all.zip with an ETag, answering conditional
// requests with 304.
func osvServer(t *testing.T, archive []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	const etag = `"v1"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.EscapedPath() != "/Debian/all.zip" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT")
		w.Write(archive)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestFetchDownloadsThenNotModified(t *testing.T) {
	archive := buildZip(t, zipEntry{name: "DSA-1.json", body: osvJSON("DSA-1", 1)})
	srv, _ := osvServer(t, archive)
	dir := t.TempDir()
	src := FeedSource{Ecosystem: "Debian", URL: srv.URL}
	got, err := Fetch(context.Background(), srv.Client(), src, FetchState{}, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.NotModified || !got.Temporary || filepath.Dir(got.Path) != dir || got.Size != int64(len(archive)) ||
		got.ETag != `"v1"` || got.LastModified != "Tue, 02 Jan 2024 03:04:05 GMT" {
		t.Fatalf("fetched = %+v", got)
	}
	f, err := os.Open(got.Path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ReadArchive(context.Background(), f, got.Size, ArchiveLimits{}, func(*Advisory) error { return nil })
	f.Close()
	if err != nil || st.Records != 1 {
		t.Fatalf("reading the download: %v %+v", err, st)
	}
	if err := got.Remove(); err != nil {
		t.Fatal(err)
	}
	again, err := Fetch(context.Background(), srv.Client(), src, got.State(), dir, 0)
	if err != nil || !again.NotModified || again.Path != "" || again.ETag != `"v1"` {
		t.Fatalf("second fetch = %+v, %v; want NotModified", again, err)
	}
	assertDirEmpty(t, dir)
}

func assertDirEmpty(t *testing.T, dir string) {
	t.Helper()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left in %s: %v", dir, left)
	}
}

func TestFetchRefusesTooLarge(t *testing.T) {
	body := bytes.Repeat([]byte("z"), 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("stream") != "" { // no Content-Length: chunked
			for i := 0; i < len(body); i += 512 {
				w.Write(body[i : i+512])
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	}))
	defer srv.Close()
	dir := t.TempDir()
	for _, tc := range []struct{ url, want string }{
		{srv.URL + "/all.zip", "the archive is 4096 bytes, over the limit of 1000"},
		{srv.URL + "/all.zip?stream=1", "larger than the limit of 1000 bytes"},
	} {
		_, err := Fetch(context.Background(), srv.Client(), FeedSource{Ecosystem: "npm", URL: tc.url}, FetchState{}, dir, 1000)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "OSV feed npm from 127.0.0.1") {
			t.Errorf("%s: error = %v, want %q", tc.url, err, tc.want)
		}
	}
	assertDirEmpty(t, dir)
}

func TestFetchRedirects(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/loop/", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/loop/all.zip", http.StatusFound)
	})
	mux.HandleFunc("/ftp/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://files.example/all.zip", http.StatusFound)
	})
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final/all.zip", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/final/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("zip")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	fetch := func(path string) (*Fetched, error) {
		return Fetch(context.Background(), nil, FeedSource{Ecosystem: "Go", URL: srv.URL + path}, FetchState{}, dir, 0)
	}
	if _, err := fetch("/loop/all.zip"); err == nil || !strings.Contains(err.Error(), "stopped after 3 redirects") || hits.Load() != 4 {
		t.Errorf("loop: error = %v after %d requests, want a stop after the 3rd redirect", err, hits.Load())
	}
	if _, err := fetch("/ftp/all.zip"); err == nil || !strings.Contains(err.Error(), `"ftp" URL refused`) {
		t.Errorf("ftp redirect: error = %v", err)
	}
	got, err := fetch("/hop/all.zip")
	if err != nil || got.Size != 3 {
		t.Fatalf("one redirect: %+v %v", got, err)
	}
	got.Remove()
	assertDirEmpty(t, dir)
}

func TestFetchErrorsHideCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			t.Errorf("mirror credentials not sent: %q %q", u, p)
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	defer srv.Close()
	for _, base := range []string{srv.URL, closedURL} {
		u := strings.Replace(base, "http://", "http://alice:s3cret@", 1)
		_, err := Fetch(context.Background(), nil, FeedSource{Ecosystem: "PyPI", URL: u}, FetchState{}, t.TempDir(), 0)
		if err == nil {
			t.Fatalf("%s: no error", base)
		}
		msg := err.Error()
		if strings.Contains(msg, "s3cret") || strings.Contains(msg, "alice") || !strings.Contains(msg, "OSV feed PyPI from 127.0.0.1:") {
			t.Errorf("error message %q leaks credentials or misses the host", msg)
		}
	}
}

func TestFetchLocalFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "Alpine-all.zip")
	if err := os.WriteFile(file, buildZip(t, zipEntry{name: "ALPINE-CVE-2024-1.json", body: osvJSON("ALPINE-CVE-2024-1", 1)}), 0o600); err != nil {
		t.Fatal(err)
	}
	src := FeedSource{Ecosystem: "Alpine", File: file}
	got, err := Fetch(context.Background(), nil, src, FetchState{}, "", 0)
	if err != nil || got.Path != file || got.Temporary || got.NotModified || got.Size == 0 {
		t.Fatalf("fetched = %+v, %v", got, err)
	}
	if err := got.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("Remove deleted the source's own file: %v", err)
	}
	again, err := Fetch(context.Background(), nil, src, got.State(), "", 0)
	if err != nil || !again.NotModified {
		t.Fatalf("unchanged file: %+v %v", again, err)
	}
	later := got.ModTime.Add(time.Minute)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	if changed, err := Fetch(context.Background(), nil, src, got.State(), "", 0); err != nil || changed.NotModified {
		t.Fatalf("touched file: %+v %v", changed, err)
	}
	if _, err := Fetch(context.Background(), nil, src, FetchState{}, "", 10); err == nil || !strings.Contains(err.Error(), "over the limit of 10") {
		t.Errorf("too large file: %v", err)
	}
	if _, err := Fetch(context.Background(), nil, FeedSource{Ecosystem: "Alpine", File: filepath.Join(dir, "missing.zip")}, FetchState{}, "", 0); err == nil {
		t.Error("missing file accepted")
	}
}

func TestFeedURL(t *testing.T) {
	for _, tc := range []struct {
		src       FeedSource
		want, err string
	}{
		{FeedSource{Ecosystem: "Debian"}, "https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip", ""},
		{FeedSource{Ecosystem: "GitHub Actions"}, "https://osv-vulnerabilities.storage.googleapis.com/GitHub%20Actions/all.zip", ""},
		{FeedSource{Ecosystem: "crates.io", URL: "https://mirror.internal/osv/"}, "https://mirror.internal/osv/crates.io/all.zip", ""},
		{FeedSource{Ecosystem: "Go", URL: "https://mirror.internal/feeds/go-latest.zip"}, "https://mirror.internal/feeds/go-latest.zip", ""},
		{FeedSource{Ecosystem: "Go", URL: "ftp://mirror.internal/"}, "", "absolute http or https"},
		{FeedSource{Ecosystem: "Go", URL: "mirror.internal/osv"}, "", "absolute http or https"},
	} {
		u, err := FeedURL(tc.src)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%+v: error = %v, want %q", tc.src, err, tc.err)
		case tc.err == "" && (err != nil || u.String() != tc.want):
			t.Errorf("%+v: %v %v, want %s", tc.src, u, err, tc.want)
		}
	}
	if _, err := Fetch(context.Background(), nil, FeedSource{Ecosystem: "Go", URL: "https://x", File: "/tmp/x"}, FetchState{}, "", 0); err == nil {
		t.Error("a source with both a URL and a file was accepted")
	}
	if _, err := Fetch(context.Background(), nil, FeedSource{}, FetchState{}, "", 0); err == nil {
		t.Error("a source without ecosystem was accepted")
	}
}
