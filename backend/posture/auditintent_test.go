package posture_test

import (
	"context"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
)

func intent(t *testing.T) (*posture.AuditIntent, *[]any) {
	t.Helper()
	var built []any
	_, i := posture.WithAuditIntent(context.Background(), func(result any) *posture.AuditEntry {
		built = append(built, result)
		return &posture.AuditEntry{Action: "x.change", Actor: "user:sam"}
	})
	return i, &built
}

// A transaction that commits writes the entry; Settle then has nothing left to append, and
// nobody can claim it again.
func TestAuditIntentWrittenWithTheChange(t *testing.T) {
	i, built := intent(t)
	i.SetResult("row 7")
	if e := i.Claim(); e == nil || (*built)[0] != "row 7" {
		t.Fatalf("claim = %v, built with %v", e, *built)
	}
	if i.Claim() != nil {
		t.Fatal("claimed twice while the first transaction holds it")
	}
	i.Done(true)
	if e := i.Settle("ignored"); e != nil {
		t.Fatalf("settle after a committed entry = %+v, want nil", e)
	}
	if i.Claim() != nil {
		t.Fatal("claimed after settle")
	}
}

// A rolled-back transaction frees the entry for the next one.
func TestAuditIntentRolledBackIsFreeAgain(t *testing.T) {
	i, _ := intent(t)
	if i.Claim() == nil {
		t.Fatal("first claim refused")
	}
	i.Done(false)
	if i.Claim() == nil {
		t.Fatal("claim after a rollback refused")
	}
}

// With no transaction (a store without them), Settle returns the entry, built with the
// call's result, exactly once.
func TestAuditIntentSettledAfterTheFact(t *testing.T) {
	i, built := intent(t)
	if e := i.Settle("result"); e == nil || (*built)[0] != "result" {
		t.Fatalf("settle = %v, built with %v", e, *built)
	}
	if e := i.Settle("again"); e != nil {
		t.Fatal("settled twice")
	}
}

// A context without an intent gives nil, and nil intents are safe to use in the store.
func TestAuditIntentAbsent(t *testing.T) {
	i := posture.AuditIntentOf(context.Background())
	if i != nil {
		t.Fatal("intent in a bare context")
	}
	i.SetResult(1)
	if i.Claim() != nil {
		t.Fatal("nil intent claimed")
	}
}
