package watch

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/internal/synth"
)

// BenchmarkExtract100kPods takes the watched state of the budget cluster (100,000 pods,
// 20,000 workloads, 5,000 bindings; compacted as collectors leave it) and compares it with
// itself. Its pods report a distinct digest each, the worst case for the state's size.
func BenchmarkExtract100kPods(b *testing.B) {
	inv, _, err := synth.Inventory(synth.Scale100k())
	if err != nil {
		b.Fatal(err)
	}
	inv.Compact()
	opts := Options{LabelKeys: []string{"palisade.dev/classification", "palisade.dev/tenant", "palisade.dev/owner"}}
	b.Run("extract", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Extract(inv, opts)
		}
		st := Extract(inv, opts)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_ = json.NewEncoder(zw).Encode(st)
		_ = zw.Close()
		b.ReportMetric(float64(len(st.Objects)), "objects")
		b.ReportMetric(float64(buf.Len())/1e6, "gzip-MB")
		if len(st.Incomplete) != 0 {
			b.Fatalf("the budget cluster hit a limit: %v", st.Incomplete)
		}
	})
	b.Run("diff", func(b *testing.B) {
		prev, cur := Extract(inv, opts), Extract(inv, opts)
		b.ReportAllocs()
		for b.Loop() {
			alerting.CarryDigests(prev, cur)
			if ev := alerting.ConfigDrift(1, 2, 3, 2, time.Now(), prev, cur); len(ev) != 0 {
				b.Fatalf("the same cluster twice raised %d events", len(ev))
			}
		}
	})
}
