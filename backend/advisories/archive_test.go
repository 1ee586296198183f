package advisories

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// zipEntry is one entry of a test archive. With declared set, the entry is written raw
// (deflated here) with declared as its header's uncompressed size: a header that lies.
type zipEntry struct {
	name     string
	body     []byte
	store    bool
	declared uint64
}

func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range entries {
		var w io.Writer
		var err error
		switch {
		case e.declared > 0:
			comp := deflate(t, e.body)
			w, err = zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(e.body),
				CompressedSize64: uint64(len(comp)), UncompressedSize64: e.declared})
			e.body = comp
		case e.store:
			w, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		default:
			w, err = zw.Create(e.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func deflate(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(b)
	fw.Close()
	return out.Bytes()
}

// osvJSON is a real-shaped OSV record with the given id and modified day.
func osvJSON(id string, day int) []byte {
	return []byte(fmt.Sprintf(`{"schema_version": "1.6.0", "id": %q, "modified": "2024-01-%02dT10:00:00Z", "published": "2023-12-01T00:00:00Z",
	  "aliases": ["CVE-2024-%04d"], "summary": "flaw in openssl",
	  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl", "purl": "pkg:deb/debian/openssl?arch=source"},
	    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u1"}]},
	               {"type": "GIT", "repo": "https://github.com/openssl/openssl", "events": [{"introduced": "0"}]}]}]}`, id, day, day))
}

func readAll(t *testing.T, archive []byte, lim ArchiveLimits) ([]*Advisory, ArchiveStats, error) {
	t.Helper()
	var got []*Advisory
	st, err := ReadArchive(context.Background(), bytes.NewReader(archive), int64(len(archive)), lim, func(a *Advisory) error {
		got = append(got, a)
		return nil
	})
	return got, st, err
}

func TestReadArchiveFeed(t *testing.T) {
	archive := buildZip(t,
		zipEntry{name: "DEBIAN-CVE-2024-0001.json", body: osvJSON("DEBIAN-CVE-2024-0001", 3)},
		zipEntry{name: "DSA-5532-1.json", body: osvJSON("DSA-5532-1", 9), store: true},
		zipEntry{name: "vulns/", body: nil},
		zipEntry{name: "README.txt", body: []byte("not a record")},
		zipEntry{name: "../../etc/DEBIAN-CVE-2024-0002.JSON", body: osvJSON("DEBIAN-CVE-2024-0002", 5)},
	)
	got, st, err := readAll(t, archive, ArchiveLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "DEBIAN-CVE-2024-0001" || got[1].ID != "DSA-5532-1" || got[2].ID != "DEBIAN-CVE-2024-0002" {
		t.Fatalf("records = %d %v", len(got), got)
	}
	want := ArchiveStats{Records: 3, Ignored: 2, GitRangesDropped: 3, Newest: time.Date(2024, 1, 9, 10, 0, 0, 0, time.UTC)}
	if fmt.Sprint(st) != fmt.Sprint(want) {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
}

func TestReadArchiveSkipsMalformed(t *testing.T) {
	archive := buildZip(t,
		zipEntry{name: "GHSA-1.json", body: osvJSON("GHSA-1", 1)},
		zipEntry{name: "GHSA-2.json", body: []byte(`{"id": "GHSA-2", "modif`)},
		zipEntry{name: "GHSA-3.json", body: osvJSON("GHSA-3", 2)},
		zipEntry{name: "GHSA-4.json", body: []byte(`{"id": "GHSA-4"}`)},
		zipEntry{name: "GHSA-5.json", body: osvJSON("GHSA-5", 3)},
	)
	got, st, err := readAll(t, archive, ArchiveLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || st.Records != 3 || st.Skipped != 2 || len(st.SkippedExamples) != 2 {
		t.Fatalf("got %d records, stats %+v", len(got), st)
	}
	if !strings.HasPrefix(st.SkippedExamples[0], "GHSA-2.json: ") || !strings.Contains(st.SkippedExamples[1], "no modified time") {
		t.Errorf("examples = %q", st.SkippedExamples)
	}
}

func TestReadArchiveRefusesMostlyMalformed(t *testing.T) {
	var entries []zipEntry
	for i := range 10 {
		body := osvJSON(fmt.Sprintf("GO-2024-%d", i), 1)
		if i%3 != 0 { // 6 of 10 malformed
			body = []byte("{not json")
		}
		entries = append(entries, zipEntry{name: fmt.Sprintf("GO-2024-%d.json", i), body: body})
	}
	_, st, err := readAll(t, buildZip(t, entries...), ArchiveLimits{})
	if err == nil || !strings.Contains(err.Error(), "6 of its 10 records are malformed") {
		t.Fatalf("error = %v (stats %+v)", err, st)
	}
	if len(st.SkippedExamples) != maxSkippedExamples {
		t.Errorf("examples = %d, want the first %d", len(st.SkippedExamples), maxSkippedExamples)
	}
}

func TestReadArchiveTooManyEntries(t *testing.T) {
	var entries []zipEntry
	for i := range 11 {
		entries = append(entries, zipEntry{name: fmt.Sprintf("A-%d.json", i), body: osvJSON(fmt.Sprintf("A-%d", i), 1)})
	}
	calls := 0
	archive := buildZip(t, entries...)
	_, err := ReadArchive(context.Background(), bytes.NewReader(archive), int64(len(archive)), ArchiveLimits{Entries: 10},
		func(*Advisory) error { calls++; return nil })
	if err == nil || !strings.Contains(err.Error(), "more than 10 entries") || calls != 0 {
		t.Fatalf("error = %v after %d records; want a refusal before any", err, calls)
	}
	if n, _ := countCentralHeaders(context.Background(), bytes.NewReader(archive), int64(len(archive)), 100); n != 11 {
		t.Errorf("central headers counted = %d, want 11", n)
	}
}

// TestReadArchiveZipBomb: an entry whose header claims 200 bytes but which inflates to
// 64 MiB of zeros is refused after at most EntryBytes+1 inflated bytes, in bounded memory.
func TestReadArchiveZipBomb(t *testing.T) {
	const inflated = 64 << 20
	archive := buildZip(t,
		zipEntry{name: "CVE-2024-0001.json", body: osvJSON("CVE-2024-0001", 1)},
		zipEntry{name: "CVE-BOMB.json", body: make([]byte, inflated), declared: 200},
	)
	if len(archive) > inflated/500 {
		t.Fatalf("test archive is %d bytes; the bomb should compress about 1000:1", len(archive))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, st, err := readAll(t, archive, ArchiveLimits{})
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "zip bomb") || !strings.Contains(err.Error(), "declares 200") {
		t.Fatalf("error = %v (stats %+v)", err, st)
	}
	// TotalAlloc counts every byte allocated, so it bounds the peak heap growth too.
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d KiB while refusing a %d MiB bomb", grew>>10, inflated>>20)
	if grew > 16<<20 {
		t.Errorf("reading the bomb allocated %d MiB; want well under 100 MiB (it is bounded by EntryBytes)", grew>>20)
	}
}

func TestReadArchiveHonestOversizeSkipped(t *testing.T) {
	huge := append([]byte(`{"id": "CVE-HUGE", "modified": "2024-01-01T00:00:00Z", "details": "`), bytes.Repeat([]byte("a"), 2<<20)...)
	huge = append(huge, `"}`...)
	_, st, err := readAll(t, buildZip(t,
		zipEntry{name: "CVE-1.json", body: osvJSON("CVE-1", 1)},
		zipEntry{name: "CVE-HUGE.json", body: huge},
	), ArchiveLimits{})
	if err != nil || st.Records != 1 || st.Skipped != 1 || !strings.Contains(st.SkippedExamples[0], "over the limit") {
		t.Fatalf("error %v, stats %+v; want the oversize record skipped unread", err, st)
	}
}

func TestReadArchiveLyingHeader(t *testing.T) {
	rec := osvJSON("CVE-1", 1)
	_, _, err := readAll(t, buildZip(t, zipEntry{name: "CVE-1.json", body: rec, declared: 100}), ArchiveLimits{})
	if err == nil || !strings.Contains(err.Error(), "though its header declares 100") {
		t.Fatalf("error = %v, want a refusal", err)
	}
}

func TestReadArchiveTotalBytes(t *testing.T) {
	var entries []zipEntry
	for i := range 20 {
		entries = append(entries, zipEntry{name: fmt.Sprintf("B-%d.json", i), body: osvJSON(fmt.Sprintf("B-%d", i), 1)})
	}
	_, st, err := readAll(t, buildZip(t, entries...), ArchiveLimits{TotalBytes: 4 << 10})
	if err == nil || !strings.Contains(err.Error(), "past 4096 inflated bytes") || st.Records == 0 || st.Records >= 20 {
		t.Fatalf("error = %v, stats %+v", err, st)
	}
}

func TestReadArchiveCompressionRatio(t *testing.T) {
	body := append([]byte(`{"id": "CVE-1", "modified": "2024-01-01T00:00:00Z", "details": "`), bytes.Repeat([]byte("a"), 900<<10)...)
	body = append(body, `"}`...)
	_, _, err := readAll(t, buildZip(t, zipEntry{name: "CVE-1.json", body: body}), ArchiveLimits{RatioAfter: 512 << 10})
	if err == nil || !strings.Contains(err.Error(), "compression ratio past 200:1") {
		t.Fatalf("error = %v, want a ratio refusal", err)
	}
	// The same record is fine before RatioAfter bytes were inflated (the default 64 MiB).
	if _, st, err := readAll(t, buildZip(t, zipEntry{name: "CVE-1.json", body: body}), ArchiveLimits{}); err != nil || st.Records != 1 {
		t.Fatalf("error = %v, stats %+v", err, st)
	}
}

func TestReadArchiveStopsOnContextAndCallbackErrors(t *testing.T) {
	archive := buildZip(t, zipEntry{name: "A.json", body: osvJSON("A", 1)}, zipEntry{name: "B.json", body: osvJSON("B", 1)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadArchive(ctx, bytes.NewReader(archive), int64(len(archive)), ArchiveLimits{}, func(*Advisory) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: error = %v", err)
	}
	stop := errors.New("store is full")
	calls := 0
	_, err := ReadArchive(context.Background(), bytes.NewReader(archive), int64(len(archive)), ArchiveLimits{}, func(*Advisory) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("callback error = %v after %d calls", err, calls)
	}
}

func TestReadArchiveNotAZip(t *testing.T) {
	junk := bytes.Repeat([]byte("PK junk "), 100)
	if _, _, err := readAll(t, junk, ArchiveLimits{}); err == nil || !strings.Contains(err.Error(), "not a readable zip") {
		t.Errorf("error = %v", err)
	}
	if _, _, err := readAll(t, nil, ArchiveLimits{}); err == nil {
		t.Error("an empty archive was accepted")
	}
}
