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
	"path"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// ArchiveLimits bound what ReadArchive accepts; a zero field takes its default.
//
// The zip-bomb defence (README.md) trusts nothing the archive says about itself:
//   - Entries is checked before archive/zip reads the central directory (which it holds in
//     memory, about 300 bytes an entry): the file is scanned for central-directory header
//     signatures, an upper bound of the entries archive/zip could find.
//   - Each record is inflated by this package through an io.LimitReader of EntryBytes+1:
//     a record whose header declares more is skipped unread; one that inflates past
//     EntryBytes or past its declared size is a lie, and the archive is refused.
//   - TotalBytes bounds the bytes inflated over the whole archive, so time is bounded too.
//   - MaxRatio bounds inflated bytes per compressed byte over the whole archive once
//     RatioAfter bytes were inflated: JSON compresses about 10:1, a bomb thousands to one.
type ArchiveLimits struct {
	Entries    int   // entries the archive may hold; default 500,000
	EntryBytes int64 // bytes one record may inflate to; default 1 MiB
	TotalBytes int64 // bytes all records may inflate to; default 4 GiB
	MaxRatio   int64 // inflated bytes per compressed byte; default 200
	RatioAfter int64 // inflated bytes before MaxRatio applies; default 64 MiB
}

// DefaultArchiveLimits are the limits used for zero fields.
var DefaultArchiveLimits = ArchiveLimits{
	Entries: 500_000, EntryBytes: 1 << 20, TotalBytes: 4 << 30, MaxRatio: 200, RatioAfter: 64 << 20,
}

func (l ArchiveLimits) withDefaults() ArchiveLimits {
	d := DefaultArchiveLimits
	if l.Entries > 0 {
		d.Entries = l.Entries
	}
	if l.EntryBytes > 0 {
		d.EntryBytes = l.EntryBytes
	}
	if l.TotalBytes > 0 {
		d.TotalBytes = l.TotalBytes
	}
	if l.MaxRatio > 0 {
		d.MaxRatio = l.MaxRatio
	}
	if l.RatioAfter > 0 {
		d.RatioAfter = l.RatioAfter
	}
	return d
}

// ArchiveStats says what ReadArchive read.
type ArchiveStats struct {
	Records          int       `json:"records"`                   // records passed to fn
	Skipped          int       `json:"skipped"`                   // malformed or oversized records left out
	SkippedExamples  []string  `json:"skippedExamples,omitempty"` // the first reasons, with the entry name
	Ignored          int       `json:"ignored"`                   // entries that are not .json records
	GitRangesDropped int       `json:"gitRangesDropped"`          // GIT ranges left out of the records read
	Newest           time.Time `json:"newest"`                    // the latest Modified of the records read
}

const maxSkippedExamples = 5

// ReadArchive reads an OSV all.zip export (one <ID>.json record an entry) and calls fn
// with each record, in archive order. A malformed record is skipped and counted; more
// malformed records than good ones fail the archive (after fn has seen the good ones: the
// caller applies the records in one transaction). A hostile archive is refused with an
// error, within the limits (ArchiveLimits). Entry names are only read, never used as
// paths. ctx is checked between entries; an error from fn stops the read and is returned.
func ReadArchive(ctx context.Context, r io.ReaderAt, size int64, lim ArchiveLimits, fn func(*Advisory) error) (ArchiveStats, error) {
	var st ArchiveStats
	lim = lim.withDefaults()
	if size <= 0 {
		return st, posture.Errorf(posture.EINVALID, "OSV archive is empty")
	}
	n, err := countCentralHeaders(ctx, r, size, lim.Entries)
	if err != nil {
		return st, err
	}
	if n > lim.Entries {
		return st, posture.Errorf(posture.EINVALID, "OSV archive refused: it holds more than %d entries", lim.Entries)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are never used as paths
		return st, posture.Errorf(posture.EINVALID, "OSV archive is not a readable zip file: %v", err)
	}
	if len(zr.File) > lim.Entries {
		return st, posture.Errorf(posture.EINVALID, "OSV archive refused: it holds %d entries, over the limit of %d", len(zr.File), lim.Entries)
	}
	rd := archiveReader{lim: lim, stats: &st}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if err := rd.entry(f, fn); err != nil {
			return st, err
		}
	}
	if st.Skipped > st.Records {
		return st, posture.Errorf(posture.EINVALID, "OSV archive refused: %d of its %d records are malformed (first: %s)",
			st.Skipped, st.Skipped+st.Records, strings.Join(st.SkippedExamples, "; "))
	}
	return st, nil
}

// archiveReader holds the running totals of one ReadArchive.
type archiveReader struct {
	lim        ArchiveLimits
	stats      *ArchiveStats
	buf        bytes.Buffer // one record, reused
	inflated   int64        // bytes inflated so far
	compressed int64        // compressed bytes of the entries inflated
}

// entry reads one archive entry: a record for fn, an entry to ignore or skip, or an error
// that refuses the archive.
func (rd *archiveReader) entry(f *zip.File, fn func(*Advisory) error) error {
	name := posture.CleanText(f.Name)
	if f.FileInfo().IsDir() || !strings.EqualFold(path.Ext(name), ".json") {
		rd.stats.Ignored++
		return nil
	}
	if f.UncompressedSize64 > uint64(rd.lim.EntryBytes) {
		rd.skip(name, fmt.Sprintf("declares %d bytes, over the limit of %d", f.UncompressedSize64, rd.lim.EntryBytes))
		return nil
	}
	body, reason, err := rd.inflate(f, name)
	if err != nil {
		return err
	}
	if reason != "" {
		rd.skip(name, reason)
		return nil
	}
	a, perr := ParseRecord(body)
	if perr != nil {
		rd.skip(name, posture.ErrorMessage(perr))
		return nil
	}
	rd.stats.Records++
	rd.stats.GitRangesDropped += a.GitRangesDropped
	if a.Modified.After(rd.stats.Newest) {
		rd.stats.Newest = a.Modified
	}
	return fn(a)
}

// inflate decompresses one entry through a limit of EntryBytes+1 bytes. It returns the
// record, or a reason to skip it (a corrupt entry), or an error refusing the archive (an
// entry inflating past what it declares or past the limits).
func (rd *archiveReader) inflate(f *zip.File, name string) (body []byte, skip string, err error) {
	if f.Flags&0x1 != 0 {
		return nil, "is encrypted", nil
	}
	opened, err := f.OpenRaw()
	if err != nil {
		return nil, fmt.Sprintf("cannot be opened: %v", err), nil
	}
	// The compressed bytes actually consumed count toward the ratio, not the header's size.
	raw := &countingReader{r: opened}
	var src io.Reader
	switch f.Method {
	case zip.Store:
		src = raw
	case zip.Deflate:
		fr := flate.NewReader(raw)
		defer fr.Close()
		src = fr
	default:
		return nil, fmt.Sprintf("uses compression method %d, not stored or deflated", f.Method), nil
	}
	rd.buf.Reset()
	n, rerr := rd.buf.ReadFrom(io.LimitReader(src, rd.lim.EntryBytes+1))
	rd.inflated += n
	rd.compressed += raw.n
	if err := rd.checkBomb(name, n, f.UncompressedSize64); err != nil {
		return nil, "", err
	}
	switch {
	case rerr != nil:
		return nil, fmt.Sprintf("cannot be inflated: %v", rerr), nil
	case uint64(n) != f.UncompressedSize64:
		return nil, fmt.Sprintf("inflates to %d bytes, not the %d its header declares", n, f.UncompressedSize64), nil
	case f.CRC32 != 0 && crc32.ChecksumIEEE(rd.buf.Bytes()) != f.CRC32:
		return nil, "fails its CRC-32 check", nil
	}
	return rd.buf.Bytes(), "", nil
}

// checkBomb refuses the archive when an entry inflated past its limit or its declared size,
// or the archive past its total or its ratio.
func (rd *archiveReader) checkBomb(name string, n int64, declared uint64) error {
	refuse := func(format string, args ...any) error {
		return posture.Errorf(posture.EINVALID, "OSV archive refused (zip bomb?): entry %q %s", clip(name, 80), fmt.Sprintf(format, args...))
	}
	switch {
	case n > rd.lim.EntryBytes:
		return refuse("inflates past %d bytes though its header declares %d", rd.lim.EntryBytes, declared)
	case uint64(n) > declared:
		return refuse("inflates to at least %d bytes though its header declares %d", n, declared)
	case rd.inflated > rd.lim.TotalBytes:
		return refuse("takes the archive past %d inflated bytes", rd.lim.TotalBytes)
	case rd.inflated >= rd.lim.RatioAfter && rd.inflated > rd.lim.MaxRatio*max(rd.compressed, 1):
		return refuse("takes the archive's compression ratio past %d:1 (%d bytes from %d)", rd.lim.MaxRatio, rd.inflated, rd.compressed)
	}
	return nil
}

func (rd *archiveReader) skip(name, reason string) {
	rd.stats.Skipped++
	if len(rd.stats.SkippedExamples) < maxSkippedExamples {
		rd.stats.SkippedExamples = append(rd.stats.SkippedExamples, clip(name, 80)+": "+clip(reason, 200))
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// centralHeaderSignature starts each central-directory entry of a zip file.
var centralHeaderSignature = []byte("PK\x01\x02")

// countCentralHeaders counts central-directory header signatures anywhere in the file,
// stopping once past limit. archive/zip keeps one File for each header it reads and each
// starts with this signature, so the count bounds what it will hold in memory, whatever
// the end-of-directory record claims. It costs one sequential read of the file.
func countCentralHeaders(ctx context.Context, r io.ReaderAt, size int64, limit int) (int, error) {
	const chunk = 1 << 20
	sig := len(centralHeaderSignature)
	buf := make([]byte, chunk+sig-1)
	count, carry := 0, 0 // carry: bytes kept from the previous chunk, for a split signature
	for off := int64(0); off < size; off += chunk {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		want := min(int64(chunk), size-off)
		n, err := r.ReadAt(buf[carry:carry+int(want)], off)
		if err != nil && !(errors.Is(err, io.EOF) && int64(n) == want) {
			return 0, posture.Errorf(posture.EINVALID, "OSV archive cannot be read: %v", err)
		}
		data := buf[:carry+n]
		count += bytes.Count(data, centralHeaderSignature)
		if count > limit {
			return count, nil
		}
		carry = min(sig-1, len(data))
		copy(buf, data[len(data)-carry:])
	}
	return count, nil
}
