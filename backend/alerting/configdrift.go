package alerting

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// What a config_drift event is about (its Details["watch"]).
const (
	WatchSecurityContext = "security_context" // a workload's security context, host namespaces or hostPath volumes changed
	WatchImageDigest     = "image_digest"     // a new image digest runs behind an unchanged tag
	WatchRBACBinding     = "rbac_binding"     // a new binding, or a binding gained subjects
	WatchLabels          = "labels"           // a watched label was removed or changed
	WatchNetworkPolicy   = "network_policy"   // a NetworkPolicy was deleted
	WatchBackupSchedule  = "backup_schedule"  // a backup Schedule was deleted
	WatchMore            = "more"             // the changes past MaxConfigEvents, counted
)

// watchCSA maps what changed to the CSA recommendations of the checks on the same fields,
// so that rules selecting CSA areas select config drift too.
var watchCSA = map[string][]string{
	WatchSecurityContext: {"3.1.2.3", "3.1.2.5"},
	WatchImageDigest:     {"3.1.3.1", "3.1.6.4"},
	WatchRBACBinding:     {"3.1.8.7"},
	WatchLabels:          {"3.1.2.1"},
	WatchNetworkPolicy:   {"3.1.5.4", "3.1.9.3"},
	WatchBackupSchedule:  {"3.1.15.1"},
}

// MaxConfigEvents bounds the config drift events of one run: past it, the most severe are
// kept and one more event counts the rest (a cluster rebuilt from scratch is one story,
// not 20,000 alerts).
const MaxConfigEvents = 500

// maxChangeLen bounds a before or after value of a FieldChange.
const maxChangeLen = 1000

// FieldChange is one watched field's change: its path, its value before and after ("" is
// unset or absent).
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// String renders the change for people: "field: before → after", "unset" for "".
func (c FieldChange) String() string {
	show := func(s string) string {
		if s == "" {
			return "unset"
		}
		return s
	}
	return c.Field + ": " + show(c.Before) + " → " + show(c.After)
}

// CarryDigests keeps the last digests seen behind an image reference when no pod reported
// one this time (scaled to zero, pods pending): cur takes prev's digests for containers
// whose reference did not change. Without it a digest that moved while the workload was
// scaled down would go unnoticed.
func CarryDigests(prev, cur *posture.WatchedState) {
	if prev == nil || cur == nil || prev.Version != cur.Version {
		return
	}
	for key, o := range cur.Objects {
		if o.Kind != posture.WatchedWorkload {
			continue
		}
		p, ok := prev.Objects[key]
		if !ok || len(p.Digests) == 0 {
			continue
		}
		for path, ref := range o.Images {
			if len(o.Digests[path]) > 0 || p.Images[path] != ref || len(p.Digests[path]) == 0 {
				continue
			}
			if o.Digests == nil {
				o.Digests = map[string][]string{}
			}
			o.Digests[path] = p.Digests[path]
		}
		cur.Objects[key] = o
	}
}

// ConfigDrift compares the watched states of two complete runs of a target and returns
// the config_drift events: security-context changes per workload, new digests behind
// unchanged image tags, new RBAC bindings and bindings that gained subjects, removed or
// changed watched labels, deleted NetworkPolicies and backup Schedules. prev nil (the
// target's first watched run: its baseline) or of another version gives none. Objects new
// in cur are not drift, except bindings; objects gone from cur are not drift, except
// NetworkPolicies and Schedules; kinds incomplete in the state that would have to show
// them report neither.
func ConfigDrift(tenantID, targetID, runID, prevRunID int64, at time.Time, prev, cur *posture.WatchedState) []Event {
	if prev == nil || cur == nil || prev.Version != cur.Version {
		return nil
	}
	d := configDiff{labelKeys: commonKeys(prev.LabelKeys, cur.LabelKeys)}
	keys := make([]string, 0, len(cur.Objects))
	for k := range cur.Objects {
		keys = append(keys, k)
	}
	for k := range prev.Objects {
		if _, ok := cur.Objects[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		p, inPrev := prev.Objects[key]
		c, inCur := cur.Objects[key]
		switch {
		case inPrev && inCur && p.Kind == c.Kind:
			d.changed(key, &p, &c)
		case inCur && !inPrev:
			if isBinding(c.Kind) && !prev.IsIncomplete(c.Kind) {
				d.newBinding(key, &c)
			}
		case inPrev && !inCur:
			if (p.Kind == posture.WatchedNetworkPolicy || p.Kind == posture.WatchedBackupSchedule) && !cur.IsIncomplete(p.Kind) {
				d.deleted(key, &p)
			}
		}
	}
	out := d.events
	for i := range out {
		out[i].Kind, out[i].TenantID, out[i].TargetID, out[i].RunID, out[i].PrevRunID, out[i].At =
			KindConfigDrift, tenantID, targetID, runID, prevRunID, at
		out[i].CSA = watchCSA[out[i].Details["watch"]]
	}
	return capEvents(out, tenantID, targetID, runID, prevRunID, at)
}

func capEvents(out []Event, tenantID, targetID, runID, prevRunID int64, at time.Time) []Event {
	if len(out) <= MaxConfigEvents {
		return out
	}
	slices.SortStableFunc(out, func(a, b Event) int { return cmp.Compare(b.Severity, a.Severity) })
	rest := out[MaxConfigEvents-1:]
	counts := map[string]int{}
	for _, e := range rest {
		counts[e.Details["watch"]]++
	}
	var parts []string
	for _, w := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[w], w))
	}
	more := Event{Kind: KindConfigDrift, Severity: rest[0].Severity, TenantID: tenantID, TargetID: targetID, RunID: runID,
		PrevRunID: prevRunID, At: at, Summary: fmt.Sprintf("%d more configuration changes not listed (%s)", len(rest), strings.Join(parts, ", ")),
		Details: map[string]string{"watch": WatchMore, "count": fmt.Sprint(len(rest))}}
	return append(out[:MaxConfigEvents-1:MaxConfigEvents-1], more)
}

func isBinding(kind string) bool {
	return kind == posture.WatchedRoleBinding || kind == posture.WatchedClusterRoleBinding
}

func commonKeys(a, b []string) map[string]bool {
	out := map[string]bool{}
	for _, k := range a {
		if slices.Contains(b, k) {
			out[k] = true
		}
	}
	return out
}

type configDiff struct {
	labelKeys map[string]bool
	events    []Event
}

func (d *configDiff) add(watch, key, ns string, sev posture.Severity, summary string, changes []FieldChange, details map[string]string) {
	if details == nil {
		details = map[string]string{}
	}
	details["watch"] = watch
	for i := range changes {
		changes[i].Before, changes[i].After = truncateChange(changes[i].Before), truncateChange(changes[i].After)
	}
	d.events = append(d.events, Event{Severity: sev, AssetKey: key, Namespace: ns, Summary: summary, Details: details, Changes: changes})
}

func truncateChange(s string) string {
	if len(s) <= maxChangeLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxChangeLen], "") + "…"
}

func namespaceOf(key string, o *posture.WatchedObject) string {
	if o.Kind == posture.WatchedNamespace {
		return key[strings.LastIndex(key, "/")+1:]
	}
	return o.Namespace
}

func (d *configDiff) changed(key string, p, c *posture.WatchedObject) {
	ns := namespaceOf(key, c)
	switch c.Kind {
	case posture.WatchedWorkload:
		d.security(key, ns, p, c)
		d.digests(key, ns, p, c)
		d.labels(key, ns, p, c)
	case posture.WatchedNamespace:
		d.labels(key, ns, p, c)
	case posture.WatchedRoleBinding, posture.WatchedClusterRoleBinding:
		d.bindingChanged(key, ns, p, c)
	}
}

// fieldChanges lists the fields whose values differ, sorted. When either side was
// truncated only fields present on both sides are compared.
func fieldChanges(before, after map[string]string, truncated bool) []FieldChange {
	var out []FieldChange
	for f, a := range after {
		b, ok := before[f]
		if b != a && (ok || !truncated) {
			out = append(out, FieldChange{Field: f, Before: b, After: a})
		}
	}
	for f, b := range before {
		if _, ok := after[f]; !ok && !truncated {
			out = append(out, FieldChange{Field: f, Before: b})
		}
	}
	slices.SortFunc(out, func(x, y FieldChange) int { return strings.Compare(x.Field, y.Field) })
	return out
}

func (d *configDiff) security(key, ns string, p, c *posture.WatchedObject) {
	changes := fieldChanges(p.Security, c.Security, p.Truncated || c.Truncated)
	if len(changes) == 0 {
		return
	}
	sev := posture.SeverityLow
	var worse []string
	for _, ch := range changes {
		if loosens(ch) {
			sev = posture.SeverityHigh
			worse = append(worse, ch.Field)
		}
	}
	verb := "hardened"
	if len(worse) > 0 {
		verb = "loosened"
	}
	d.add(WatchSecurityContext, key, ns, sev, fmt.Sprintf("%s: security context %s: %s", key, verb, listChanges(changes)), changes, nil)
}

func listChanges(changes []FieldChange) string {
	var parts []string
	for i, ch := range changes {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(changes)-3))
			break
		}
		parts = append(parts, ch.String())
	}
	return strings.Join(parts, "; ")
}

// loosens reports whether a security field moved towards less isolation.
func loosens(ch FieldChange) bool {
	name := ch.Field[strings.LastIndex(ch.Field, ".")+1:]
	b, a := ch.Before, ch.After
	switch name {
	case "hostNetwork", "hostPID", "hostIPC", "privileged":
		return a == "true"
	case "hostPath":
		return a != ""
	case "allowPrivilegeEscalation":
		return (b == "false" && a != "false") || (a == "true" && b != "true")
	case "runAsNonRoot":
		return (b == "true" && a != "true") || (a == "false" && b != "false")
	case "readOnlyRootFilesystem":
		return b == "true" && a != "true"
	case "runAsUser":
		return a == "0"
	case "seccompProfile":
		return a == "Unconfined" || (a == "" && b != "" && b != "Unconfined")
	case "add":
		return len(setMinus(splitList(a), splitList(b))) > 0
	case "drop":
		return len(setMinus(splitList(b), splitList(a))) > 0
	}
	return false
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// setMinus lists the elements of a that b lacks, in a's order.
func setMinus(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

func (d *configDiff) digests(key, ns string, p, c *posture.WatchedObject) {
	var changes []FieldChange
	var added, images []string
	paths := make([]string, 0, len(c.Images))
	for path := range c.Images {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		ref := c.Images[path]
		if p.Images[path] != ref || strings.Contains(ref, "@") {
			continue // a new tag is a deliberate change; a digest reference cannot move
		}
		before, after := p.Digests[path], c.Digests[path]
		if len(before) == 0 {
			continue // nothing known to compare with
		}
		if n := setMinus(after, before); len(n) > 0 {
			added = append(added, n...)
			images = append(images, ref)
			changes = append(changes, FieldChange{Field: path + ".imageID", Before: strings.Join(before, ","), After: strings.Join(after, ",")})
		}
	}
	if len(changes) == 0 {
		return
	}
	images = slices.Compact(images)
	summary := fmt.Sprintf("%s: image %s now runs %s behind the same tag (before: %s)", key, strings.Join(images, ", "),
		strings.Join(added, ", "), changes[0].Before)
	d.add(WatchImageDigest, key, ns, posture.SeverityHigh, summary, changes,
		map[string]string{"image": strings.Join(images, ","), "added": strings.Join(added, ",")})
}

func (d *configDiff) labels(key, ns string, p, c *posture.WatchedObject) {
	var changes []FieldChange
	cmpLabels := func(prefix string, before, after map[string]string) {
		for k, b := range before {
			if !d.labelKeys[k] {
				continue
			}
			if a := after[k]; a != b {
				changes = append(changes, FieldChange{Field: prefix + "[" + k + "]", Before: b, After: a})
			}
		}
	}
	cmpLabels("metadata.labels", p.Labels, c.Labels)
	cmpLabels("template.metadata.labels", p.PodLabels, c.PodLabels)
	if len(changes) == 0 {
		return
	}
	slices.SortFunc(changes, func(x, y FieldChange) int { return strings.Compare(x.Field, y.Field) })
	sev, verb := posture.SeverityLow, "changed"
	for _, ch := range changes {
		if ch.After == "" {
			sev, verb = posture.SeverityMedium, "removed"
		}
	}
	d.add(WatchLabels, key, ns, sev, fmt.Sprintf("%s: watched label %s: %s", key, verb, listChanges(changes)), changes, nil)
}

func bindingSeverity(o *posture.WatchedObject) posture.Severity {
	if o.Risk != "" {
		return posture.SeverityHigh
	}
	return posture.SeverityMedium
}

func bindingDetails(o *posture.WatchedObject, added []string) map[string]string {
	m := map[string]string{"role_ref": o.RoleRef, "subjects_added": strings.Join(added, ",")}
	if o.Risk != "" {
		m["risk"] = o.Risk
	}
	return m
}

func (d *configDiff) newBinding(key string, c *posture.WatchedObject) {
	changes := []FieldChange{{Field: "roleRef", After: c.RoleRef}, {Field: "subjects", After: strings.Join(c.Subjects, ",")}}
	d.add(WatchRBACBinding, key, c.Namespace, bindingSeverity(c),
		fmt.Sprintf("new %s %s grants %s to %s", c.Kind, key, roleText(c), subjectsText(c.Subjects)), changes, bindingDetails(c, c.Subjects))
}

func (d *configDiff) bindingChanged(key, ns string, p, c *posture.WatchedObject) {
	if p.RoleRef != c.RoleRef {
		changes := []FieldChange{{Field: "roleRef", Before: p.RoleRef, After: c.RoleRef},
			{Field: "subjects", Before: strings.Join(p.Subjects, ","), After: strings.Join(c.Subjects, ",")}}
		d.add(WatchRBACBinding, key, ns, bindingSeverity(c),
			fmt.Sprintf("%s %s now grants %s (was %s) to %s", c.Kind, key, roleText(c), p.RoleRef, subjectsText(c.Subjects)),
			changes, bindingDetails(c, c.Subjects))
		return
	}
	added := setMinus(c.Subjects, p.Subjects)
	if len(added) == 0 {
		return // fewer subjects is less access
	}
	changes := []FieldChange{{Field: "subjects", Before: strings.Join(p.Subjects, ","), After: strings.Join(c.Subjects, ",")}}
	d.add(WatchRBACBinding, key, ns, bindingSeverity(c),
		fmt.Sprintf("%s %s now also grants %s to %s", c.Kind, key, roleText(c), subjectsText(added)), changes, bindingDetails(c, added))
}

func roleText(o *posture.WatchedObject) string {
	if o.Risk == "wildcard" {
		return o.RoleRef + " (wildcard rules)"
	}
	return o.RoleRef
}

func subjectsText(s []string) string {
	if len(s) > 5 {
		return strings.Join(s[:5], ", ") + fmt.Sprintf(" and %d more", len(s)-5)
	}
	if len(s) == 0 {
		return "no subject"
	}
	return strings.Join(s, ", ")
}

func (d *configDiff) deleted(key string, p *posture.WatchedObject) {
	watch, sev, what := WatchNetworkPolicy, posture.SeverityMedium, "NetworkPolicy"
	if p.Kind == posture.WatchedBackupSchedule {
		watch, sev, what = WatchBackupSchedule, posture.SeverityHigh, "backup Schedule"
	}
	d.add(watch, key, p.Namespace, sev, fmt.Sprintf("%s %s was deleted", what, key),
		[]FieldChange{{Field: "object", Before: "present", After: "deleted"}}, nil)
}

// configDedupKey names a config_drift event by run, target, what changed and the asset.
func configDedupKey(e Event) string {
	sum := sha256.Sum256([]byte(e.AssetKey))
	return fmt.Sprintf("%s:%d:target:%d:%s:%s", e.Kind, e.RunID, e.TargetID, e.Details["watch"], hex.EncodeToString(sum[:8]))
}
