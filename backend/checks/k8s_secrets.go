package checks

import (
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Redacted replaces every secret-looking value in evidence.
const Redacted = posture.Redacted

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
					if ok, why := posture.LooksSecret(e.Name, e.Value); ok {
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
