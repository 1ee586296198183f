package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/outbox"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// base is the host the spec's server names; kin-openapi's router matches it.
const base = "http://127.0.0.1:8080"

// tenantFixture is one tenant with a collected target and one of everything.
type tenantFixture struct {
	Tenant      *posture.Tenant
	Target      *posture.Target
	Run         *posture.Run
	FindingIDs  []int64
	AssetID     int64
	ExceptionID int64
	AttestID    int64
	MappingID   int64
	TokenID     int64
	ChannelID   int64
	RuleID      int64 // a disabled rule routing to ChannelID
	TicketID    int64
	ImageDigest string                  // an image whose facts are stored, running in Target
	VEXID       int64                   // a VEX statement about the image's openssl
	Tokens      map[posture.Role]string // a bearer token per role
}

type fixture struct {
	DB      *store.DB
	Server  *httpapi.Server
	Handler http.Handler
	Acme    *tenantFixture
	Globex  *tenantFixture
	clock   *storetest.Clock
	// Outbound is where channels may connect: the test receivers on 127.0.0.1, unless a
	// test narrows it.
	Outbound egress.Policy
}

func testSealer(t testing.TB) *seal.Sealer {
	raw, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.ParseKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return seal.New(k)
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newFixture builds a server on a fresh database of the dialect with two tenants, acme and
// globex, each holding the demo manifests collected once.
func newFixture(t testing.TB, dialect string) *fixture {
	t.Helper()
	clk := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
	db := storetest.OpenWith(t, dialect, storetest.Options{Now: clk.Now, Migrate: true})
	f := &fixture{DB: db, clock: clk, Outbound: egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}}
	sealer := testSealer(t)
	f.Acme = seedTenant(t, db, "acme", clk, sealer)
	f.Globex = seedTenant(t, db, "globex", clk, sealer)
	log := slog.New(slog.DiscardHandler)
	srv := httpapi.New(httpapi.Config{Listen: "127.0.0.1:0", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: 5 * time.Second, RequestTimeout: 10 * time.Second, ShutdownTimeout: 5 * time.Second,
		MaxBodyBytes: 1 << 20, MaxUploadBytes: 8 << 20, Version: "test"}, log, nil)
	srv.MountAPI(httpapi.APIOptions{
		Store: db, Sealer: sealer, LoginSealer: sealer, Catalog: checks.Builtin(), Now: clk.Now,
		Vulns: vulnStore{db, vulns.New(vulns.Options{Store: db, Now: clk.Now})}, MaxUploadBytes: 8 << 20,
		CredentialContext: store.TargetCredentialsContext,
		CheckCredentials: func(kind posture.TargetKind, raw []byte, kctx string) error {
			_, err := sources.ParseKubeconfig(raw, kctx, egress.Policy{})
			return err
		},
		RunNow: func(ctx context.Context, tg posture.Target) (*posture.Run, error) {
			return db.StartRun(ctx, tg.TenantID, tg.ID, "manual", clk.Now())
		},
		Interval: func(s string) (time.Duration, error) { return schedule.CheckedInterval(s, clk.Now()) },
		Alerts:   db, Tickets: db, ChannelContext: store.ChannelSecretContext, Images: db,
		BuildChannel: func(ch alerting.Channel, secret []byte) (notify.Channel, error) {
			return outbox.Sender(ch, secret, f.Outbound)
		},
		ManifestRoots: []string{"/srv"},
	})
	f.Server, f.Handler = srv, srv.Handler()
	return f
}

func seedTenant(t testing.TB, db *store.DB, slug string, clk *storetest.Clock, sealer *seal.Sealer) *tenantFixture {
	t.Helper()
	ctx := context.Background()
	ten := &posture.Tenant{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:]}
	must(t, db.CreateTenant(ctx, ten))
	tg := &posture.Target{TenantID: ten.ID, Name: slug + "-manifests", Kind: posture.TargetManifests, Schedule: "15m",
		Enabled: true, Settings: map[string]string{"path": "../../e2e/demo/manifests"}}
	must(t, db.CreateTarget(ctx, tg))
	r := &runner.Runner{Runs: db, Sources: map[posture.TargetKind]runner.Source{posture.TargetManifests: sources.Manifests()},
		Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(),
		Log: slog.New(slog.DiscardHandler), Now: clk.Now}
	run, err := r.Run(ctx, *tg, "test")
	must(t, err)
	if run.Status != posture.RunComplete || run.Failed == 0 {
		t.Fatalf("seed run of %s: status %s, %d failed", slug, run.Status, run.Failed)
	}
	f := &tenantFixture{Tenant: ten, Target: tg, Run: run, Tokens: map[posture.Role]string{}}
	page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{Limit: 5})
	must(t, err)
	for _, fd := range page.Findings {
		f.FindingIDs = append(f.FindingIDs, fd.ID)
	}
	f.AssetID = page.Findings[0].AssetID
	tk := &posture.Ticket{TenantID: ten.ID, FindingIDs: []int64{page.Findings[4].ID}, CreatedBy: "fixture"}
	must(t, db.CreateTicket(ctx, tk, posture.DefaultSLA))
	f.TicketID = tk.ID
	exc := &posture.Exception{TenantID: ten.ID, CheckID: page.Findings[0].CheckID, Reason: "vendor image, fix due Q3",
		RequestedBy: "someone@" + slug + ".example", ExpiresAt: clk.Now().Add(30 * 24 * time.Hour)}
	must(t, db.CreateException(ctx, exc))
	f.ExceptionID = exc.ID
	att := &posture.Attestation{TenantID: ten.ID, CSAID: attestID(), Statement: "Images are rebuilt weekly.",
		Owner: "platform", CreatedBy: "someone@" + slug + ".example", ExpiresAt: clk.Now().Add(90 * 24 * time.Hour)}
	must(t, db.CreateAttestation(ctx, att))
	f.AttestID = att.ID
	ch := &alerting.Channel{TenantID: ten.ID, Name: "soc-webhook", Kind: "webhook", Settings: map[string]string{"url": "http://127.0.0.1:9/hook"}}
	must(t, db.CreateSealedChannel(ctx, ch, func(id int64) ([]byte, error) {
		return sealer.Seal([]byte("a-webhook-signing-secret-0123456789"), store.ChannelSecretContext(id))
	}))
	f.ChannelID = ch.ID
	// Disabled: it routes nothing, so other tests' deliveries are as without it.
	rule := &alerting.Rule{TenantID: ten.ID, Name: "fixture-rule", MinSeverity: posture.SeverityHigh, ChannelID: ch.ID}
	must(t, db.CreateRule(ctx, rule))
	rule.Enabled = false
	must(t, db.UpdateRule(ctx, rule))
	f.RuleID = rule.ID
	f.ImageDigest = "sha256:" + hash(slug)
	must(t, db.SaveImageFacts(ctx, ten.ID, []*imagefacts.Image{{Digest: f.ImageDigest, Registry: "registry." + slug + ".example",
		Repository: "shop/web", ObservedAt: clk.Now(), Variants: []imagefacts.Variant{{Digest: f.ImageDigest, User: "app",
			Platform: imagefacts.Platform{OS: "linux", Architecture: "amd64"}, EnvNames: []string{"DB_PASSWORD"},
			SecretEnv: []imagefacts.SecretEnv{{Name: "DB_PASSWORD", Reason: "literal"}}}},
		Trust: &imagefacts.Trust{Rule: "shop", Reasons: []string{"no signature found"}}}}))
	must(t, db.RecordImageUsages(ctx, ten.ID, tg.ID, []imagefacts.Usage{{Digest: f.ImageDigest, Namespace: "shop",
		Workload: "apps/Deployment/shop/web", Container: "container:web", Image: "registry." + slug + ".example/shop/web:1.0"}}, true))
	seedVulnerabilities(t, db, ten.ID, f, clk.Now())
	rm := &posture.RoleMapping{TenantID: ten.ID, ClaimValue: slug + ":viewers", Role: posture.RoleViewer}
	must(t, db.CreateRoleMapping(ctx, rm))
	f.MappingID = rm.ID
	for _, role := range posture.Roles {
		secret := "pal_" + slug + "_" + strings.ReplaceAll(string(role), "-", "_") + "_0123456789abcdef"
		tok := &posture.APIToken{TenantID: ten.ID, Name: "test-" + string(role), Prefix: secret[:10], Hash: hash(secret),
			Role: role, CreatedBy: "fixture"}
		must(t, db.CreateAPIToken(ctx, tok))
		f.Tokens[role] = secret
		f.TokenID = tok.ID
	}
	return f
}

// attestID is an attest-only recommendation of the catalog.
func attestID() string {
	for _, rc := range checks.Builtin().Recommendations() {
		if rc.Mode == "attest" {
			return rc.ID
		}
	}
	panic("no attest-only recommendation")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// call sends a request with a bearer token (empty: anonymous) and validates the response
// against api/openapi.yaml.
func (f *fixture) call(t testing.TB, token, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, base+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return f.send(t, req)
}

func (f *fixture) send(t testing.TB, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	f.Handler.ServeHTTP(w, req)
	validateResponse(t, req, w)
	return w
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// validateResponse checks status, headers and body against the operation in the spec.
func validateResponse(t testing.TB, req *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	specOnce.Do(func() {
		// JSON Lines: the spec types the stream as a string; lines are checked by the tests.
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
		raw, err := os.ReadFile("../../api/openapi.yaml")
		if err != nil {
			specErr = err
			return
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			specErr = err
			return
		}
		if specErr = doc.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	if specErr != nil {
		t.Fatalf("api/openapi.yaml: %v", specErr)
	}
	route, params, err := specRouter.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no operation in the spec: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 w.Code,
		Header:                 w.Header(),
		Body:                   io.NopCloser(strings.NewReader(w.Body.String())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s -> %d does not match api/openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.Path, w.Code, err, w.Body.String())
	}
}

func nopLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// vulnStore is the API's vulnerability store as cmd wires it: the store and the service.
type vulnStore struct {
	*store.DB
	*vulns.Service
}

// seedVulnerabilities gives the fixture image an SBOM with an old openssl, an advisory
// that affects it, and a VEX statement.
func seedVulnerabilities(t testing.TB, db *store.DB, tenantID int64, f *tenantFixture, now time.Time) {
	t.Helper()
	ctx := context.Background()
	svc := vulns.New(vulns.Options{Store: db, Now: func() time.Time { return now }})
	_, err := svc.Ingest(ctx, tenantID, &sbom.SBOM{Digest: f.ImageDigest, Source: sbom.SourceExtractor, Format: sbom.FormatLayers,
		Origin: "fixture", ObservedAt: now, Distro: &sbom.Distro{ID: "debian", Version: "12"},
		Components: []sbom.Component{{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.11-1~deb12u1", SourceName: "openssl",
			PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?distro=debian-12&upstream=openssl"}}})
	must(t, err)
	affected := []byte(`[{"ecosystem":"Debian:12","name":"openssl","ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]}]}]`)
	_, err = db.SaveAdvisories(ctx, []vulns.AdvisoryRecord{{ID: "DEBIAN-CVE-2024-0727", Feed: "Debian", Modified: now.Add(-time.Hour),
		Severity: int(posture.SeverityHigh), CVSS: 7.5, Aliases: []string{"CVE-2024-0727"}, Summary: "PKCS12 NULL dereference",
		Packages: []vulns.AffectedPackage{{Ecosystem: "Debian:12", Name: "openssl", Affected: affected}}}})
	must(t, err)
	if _, _, err := svc.Rematch(ctx, false); err != nil {
		t.Fatal(err)
	}
	v := &vulns.VEXStatement{Vulnerability: "CVE-2024-0727", Digest: f.ImageDigest, Component: "libssl3",
		Justification: "vulnerable_code_not_in_execute_path", Reason: "PKCS12 files are never parsed", ExpiresAt: now.Add(30 * 24 * time.Hour), CreatedBy: "fixture"}
	must(t, db.CreateVEX(ctx, tenantID, v))
	f.VEXID = v.ID
}
