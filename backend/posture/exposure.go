package posture

// Exposure is what makes a finding on an asset more dangerous than its severity alone
// (docs/scoring.md, "Risk"): a set of flags, each multiplying the finding's weight.
type Exposure uint8

const (
	// ExposureInternet: reachable from outside the cluster (an exposed Service or an Ingress,
	// or a workload such a Service selects).
	ExposureInternet Exposure = 1 << iota
	// ExposurePrivileged: a workload with a privileged container or the node's namespaces.
	ExposurePrivileged
	// ExposureProduction: in a namespace labelled or named as production.
	ExposureProduction
)

// Factor is the exposure's multiplier on a finding's severity weight: ×2 internet-facing,
// ×1.5 privileged, ×1.5 production, multiplied together; 1 when nothing applies.
func (e Exposure) Factor() float64 {
	f := 1.0
	if e&ExposureInternet != 0 {
		f *= 2
	}
	if e&ExposurePrivileged != 0 {
		f *= 1.5
	}
	if e&ExposureProduction != 0 {
		f *= 1.5
	}
	return f
}

// Names lists the exposures set, for display ("internet-facing", "privileged", "production").
func (e Exposure) Names() []string {
	var out []string
	if e&ExposureInternet != 0 {
		out = append(out, "internet-facing")
	}
	if e&ExposurePrivileged != 0 {
		out = append(out, "privileged")
	}
	if e&ExposureProduction != 0 {
		out = append(out, "production")
	}
	return out
}
