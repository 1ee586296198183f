// Package termsafe makes text from outside (manifests, clusters, API input, the database)
// safe to print on a terminal: a control sequence in an object name must not retitle the
// window, move the cursor, hide lines or answer back through the terminal. It imports only
// the standard library, so the CLI and the report writers can both use it.
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s for one field of terminal output: every C0 control (tab and newline
// included), DEL, C1 control (U+0080 to U+009F), bidirectional formatting character
// ("Trojan Source") and invalid UTF-8 byte is replaced by a visible escape (\x1b, \n,
// \u202e, \xff); ordinary Unicode, and the backslash, are kept as they are.
func String(s string) string { return escape(s, false) }

// Text is String for multi-line text (a check's description): newlines stay.
func Text(s string) string { return escape(s, true) }

// Unsafe reports whether a terminal could act on r rather than print it.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1
		return true
	case r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	}
	return false
}

func escape(s string, keepNewlines bool) string {
	if clean(s, keepNewlines) {
		return s // the common case: no allocation
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no escaping.
func clean(s string, keepNewlines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return utf8.ValidString(s[i:]) && strings.IndexFunc(s[i:], func(r rune) bool {
				return Unsafe(r) && !(keepNewlines && r == '\n')
			}) < 0
		}
		if (c < 0x20 || c == 0x7f) && !(keepNewlines && c == '\n') {
			return false
		}
	}
	return true
}
