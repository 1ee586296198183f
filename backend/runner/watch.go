package runner

import (
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/watch"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// watched takes the watched configuration of a complete collection, for config drift.
func (r *Runner) watched(inv *kubeinv.Inventory) *posture.WatchedState {
	return watch.Extract(inv, watch.Options{LabelKeys: r.watchLabels()})
}

// watchLabels are the label keys whose removal or change is config drift: WatchLabels, or
// the label keys the checks require (classification, tenant, owner).
func (r *Runner) watchLabels() []string {
	if r.WatchLabels != nil {
		return r.WatchLabels
	}
	d := checks.DefaultConfig()
	or := func(v, def string) string {
		if v != "" {
			return v
		}
		return def
	}
	return []string{or(r.CheckConfig.ClassificationLabel, d.ClassificationLabel), or(r.CheckConfig.TenantLabel, d.TenantLabel),
		or(r.CheckConfig.OwnerLabel, d.OwnerLabel)}
}
