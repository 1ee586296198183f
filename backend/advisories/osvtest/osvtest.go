// Package osvtest builds OSV advisory data in the shape osv.dev exports it (one JSON record
// per file in an ecosystem's all.zip), for tests and the demo: no advisory database can be
// downloaded where they run.
package osvtest

import (
	"archive/zip"
	"encoding/json"
	"os"
	"strings"
	"time"
)

// Critical is a CVSS 3.1 vector scoring 9.8.
const Critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

// High is a CVSS 3.1 vector scoring 7.5.
const High = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"

// Advisory describes one record: a package of an ecosystem affected from introduced ("0"
// when empty) until fixed ("" for no fix).
type Advisory struct {
	ID, Alias          string
	Ecosystem, Package string
	Introduced, Fixed  string
	Vector             string // CVSS 3.1; "" for none
	Summary            string
	Modified           time.Time
	Withdrawn          *time.Time
	RangeType          string // ECOSYSTEM (default) or SEMVER
}

// Record is the advisory as an OSV JSON object.
func (a Advisory) Record() map[string]any {
	intro, rtype := a.Introduced, a.RangeType
	if intro == "" {
		intro = "0"
	}
	if rtype == "" {
		rtype = "ECOSYSTEM"
	}
	events := []any{map[string]any{"introduced": intro}}
	if a.Fixed != "" {
		events = append(events, map[string]any{"fixed": a.Fixed})
	}
	rec := map[string]any{"schema_version": "1.6.0", "id": a.ID, "modified": a.Modified.UTC().Format(time.RFC3339),
		"published": a.Modified.Add(-time.Hour).UTC().Format(time.RFC3339), "summary": a.Summary,
		"affected": []any{map[string]any{"package": map[string]any{"ecosystem": a.Ecosystem, "name": a.Package},
			"ranges": []any{map[string]any{"type": rtype, "events": events}}}}}
	if a.Alias != "" {
		rec["aliases"] = []string{a.Alias}
		rec["references"] = []any{map[string]any{"type": "ADVISORY", "url": "https://osv.dev/vulnerability/" + a.Alias}}
	}
	if a.Vector != "" {
		rec["severity"] = []any{map[string]any{"type": "CVSS_V3", "score": a.Vector}}
	}
	if a.Withdrawn != nil {
		rec["withdrawn"] = a.Withdrawn.UTC().Format(time.RFC3339)
	}
	return rec
}

// WriteArchive writes an all.zip of the advisories at path and sets its modification time
// (a local feed file is read again when its size or time changes).
func WriteArchive(path string, at time.Time, advisories ...Advisory) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, a := range advisories {
		w, err := zw.Create(strings.ReplaceAll(a.ID, "/", "_") + ".json")
		if err == nil {
			err = json.NewEncoder(w).Encode(a.Record())
		}
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chtimes(path, at, at)
}
