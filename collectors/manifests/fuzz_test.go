package manifests

import (
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, must stay within
// its limits, and every error must name its source.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(deployment))
	f.Add([]byte(deployment + "---\napiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Namespace, metadata: {name: a}}]\n"))
	f.Add([]byte(billionLaughs()))
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: dg==}\n"))
	f.Add([]byte("apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: b}\nstatus: {phase: Completed, completionTimestamp: '2026-01-02T03:04:05Z'}\n"))
	f.Add([]byte(`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"x"},"spec":{"replicas":"3"}}`))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("\xff\xfe"))
	opts := Options{MaxFileBytes: 1 << 20, MaxDocuments: 1000}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := NewResult()
		DecodeBytes(data, "fuzz.yaml", opts, res)
		for _, e := range res.Errors {
			if e.Source != "fuzz.yaml" || e.Message == "" {
				t.Fatalf("error without source or message: %+v", e)
			}
			if strings.Contains(e.Message, "decoder failure") {
				t.Fatalf("decoder panicked: %s", e.Message)
			}
		}
		docs := strings.Count(string(data), "\n") + 2
		if res.Objects > docs*1000 {
			t.Fatalf("%d objects from %d lines", res.Objects, docs)
		}
	})
}
