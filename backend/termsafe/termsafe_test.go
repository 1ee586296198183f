package termsafe

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "web-7f9c", "web-7f9c"},
		{"ordinary unicode", "Überwachung ✓ 監視 🚀", "Überwachung ✓ 監視 🚀"},
		{"backslash kept", `a\x1b`, `a\x1b`},
		{"OSC title", "evil\x1b]0;pwned\x07", `evil\x1b]0;pwned\x07`},
		{"CSI", "\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"whitespace controls", "a\tb\nc\rd", `a\tb\nc\rd`},
		{"C1 CSI", "a\u009b31m", `a\u009b31m`},
		{"C1 range ends", "\u0080\u009f\u00a0", `\u0080\u009f` + "\u00a0"},
		{"bidi override", "good\u202eevil", `good\u202eevil`},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`},
		{"raw C1 byte is invalid UTF-8", "a\x9bb", `a\x9bb`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := String(tc.in)
			if got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.ContainsFunc(got, Unsafe) {
				t.Errorf("String(%q) = %q still holds an unsafe character", tc.in, got)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"newlines kept", "line 1\nline 2\n", "line 1\nline 2\n"},
		{"other controls escaped", "a\x1b[2J\nb\tc", "a\\x1b[2J\nb\\tc"},
		{"unicode after a newline", "a\n✓\u202e", "a\n✓\\u202e"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a", "\x1b]0;x\x07", "\xff\u009b\u202e", "✓\n\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{String(s), Text(s)} {
			if strings.ContainsFunc(strings.ReplaceAll(out, "\n", ""), Unsafe) || !utf8Valid(out) {
				t.Fatalf("escape(%q) = %q", s, out)
			}
		}
		if strings.Contains(String(s), "\n") {
			t.Fatalf("String(%q) keeps a newline", s)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }
