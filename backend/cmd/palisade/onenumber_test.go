package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// One run, one set of numbers (issue 14, "one number everywhere"): the API's tenant summary,
// its target row and explanation, `palisade targets list` and the stored snapshot agree on
// compliance, risk and open findings. `palisade scan` of the same manifests agrees on risk and
// findings, and its compliance differs exactly by the attestations it cannot see, which its
// report says.
func TestIntegrationOneNumberEverywhere(t *testing.T) {
	const manifest = "../../../e2e/demo/manifests/analytics.yaml"
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.OpenWith(t, d, storetest.Options{Migrate: true})
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetManifests)
			tgt.Settings = map[string]string{"path": manifest}
			must(t, db.UpdateTarget(ctx, tgt))
			var attested string
			for _, r := range csa.All() {
				if r.Mode == csa.ModeAttest {
					attested = r.ID
					break
				}
			}
			must(t, db.CreateAttestation(ctx, &posture.Attestation{TenantID: ten.ID, CSAID: attested, Statement: "reviewed quarterly",
				Owner: "sam@acme.example", CreatedBy: "sam@acme.example", ExpiresAt: time.Now().Add(24 * time.Hour)}))
			log := slog.New(slog.DiscardHandler)
			r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(),
				Log: log, Now: time.Now, Attestations: db.ListAttestations,
				Sources: map[posture.TargetKind]runner.Source{posture.TargetManifests: sources.Manifests()}}
			if run, err := r.Run(ctx, *tgt, "test"); err != nil || run.Status != posture.RunComplete {
				t.Fatalf("run: %+v %v", run, err)
			}

			// The stored snapshot, as every view reads it.
			snaps, err := db.LatestScores(ctx, ten.ID, tgt.ID)
			must(t, err)
			var stored posture.ScoreSnapshot
			for _, s := range snaps {
				if s.ScopeKind == posture.ScopeOverall {
					stored = s
				}
			}
			if stored.Compliance == nil || stored.Risk == 0 || stored.Model != scoring.Model {
				t.Fatalf("stored overall = %+v", stored)
			}
			want := numbers{Compliance: scoring.Round1(*stored.Compliance), Risk: scoring.Round1(stored.Risk), Open: stored.OpenBySeverity.Total(),
				Evaluated: stored.Evaluated, Failed: stored.Failed}

			// The API, with a viewer's token.
			secret := "pal_acme_viewer_0123456789abcdef"
			sum := sha256.Sum256([]byte(secret))
			must(t, db.CreateAPIToken(ctx, &posture.APIToken{TenantID: ten.ID, Name: "numbers", Prefix: secret[:10],
				Hash: hex.EncodeToString(sum[:]), Role: posture.RoleViewer, CreatedBy: "test"}))
			srv := httpapi.New(httpapi.Config{RequestTimeout: 30 * time.Second, MaxBodyBytes: 1 << 20}, log, nil)
			opts, err := apiOptions(ctx, db, config.Default(), nil, nil, log)
			must(t, err)
			srv.MountAPI(opts)
			get := func(path string, into any) {
				t.Helper()
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				srv.Handler().ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				must(t, json.Unmarshal(rec.Body.Bytes(), into))
			}
			var summary struct {
				Overall numbers   `json:"overall"`
				Targets []numbers `json:"targets"`
			}
			get("/api/v1/tenants/acme/scores", &summary)
			var explained numbers
			get("/api/v1/tenants/acme/scores/explain?target="+itoa(tgt.ID), &explained)

			// `palisade targets list`.
			rows, err := targetStatuses(ctx, db, time.Now())
			must(t, err)
			cli := numbers{Compliance: *rows[0].Compliance, Risk: *rows[0].Risk, Open: rows[0].Open, Evaluated: rows[0].Evaluated, Failed: rows[0].Failed}

			for name, got := range map[string]numbers{"API tenant": summary.Overall, "API target": summary.Targets[0], "API explain": explained, "targets list": cli} {
				if got != want {
					t.Errorf("%s shows %+v, the stored run %+v", name, got, want)
				}
			}

			// `palisade scan` of the same file: no attestations, so its compliance is the
			// stored evidence without them.
			scan := scanJSON(t, "-p", manifest)["score"].(map[string]any)
			withoutAtt := map[string]posture.RecTally{}
			for id, tl := range stored.Recs {
				tl.Attestation = posture.AttestationNotCounted
				withoutAtt[id] = tl
			}
			c, n := scoring.ModesOf(nil).Compliance(withoutAtt, true)
			if scan["risk"] != want.Risk || int(scan["failed"].(float64)) != want.Failed || int(scan["evaluated"].(float64)) != want.Evaluated {
				t.Errorf("scan: risk %v, %v failed of %v; the server's run: %+v", scan["risk"], scan["failed"], scan["evaluated"], want)
			}
			if scan["compliance"] != math.Round(*c*100)/100 || int(scan["recommendations"].(float64)) != n {
				t.Errorf("scan compliance %v over %v recommendations; the server's evidence without attestations gives %.4f over %d", scan["compliance"], scan["recommendations"], *c, n)
			}
			if left := scan["left_out"].(map[string]any); left["attest_only_recommendations"] != 10.0 {
				t.Errorf("scan does not say what it leaves out: %v", left)
			}
			if *stored.Compliance == *c {
				t.Errorf("the attestation made no difference to the server's compliance (%.4f)", *c)
			}
		})
	}
}

// numbers are what every view must agree on.
type numbers struct {
	Compliance float64 `json:"compliance"`
	Risk       float64 `json:"risk"`
	Open       int     `json:"open"`
	Evaluated  int     `json:"evaluated"`
	Failed     int     `json:"failed"`
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
