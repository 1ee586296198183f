package advisories

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// DefaultFeedBase is where osv.dev exports each ecosystem: <base>/<Ecosystem>/all.zip.
const DefaultFeedBase = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultMaxFeedBytes bounds one downloaded archive when Fetch is given no bound.
const DefaultMaxFeedBytes = 2 << 30

// maxRedirects is how many redirects Fetch follows (a bucket or mirror may redirect once
// or twice; a loop must end).
const maxRedirects = 3

// FeedSource is where one ecosystem's OSV archive comes from: osv.dev (URL and File empty),
// a mirror with osv.dev's layout (URL is its base; a URL whose path ends in ".zip" is the
// archive itself), or a local file for air-gapped sites (File).
type FeedSource struct {
	Ecosystem string `json:"ecosystem"` // OSV ecosystem of the export: "Debian", "Alpine", "Go", "npm"
	URL       string `json:"url,omitempty"`
	File      string `json:"file,omitempty"`
}

// FetchState is what a previous Fetch saw, for a conditional download next time.
type FetchState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"lastModified,omitempty"`
	Size         int64     `json:"size,omitempty"`
	ModTime      time.Time `json:"modTime,omitzero"` // a local file's
}

// Fetched is the outcome of Fetch.
type Fetched struct {
	// NotModified: the archive is unchanged since prev; Path is empty.
	NotModified bool
	// Path is the archive on disk: a temporary file the caller removes (Temporary), or the
	// source's local file, which must be left alone.
	Path         string
	Temporary    bool
	ETag         string
	LastModified string
	Size         int64
	ModTime      time.Time
}

// State is what to pass as prev to the next Fetch.
func (f *Fetched) State() FetchState {
	return FetchState{ETag: f.ETag, LastModified: f.LastModified, Size: f.Size, ModTime: f.ModTime}
}

// Remove deletes a downloaded archive; a source's own file is kept.
func (f *Fetched) Remove() error {
	if !f.Temporary || f.Path == "" {
		return nil
	}
	return os.Remove(f.Path)
}

// FeedURL is the URL of src's archive (src.File unset).
func FeedURL(src FeedSource) (*url.URL, error) {
	base := src.URL
	if base == "" {
		base = DefaultFeedBase
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, posture.Errorf(posture.EINVALID, "OSV feed %s: the URL must be an absolute http or https URL", src.Ecosystem)
	}
	if strings.HasSuffix(strings.ToLower(u.Path), ".zip") {
		return u, nil
	}
	// JoinPath takes escaped elements: the ecosystem ("GitHub Actions") is escaped here.
	return u.JoinPath(url.PathEscape(src.Ecosystem), "all.zip"), nil
}

// Fetch gets src's archive. A download goes to a temporary file in dir (never memory),
// conditional on prev's ETag and Last-Modified (304 gives NotModified); more than maxBytes
// (DefaultMaxFeedBytes when <= 0), announced or counted, is refused; at most 3 redirects,
// to http or https only, are followed; ctx bounds the time. A local file is used in place
// and is NotModified when its size and modification time equal prev's. Errors name the
// ecosystem and the host, never a URL's credentials.
func Fetch(ctx context.Context, client *http.Client, src FeedSource, prev FetchState, dir string, maxBytes int64) (*Fetched, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxFeedBytes
	}
	if strings.TrimSpace(src.Ecosystem) == "" {
		return nil, posture.Errorf(posture.EINVALID, "OSV feed source has no ecosystem")
	}
	if src.File != "" && src.URL != "" {
		return nil, posture.Errorf(posture.EINVALID, "OSV feed %s: set a URL or a file, not both", src.Ecosystem)
	}
	if src.File != "" {
		return fetchFile(src, prev, maxBytes)
	}
	u, err := FeedURL(src)
	if err != nil {
		return nil, err
	}
	return fetchHTTP(ctx, limitRedirects(client), src.Ecosystem, u, prev, dir, maxBytes)
}

func fetchFile(src FeedSource, prev FetchState, maxBytes int64) (*Fetched, error) {
	fi, err := os.Stat(src.File)
	switch {
	case err != nil:
		return nil, posture.Errorf(posture.EINVALID, "OSV feed %s: file %s cannot be read: %v", src.Ecosystem, src.File, cause(err))
	case !fi.Mode().IsRegular():
		return nil, posture.Errorf(posture.EINVALID, "OSV feed %s: %s is not a regular file", src.Ecosystem, src.File)
	case fi.Size() > maxBytes:
		return nil, posture.Errorf(posture.EINVALID, "OSV feed %s: file %s is %d bytes, over the limit of %d", src.Ecosystem, src.File, fi.Size(), maxBytes)
	}
	// Compared to the microsecond: databases keep no finer time than that.
	if !prev.ModTime.IsZero() && prev.Size == fi.Size() && prev.ModTime.Truncate(time.Microsecond).Equal(fi.ModTime().Truncate(time.Microsecond)) {
		return &Fetched{NotModified: true, Size: prev.Size, ModTime: prev.ModTime}, nil
	}
	f, err := os.Open(src.File)
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "OSV feed %s: file %s cannot be opened: %v", src.Ecosystem, src.File, cause(err))
	}
	f.Close()
	return &Fetched{Path: src.File, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// limitRedirects copies client (http.DefaultClient's settings when nil) with a redirect
// policy: at most maxRedirects, to http or https, never from https down to http.
func limitRedirects(client *http.Client) *http.Client {
	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		switch {
		case len(via) > maxRedirects:
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		case req.URL.Scheme != "http" && req.URL.Scheme != "https":
			return fmt.Errorf("redirect to a %q URL refused", req.URL.Scheme)
		case via[0].URL.Scheme == "https" && req.URL.Scheme == "http":
			return fmt.Errorf("redirect from https to http (%s) refused", req.URL.Host)
		}
		return nil
	}
	return &c
}

func fetchHTTP(ctx context.Context, client *http.Client, eco string, u *url.URL, prev FetchState, dir string, maxBytes int64) (*Fetched, error) {
	feedErr := func(code string, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("OSV feed %s from %s: %w", eco, u.Host, ctxErr)
		}
		return posture.Errorf(code, "OSV feed %s from %s: %s", eco, u.Host, scrubCredentials(err, u))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, feedErr(posture.EINVALID, err)
	}
	req.Header.Set("User-Agent", "palisade-advisories")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, feedErr(posture.EUNAVAILABLE, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &Fetched{NotModified: true, ETag: prev.ETag, LastModified: prev.LastModified, Size: prev.Size}, nil
	case resp.StatusCode != http.StatusOK:
		return nil, feedErr(posture.EUNAVAILABLE, fmt.Errorf("HTTP %s", resp.Status))
	case resp.ContentLength > maxBytes:
		return nil, feedErr(posture.EINVALID, fmt.Errorf("the archive is %d bytes, over the limit of %d", resp.ContentLength, maxBytes))
	}
	path, size, err := download(resp.Body, dir, maxBytes)
	if err != nil {
		return nil, feedErr(posture.EINVALID, err)
	}
	return &Fetched{Path: path, Temporary: true, Size: size,
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, nil
}

// download copies body into a new temporary file in dir, refusing more than maxBytes.
func download(body io.Reader, dir string, maxBytes int64) (path string, size int64, err error) {
	f, err := os.CreateTemp(dir, "osv-feed-*.zip")
	if err != nil {
		return "", 0, fmt.Errorf("cannot create a temporary file: %v", cause(err))
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("cannot write the temporary file: %v", cerr)
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	size, err = io.Copy(f, io.LimitReader(body, maxBytes+1))
	switch {
	case err != nil:
		return "", 0, fmt.Errorf("download failed: %v", err)
	case size > maxBytes:
		return "", 0, fmt.Errorf("the archive is larger than the limit of %d bytes", maxBytes)
	}
	return f.Name(), size, nil
}

// cause is the inner error of an *os.PathError ("no such file or directory"), the path
// being said by the caller.
func cause(err error) error {
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}

// userinfoInURL finds the credentials part of any URL in a message.
var userinfoInURL = regexp.MustCompile(`//[^/?#@\s]*@`)

// scrubCredentials is err's message without u's credentials or any URL's userinfo: the
// errors net/http returns quote the URL, and users see these messages.
func scrubCredentials(err error, u *url.URL) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the operation and URL are said by the caller
	}
	msg := err.Error()
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "***")
		}
		if s := u.User.String(); s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return userinfoInURL.ReplaceAllString(msg, "//")
}
