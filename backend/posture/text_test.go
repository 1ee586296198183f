package posture

import "testing"

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"ünïcödé ✓":        "ünïcödé ✓",
		"a\x00b":           "a\uFFFDb",
		"\x00\x00":         "\uFFFD\uFFFD",
		"bad\xff\xfebytes": "bad\uFFFDbytes", // one invalid sequence, one replacement
		"tab\tand\nline":   "tab\tand\nline", // other controls are storable: terminals are termsafe's job
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
		if !TextIsClean(CleanText(in)) {
			t.Errorf("CleanText(%q) is not clean", in)
		}
	}
}

// Every string of an outcome, including map keys, shared assets and the watched state, is
// cleaned; clean text is left as it is.
func TestRunOutcomeClean(t *testing.T) {
	a := &Asset{Key: "apps/Deployment/shop/w\x00", Name: "w\x00", Namespace: "shop", Labels: map[string]string{"k\x00": "v\x00", "ok": "fine"}}
	out := RunOutcome{
		Assets:  []Asset{{Key: "core/Namespace/s\xff"}},
		Results: []Result{{CheckID: "c", Asset: a, SubKey: "container:w\x00", Message: "m\x00", Evidence: map[string]string{"e": "\x00"}}, {CheckID: "c", Asset: a}},
		Errors:  []CollectionError{{Source: "f\x00.yaml", Message: "bad\x00"}},
		Scores:  []ScoreSnapshot{{ScopeKind: ScopeNamespace, ScopeKey: "s\x00"}},
		Watched: &WatchedState{Objects: map[string]WatchedObject{"k\x00": {Kind: "Workload", Labels: map[string]string{"l": "\x00"},
			Digests: map[string][]string{"containers[w\x00]": {"sha256:\x00"}}}}},
	}
	out.Clean()
	for _, s := range []string{out.Assets[0].Key, a.Key, a.Name, a.Labels["k\uFFFD"], out.Results[0].SubKey, out.Results[0].Message,
		out.Results[0].Evidence["e"], out.Errors[0].Source, out.Errors[0].Message, out.Scores[0].ScopeKey,
		out.Watched.Objects["k\uFFFD"].Labels["l"], out.Watched.Objects["k\uFFFD"].Digests["containers[w\uFFFD]"][0]} {
		if s == "" || !TextIsClean(s) {
			t.Errorf("not cleaned: %q (%+v)", s, out)
		}
	}
	if a.Labels["ok"] != "fine" || out.Assets[0].Key != "core/Namespace/s\uFFFD" {
		t.Errorf("clean text changed: %q %q", a.Labels["ok"], out.Assets[0].Key)
	}
}
