package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
)

func sendSlack(t *testing.T, m Message) (raw string, got slackMessage) {
	t.Helper()
	srv, reqs := recorder(t, nil)
	s, err := NewSlack(SlackConfig{URL: srv.URL + "/services/T000/B000/XXXX", Policy: loopbackAllowed})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	body := reqs()[0].body
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	return string(body), got
}

func TestSlackPayload(t *testing.T) {
	m := sampleMessage()
	m.Title = `<script>& alert`
	m.Text = "Seen by <!channel> & <@U123>"
	raw, got := sendSlack(t, m)

	if strings.Contains(raw, "<script>") || strings.Contains(raw, "<!channel>") || strings.Contains(raw, "<@U123>") {
		t.Errorf("unescaped cluster data in payload: %s", raw)
	}
	want := []slackBlock{
		{Type: "header", Text: &slackText{Type: "plain_text", Text: "🔴 [HIGH] &lt;script&gt;&amp; alert", Emoji: true}},
		{Type: "section", Text: &slackText{Type: "mrkdwn", Text: "Seen by &lt;!channel&gt; &amp; &lt;@U123&gt;"}},
		{Type: "section", Fields: []slackText{
			{Type: "mrkdwn", Text: "*namespace*\npayments"},
			{Type: "mrkdwn", Text: "*target*\nprod-eu"},
		}},
		{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: "<https://palisade.example.com/t/acme/findings/42|Open in Palisade> · acme · drift.privileged"}}},
	}
	gotJSON, _ := json.MarshalIndent(got.Blocks, "", "  ")
	wantJSON, _ := json.MarshalIndent(want, "", "  ")
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("blocks\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if !strings.HasPrefix(got.Text, "🔴 [HIGH] &lt;script&gt;&amp; alert\n") || !strings.Contains(got.Text, "Open in Palisade") {
		t.Errorf("fallback text = %q", got.Text)
	}
}

func TestSlackDigestTruncation(t *testing.T) {
	m := Message{ID: "d-1", Kind: "digest", Severity: "medium", Title: "45 new findings", Tenant: "acme"}
	for i := range 45 {
		m.Events = append(m.Events, Message{Severity: "low", Title: fmt.Sprintf("finding %d", i), URL: fmt.Sprintf("https://palisade.example.com/f/%d?a=1&b=2", i)})
	}
	_, got := sendSlack(t, m)
	var digest string
	for _, b := range got.Blocks {
		if b.Type == "section" && b.Text != nil && strings.Contains(b.Text.Text, "finding 0") {
			digest = b.Text.Text
		}
	}
	lines := strings.Split(digest, "\n")
	if len(lines) != 21 || lines[20] != "and 25 more" {
		t.Fatalf("digest has %d lines, last %q; want 20 events and \"and 25 more\"", len(lines), lines[len(lines)-1])
	}
	if lines[0] != "• 🟡 <https://palisade.example.com/f/0?a=1&amp;b=2|finding 0>" {
		t.Errorf("first line = %q", lines[0])
	}

	// Long titles: whole lines only, within the section limit, and the remainder counted.
	for i := range m.Events {
		m.Events[i].Title = strings.Repeat("&", 400)
	}
	_, got = sendSlack(t, m)
	for _, b := range got.Blocks {
		if b.Text == nil {
			continue
		}
		if n := len(utf16.Encode([]rune(b.Text.Text))); n > slackSectionMax {
			t.Errorf("%s block text is %d units, limit %d", b.Type, n, slackSectionMax)
		}
		if b.Type == "section" && !strings.HasSuffix(b.Text.Text, "more") {
			t.Errorf("digest does not end with a remainder count: …%s", b.Text.Text[len(b.Text.Text)-40:])
		}
	}
}

func TestSlackEscapeCap(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"a<b", 10, "a&lt;b"},
		{"a<b", 4, "a…"}, // never half an entity
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"😀😀😀", 4, "😀…"}, // emoji are two UTF-16 units
	}
	for _, tc := range cases {
		if got := slackEscape(tc.in, tc.max); got != tc.want {
			t.Errorf("slackEscape(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
	if l := slackLink("https://x.example/a|<b>", "x"); l != "" {
		t.Errorf("link with | and <> accepted: %q", l)
	}
	if l := slackLink("javascript:alert(1)", "x"); l != "" {
		t.Errorf("non-http link accepted: %q", l)
	}
}
