package posture

import (
	"regexp"
	"strings"
)

// Redacted replaces every secret-looking value in evidence and stored facts.
const Redacted = "[redacted]"

var (
	secretNamePattern = regexp.MustCompile(`(?i)(passw(or)?d|passwd|secret|token|api_?key|apikey|private_?key|access_?key|credential|auth_?key|client_?secret|dsn|conn(ection)?_?str)`)
	// names that hold a reference to a secret rather than the secret itself
	secretRefSuffix     = regexp.MustCompile(`(?i)(_file|_path|_dir|_name|_ref|_key_id|_ttl|_timeout|_expiry|_url|_endpoint|_header|_length|_enabled)$`)
	secretValuePatterns = []*regexp.Regexp{
		regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`),                             // AWS access key ID
		regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),               // PEM private key
		regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36,}\b`),                   // GitHub token
		regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`),                  // Slack token
		regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.`), // JWT
		regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`),          // credentials in a URL
		regexp.MustCompile(`\bsk_live_[0-9a-zA-Z]{16,}`),                       // Stripe
		regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`),                        // Google API key
	}
	trivialValue = regexp.MustCompile(`^(?i)(true|false|yes|no|on|off|none|null|changeme|[0-9.]+[smhd]?|)$`)
)

// LooksSecret reports whether an environment variable (of a pod spec or an image config)
// holds a literal secret, and why. It never returns the value; callers must not put the
// value anywhere.
func LooksSecret(name, value string) (bool, string) {
	if value == "" {
		return false, ""
	}
	for _, p := range secretValuePatterns {
		if p.MatchString(value) {
			return true, "value matches a known credential format"
		}
	}
	if secretNamePattern.MatchString(name) && !secretRefSuffix.MatchString(name) && !trivialValue.MatchString(strings.TrimSpace(value)) &&
		!strings.HasPrefix(value, "/") && !strings.HasPrefix(value, "$(") {
		return true, "variable name suggests a secret and it holds a literal value"
	}
	return false, ""
}
