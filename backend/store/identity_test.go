package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestIntegrationSessionsExpire(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		u := seedUser(t, db, "alice")
		const idle = 30 * time.Minute
		for _, bad := range []posture.Session{
			{UserID: u.ID, CSRFToken: "c", ExpiresAt: t0.Add(time.Hour)},
			{ID: hash("x"), CSRFToken: "c", ExpiresAt: t0.Add(time.Hour)},
			{ID: hash("x"), UserID: u.ID, ExpiresAt: t0.Add(time.Hour)},
			{ID: hash("x"), UserID: u.ID, CSRFToken: "c"},
		} {
			wantCode(t, db.CreateSession(ctx, &bad), posture.EINVALID)
		}
		wantCode(t, db.CreateSession(ctx, &posture.Session{ID: hash("ghost"), UserID: u.ID + 99, CSRFToken: "c", ExpiresAt: t0.Add(time.Hour)}), posture.ENOTFOUND)

		s := &posture.Session{ID: hash("s1"), UserID: u.ID, CSRFToken: "csrf", IDTokenHint: "hint", RemoteIP: "10.0.0.1", ExpiresAt: t0.Add(2 * time.Hour)}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if !s.CreatedAt.Equal(t0) || !s.LastSeenAt.Equal(t0) {
			t.Fatalf("created %v, last seen %v; want both %v", s.CreatedAt, s.LastSeenAt, t0)
		}
		wantCode(t, db.CreateSession(ctx, &posture.Session{ID: s.ID, UserID: u.ID, CSRFToken: "c", ExpiresAt: t0.Add(time.Hour)}), posture.ECONFLICT)
		got, err := db.Session(ctx, s.ID, idle)
		if err != nil || got.CSRFToken != "csrf" || got.IDTokenHint != "hint" || got.RemoteIP != "10.0.0.1" || got.UserID != u.ID {
			t.Fatalf("session = %+v, %v", got, err)
		}
		// Activity keeps it alive past the idle limit counted from creation.
		clock.Advance(25 * time.Minute)
		if err := db.TouchSession(ctx, s.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchSession(ctx, s.ID, t0); err != nil { // late, older touch: ignored
			t.Fatal(err)
		}
		clock.Advance(25 * time.Minute)
		if _, err := db.Session(ctx, s.ID, idle); err != nil {
			t.Fatalf("session touched 25m ago: %v", err)
		}
		clock.Advance(6 * time.Minute) // 31 minutes idle
		_, err = db.Session(ctx, s.ID, idle)
		wantMessage(t, err, posture.EUNAUTHORIZED, "session expired or revoked")

		// The absolute expiry holds however active the session is.
		if _, err := db.Session(ctx, s.ID, 0); err != nil {
			t.Fatalf("idle check off: %v", err)
		}
		clock.Advance(2*time.Hour - 56*time.Minute) // exactly at expires_at
		if err := db.TouchSession(ctx, s.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		_, err = db.Session(ctx, s.ID, idle)
		wantCode(t, err, posture.EUNAUTHORIZED)
		_, err = db.Session(ctx, hash("never issued"), idle)
		wantCode(t, err, posture.EUNAUTHORIZED)
	})
}

func TestIntegrationSessionsRevoke(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		u, other := seedUser(t, db, "alice"), seedUser(t, db, "bob")
		mk := func(name string, user int64, exp time.Duration) string {
			s := &posture.Session{ID: hash(name), UserID: user, CSRFToken: "c", ExpiresAt: t0.Add(exp)}
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		a, b, c, short := mk("a", u.ID, time.Hour), mk("b", u.ID, time.Hour), mk("c", u.ID, time.Hour), mk("short", u.ID, time.Minute)
		bobs := mk("bob", other.ID, time.Hour)
		if err := db.RevokeSession(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeSession(ctx, a); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		_, err := db.Session(ctx, a, 0)
		wantCode(t, err, posture.EUNAUTHORIZED)
		clock.Advance(2 * time.Minute) // "short" is past its expiry: not counted as ended now
		n, err := db.RevokeUserSessions(ctx, u.ID)
		if err != nil || n != 2 {
			t.Fatalf("revoked %d sessions, %v; want 2 (b and c)", n, err)
		}
		for _, id := range []string{b, c, short} {
			_, err := db.Session(ctx, id, 0)
			wantCode(t, err, posture.EUNAUTHORIZED)
		}
		if _, err := db.Session(ctx, bobs, 0); err != nil {
			t.Fatalf("another user's session ended: %v", err)
		}
		got, err := db.User(ctx, u.ID)
		if err != nil || got.Subject != "alice" || got.Email != "alice@example.com" {
			t.Fatalf("user = %+v, %v", got, err)
		}
		_, err = db.User(ctx, other.ID+100)
		wantCode(t, err, posture.ENOTFOUND)
	})
}

func goodToken(tenantID int64) *posture.APIToken {
	return &posture.APIToken{TenantID: tenantID, Name: "ci", Prefix: "pal_abc", Hash: hash("secret"), Role: posture.RoleOperator, CreatedBy: "alice"}
}

func TestIntegrationAPITokenValidation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _ := seedTenant(t, db, "alpha")
		b, _ := seedTenant(t, db, "beta")
		for name, mut := range map[string]func(*posture.APIToken){
			"empty name":     func(tk *posture.APIToken) { tk.Name = " " },
			"long name":      func(tk *posture.APIToken) { tk.Name = strings.Repeat("n", 101) },
			"bad role":       func(tk *posture.APIToken) { tk.Role = "root" },
			"short hash":     func(tk *posture.APIToken) { tk.Hash = "abc" },
			"upper hash":     func(tk *posture.APIToken) { tk.Hash = strings.ToUpper(hash("secret")) },
			"not hex hash":   func(tk *posture.APIToken) { tk.Hash = strings.Repeat("z", 64) },
			"missing prefix": func(tk *posture.APIToken) { tk.Prefix = "" },
		} {
			tk := goodToken(a.ID)
			mut(tk)
			if err := db.CreateAPIToken(ctx, tk); posture.ErrorCode(err) != posture.EINVALID {
				t.Errorf("%s: error %v, want %s", name, err, posture.EINVALID)
			}
		}
		if err := db.CreateAPIToken(ctx, goodToken(a.ID)); err != nil {
			t.Fatal(err)
		}
		dup := goodToken(a.ID)
		dup.Hash = hash("other")
		wantCode(t, db.CreateAPIToken(ctx, dup), posture.ECONFLICT)
		elsewhere := goodToken(b.ID)
		elsewhere.Hash = hash("beta")
		if err := db.CreateAPIToken(ctx, elsewhere); err != nil {
			t.Fatalf("same name in another tenant: %v", err)
		}
	})
}

func TestIntegrationAPITokens(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		a, _ := seedTenant(t, db, "alpha")
		b, _ := seedTenant(t, db, "beta")
		tk := goodToken(a.ID)
		exp := t0.Add(24 * time.Hour)
		tk.ExpiresAt = &exp
		if err := db.CreateAPIToken(ctx, tk); err != nil || tk.ID == 0 || !tk.CreatedAt.Equal(t0) {
			t.Fatalf("create = %+v, %v", tk, err)
		}
		got, err := db.APITokenByHash(ctx, hash("secret"))
		if err != nil || got.ID != tk.ID || got.Hash != hash("secret") || got.Role != posture.RoleOperator || !got.Active(clock.Now()) {
			t.Fatalf("by hash = %+v, %v", got, err)
		}
		_, err = db.APITokenByHash(ctx, hash("wrong"))
		wantMessage(t, err, posture.EUNAUTHORIZED, "invalid API token")

		clock.Advance(time.Minute)
		if err := db.TouchAPIToken(ctx, tk.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListAPITokens(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].Hash != "" || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(clock.Now()) {
			t.Fatalf("list = %+v, %v; want one token, no hash, last used now", list, err)
		}

		_, err = db.RevokeAPIToken(ctx, b.ID, tk.ID)
		wantCode(t, err, posture.ENOTFOUND)
		rev, err := db.RevokeAPIToken(ctx, a.ID, tk.ID)
		if err != nil || rev.RevokedAt == nil || rev.Hash != "" || rev.Active(clock.Now()) {
			t.Fatalf("revoke = %+v, %v", rev, err)
		}
		clock.Advance(time.Minute)
		again, err := db.RevokeAPIToken(ctx, a.ID, tk.ID)
		if err != nil || !again.RevokedAt.Equal(*rev.RevokedAt) {
			t.Fatalf("second revoke = %+v, %v; want the first revocation time kept", again, err)
		}
		got, err = db.APITokenByHash(ctx, hash("secret"))
		if err != nil || got.Active(clock.Now()) {
			t.Fatalf("revoked token by hash = %+v, %v; want found and inactive", got, err)
		}
	})
}

func TestIntegrationRoleMappings(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _ := seedTenant(t, db, "alpha")
		b, _ := seedTenant(t, db, "beta")
		wantCode(t, db.CreateRoleMapping(ctx, &posture.RoleMapping{TenantID: a.ID, ClaimValue: "ops", Role: "root"}), posture.EINVALID)
		wantCode(t, db.CreateRoleMapping(ctx, &posture.RoleMapping{TenantID: a.ID, ClaimValue: "", Role: posture.RoleViewer}), posture.EINVALID)
		wantCode(t, db.CreateRoleMapping(ctx, &posture.RoleMapping{TenantID: a.ID, ClaimValue: strings.Repeat("g", 257), Role: posture.RoleViewer}), posture.EINVALID)
		mk := func(tenant int64, value string, role posture.Role) *posture.RoleMapping {
			m := &posture.RoleMapping{TenantID: tenant, ClaimValue: value, Role: role}
			if err := db.CreateRoleMapping(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		ops := mk(a.ID, "ops", posture.RoleOperator)
		mk(a.ID, "sec", posture.RoleSecurityManager)
		mk(b.ID, "ops", posture.RoleViewer)
		wantCode(t, db.CreateRoleMapping(ctx, &posture.RoleMapping{TenantID: a.ID, ClaimValue: "ops", Role: posture.RoleAdmin}), posture.ECONFLICT)

		list, err := db.ListRoleMappings(ctx, a.ID)
		if err != nil || len(list) != 2 || list[0].ClaimValue != "ops" || list[1].Role != posture.RoleSecurityManager {
			t.Fatalf("alpha's mappings = %+v, %v", list, err)
		}
		got, err := db.RoleMappingsFor(ctx, []string{"ops", "unmapped"})
		if err != nil || len(got) != 2 || got[0].TenantID == got[1].TenantID {
			t.Fatalf("mappings for ops = %+v, %v; want one per tenant", got, err)
		}
		if got, err := db.RoleMappingsFor(ctx, nil); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("mappings for no values = %#v, %v; want empty", got, err)
		}
		_, err = db.DeleteRoleMapping(ctx, b.ID, ops.ID)
		wantCode(t, err, posture.ENOTFOUND)
		del, err := db.DeleteRoleMapping(ctx, a.ID, ops.ID)
		if err != nil || del.ClaimValue != "ops" || del.TenantID != a.ID {
			t.Fatalf("delete = %+v, %v", del, err)
		}
		_, err = db.DeleteRoleMapping(ctx, a.ID, ops.ID)
		wantCode(t, err, posture.ENOTFOUND)
	})
}

func rolesString(t *testing.T, db *store.DB, userID int64, names map[int64]string) string {
	t.Helper()
	roles, err := db.RolesOf(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, r := range roles {
		parts = append(parts, names[r.TenantID]+"="+string(r.Role))
	}
	return strings.Join(parts, " ")
}

func TestIntegrationSyncClaimRolesKeepsManualBindings(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _ := seedTenant(t, db, "alpha")
		b, _ := seedTenant(t, db, "beta")
		c, _ := seedTenant(t, db, "gamma")
		names := map[int64]string{a.ID: "alpha", b.ID: "beta", c.ID: "gamma"}
		u, other := seedUser(t, db, "alice"), seedUser(t, db, "bob")
		bind := func(tenant int64, role posture.Role) posture.RoleBinding {
			return posture.RoleBinding{TenantID: tenant, UserID: u.ID, Role: role}
		}
		if err := db.SetRole(ctx, bind(c.ID, posture.RoleAuditor)); err != nil { // by hand
			t.Fatal(err)
		}
		if err := db.SetRole(ctx, posture.RoleBinding{TenantID: a.ID, UserID: other.ID, Role: posture.RoleViewer}); err != nil {
			t.Fatal(err)
		}
		// Two groups map into alpha: the stronger role wins. gamma's manual binding stays.
		err := db.SyncClaimRoles(ctx, u.ID, []posture.RoleBinding{bind(a.ID, posture.RoleViewer), bind(a.ID, posture.RoleOperator),
			bind(b.ID, posture.RoleViewer), bind(c.ID, posture.RoleAdmin)})
		if err != nil {
			t.Fatal(err)
		}
		if got := rolesString(t, db, u.ID, names); got != "alpha=operator beta=viewer gamma=auditor" {
			t.Fatalf("after first login: %s", got)
		}
		// Next login: left beta's group, alpha's role changed; a hand-set role in alpha then
		// takes over from the claim and survives later logins.
		if err := db.SyncClaimRoles(ctx, u.ID, []posture.RoleBinding{bind(a.ID, posture.RoleAdmin)}); err != nil {
			t.Fatal(err)
		}
		if got := rolesString(t, db, u.ID, names); got != "alpha=admin gamma=auditor" {
			t.Fatalf("after second login: %s", got)
		}
		if err := db.SetRole(ctx, bind(a.ID, posture.RoleViewer)); err != nil {
			t.Fatal(err)
		}
		if err := db.SyncClaimRoles(ctx, u.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got := rolesString(t, db, u.ID, names); got != "alpha=viewer gamma=auditor" {
			t.Fatalf("after a login with no groups: %s", got)
		}
		if got := rolesString(t, db, other.ID, names); got != "alpha=viewer" {
			t.Fatalf("another user's roles changed: %s", got)
		}
		wantCode(t, db.SyncClaimRoles(ctx, u.ID, []posture.RoleBinding{bind(a.ID, "root")}), posture.EINVALID)
	})
}

// Deleting a role mapping removes, at once, the claim-derived bindings it granted in its
// tenant, and nothing else: not another group's, not a hand-set one, not another tenant's.
func TestIntegrationDeletingARoleMappingRevokesWhatItGranted(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _ := seedTenant(t, db, "alpha")
		b, _ := seedTenant(t, db, "beta")
		names := map[int64]string{a.ID: "alpha", b.ID: "beta"}
		admins := &posture.RoleMapping{TenantID: a.ID, ClaimValue: "platform-admins", Role: posture.RoleAdmin}
		if err := db.CreateRoleMapping(ctx, admins); err != nil {
			t.Fatal(err)
		}
		alice, bob, carol := seedUser(t, db, "alice"), seedUser(t, db, "bob"), seedUser(t, db, "carol")
		login := func(u int64, bs ...posture.RoleBinding) {
			t.Helper()
			for i := range bs {
				bs[i].UserID = u
			}
			if err := db.SyncClaimRoles(ctx, u, bs); err != nil {
				t.Fatal(err)
			}
		}
		// alice: admin in alpha through platform-admins, and (the same group name) operator in
		// beta through beta's own mapping; bob: viewer in alpha through another group; carol:
		// admin in alpha set by hand.
		login(alice.ID, posture.RoleBinding{TenantID: a.ID, Role: posture.RoleAdmin, GrantedBy: "platform-admins"},
			posture.RoleBinding{TenantID: b.ID, Role: posture.RoleOperator, GrantedBy: "platform-admins"})
		login(bob.ID, posture.RoleBinding{TenantID: a.ID, Role: posture.RoleViewer, GrantedBy: "readers"})
		if err := db.SetRole(ctx, posture.RoleBinding{TenantID: a.ID, UserID: carol.ID, Role: posture.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteRoleMapping(ctx, a.ID, admins.ID); err != nil {
			t.Fatal(err)
		}
		for u, want := range map[int64]string{alice.ID: "beta=operator", bob.ID: "alpha=viewer", carol.ID: "alpha=admin"} {
			if got := rolesString(t, db, u, names); got != want {
				t.Errorf("user %d after the mapping went: %s, want %s", u, got, want)
			}
		}
	})
}

// seedAudit writes six entries of alpha an hour apart from base (actors alternate alice and
// bob; actions cycle finding.update, target.create, finding_x.y), one of beta and one with
// no tenant, and returns alpha's entry ids.
func seedAudit(t *testing.T, db *store.DB, base time.Time) (alpha, beta int64, ids []int64) {
	t.Helper()
	a, _ := seedTenant(t, db, "alpha")
	b, _ := seedTenant(t, db, "beta")
	add := func(tenant *int64, actor, action string, at time.Time) int64 {
		e := &posture.AuditEntry{TenantID: tenant, Actor: actor, Action: action, At: at}
		if err := db.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	for i := 0; i < 6; i++ {
		actor := []string{"alice", "bob"}[i%2]
		ids = append(ids, add(&a.ID, actor, []string{"finding.update", "target.create", "finding_x.y"}[i%3], base.Add(time.Duration(i)*time.Hour)))
	}
	add(&b.ID, "alice", "finding.update", base)
	add(nil, "anonymous", "auth.login_failed", base)
	return a.ID, b.ID, ids
}

func TestIntegrationListAudit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		alpha, beta, ids := seedAudit(t, db, base)

		list := func(f posture.AuditFilter) string {
			t.Helper()
			got, err := db.ListAudit(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, e := range got {
				if e.TenantID == nil || *e.TenantID != alpha {
					t.Fatalf("entry %d of another tenant listed", e.ID)
				}
				s = append(s, fmt.Sprint(e.ID))
			}
			return strings.Join(s, ",")
		}
		ids6 := func(idx ...int) string {
			var s []string
			for _, i := range idx {
				s = append(s, fmt.Sprint(ids[i]))
			}
			return strings.Join(s, ",")
		}
		cases := []struct {
			f    posture.AuditFilter
			want string
		}{
			{posture.AuditFilter{TenantID: alpha}, ids6(5, 4, 3, 2, 1, 0)},
			{posture.AuditFilter{TenantID: alpha, Actor: "bob"}, ids6(5, 3, 1)},
			{posture.AuditFilter{TenantID: alpha, Action: "finding."}, ids6(3, 0)}, // "_" is literal: finding_x does not match
			{posture.AuditFilter{TenantID: alpha, Action: "finding_"}, ids6(5, 2)},
			{posture.AuditFilter{TenantID: alpha, Since: ptr(base.Add(2 * time.Hour)), Until: ptr(base.Add(4 * time.Hour))}, ids6(3, 2)},
			{posture.AuditFilter{TenantID: alpha, BeforeID: ids[4], Limit: 2}, ids6(3, 2)},
			{posture.AuditFilter{TenantID: beta, Action: "target."}, ""},
		}
		for _, c := range cases {
			if got := list(c.f); got != c.want {
				t.Errorf("ListAudit(%+v) = %s, want %s", c.f, got, c.want)
			}
		}
		_, err := db.ListAudit(ctx, posture.AuditFilter{TenantID: alpha, Limit: 1001})
		wantCode(t, err, posture.EINVALID)
		_, err = db.ListAudit(ctx, posture.AuditFilter{})
		wantCode(t, err, posture.EINVALID)
	})
}
