// Package csa holds the Cloud Security Alliance container best-practice recommendations
// (shared/CSA-CATALOG.md) as data: stable IDs, areas and how each can be evaluated.
package csa

import (
	"sort"
	"strconv"
	"strings"
)

// Mode says how Palisade can evaluate a recommendation.
type Mode string

const (
	ModeAuto    Mode = "auto"    // a collector sees the evidence and a check decides
	ModePartial Mode = "partial" // checks cover part; the rest needs an attestation
	ModeAttest  Mode = "attest"  // organisational: only an attestation can meet it
)

// Recommendation is one numbered CSA recommendation, e.g. 3.1.2.3.
type Recommendation struct {
	ID       string
	View     string // Dev, Op or Dev/Op
	Text     string
	Mode     Mode
	Evidence string // check ideas from the catalog
}

// Area is the recommendation's area ID, e.g. "3.1.2" for "3.1.2.3".
func (r Recommendation) Area() string { return AreaOf(r.ID) }

// AreaOf returns the area part of a recommendation ID ("3.1.2.3" -> "3.1.2").
func AreaOf(id string) string {
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
}

// All returns every recommendation in catalog order. The slice is a copy.
func All() []Recommendation {
	return append([]Recommendation(nil), recommendations...)
}

// Lookup finds a recommendation by ID.
func Lookup(id string) (Recommendation, bool) {
	for _, r := range recommendations {
		if r.ID == id {
			return r, true
		}
	}
	return Recommendation{}, false
}

// Areas returns the area IDs in numeric order (3.1.1 ... 3.1.17).
func Areas() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recommendations {
		if a := r.Area(); !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessID(out[i], out[j]) })
	return out
}

// AreaTitles names each area as the CSA paper does.
var AreaTitles = map[string]string{
	"3.1.1":  "Container image authenticity",
	"3.1.2":  "Container runtime and orchestration configuration",
	"3.1.3":  "Visibility and versioning",
	"3.1.4":  "Secure networking (north-south)",
	"3.1.5":  "Secure container-to-container traffic",
	"3.1.6":  "Image integrity, scanning and approval",
	"3.1.7":  "Logging, monitoring and forensics",
	"3.1.8":  "Trusted, hardened platform",
	"3.1.9":  "Volumes and network isolation",
	"3.1.10": "Secrets management",
	"3.1.11": "Application lifecycle",
	"3.1.12": "Resource balancing",
	"3.1.13": "Platform and application objectives",
	"3.1.14": "Resource controls",
	"3.1.15": "Backup",
	"3.1.16": "Portability of security configuration",
	"3.1.17": "Authentication and encryption at rest",
}

// lessID compares dotted numeric IDs so that 3.1.10 sorts after 3.1.9.
func lessID(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}
