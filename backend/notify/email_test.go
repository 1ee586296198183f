package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

const smtpPassword = "hunter2-smtp-password"

func relayEmail(t *testing.T, r *testRelay, mod func(*EmailConfig)) *Email {
	t.Helper()
	cfg := EmailConfig{
		Host: "127.0.0.1", Port: r.port(),
		From:     "Palisade <palisade@example.com>",
		To:       []string{"secops@example.com", "Oncall <oncall@example.com>"},
		Username: "alerts", Password: smtpPassword,
		TLSConfig: &tls.Config{RootCAs: r.roots},
		Timeout:   5 * time.Second,
		Policy:    loopbackAllowed,
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := NewEmail(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// deliver sends m through a fresh STARTTLS relay and returns the session and parsed message.
func deliver(t *testing.T, m Message) (smtpSession, *mail.Message) {
	t.Helper()
	r := startRelay(t, true)
	if err := relayEmail(t, r, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	s := r.session(t)
	msg, err := mail.ReadMessage(strings.NewReader(s.Data))
	if err != nil {
		t.Fatalf("relay got an unparsable message: %v\n%s", err, s.Data)
	}
	return s, msg
}

func TestEmailSendOverStartTLS(t *testing.T) {
	m := sampleMessage()
	m.Text = "Container api runs privileged (caf\u00e9=bar).\n" + strings.Repeat("long line ", 12) + "\n.leading dot stays"
	s, msg := deliver(t, m)

	if st, au := indexOf(s.Commands, "STARTTLS"), indexOf(s.Commands, "AUTH"); st < 0 || au < 0 || st > au || !s.TLSAtAuth {
		t.Fatalf("commands %v: want STARTTLS before AUTH, and AUTH over TLS", s.Commands)
	}
	if s.AuthUser != "alerts" || s.AuthPass != smtpPassword {
		t.Errorf("AUTH PLAIN carried %q/%q", s.AuthUser, s.AuthPass)
	}
	if !strings.HasPrefix(s.MailFrom, "FROM:<palisade@example.com>") || len(s.Rcpts) != 2 || s.Rcpts[1] != "TO:<oncall@example.com>" {
		t.Errorf("envelope: MAIL %q RCPT %q", s.MailFrom, s.Rcpts)
	}
	for name, want := range map[string]string{
		"From":                      `"Palisade" <palisade@example.com>`,
		"To":                        `<secops@example.com>, "Oncall" <oncall@example.com>`,
		"Subject":                   "[HIGH] Privileged container in payments/api",
		"Message-Id":                "<palisade.evt-42@example.com>",
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
		"X-Palisade-Kind":           "drift.privileged",
	} {
		if got := msg.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if d, err := msg.Header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date = %q (%v)", msg.Header.Get("Date"), err)
	}

	raw, _ := io.ReadAll(msg.Body)
	for _, want := range []string{"caf=C3=A9=3Dbar", "=\n"} { // encoded é and '=', soft line break
		if !strings.Contains(string(raw), want) {
			t.Errorf("quoted-printable body lacks %q:\n%s", want, raw)
		}
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if len(l) > 76 {
			t.Errorf("body line longer than 76: %q", l)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(raw))))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{m.Text, "Severity: high\n", "namespace: payments\n", "Link: " + m.URL + "\n", "Time: 2026-03-01T12:00:00Z\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("decoded body lacks %q:\n%s", want, body)
		}
	}
}

func TestEmailHeaderInjectionIsNeutralised(t *testing.T) {
	m := sampleMessage()
	m.Title = "Pod restarted\r\nBcc: victim@evil.example\r\n\r\nforged body"
	m.Kind = "finding.opened\nX-Evil: 1"
	_, msg := deliver(t, m)
	if msg.Header.Get("Bcc") != "" || msg.Header.Get("X-Evil") != "" {
		t.Fatalf("injected header delivered: %v", msg.Header)
	}
	if got := msg.Header.Get("Subject"); got != "[HIGH] Pod restarted  Bcc: victim@evil.example    forged body" {
		t.Errorf("Subject = %q", got)
	}
	if err := writeHeader(new(bytes.Buffer), "Subject", "a\r\nBcc: x"); err == nil {
		t.Error("writeHeader accepted a line break")
	}
}

func TestEmailNonASCIISubject(t *testing.T) {
	m := sampleMessage()
	m.Severity = "critical"
	m.Title = "Privilegierter Container in „prod“ – Prüfung fehlgeschlagen 🚨 " + strings.Repeat("ä", 60)
	s, msg := deliver(t, m)
	rawSubject := msg.Header.Get("Subject") // unfolded by net/mail, still encoded
	if !strings.HasPrefix(rawSubject, "=?utf-8?q?") {
		t.Errorf("Subject not RFC 2047 encoded: %q", rawSubject)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(rawSubject)
	if err != nil || got != "[CRITICAL] "+m.Title {
		t.Errorf("decoded Subject = %q (%v)", got, err)
	}
	for _, l := range strings.Split(s.Data, "\n") {
		if len(l) > 998 {
			t.Errorf("line of %d bytes exceeds RFC 5322 limit", len(l))
		}
	}
}

func TestEmailFailures(t *testing.T) {
	t.Run("no STARTTLS offered: no plaintext fallback", func(t *testing.T) {
		r := startRelay(t, false)
		err := relayEmail(t, r, nil).Send(context.Background(), sampleMessage())
		if ok, _ := IsRetryable(err); ok || err == nil {
			t.Fatalf("Send = %v, want a permanent error", err)
		}
		if s := r.session(t); indexOf(s.Commands, "AUTH") >= 0 || indexOf(s.Commands, "MAIL") >= 0 {
			t.Errorf("client went on in plaintext: %v", s.Commands)
		}
		if strings.Contains(err.Error(), smtpPassword) {
			t.Errorf("error leaks the password: %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		r := startRelay(t, true)
		err := relayEmail(t, r, func(c *EmailConfig) { c.TLSConfig = nil }).Send(context.Background(), sampleMessage())
		if ok, _ := IsRetryable(err); ok || err == nil {
			t.Fatalf("Send = %v, want a permanent error", err)
		}
		if s := r.session(t); indexOf(s.Commands, "AUTH") >= 0 {
			t.Errorf("credentials sent despite failed TLS: %v", s.Commands)
		}
	})
	for _, tc := range []struct {
		code      int
		retryable bool
	}{{450, true}, {550, false}} {
		t.Run("recipient rejected "+strconv.Itoa(tc.code), func(t *testing.T) {
			r := startRelay(t, true)
			r.rcptCode = tc.code
			err := relayEmail(t, r, nil).Send(context.Background(), sampleMessage())
			var de *DeliveryError
			if !errors.As(err, &de) || de.Retryable != tc.retryable || de.Status != tc.code {
				t.Errorf("Send = %v, want status %d retryable=%v", err, tc.code, tc.retryable)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		e, err := NewEmail(EmailConfig{Host: "127.0.0.1", Port: port, From: "p@example.com", To: []string{"s@example.com"}, Policy: loopbackAllowed})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Send(context.Background(), sampleMessage()); err == nil {
			t.Fatal("Send succeeded against a closed port")
		} else if ok, _ := IsRetryable(err); !ok {
			t.Errorf("Send = %v, want retryable", err)
		}
	})
}

func TestEmailPlaintextLoopbackRelay(t *testing.T) {
	r := startRelay(t, false)
	e := relayEmail(t, r, func(c *EmailConfig) { c.DisableStartTLS, c.Username, c.Password = true, "", "" })
	if err := e.Send(context.Background(), sampleMessage()); err != nil {
		t.Fatal(err)
	}
	if s := r.session(t); indexOf(s.Commands, "STARTTLS") >= 0 || indexOf(s.Commands, "DATA") < 0 {
		t.Errorf("commands %v", s.Commands)
	}
}

func TestNewEmailValidates(t *testing.T) {
	base := EmailConfig{Host: "smtp.example.com", From: "palisade@example.com", To: []string{"secops@example.com"}, Username: "u", Password: smtpPassword}
	cases := []struct {
		name string
		mod  func(*EmailConfig)
	}{
		{"no host", func(c *EmailConfig) { c.Host = "" }},
		{"host with port", func(c *EmailConfig) { c.Host = "smtp.example.com:25" }},
		{"port out of range", func(c *EmailConfig) { c.Port = 70000 }},
		{"plaintext to a remote relay", func(c *EmailConfig) { c.DisableStartTLS, c.Username, c.Password = true, "", "" }},
		{"credentials without TLS", func(c *EmailConfig) { c.Host, c.DisableStartTLS, c.Policy = "127.0.0.1", true, loopbackAllowed }},
		{"password without username", func(c *EmailConfig) { c.Username = "" }},
		{"bad from", func(c *EmailConfig) { c.From = "not an address" }},
		{"from with CRLF", func(c *EmailConfig) { c.From = "p@example.com\r\nBcc: x@evil.example" }},
		{"no recipients", func(c *EmailConfig) { c.To = nil }},
		{"bad recipient", func(c *EmailConfig) { c.To = []string{"secops@example.com", "nobody"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.mod(&cfg)
			_, err := NewEmail(cfg)
			if posture.ErrorCode(err) != posture.EINVALID {
				t.Fatalf("NewEmail = %v, want an EINVALID error", err)
			}
			if strings.Contains(err.Error(), smtpPassword) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
	if _, err := NewEmail(base); err != nil {
		t.Errorf("NewEmail(valid) = %v", err)
	}
}

func TestMessageIDIsStable(t *testing.T) {
	from := &mail.Address{Address: "p@example.com"}
	if a, b := messageID("outbox/7 <x>", from), messageID("outbox/7 <x>", from); a != b || strings.ContainsAny(a[1:len(a)-1], " <>/") {
		t.Errorf("messageID = %q, %q: want equal and free of specials", a, b)
	}
}
