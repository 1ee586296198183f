package oidc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// errResponseTooLarge is returned (wrapped in *url.Error) when a provider's response body
// exceeds its bound, so a hostile or broken provider cannot exhaust memory.
var errResponseTooLarge = errors.New("response from the identity provider is too large")

// boundedClient copies base (or a default client) with DefaultTimeout when it has none
// and a transport that refuses response bodies larger than max bytes.
func boundedClient(base *http.Client, max int64) *http.Client {
	c := &http.Client{Timeout: DefaultTimeout}
	if base != nil {
		cp := *base
		c = &cp
		if c.Timeout == 0 {
			c.Timeout = DefaultTimeout
		}
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = &limitTransport{base: rt, max: max}
	return c
}

type limitTransport struct {
	base http.RoundTripper
	max  int64
}

// RoundTrip reads the whole body (up to max) before returning, so the error surfaces
// from Client.Do with its chain intact instead of being flattened by a caller's ReadAll.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > t.max {
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", errResponseTooLarge, resp.ContentLength, t.max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > t.max {
		return nil, fmt.Errorf("%w (limit %d bytes)", errResponseTooLarge, t.max)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}
