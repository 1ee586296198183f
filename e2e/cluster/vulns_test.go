package cluster_test

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/advisories/osvtest"
	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// The first "done when", end to end with real parts: a Debian image with an old
// openssl in its dpkg database and an Alpine image with an old libssl3, on Debian's
// docker-registry, run by Deployments in a real kube-apiserver. The cluster run reads their
// packages from their layers; an advisory published afterwards, in a feed refresh alone,
// makes them vulnerable with the workloads that run them and raises drift events; the next
// run fails image.vulnerabilities on those workloads.
func TestVulnerabilitiesOfRunningImagesAfterAFeedRefresh(t *testing.T) {
	c := kubeharness.Start(t)
	ctx := t.Context()
	admin := clientset.NewForConfigOrDie(c.AdminConfig())
	bindCollector(t, admin, shippedCollectorRole(t))

	reg := rt.Distribution(t, "palisade", "registry-pass")
	debian := reg.Pusher.Push(t, "shop/api:2.1", imagepkgstest.DebianImage(t, "12"))
	alpine := reg.Pusher.Push(t, "edge/proxy:1.0", imagepkgstest.AlpineImage(t, "3.19.1"))
	_, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "imgs"}}, metav1.CreateOptions{})
	must(t, err)
	runDeployment(t, admin, "api", reg.Host+"/shop/api:2.1", reg.Host+"/shop/api@"+debian)
	runDeployment(t, admin, "proxy", reg.Host+"/edge/proxy:1.0", reg.Host+"/edge/proxy@"+alpine)

	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			now := time.Now().UTC()
			clock := func() time.Time { return now }
			db := storetest.OpenWith(t, d, storetest.Options{Migrate: true, Now: clock})
			ten := &posture.Tenant{Slug: "acme", Name: "Acme"}
			must(t, db.CreateTenant(ctx, ten))
			creds, _ := json.Marshal(map[string]string{"username": "palisade", "password": "registry-pass"})
			must(t, db.CreateTarget(ctx, &posture.Target{TenantID: ten.ID, Name: "registry", Kind: posture.TargetRegistry, Schedule: "1h",
				Enabled: true, Settings: map[string]string{sources.SettingURL: reg.URL, sources.SettingCABundle: string(reg.CAPEM)},
				Credentials: []byte("sealed")}))
			cluster := &posture.Target{TenantID: ten.ID, Name: "harness", Kind: posture.TargetCluster, Schedule: "10m", Enabled: true,
				Settings: map[string]string{"kubeconfig": c.Kubeconfig(t, c.CollectorToken), "context": kubeharness.ContextName}}
			must(t, db.CreateTarget(ctx, cluster))

			dir := t.TempDir()
			debFeed, apkFeed := filepath.Join(dir, "Debian.zip"), filepath.Join(dir, "Alpine.zip")
			old := now.Add(-30 * 24 * time.Hour)
			must(t, osvtest.WriteArchive(debFeed, now, osvtest.Advisory{ID: "DEBIAN-CVE-2020-1", Ecosystem: "Debian:12", Package: "zlib",
				Fixed: "1:1.2.11.dfsg-1", Modified: old}))
			must(t, osvtest.WriteArchive(apkFeed, now, osvtest.Advisory{ID: "ALPINE-CVE-2020-1", Ecosystem: "Alpine:v3.19", Package: "busybox",
				Fixed: "1.30.0-r0", Modified: old}))
			svc := vulns.New(vulns.Options{Store: db, Now: clock, Feeds: []advisories.FeedSource{{Ecosystem: "Debian", File: debFeed},
				{Ecosystem: "Alpine", File: apkFeed}}})
			for _, r := range svc.Refresh(ctx) {
				must(t, r.Err)
			}
			regOpts := sources.RegistryOptions{Images: db, Outbound: egress.Policy{}.WithLoopback(), Vulns: svc, Now: clock,
				OpenCredentials: func(posture.Target) ([]byte, error) { return creds, nil }}
			cfg := checks.DefaultConfig()
			cfg.Now = clock
			r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: cfg, Weights: posture.DefaultWeights(),
				Log: slog.New(slog.DiscardHandler), Now: clock,
				Sources: map[posture.TargetKind]runner.Source{posture.TargetCluster: sources.Cluster(sources.ClusterOptions{
					Images: &sources.RunningImages{Images: db, Usages: db, Targets: db.ListTargets, Registry: regOpts}})}}
			run, err := r.Run(ctx, *cluster, "test")
			if err != nil || run.Status != posture.RunComplete {
				t.Fatalf("first cluster run = %+v, %v", run, err)
			}
			sboms, err := db.SBOMInfos(ctx, ten.ID, []string{debian, alpine})
			if err != nil || sboms[debian].Source != "extractor" || sboms[alpine].Source != "extractor" || sboms[debian].Components < 5 {
				t.Fatalf("SBOMs after the first run = %+v, %v", sboms, err)
			}
			if f := openFindings(t, db, ten.ID, "image.vulnerabilities"); len(f) != 0 {
				t.Fatalf("image.vulnerabilities before any relevant advisory = %+v", f)
			}

			// Published now: openssl on Debian 12 (critical) and on Alpine 3.19 (high).
			now = now.Add(time.Hour)
			must(t, osvtest.WriteArchive(debFeed, now,
				osvtest.Advisory{ID: "DEBIAN-CVE-2020-1", Ecosystem: "Debian:12", Package: "zlib", Fixed: "1:1.2.11.dfsg-1", Modified: old},
				osvtest.Advisory{ID: "DEBIAN-CVE-2026-31337", Alias: "CVE-2026-31337", Ecosystem: "Debian:12", Package: "openssl",
					Fixed: "3.0.13-1~deb12u1", Vector: osvtest.Critical, Modified: now}))
			must(t, osvtest.WriteArchive(apkFeed, now,
				osvtest.Advisory{ID: "ALPINE-CVE-2020-1", Ecosystem: "Alpine:v3.19", Package: "busybox", Fixed: "1.30.0-r0", Modified: old},
				osvtest.Advisory{ID: "ALPINE-CVE-2026-31337", Alias: "CVE-2026-31337", Ecosystem: "Alpine:v3.19", Package: "openssl",
					Fixed: "3.1.4-r5", Vector: osvtest.High, Modified: now}))
			for _, r := range svc.Refresh(ctx) {
				if r.Err != nil || r.NewVulns == 0 || r.Events == 0 {
					t.Fatalf("refresh %s = %+v", r.Ecosystem, r)
				}
			}
			// One query: where does CVE-2026-31337 run?
			ids, err := db.ResolveVulnerability(ctx, "CVE-2026-31337")
			must(t, err)
			page, err := db.ListImageVulns(ctx, ten.ID, store.VulnQuery{AdvisoryIDs: ids})
			must(t, err)
			where := map[string]bool{}
			for _, v := range page.Items {
				usages, err := db.ImageUsages(ctx, ten.ID, v.Digest, 10)
				must(t, err)
				for _, u := range usages {
					where[u.Workload+" "+v.Component+" "+v.Installed] = true
				}
			}
			for _, want := range []string{"apps/Deployment/imgs/api libssl3 " + imagepkgstest.OldOpenSSL,
				"apps/Deployment/imgs/proxy libssl3 " + imagepkgstest.OldAlpineOpenSSL} {
				if !where[want] {
					t.Fatalf("CVE-2026-31337 runs in %v; missing %q", where, want)
				}
			}
			drift, err := db.ListDriftEvents(ctx, ten.ID, alerting.DriftFilter{Kinds: []string{alerting.KindNewVulnerability}, Limit: 50})
			must(t, err)
			if len(drift) == 0 || drift[0].TargetID != cluster.ID || !strings.Contains(drift[0].Summary, "apps/Deployment/imgs/") {
				t.Fatalf("new_vulnerability drift = %+v", drift)
			}

			// The next run turns it into findings on the workloads.
			now = now.Add(time.Hour)
			run, err = r.Run(ctx, *cluster, "test")
			if err != nil || run.Status != posture.RunComplete {
				t.Fatalf("second cluster run = %+v, %v", run, err)
			}
			found := map[string]string{}
			for _, f := range openFindings(t, db, ten.ID, "image.vulnerabilities") {
				found[f.AssetKey] = f.Message
			}
			if !strings.Contains(found["apps/Deployment/imgs/api"], "DEBIAN-CVE-2026-31337") ||
				!strings.Contains(found["apps/Deployment/imgs/proxy"], "ALPINE-CVE-2026-31337") {
				t.Fatalf("image.vulnerabilities findings = %v", found)
			}
		})
	}
}
