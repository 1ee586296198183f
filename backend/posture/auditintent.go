package posture

import (
	"context"
	"sync"
)

// AuditIntent is the audit entry of a change that is about to be made: the store writes it
// in the transaction that makes the change, so that the change and its entry are committed
// together or not at all (a crash between the two would otherwise lose the entry).
//
// The caller puts it in the context of the one store call that makes the change
// (WithAuditIntent), and calls Settle after it: when no transaction took the entry (a store
// without transactions, such as a unit test's fake), Settle hands it back to be appended
// then. Once settled, the intent is closed, so that work started from that context later
// (a run in the background) cannot write it again.
type AuditIntent struct {
	mu     sync.Mutex
	build  func(result any) *AuditEntry
	result any
	state  intentState
}

type intentState int

const (
	intentOpen     intentState = iota
	intentClaimed              // a transaction is writing it
	intentRecorded             // committed with its change
	intentClosed               // settled: nobody may write it any more
)

type auditIntentKey struct{}

// WithAuditIntent returns ctx carrying a new intent. build makes the entry once the change is
// made, inside its transaction; result is what the store reported as changed (SetResult), or
// nil.
func WithAuditIntent(ctx context.Context, build func(result any) *AuditEntry) (context.Context, *AuditIntent) {
	i := &AuditIntent{build: build}
	return context.WithValue(ctx, auditIntentKey{}, i), i
}

// AuditIntentOf returns the intent ctx carries, or nil.
func AuditIntentOf(ctx context.Context) *AuditIntent {
	i, _ := ctx.Value(auditIntentKey{}).(*AuditIntent)
	return i
}

// SetResult records the object the change produced (the store, inside the transaction),
// for the entry's after.
func (i *AuditIntent) SetResult(v any) {
	if i == nil {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.result = v
}

// Claim hands the entry to the transaction that made the change; nil when it is not free
// (another transaction has it, or it is written or settled already). The transaction then
// calls Done.
func (i *AuditIntent) Claim() *AuditEntry {
	if i == nil {
		return nil
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.state != intentOpen {
		return nil
	}
	i.state = intentClaimed
	return i.build(i.result)
}

// Done tells whether the claiming transaction committed; if it did not, the entry is free
// again.
func (i *AuditIntent) Done(committed bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	switch {
	case i.state != intentClaimed:
	case committed:
		i.state = intentRecorded
	default:
		i.state = intentOpen
	}
}

// Settle closes the intent after the store call. It returns the entry to append now when no
// transaction wrote it, given the call's result; nil when it was written with the change (or
// is being written: the store call returned while work it started goes on), or when settled
// already.
func (i *AuditIntent) Settle(result any) *AuditEntry {
	i.mu.Lock()
	defer i.mu.Unlock()
	prior := i.state
	i.state = intentClosed
	if prior != intentOpen {
		return nil
	}
	if result != nil {
		i.result = result
	}
	return i.build(i.result)
}
