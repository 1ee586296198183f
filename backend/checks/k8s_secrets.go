package checks

import (
	"regexp"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Redacted replaces every secret-looking value in evidence.
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

// looksSecret reports whether an environment variable holds a literal secret. It never
// returns the value; callers must not put the value anywhere.
func looksSecret(name, value string) (bool, string) {
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

func secretChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.secret-literal-env", Title: "Secret-looking literal in an environment variable",
			Description: "An environment variable holds what looks like a credential as a literal value in the pod spec, where everyone who can read the workload (and its Git history) can see it. The value is never stored by Palisade.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.10.1"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Secrets", ""}, {CIS, "5.4.1", "Prefer using secrets as files over secrets as environment variables"}},
			Remediation: Remediation{Text: "Move the value into a Secret (ideally synced from a secret manager), rotate it because it has been exposed, and mount it as a file.", Example: "volumes:\n- name: db\n  secret: {secretName: db-credentials}\ncontainers:\n- name: app\n  volumeMounts: [{name: db, mountPath: /run/secrets/db, readOnly: true}]\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				for _, e := range c.Env {
					if e.ValueFrom != nil {
						continue
					}
					if ok, why := looksSecret(e.Name, e.Value); ok {
						return fail("environment variable "+e.Name+" holds a literal secret ("+why+")", "env", e.Name, "value", Redacted)
					}
				}
				return pass("no literal secrets in environment variables")
			}),
		},
		{
			ID: "k8s.secret-env-reference", Title: "Secret consumed through environment variables",
			Description: "Secrets injected as environment variables leak through process listings, crash dumps and child processes; mounted files can be rotated and permission-restricted.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.10.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.4.1", "Prefer using secrets as files over secrets as environment variables"}},
			Remediation: Remediation{Text: "Mount the Secret as a read-only volume and read it from a file.", Example: "volumes:\n- name: api\n  secret: {secretName: api-key}\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				for _, e := range c.Env {
					if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
						return fail("environment variable "+e.Name+" comes from Secret "+e.ValueFrom.SecretKeyRef.Name, "env", e.Name, "secret", e.ValueFrom.SecretKeyRef.Name)
					}
				}
				for _, e := range c.EnvFrom {
					if e.SecretRef != nil {
						return fail("all keys of Secret "+e.SecretRef.Name+" are injected as environment variables", "secret", e.SecretRef.Name)
					}
				}
				return pass("no Secrets consumed through environment variables")
			}),
		},
	}
}
