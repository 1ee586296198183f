package posture

import (
	"strings"
	"unicode/utf8"
)

// Text from outside (manifests, API servers, registries, hosts) may hold NUL characters and
// bytes that are not UTF-8. PostgreSQL stores neither (SQLSTATE 22P05, 22021) and a JSON
// column refuses "\u0000", so such text is cleaned where it enters the domain: CleanText
// replaces each NUL and each invalid byte sequence with U+FFFD, visibly, rather than
// dropping it (a name "a\x00b" must not become the name "ab" of another object).

// replacement is what a NUL or an invalid byte sequence becomes.
const replacement = "\uFFFD"

// TextIsClean reports whether s is valid UTF-8 without NUL characters.
func TextIsClean(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// CleanText returns s with every NUL and invalid UTF-8 sequence replaced by U+FFFD.
func CleanText(s string) string {
	if TextIsClean(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, replacement), "\x00", replacement)
}

// cleanMap cleans a map's keys and values in place (rebuilding it only when a key changes).
func cleanMap(m map[string]string) map[string]string {
	dirty := false
	for k, v := range m {
		if !TextIsClean(k) {
			dirty = true
			break
		}
		if !TextIsClean(v) {
			m[k] = CleanText(v)
		}
	}
	if !dirty {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[CleanText(k)] = CleanText(v)
	}
	return out
}

func cleanList(l []string) {
	for i, s := range l {
		l[i] = CleanText(s)
	}
}

// CleanAsset cleans an asset's text in place.
func CleanAsset(a *Asset) {
	a.Key, a.ParentKey, a.Name, a.Namespace = CleanText(a.Key), CleanText(a.ParentKey), CleanText(a.Name), CleanText(a.Namespace)
	a.Labels = cleanMap(a.Labels)
}

// Clean makes every string of the outcome storable (see CleanText). Results share their
// assets, so each asset is cleaned once. It is cheap on clean text: one scan per string.
func (o *RunOutcome) Clean() {
	for i := range o.Assets {
		CleanAsset(&o.Assets[i])
	}
	seen := map[*Asset]bool{}
	for i := range o.Results {
		r := &o.Results[i]
		if r.Asset != nil && !seen[r.Asset] {
			seen[r.Asset] = true
			CleanAsset(r.Asset)
		}
		r.CheckID, r.SubKey, r.Message = CleanText(r.CheckID), CleanText(r.SubKey), CleanText(r.Message)
		cleanList(r.CSA)
		r.Evidence = cleanMap(r.Evidence)
	}
	for i := range o.Errors {
		o.Errors[i].Source, o.Errors[i].Message = CleanText(o.Errors[i].Source), CleanText(o.Errors[i].Message)
	}
	o.OwnerLabelKey = CleanText(o.OwnerLabelKey)
	for i := range o.Scores {
		s := &o.Scores[i]
		s.ScopeKey = CleanText(s.ScopeKey)
		for j := range s.Contributors {
			s.Contributors[j].CheckID = CleanText(s.Contributors[j].CheckID)
		}
	}
	if o.Watched != nil {
		o.Watched.clean()
	}
}

func (s *WatchedState) clean() {
	cleanList(s.LabelKeys)
	cleanList(s.Incomplete)
	dirtyKey := false
	for k, obj := range s.Objects {
		obj.clean()
		s.Objects[k] = obj
		dirtyKey = dirtyKey || !TextIsClean(k)
	}
	if dirtyKey {
		objs := make(map[string]WatchedObject, len(s.Objects))
		for k, obj := range s.Objects {
			objs[CleanText(k)] = obj
		}
		s.Objects = objs
	}
}

func (o *WatchedObject) clean() {
	o.Kind, o.Namespace, o.RoleRef, o.Risk = CleanText(o.Kind), CleanText(o.Namespace), CleanText(o.RoleRef), CleanText(o.Risk)
	o.Security, o.Images = cleanMap(o.Security), cleanMap(o.Images)
	o.Labels, o.PodLabels = cleanMap(o.Labels), cleanMap(o.PodLabels)
	cleanList(o.Subjects)
	dirtyKey := false
	for k, l := range o.Digests {
		cleanList(l)
		dirtyKey = dirtyKey || !TextIsClean(k)
	}
	if dirtyKey {
		digests := make(map[string][]string, len(o.Digests))
		for k, l := range o.Digests {
			digests[CleanText(k)] = l
		}
		o.Digests = digests
	}
}
