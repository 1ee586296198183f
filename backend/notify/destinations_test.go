package notify

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

// forbidden are destinations no channel may reach without an allowlist.
var forbidden = []struct{ addr, class string }{
	{"127.0.0.1", "loopback"},
	{"::1", "loopback"},
	{"169.254.169.254", "metadata"},
	{"10.0.0.1", "private"},
	{"192.168.1.1", "private"},
	{"100.64.0.1", "private"},
	{"fd00::1", "private"},
	{"0.0.0.0", "unspecified"},
}

// TestChannelsRefuseInternalDestinations: every channel kind refuses, when it is
// configured, an address that is not public, naming why and where to allow it.
func TestChannelsRefuseInternalDestinations(t *testing.T) {
	build := map[string]func(host string) error{
		"webhook": func(h string) error {
			_, err := NewWebhook(WebhookConfig{URL: "https://" + h + "/hook", Secret: testSecret})
			return err
		},
		"slack": func(h string) error {
			_, err := NewSlack(SlackConfig{URL: "https://" + h + "/services/T0/B0/sekrit"})
			return err
		},
		"ticket-sync": func(h string) error {
			_, err := NewTicketSync(TicketSyncConfig{URL: "https://" + h + "/sync", Secret: testSecret})
			return err
		},
		"email": func(h string) error {
			_, err := NewEmail(EmailConfig{Host: strings.Trim(h, "[]"), From: "p@example.com", To: []string{"s@example.com"}})
			return err
		},
	}
	for kind, newChannel := range build {
		for _, d := range forbidden {
			t.Run(kind+"/"+d.addr, func(t *testing.T) {
				host := d.addr
				if strings.Contains(host, ":") {
					host = "[" + host + "]"
				}
				err := newChannel(host)
				if posture.ErrorCode(err) != posture.EINVALID || !errors.Is(err, egress.ErrNotAllowed) {
					t.Fatalf("%s to %s: %v, want EINVALID and ErrNotAllowed", kind, d.addr, err)
				}
				if msg := posture.ErrorMessage(err); !strings.Contains(msg, d.class) || strings.Contains(msg, "sekrit") {
					t.Errorf("message %q should name %q and no credential", msg, d.class)
				}
			})
		}
		t.Run(kind+"/public", func(t *testing.T) {
			if err := newChannel("93.184.216.34"); err != nil {
				t.Errorf("public address refused: %v", err)
			}
		})
	}
}

// resolving returns a dial function that resolves name to ip, as a DNS answer would, then
// dials through dial: the policy sees only the address, as with a real lookup.
func resolving(dial func(context.Context, string, string) (net.Conn, error), name, ip string) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && host == name {
			addr = net.JoinHostPort(ip, port)
		}
		return dial(ctx, network, addr)
	}
}

// countingListener accepts on 127.0.0.1 and counts connections.
func countingListener(t *testing.T) (net.Listener, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return ln, &n
}

// TestSendRefusesANameThatNowResolvesInternally: a channel accepted for a name (checked at
// dial time) whose name later resolves to 127.0.0.1 is refused when connecting, with a
// generic reason that does not name the address, and nothing reaches the listener.
func TestSendRefusesANameThatNowResolvesInternally(t *testing.T) {
	ln, accepted := countingListener(t)
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	hook, err := NewWebhook(WebhookConfig{URL: "https://localtest:" + port + "/hook", Secret: testSecret})
	if err != nil {
		t.Fatalf("a name is checked when connecting, not when configured: %v", err)
	}
	ticketSync, err := NewTicketSync(TicketSyncConfig{URL: "https://localtest:" + port + "/sync", Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	mail, err := NewEmail(EmailConfig{Host: "localtest", Port: ln.Addr().(*net.TCPAddr).Port, From: "p@example.com", To: []string{"s@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*poster{hook.poster, ticketSync.hook.poster} {
		tr := p.client.Transport.(*http.Transport)
		tr.DialContext = resolving(tr.DialContext, "localtest", "127.0.0.1")
	}
	mail.dial = resolving(mail.dial, "localtest", "127.0.0.1")

	for name, ch := range map[string]Channel{"webhook": hook, "ticket-sync": ticketSync, "email": mail} {
		t.Run(name, func(t *testing.T) {
			err := ch.Send(context.Background(), sampleMessage())
			var de *DeliveryError
			if !errors.As(err, &de) || de.Retryable || !errors.Is(err, egress.ErrNotAllowed) {
				t.Fatalf("Send = %v, want a permanent refusal", err)
			}
			if Reason(err) != "destination not allowed" || strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("reason %q, error %q: want the class only, without the resolved address", Reason(err), err)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener on 127.0.0.1 got %d connections", n)
	}
}

// TestFailuresDoNotQuoteTheReceiver: what the destination answers (an internal page, an
// SMTP banner) appears neither in the error nor in its reason; the status code does.
func TestFailuresDoNotQuoteTheReceiver(t *testing.T) {
	const page = "SECRET-INTERNAL-PAGE"
	srv, _ := recorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, page)
	})
	slack, err := NewSlack(SlackConfig{URL: srv.URL + "/services/x", Policy: loopbackAllowed})
	if err != nil {
		t.Fatal(err)
	}
	// An "SMTP relay" that is some other service: first a reply with text, then none at all.
	smtpReply := fakeServer(t, "220 hello\r\n", "554 "+page+"\r\n")
	notSMTP := fakeServer(t, "HTTP/1.1 400 Bad Request\r\n\r\n"+page+"\r\n", "")
	email := func(port int) Channel {
		e, err := NewEmail(EmailConfig{Host: "127.0.0.1", Port: port, From: "p@example.com", To: []string{"s@example.com"},
			DisableStartTLS: true, Policy: loopbackAllowed})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, c := range []struct {
		name, reason string
		ch           Channel
	}{
		{"webhook", "HTTP status 500", mustWebhook(t, WebhookConfig{URL: srv.URL})},
		{"slack", "HTTP status 500", slack},
		{"smtp reply", "SMTP reply 554", email(smtpReply)},
		{"not smtp", "the destination does not speak SMTP", email(notSMTP)},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.ch.Send(context.Background(), sampleMessage())
			if err == nil || strings.Contains(err.Error(), page) || Reason(err) != c.reason {
				t.Errorf("Send = %v (reason %q), want reason %q and no quote of the answer", err, Reason(err), c.reason)
			}
		})
	}
}

// fakeServer answers each connection with greeting, then every line it reads with reply.
func fakeServer(t *testing.T, greeting, reply string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprint(c, greeting)
				sc := bufio.NewScanner(c)
				for reply != "" && sc.Scan() {
					fmt.Fprint(c, reply)
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
