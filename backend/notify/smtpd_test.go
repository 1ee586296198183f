package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// testRelay is a minimal SMTP server spoken by hand, so the tests see exactly what the
// client sends and in which order (net/smtp has no server side).
type testRelay struct {
	ln       net.Listener
	cert     tls.Certificate
	roots    *x509.CertPool
	offerTLS bool
	rcptCode int // reply to RCPT TO; 0 means 250
	sessions chan smtpSession
	wg       sync.WaitGroup
}

// smtpSession is what one connection carried.
type smtpSession struct {
	Commands           []string // verbs in order
	TLSAtAuth          bool
	AuthUser, AuthPass string
	MailFrom           string
	Rcpts              []string
	Data               string // dot-decoded, LF line endings
}

func startRelay(t *testing.T, offerTLS bool) *testRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, roots := selfSigned(t)
	r := &testRelay{ln: ln, cert: cert, roots: roots, offerTLS: offerTLS, sessions: make(chan smtpSession, 8)}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go func() { defer r.wg.Done(); r.sessions <- r.handle(conn) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	return r
}

func (r *testRelay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// session waits for the next finished connection.
func (r *testRelay) session(t *testing.T) smtpSession {
	t.Helper()
	select {
	case s := <-r.sessions:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("relay saw no session")
		return smtpSession{}
	}
}

func (r *testRelay) handle(conn net.Conn) (s smtpSession) {
	defer func() { conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	secure := false
	reply := func(format string, args ...any) { _ = tp.PrintfLine(format, args...) }
	reply("220 relay.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return s
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.Commands = append(s.Commands, verb)
		switch verb {
		case "EHLO", "HELO":
			ext := []string{"relay.test"}
			if r.offerTLS && !secure {
				ext = append(ext, "STARTTLS")
			}
			ext = append(ext, "AUTH PLAIN", "8BITMIME") // AUTH offered even before TLS: the client must wait anyway
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "STARTTLS":
			if !r.offerTLS || secure {
				reply("502 not offered")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{r.cert}})
			if err := tc.Handshake(); err != nil {
				return s
			}
			conn, tp, secure = tc, textproto.NewConn(tc), true
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if mech != "PLAIN" || err != nil || len(parts) != 3 {
				reply("501 bad AUTH")
				continue
			}
			s.TLSAtAuth, s.AuthUser, s.AuthPass = secure, parts[1], parts[2]
			reply("235 ok")
		case "MAIL":
			s.MailFrom = arg
			reply("250 ok")
		case "RCPT":
			if r.rcptCode != 0 {
				reply("%d no", r.rcptCode)
				continue
			}
			s.Rcpts = append(s.Rcpts, arg)
			reply("250 ok")
		case "DATA":
			reply("354 go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return s
			}
			s.Data = string(data)
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return s
		case "RSET", "NOOP":
			reply("250 ok")
		default:
			reply("502 unknown")
		}
	}
}

// selfSigned makes a throwaway self-signed certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "relay.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func (s smtpSession) String() string { return fmt.Sprint(s.Commands) }
