package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Bulk inserts for the big tables. On PostgreSQL a batch is one INSERT ... SELECT FROM
// unnest(arrays): sixteen parameters however many rows, no per-row reflection, and the rows
// come back with their ids. SQLite takes GORM's multi-row INSERT.

// pgBatch is how many rows one unnest statement carries.
const pgBatch = 5000

func (lc *lifecycle) insertFindings(rows []findingRow) error {
	if lc.dialect != Postgres {
		n := lc.insertRows()
		for i := 0; i < len(rows); i += n {
			chunk := rows[i:min(i+n, len(rows))]
			if err := lc.tx.Omit("id", "asset_key", "seen_at").Create(&chunk).Error; err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < len(rows); i += pgBatch {
		if err := lc.insertFindingsPG(rows[i:min(i+pgBatch, len(rows))]); err != nil {
			return err
		}
	}
	return nil
}

func (lc *lifecycle) insertFindingsPG(rows []findingRow) error {
	n := len(rows)
	var (
		tenant, target, asset, lastRun               = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		check, sub, fp, status, msg, ev, ns, own, ch = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sev                                          = make([]int16, n)
		first, last                                  = make([]time.Time, n), make([]time.Time, n)
		index                                        = make(map[string]int, n)
	)
	for i, r := range rows {
		tenant[i], target[i], asset[i] = r.TenantID, r.TargetID, r.AssetID
		if r.LastRunID != nil {
			lastRun[i] = *r.LastRunID
		}
		check[i], sub[i], fp[i], status[i], msg[i] = r.CheckID, r.SubKey, r.Fingerprint, r.Status, r.Message
		ev[i], ns[i], own[i], ch[i] = r.Evidence, r.Namespace, r.Owner, r.ContentHash
		sev[i], first[i], last[i] = int16(r.Severity), r.FirstSeen, r.LastSeen
		index[r.Fingerprint] = i
	}
	const q = `INSERT INTO findings (tenant_id, target_id, asset_id, check_id, sub_key, fingerprint, severity, status,
  message, evidence, namespace, owner, first_seen, last_seen, last_run_id, content_hash)
SELECT t, g, a, c, s, f, v, st, m, e::jsonb, n, o, fs, ls, NULLIF(r, 0), h
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::smallint[], $8::text[],
  $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::bigint[], $16::text[])
  AS u(t, g, a, c, s, f, v, st, m, e, n, o, fs, ls, r, h)
RETURNING id, fingerprint`
	sqlRows, err := lc.conn().QueryContext(lc.tx.Statement.Context, q, tenant, target, asset, check, sub, fp, sev, status,
		msg, ev, ns, own, first, last, lastRun, ch)
	if err != nil {
		return fmt.Errorf("insert findings: %w", err)
	}
	defer sqlRows.Close()
	got := 0
	for sqlRows.Next() {
		var id int64
		var f string
		if err := sqlRows.Scan(&id, &f); err != nil {
			return err
		}
		rows[index[f]].ID = id
		got++
	}
	if err := sqlRows.Err(); err != nil {
		return fmt.Errorf("insert findings: %w", err)
	}
	if got != n {
		return fmt.Errorf("insert findings: %d of %d rows came back", got, n)
	}
	return nil
}

func (lc *lifecycle) insertEvents(rows []findingEventRow) error {
	if lc.dialect != Postgres {
		return lc.tx.Omit("id").CreateInBatches(rows, lc.insertRows()).Error
	}
	for i := 0; i < len(rows); i += pgBatch {
		chunk := rows[i:min(i+pgBatch, len(rows))]
		n := len(chunk)
		tenant, finding, run := make([]int64, n), make([]int64, n), make([]int64, n)
		kind, actor := make([]string, n), make([]string, n)
		at := make([]time.Time, n)
		for j, r := range chunk {
			tenant[j], finding[j], kind[j], actor[j], at[j] = r.TenantID, r.FindingID, r.Kind, r.Actor, r.At
			if r.RunID != nil {
				run[j] = *r.RunID
			}
		}
		const q = `INSERT INTO finding_events (tenant_id, finding_id, run_id, kind, actor, at)
SELECT t, f, NULLIF(r, 0), k, a, w FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
  AS u(t, f, r, k, a, w)`
		if _, err := lc.conn().ExecContext(lc.tx.Statement.Context, q, tenant, finding, run, kind, actor, at); err != nil {
			return fmt.Errorf("insert finding events: %w", err)
		}
	}
	return nil
}

// conn is the transaction's own connection, used directly so that GORM does not rewrite
// slice arguments into IN lists.
func (lc *lifecycle) conn() gorm.ConnPool { return lc.tx.Statement.ConnPool }
