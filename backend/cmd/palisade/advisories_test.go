package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories/osvtest"
)

// `palisade advisories refresh` loads a local feed (an air-gapped site's file), reports what
// changed, and `status` shows the feed's date; a missing file exits 1 and names the file.
func TestAdvisoriesCommands(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "Debian-all.zip")
	newest := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	if err := osvtest.WriteArchive(feed, time.Now(),
		osvtest.Advisory{ID: "DEBIAN-CVE-2026-1", Ecosystem: "Debian:12", Package: "openssl", Fixed: "3.0.13-1~deb12u1", Modified: newest},
		osvtest.Advisory{ID: "DEBIAN-CVE-2026-2", Ecosystem: "Debian:12", Package: "zlib", Modified: newest.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "palisade.yaml")
	body := "database: {driver: sqlite, dsn: " + filepath.Join(dir, "p.db") + "}\n" +
		"log: {level: error}\nadvisories: {ecosystems: [], files: {Debian: " + feed + ", Alpine: " + filepath.Join(dir, "none.zip") + "}}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := palisade(t, nil, "-c", cfg, "migrate", "up"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	r := palisade(t, nil, "-c", cfg, "advisories", "refresh")
	code, stdout, stderr := r.code, r.stdout, r.stderr
	if code != exitFailure || !strings.Contains(stdout, "Debian: 2 records (0 skipped), 2 new or modified") ||
		!strings.Contains(stderr, "none.zip") {
		t.Fatalf("refresh = %d\n%s\n%s", code, stdout, stderr)
	}
	r = palisade(t, nil, "-c", cfg, "advisories", "status", "-o", "json")
	code, stdout = r.code, r.stdout
	var st struct {
		Feeds []struct {
			Ecosystem  string
			Configured bool
			FeedDate   *time.Time
			Records    int
			Error      string
		}
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &st) != nil || len(st.Feeds) != 2 {
		t.Fatalf("status = %d %s", code, stdout)
	}
	for _, f := range st.Feeds {
		switch f.Ecosystem {
		case "Debian":
			if f.Records != 2 || f.FeedDate == nil || !f.FeedDate.Equal(newest) || f.Error != "" {
				t.Fatalf("Debian feed = %+v", f)
			}
		case "Alpine":
			if f.Error == "" || !f.Configured {
				t.Fatalf("Alpine feed = %+v", f)
			}
		}
	}
	if r := palisade(t, nil, "-c", cfg, "advisories", "refresh"); r.code != exitFailure || !strings.Contains(r.stdout, "Debian: not modified") {
		t.Fatalf("second refresh = %d %s", r.code, r.stdout)
	}
}
