package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/watch"
	"github.com/palisade-dev/palisade/internal/synth"
)

// BenchmarkFinishRunWatchedState is what config drift adds to recording a complete run of
// the budget cluster (20,000 workloads, 5,000 bindings; a distinct digest per pod, the worst
// case for the state's size): read and decompress the previous watched state, compare,
// compress and write the new one, in the run's transaction. No findings, so that only the
// watched state is measured.
func BenchmarkFinishRunWatchedState(b *testing.B) {
	inv, _, err := synth.Inventory(synth.Scale100k())
	if err != nil {
		b.Fatal(err)
	}
	inv.Compact()
	st := watch.Extract(inv, watch.Options{LabelKeys: []string{"palisade.dev/classification", "palisade.dev/owner"}})
	inv = nil
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		b.Run(dialect, func(b *testing.B) {
			if dialect == store.Postgres && os.Getenv(storetest.DSNEnv) == "" {
				b.Skipf("%s not set", storetest.DSNEnv)
			}
			ctx := context.Background()
			db := storetest.Open(b, dialect)
			ten, tgt := benchTarget(b, db)
			at := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
			finish := func(at time.Time) {
				run, err := db.StartRun(ctx, ten, tgt, "bench", at)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.FinishRun(ctx, ten, run.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: at, Watched: st}); err != nil {
					b.Fatal(err)
				}
			}
			finish(at)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				finish(at.Add(time.Duration(i+1) * time.Hour))
			}
			b.ReportMetric(float64(len(st.Objects)), "objects")
		})
	}
}
