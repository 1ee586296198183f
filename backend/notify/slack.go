package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/palisade-dev/palisade/backend/egress"
)

// Slack limits (https://docs.slack.dev/reference/block-kit/blocks), counted in UTF-16 code
// units to be safe whatever Slack counts.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
	slackFieldsMax  = 10
	slackDigestShow = 20
	slackURLMax     = 3000
)

// SlackConfig configures a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).
type SlackConfig struct {
	URL     string        // the incoming webhook URL; its path is a credential and never logged
	Timeout time.Duration // per request; default 10s
	Policy  egress.Policy // where it may connect; redirects are never followed
}

// Slack posts Block Kit messages with a plain "text" fallback, which is also what
// Mattermost and Rocket.Chat display.
type Slack struct{ poster *poster }

// NewSlack validates cfg. Errors have code EINVALID and never contain the URL.
func NewSlack(cfg SlackConfig) (*Slack, error) {
	u, err := parseEndpoint("slack", cfg.URL, cfg.Policy)
	if err != nil {
		return nil, err
	}
	return &Slack{poster: newPoster("slack", u, cfg.Policy, cfg.Timeout)}, nil
}

// Kind implements Channel.
func (s *Slack) Kind() string { return "slack" }

// Send implements Channel.
func (s *Slack) Send(ctx context.Context, m Message) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(slackPayload(m)); err != nil {
		return permanent(0, "slack: encode message: %w", err)
	}
	return s.poster.post(ctx, buf.Bytes(), nil)
}

type slackText struct {
	Type  string `json:"type"` // plain_text | mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

func severityEmoji(sev string) string {
	switch strings.ToLower(sev) {
	case "critical":
		return "🚨"
	case "high":
		return "🔴"
	case "medium":
		return "🟠"
	case "low":
		return "🟡"
	default:
		return "🔵"
	}
}

// slackEscape escapes the three characters Slack reserves, so cluster data cannot form
// links, @channel/@user mentions (<!channel>, <@U…>) or broken markup, and caps the result
// at max UTF-16 units without splitting an entity.
func slackEscape(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	for i, r := range s {
		var piece string
		switch r {
		case '&':
			piece = "&amp;"
		case '<':
			piece = "&lt;"
		case '>':
			piece = "&gt;"
		default:
			piece = string(r)
		}
		w := len(piece)
		if len(piece) == len(string(r)) {
			w = utf16.RuneLen(r)
		}
		// Stop one unit early when more follows, to fit the ellipsis.
		if n+w > max || (n+w == max && i+len(string(r)) < len(s)) {
			b.WriteString("…")
			break
		}
		b.WriteString(piece)
		n += w
	}
	return b.String()
}

// slackLink returns a mrkdwn link to u, or "" when u is not a plain http(s) URL that
// can sit inside <url|label> without breaking out of it.
func slackLink(u, label string) string {
	p, err := url.Parse(u)
	if u == "" || err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" ||
		len(u) > slackURLMax || strings.ContainsAny(u, "|<> \t\r\n") {
		return ""
	}
	return "<" + strings.ReplaceAll(u, "&", "&amp;") + "|" + slackEscape(label, 200) + ">"
}

func slackPayload(m Message) slackMessage {
	emoji := severityEmoji(m.Severity)
	title := oneLine(m.Title, MaxTitle)
	if title == "" {
		title = "Palisade notification"
	}
	sev := strings.ToUpper(oneLine(m.Severity, 16))
	headline := emoji + " " + title
	if sev != "" {
		headline = emoji + " [" + sev + "] " + title
	}

	blocks := []slackBlock{{Type: "header", Text: &slackText{Type: "plain_text", Text: slackEscape(headline, slackHeaderMax), Emoji: true}}}
	text := slackEscape(truncate(m.Text, MaxText), slackSectionMax)
	if strings.TrimSpace(text) != "" {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: text}})
	}
	if fields := slackFields(m.Fields); len(fields) > 0 {
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields})
	}
	if len(m.Events) > 0 {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: slackDigest(m.Events)}})
	}
	var ctxParts []string
	if link := slackLink(m.URL, "Open in Palisade"); link != "" {
		ctxParts = append(ctxParts, link)
	}
	for _, p := range []string{m.Tenant, m.Kind} {
		if p = slackEscape(oneLine(p, 100), 100); p != "" {
			ctxParts = append(ctxParts, p)
		}
	}
	if len(ctxParts) > 0 {
		blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: strings.Join(ctxParts, " · ")}}})
	}

	// The fallback is shown in notifications and by servers that ignore blocks.
	fallback := slackEscape(headline, 300)
	if text != "" {
		fallback += "\n" + text
	}
	if n := len(m.Events); n == 1 {
		fallback += "\n1 event"
	} else if n > 1 {
		fallback += fmt.Sprintf("\n%d events", n)
	}
	if link := slackLink(m.URL, "Open in Palisade"); link != "" {
		fallback += "\n" + link
	}
	return slackMessage{Text: fallback, Blocks: blocks}
}

func slackFields(in map[string]string) []slackText {
	fields := limitFields(in)
	var out []slackText
	for _, k := range sortedKeys(fields) {
		if len(out) == slackFieldsMax {
			break
		}
		out = append(out, slackText{Type: "mrkdwn", Text: "*" + slackEscape(k, 100) + "*\n" + slackEscape(oneLine(fields[k], 500), slackFieldMax-110)})
	}
	return out
}

// slackDigest lists up to slackDigestShow events, whole lines only, within one section.
func slackDigest(events []Message) string {
	var b strings.Builder
	shown := 0
	for _, e := range events[:min(len(events), slackDigestShow)] {
		title := oneLine(e.Title, 150)
		item := slackLink(e.URL, title)
		if item == "" {
			item = slackEscape(title, 200)
		}
		line := "• " + severityEmoji(e.Severity) + " " + item + "\n"
		// Reserve room for the "and N more" line.
		if b.Len()+len(line) > slackSectionMax-40 {
			break
		}
		b.WriteString(line)
		shown++
	}
	if rest := len(events) - shown; rest > 0 {
		fmt.Fprintf(&b, "and %d more", rest)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
