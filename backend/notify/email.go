package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

// DefaultEmailTimeout bounds a whole SMTP conversation. Longer than DefaultTimeout because
// relays commonly delay their greeting by several seconds to slow down spammers.
const DefaultEmailTimeout = 30 * time.Second

// EmailConfig configures SMTP delivery. STARTTLS is always required except when
// DisableStartTLS is set, which is accepted only for a loopback Host (a local test relay)
// and never together with a Username: credentials are sent only over TLS. Host must be a
// destination Policy allows, when configured and when connecting.
type EmailConfig struct {
	Host               string // relay host name (also the TLS server name)
	Port               int    // default 587
	From               string // RFC 5322 address, e.g. "Palisade <palisade@example.com>"
	To                 []string
	Username, Password string      // optional; AUTH PLAIN after STARTTLS
	DisableStartTLS    bool        // loopback hosts only; the zero value (STARTTLS required) is the safe default
	TLSConfig          *tls.Config // optional (e.g. RootCAs for a private relay); ServerName defaults to Host
	Timeout            time.Duration
	Policy             egress.Policy
}

// Email sends one plain-text, quoted-printable message per Send.
type Email struct {
	cfg  EmailConfig
	addr string
	from *mail.Address
	to   []*mail.Address
	tls  *tls.Config
	now  func() time.Time
	dial func(ctx context.Context, network, addr string) (net.Conn, error) // checks cfg.Policy on the address dialled
}

// NewEmail validates cfg. Errors have code EINVALID and never contain the password.
func NewEmail(cfg EmailConfig) (*Email, error) {
	bad := func(format string, args ...any) (*Email, error) {
		return nil, posture.Errorf(posture.EINVALID, "email: "+format, args...)
	}
	if cfg.Host == "" || strings.ContainsAny(cfg.Host, " \t\r\n/@:") && net.ParseIP(cfg.Host) == nil {
		return bad("host must be a host name or IP address without port")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return bad("port %d is out of range", cfg.Port)
	}
	if err := cfg.Policy.CheckHost(cfg.Host); err != nil {
		return nil, posture.WrapError(posture.EINVALID, egress.ErrNotAllowed, "email: host: %s", posture.ErrorMessage(err))
	}
	if cfg.DisableStartTLS && !isLoopback(cfg.Host) {
		return bad("STARTTLS can be disabled only for a loopback host")
	}
	if cfg.DisableStartTLS && cfg.Username != "" {
		return bad("credentials are sent only over TLS; enable STARTTLS")
	}
	if cfg.Password != "" && cfg.Username == "" {
		return bad("password given without username")
	}
	from, err := parseAddress(cfg.From)
	if err != nil {
		return bad("from address is not valid")
	}
	if len(cfg.To) == 0 || len(cfg.To) > 50 {
		return bad("between 1 and 50 recipients are required")
	}
	var to []*mail.Address
	for i, s := range cfg.To {
		a, err := parseAddress(s)
		if err != nil {
			return bad("recipient %d is not a valid address", i+1)
		}
		to = append(to, a)
	}
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultEmailTimeout
	}
	cfg.To = append([]string(nil), cfg.To...)
	return &Email{
		cfg: cfg, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		from: from, to: to, tls: tc, now: time.Now, dial: cfg.Policy.Dialer().DialContext,
	}, nil
}

func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(a.Address, "@") {
		return nil, errors.New("address has no domain")
	}
	return a, nil
}

// Kind implements Channel.
func (e *Email) Kind() string { return "email" }

// Send implements Channel. Once the relay has accepted the message (250 after DATA) Send
// returns nil even if QUIT fails, so that the outbox does not send a duplicate.
func (e *Email) Send(ctx context.Context, m Message) error {
	msg, err := e.compose(m)
	if err != nil {
		return permanent(0, "email: compose message: %w", err)
	}
	ctx, cancel := withTimeout(ctx, e.cfg.Timeout)
	defer cancel()

	conn, err := e.dial(ctx, "tcp", e.addr)
	if err != nil {
		return smtpFailure(ctx, "connect to "+e.addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // honour cancellation mid-command
	defer stop()

	c, err := smtp.NewClient(conn, e.cfg.Host)
	if err != nil {
		return smtpFailure(ctx, "greeting", err)
	}
	defer c.Close()
	if !e.cfg.DisableStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			// No plaintext fallback: that is exactly what a downgrade attack looks like.
			return failed(false, 0, 0, "email: "+e.addr, "the relay does not offer STARTTLS", nil)
		}
		if err := c.StartTLS(e.tls); err != nil {
			return smtpFailure(ctx, "STARTTLS", err)
		}
	}
	if e.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return failed(false, 0, 0, "email: "+e.addr, "the relay does not offer AUTH", nil)
		}
		// PlainAuth itself refuses to run without TLS (except to localhost).
		if err := c.Auth(smtp.PlainAuth("", e.cfg.Username, e.cfg.Password, e.cfg.Host)); err != nil {
			return smtpFailure(ctx, "AUTH", err)
		}
	}
	if err := c.Mail(e.from.Address); err != nil {
		return smtpFailure(ctx, "MAIL FROM", err)
	}
	for _, a := range e.to {
		if err := c.Rcpt(a.Address); err != nil {
			return smtpFailure(ctx, "RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpFailure(ctx, "DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpFailure(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpFailure(ctx, "end of DATA", err)
	}
	_ = c.Quit()
	return nil
}

// smtpFailure classifies an SMTP error: 4xx replies are transient by definition, 5xx
// permanent; certificate problems and refused destinations are permanent; network trouble
// is retryable. The relay's reply text is not quoted, only its code: the "relay" may be any
// service its configurer wants to read.
func smtpFailure(ctx context.Context, stage string, err error) *DeliveryError {
	where := "email: " + stage
	var tpe *textproto.Error
	var pe textproto.ProtocolError
	switch {
	case errors.As(err, &tpe):
		return failed(tpe.Code/100 == 4, tpe.Code, 0, where, fmt.Sprintf("SMTP reply %d", tpe.Code), err)
	case errors.As(err, &pe):
		return failed(false, 0, 0, where, "the destination does not speak SMTP", err)
	}
	return connectFailure(ctx, where, err)
}

// safeMsgID is what may appear literally in a Message-ID (a subset of RFC 5322 atext).
var safeMsgID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// messageID derives a stable Message-ID from m.ID, so every retry of one notification
// carries the same Message-ID and mail systems can recognise repeats.
func messageID(id string, from *mail.Address) string {
	if !safeMsgID.MatchString(id) {
		id = fmt.Sprintf("x%x", oneLine(id, 64)) // hex keeps it stable and readable enough
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	return "<palisade." + id + "@" + domain + ">"
}

// compose builds the RFC 5322 message. Every header value passes through oneLine and then
// writeHeader, which refuses CR and LF: titles come from cluster data.
func (e *Email) compose(m Message) ([]byte, error) {
	subject := oneLine(m.Title, MaxTitle)
	if sev := oneLine(m.Severity, 16); sev != "" {
		subject = "[" + strings.ToUpper(sev) + "] " + subject
	}
	to := make([]string, len(e.to))
	for i, a := range e.to {
		to[i] = a.String()
	}
	headers := []struct {
		name   string
		values []string
	}{
		{"From", []string{e.from.String()}},
		{"To", to}, // folded one address per line: 50 recipients exceed 998 bytes
		{"Subject", []string{mime.QEncoding.Encode("utf-8", subject)}},
		{"Date", []string{e.now().Format(time.RFC1123Z)}},
		{"Message-ID", []string{messageID(m.ID, e.from)}},
		{"MIME-Version", []string{"1.0"}},
		{"Content-Type", []string{"text/plain; charset=utf-8"}},
		{"Content-Transfer-Encoding", []string{"quoted-printable"}},
		{"Auto-Submitted", []string{"auto-generated"}}, // RFC 3834: no auto-replies to alerts
		{"X-Palisade-Kind", []string{oneLine(m.Kind, 64)}},
	}
	var buf bytes.Buffer
	for _, h := range headers {
		if len(h.values) == 1 && h.values[0] == "" {
			continue
		}
		if err := writeHeader(&buf, h.name, h.values...); err != nil {
			return nil, err
		}
	}
	buf.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&buf)
	if _, err := qp.Write([]byte(emailBody(m, e.now()))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeHeader writes one header whose values form a comma-separated list. It refuses CR
// and LF in any value, then folds between list items and between RFC 2047 encoded-words
// (which contain no spaces) so that lines stay under the 998-byte limit.
func writeHeader(buf *bytes.Buffer, name string, values ...string) error {
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("header %s contains a line break", name)
		}
	}
	value := strings.Join(values, ",\r\n ")
	buf.WriteString(name + ": " + strings.ReplaceAll(value, "?= =?", "?=\r\n =?") + "\r\n")
	return nil
}

// emailBody is the plain-text body before transfer encoding.
func emailBody(m Message, now time.Time) string {
	var b strings.Builder
	if t := strings.TrimSpace(truncate(m.Text, MaxText)); t != "" {
		b.WriteString(t + "\n\n")
	}
	line := func(k, v string) {
		if v = oneLine(v, MaxFieldValue); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("Severity", m.Severity)
	line("Kind", m.Kind)
	line("Tenant", m.Tenant)
	fields := limitFields(m.Fields)
	for _, k := range sortedKeys(fields) {
		line(k, fields[k])
	}
	line("Time", createdAt(m.CreatedAt, now))
	line("Link", m.URL)
	if len(m.Events) > 0 {
		fmt.Fprintf(&b, "\nEvents (%d):\n", len(m.Events))
		for _, ev := range m.Events[:min(len(m.Events), MaxEvents)] {
			fmt.Fprintf(&b, "- [%s] %s", oneLine(ev.Severity, 16), oneLine(ev.Title, MaxTitle))
			if u := oneLine(ev.URL, MaxFieldValue); u != "" {
				b.WriteString(" " + u)
			}
			b.WriteString("\n")
		}
		if rest := len(m.Events) - MaxEvents; rest > 0 {
			fmt.Fprintf(&b, "and %d more\n", rest)
		}
	}
	fmt.Fprintf(&b, "\n-- \nPalisade notification %s\n", oneLine(m.ID, 128))
	return b.String()
}
