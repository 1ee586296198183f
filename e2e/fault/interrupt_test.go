package fault_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// TestFaultKilledOrStoppedMidRun: a process killed (SIGKILL) in the middle of a collection
// leaves its run "running" and its target locked; the next process ends that run as
// interrupted at start-up and "run now" works at once (it answered 409 until a lease
// expired). A process stopped with SIGTERM in the middle of a collection records the run
// as failed ("cancelled: Palisade was stopping") and exits 0. On both databases.
func TestFaultKilledOrStoppedMidRun(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			g := newGate(nil) // never opened: every collection is mid-way until cancelled
			cluster := httptest.NewServer(g)
			defer cluster.Close()
			dbSpec := freshDatabase(t, dialect)
			cfg := writeConfig(t, dbSpec, fmt.Sprintf("{name: slow, kind: cluster, kubeconfig: %q, schedule: 1h}", gateKubeconfig(t, cluster.URL)))

			first := startServer(t, cfg)
			db := dbSpec.open(t)
			waitFor(t, "the first run to be collecting", 30*time.Second, func() bool { return len(runningRuns(t, db)) == 1 })
			<-g.arrived
			killed := runningRuns(t, db)[0]
			first.kill()
			if still := runningRuns(t, db); len(still) != 1 || still[0].ID != killed.ID {
				t.Fatalf("after SIGKILL: running runs %+v", still)
			}
			operator := makeToken(t, db, "acme", posture.RoleOperator, "operator")

			// The next process ends the killed run before it serves, and frees the target.
			second := startServer(t, cfg)
			ten, err := db.TenantBySlug(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Run(ctx, ten.ID, killed.ID)
			if err != nil || got.Status != posture.RunFailed || len(got.Errors) != 1 || got.Errors[0].Source != posture.InterruptedSource ||
				!strings.Contains(got.Errors[0].Message, "stopped before it finished") {
				t.Fatalf("the killed process's run after a restart: %+v, %v", got, err)
			}
			resp, err := apiCall(http.DefaultClient, "POST", fmt.Sprintf("%s/api/v1/tenants/acme/targets/%d/runs", second.URL, killed.TargetID), operator)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("run now after the restart: %d, want 202", resp.StatusCode)
			}
			waitFor(t, "the manual run to be collecting", 30*time.Second, func() bool {
				runs := runningRuns(t, db)
				return len(runs) == 1 && runs[0].ID != killed.ID
			})
			manual := runningRuns(t, db)[0]

			// SIGTERM mid-collection: the run is recorded, the process exits 0.
			if err := second.terminate(60 * time.Second); err != nil {
				t.Fatalf("exit after SIGTERM: %v", err)
			}
			got, err = db.Run(ctx, ten.ID, manual.ID)
			if err != nil || got.Status != posture.RunFailed || len(got.Errors) != 1 || got.Errors[0].Message != "cancelled: Palisade was stopping" {
				t.Fatalf("the run stopped by SIGTERM: %+v, %v", got, err)
			}
			if left := runningRuns(t, db); len(left) != 0 {
				t.Fatalf("runs left running: %+v", left)
			}
		})
	}
}
