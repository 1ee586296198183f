// Package checks is Palisade's check catalog and engine: checks are data (ID, title,
// severity, CSA mapping, references, remediation with an example) plus small pure
// functions over a snapshot of a kubeinv.Inventory. Checks never do I/O.
//
// # Using it
//
//	results := checks.Evaluate(inv, cfg)             // all built-in checks
//	cat := checks.Builtin()                           // the catalog: Checks(), Get(id), Recommendations()
//	custom, err := checks.CompileCustomChecks(specs) // CEL checks from configuration
//	cat, err = cat.With(custom...)
//	snap := checks.NewSnapshot(inv, cfg)              // build indexes once
//	cat.EvaluateEach(snap, func(id string, rs []posture.Result) { ... }) // stream per check
//
// Results carry CheckID, Severity, CSA, the asset (workloads keyed
// "<group>/<Kind>/<namespace>/<name>", containers as SubKey "container:<name>"), a status
// (pass, fail, not_applicable), a message and redacted evidence.
//
// # Adding a check
//
// Add a *Check to the family function of its file (runtimeChecks, rbacChecks, ...); the
// families are registered in one place, Builtin. Then add
// testdata/<check-id>/pass-<case>.yaml and fail-<case>.yaml: Kubernetes manifests whose
// first object is the subject of the verdict (or a first line "# subject: <asset key>";
// cluster-wide checks use the asset "cluster"). TestFixtures fails for a check without
// both fixtures; Builtin panics for a duplicate ID, a missing or attest-only CSA ID or a
// missing remediation.
//
// # Custom checks
//
// A CustomCheckSpec holds the same metadata and a CEL expression that is true when the
// object complies, e.g. scope "workload":
//
//	workload.spec.containers.all(c, has(c.resources.limits) && "memory" in c.resources.limits)
//
// Expressions are compiled when the configuration is loaded; an error names the check ID
// and the line and column. Evaluation is bounded by a cost limit; an evaluation error
// makes the result not applicable with the error as evidence.
package checks
