package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/termsafe"
)

func init() { extraCommands = append(extraCommands, newAuditCommand) }

// auditLine is one exported audit entry; hashes are included so an auditor can re-verify
// the chain outside Palisade.
type auditLine struct {
	ID        int64  `json:"id"`
	TenantID  *int64 `json:"tenant_id"`
	At        string `json:"at"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	Object    string `json:"object"`
	Before    string `json:"before,omitempty"`
	After     string `json:"after,omitempty"`
	RemoteIP  string `json:"remote_ip,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

func newAuditCommand(opts *globalOptions) *cobra.Command {
	cmd := group("audit", "Verify and export the tamper-evident audit log")
	var expectHead string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the audit log's hash chain; exit 1 if any entry was changed or removed",
		Long: `Recompute the audit log's hash chain. Exit 1 naming the first entry that was changed,
or that follows deleted entries. Deleting the newest entries leaves a consistent chain: keep
the head this command prints somewhere outside the database and pass it back with
--expect-head to detect that too.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return opts.withDB(cmd, func(db *store.DB) error {
				return verifyAudit(cmd.Context(), db, expectHead, cmd.OutOrStdout())
			})
		},
	}
	verify.Flags().StringVar(&expectHead, "expect-head", "", "an earlier head (ID:HASH) that must still be in the log, unchanged")
	cmd.AddCommand(verify)
	cmd.AddCommand(&cobra.Command{
		Use:   "export",
		Short: "Write the audit log as JSON Lines (one entry per line, with hashes) to stdout",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return opts.withDB(cmd, func(db *store.DB) error {
				enc := json.NewEncoder(cmd.OutOrStdout())
				return db.ExportAudit(cmd.Context(), func(e posture.AuditEntry) error {
					return enc.Encode(auditLine{ID: e.ID, TenantID: e.TenantID, At: e.At.UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
						Actor: e.Actor, Action: e.Action, Object: e.Object, Before: e.Before, After: e.After,
						RemoteIP: e.RemoteIP, RequestID: e.RequestID, PrevHash: e.PrevHash, Hash: e.Hash})
				})
			})
		},
	})
	return cmd
}

func verifyAudit(ctx context.Context, db *store.DB, expectHead string, out io.Writer) error {
	var headID int64
	var want string
	if expectHead != "" {
		idText, h, ok := strings.Cut(expectHead, ":")
		id, perr := strconv.ParseInt(idText, 10, 64)
		if !ok || perr != nil || id < 1 || len(h) != 64 {
			return usageError("--expect-head must be ID:HASH as printed by audit verify, got %q", expectHead)
		}
		headID, want = id, h
	}
	br, err := db.Verify(ctx)
	if err != nil {
		return err
	}
	if br != nil {
		return failure("audit log broken at entry %d: %s", br.EntryID, termsafe.String(br.Reason))
	}
	if headID > 0 {
		id := headID
		got, err := db.AuditHash(ctx, id)
		if posture.ErrorCode(err) == posture.ENOTFOUND {
			return failure("audit log broken: entry %d, an earlier head, is gone (the newest entries were deleted)", id)
		}
		if err != nil {
			return err
		}
		if got != want {
			return failure("audit log broken: entry %d no longer has the hash recorded as head", id)
		}
	}
	id, hash, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "audit log intact: every entry matches its hash and links to the one before")
	if id > 0 {
		// The hash is read from a database that may have been tampered with.
		fmt.Fprintf(out, "head: %d:%s (keep it outside the database; pass it to --expect-head next time)\n", id, termsafe.String(hash))
	}
	return nil
}
