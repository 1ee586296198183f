package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/palisade-dev/palisade/backend/posture"
)

const (
	maxGroups   = 256
	maxGroupLen = 256 // characters (runes); longer names are dropped, not truncated
)

// Identity is what a verified ID token says about the user.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Username      string // preferred_username
	Groups        []string
	RawIDToken    string // kept only as the id_token_hint for logout
	Expiry        time.Time
}

func unauthorized(format string, args ...any) error {
	return posture.Errorf(posture.EUNAUTHORIZED, format, args...)
}

// Finish exchanges the authorization code (with the PKCE verifier) and verifies the ID
// token it returns, including that its nonce equals wantNonce. The caller must already
// have checked the callback's state with CheckState.
func (p *Provider) Finish(ctx context.Context, code, verifier, wantNonce string) (*Identity, error) {
	if code == "" {
		return nil, unauthorized("the identity provider returned no authorization code")
	}
	if verifier == "" || wantNonce == "" {
		return nil, unauthorized("the login session is missing; start the login again")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.tokenClient)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, exchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, unauthorized("the identity provider returned no ID token")
	}
	idt, id, err := p.verify(ctx, raw, wantNonce)
	if err != nil {
		return nil, err
	}
	// at_hash is optional for the code flow, but when present it must bind the access token.
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, posture.WrapError(posture.EUNAUTHORIZED, err, "the ID token does not match the access token (at_hash)")
		}
	}
	return id, nil
}

// exchangeError maps a failed code exchange to a user-safe error. Only the OAuth error
// code is kept: descriptions and raw bodies may echo the code or other secrets.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.ErrorCode != "":
		return unauthorized("the identity provider rejected the login: %s", safeCode(re.ErrorCode))
	case errors.As(err, &re) && re.Response != nil:
		return unauthorized("the identity provider rejected the login (HTTP %d)", re.Response.StatusCode)
	case errors.Is(err, errResponseTooLarge):
		return posture.WrapError(posture.EUNAUTHORIZED, errResponseTooLarge, "the identity provider's token response is too large")
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return posture.WrapError(posture.EUNAUTHORIZED, err, "the identity provider did not answer in time")
	default:
		// Transport and parse errors; their text may include response bytes, so drop it.
		return unauthorized("the token exchange with the identity provider failed")
	}
}

// safeCode keeps an OAuth error code only if it looks like one (RFC 6749 §5.2 allows
// printable ASCII; we are stricter), so a hostile provider cannot inject arbitrary text.
func safeCode(code string) string {
	if len(code) > 64 {
		return "unknown_error"
	}
	for _, r := range code {
		if !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "unknown_error"
		}
	}
	return code
}

// Verify checks a raw ID token: an allowed asymmetric algorithm, the signature against
// the provider's JWKS, issuer, audience (and azp), expiry, and that its nonce equals
// wantNonce.
func (p *Provider) Verify(ctx context.Context, rawIDToken, wantNonce string) (*Identity, error) {
	_, id, err := p.verify(ctx, rawIDToken, wantNonce)
	return id, err
}

func (p *Provider) verify(ctx context.Context, raw, wantNonce string) (*gooidc.IDToken, *Identity, error) {
	if raw == "" {
		return nil, nil, unauthorized("the ID token is missing")
	}
	if len(raw) > MaxTokenResponse {
		return nil, nil, unauthorized("the ID token is too large")
	}
	if wantNonce == "" {
		return nil, nil, unauthorized("the login session has no nonce; start the login again")
	}
	// go-oidc enforces the algorithm list too; checking first gives a precise message.
	if err := p.checkAlg(raw); err != nil {
		return nil, nil, err
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, nil, verifyError(err)
	}
	if idt.Nonce == "" {
		return nil, nil, unauthorized("the ID token has no nonce")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(wantNonce)) != 1 {
		return nil, nil, unauthorized("the ID token nonce does not match this login")
	}
	if idt.Subject == "" {
		return nil, nil, unauthorized("the ID token has no subject")
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return nil, nil, posture.WrapError(posture.EUNAUTHORIZED, err, "the ID token claims are malformed")
	}
	// With several audiences, azp must name us (OIDC Core §3.1.3.7 items 4-5).
	azp := claimString(claims, "azp")
	if (len(idt.Audience) > 1 || azp != "") && azp != p.cfg.ClientID {
		return nil, nil, unauthorized("the ID token was issued for a different client")
	}
	return idt, &Identity{
		Issuer:        idt.Issuer,
		Subject:       idt.Subject,
		Email:         claimString(claims, "email"),
		EmailVerified: claimBool(claims, "email_verified"),
		Name:          claimString(claims, "name"),
		Username:      claimString(claims, "preferred_username"),
		Groups:        parseGroups(claims[p.groupsClaim]),
		RawIDToken:    raw,
		Expiry:        idt.Expiry,
	}, nil
}

// checkAlg rejects tokens whose JOSE header names an algorithm outside p.algs.
func (p *Provider) checkAlg(raw string) error {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return unauthorized("the ID token is malformed")
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return unauthorized("the ID token is malformed")
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return unauthorized("the ID token is malformed")
	}
	if !slices.Contains(p.algs, h.Alg) {
		return unauthorized("the ID token is signed with an algorithm that is not allowed")
	}
	return nil
}

// verifyError maps go-oidc's errors (plain strings apart from expiry) to messages; the
// tests pin each branch, so a wording change upstream shows up as a failing test.
func verifyError(err error) error {
	var expired *gooidc.TokenExpiredError
	msg := err.Error()
	var m string
	switch {
	case errors.As(err, &expired):
		m = "the ID token has expired"
	case strings.Contains(msg, "fetching keys"):
		m = "the identity provider's signing keys could not be fetched"
	case strings.Contains(msg, "failed to verify signature"):
		m = "the ID token signature is invalid"
	case strings.Contains(msg, "issued by a different provider"):
		m = "the ID token was issued by a different provider"
	case strings.Contains(msg, "expected audience"):
		m = "the ID token was issued for a different client"
	case strings.Contains(msg, "nbf"):
		m = "the ID token is not valid yet"
	case strings.Contains(msg, "malformed jwt"), strings.Contains(msg, "not signed"),
		strings.Contains(msg, "multiple signatures"):
		m = "the ID token is malformed"
	default:
		m = "the ID token is invalid"
	}
	return posture.WrapError(posture.EUNAUTHORIZED, err, "%s", m)
}

func claimString(claims map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := claims[name]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// claimBool accepts true and "true": some providers send email_verified as a string.
func claimBool(claims map[string]json.RawMessage, name string) bool {
	raw, ok := claims[name]
	if !ok {
		return false
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	return claimString(claims, name) == "true"
}

// parseGroups accepts an array of strings or a single string. Non-string entries, empty
// names and names over maxGroupLen are dropped; at most maxGroups are kept.
func parseGroups(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if validGroup(one) {
			return []string{one}
		}
		return nil
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	var groups []string
	for _, item := range many {
		var g string
		if json.Unmarshal(item, &g) != nil || !validGroup(g) {
			continue
		}
		groups = append(groups, g)
		if len(groups) == maxGroups {
			break
		}
	}
	return groups
}

func validGroup(g string) bool {
	return g != "" && utf8.RuneCountInString(g) <= maxGroupLen
}
