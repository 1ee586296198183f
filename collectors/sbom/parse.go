package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Limits on what a document may hold. Uploads come from pipelines and registries we do not
// control: a document is read whole into memory (the CycloneDX and SPDX libraries need it
// so), so its size is bounded before anything is parsed, and its shape (census.go) before
// a library builds its model of it.
const (
	MaxDocumentBytes = 64 << 20
	MaxComponents    = 100000
	// maxNesting bounds how deep CycloneDX components nested in components are walked.
	maxNesting = 32
)

// Parse reads an SBOM or scanner report of at most limit bytes (0: MaxDocumentBytes),
// detects its format and returns its packages. Source, Digest, Origin and ObservedAt are
// left for the caller. Errors are posture errors whose message is safe to show.
func Parse(r io.Reader, limit int64) (*SBOM, error) {
	doc, err := readDocument(r, limit)
	if err != nil {
		return nil, err
	}
	c, err := takeCensus(doc)
	if err != nil {
		return nil, err
	}
	return parseDocument(doc, c)
}

// ParseFormat is Parse for a document the caller says is in format f; a document that
// looks like another format is refused rather than read as an empty list.
func ParseFormat(r io.Reader, f Format, limit int64) (*SBOM, error) {
	if !isUploadFormat(f) {
		return nil, posture.Errorf(posture.EINVALID, "unknown SBOM format %q; accepted: %s", truncate(string(f), 40), acceptedFormats)
	}
	doc, err := readDocument(r, limit)
	if err != nil {
		return nil, err
	}
	c, err := takeCensus(doc)
	if err != nil {
		return nil, err
	}
	if c.format != f {
		return nil, posture.Errorf(posture.EINVALID, "the document is not %s: it looks like %s", f, c.format)
	}
	return parseDocument(doc, c)
}

func isUploadFormat(f Format) bool {
	for _, known := range Formats {
		if f == known {
			return true
		}
	}
	return false
}

const acceptedFormats = "CycloneDX JSON (1.2 to 1.6), SPDX JSON (2.2, 2.3), Trivy JSON (trivy image -f json), Grype JSON (grype -o json), Syft JSON (syft -o json)"

// parseDocument reads doc, whose census c found in an accepted format and within limits.
func parseDocument(doc []byte, c *census) (*SBOM, error) {
	if err := c.checkLimits(); err != nil {
		return nil, err
	}
	b := newBuilder(c.format)
	var err error
	switch c.format {
	case FormatCycloneDX:
		err = b.readCycloneDX(doc)
	case FormatSPDX:
		err = b.readSPDX(doc)
	case FormatTrivy:
		err = b.readTrivy(doc)
	case FormatGrype:
		err = b.readGrype(doc)
	case FormatSyft:
		err = b.readSyft(doc)
	default:
		err = posture.Errorf(posture.EINVALID, "unknown SBOM format %q; accepted: %s", truncate(string(c.format), 40), acceptedFormats)
	}
	if err != nil {
		return nil, err
	}
	return b.finish(), nil
}

// readDocument reads a document of at most limit bytes, without a byte order mark.
func readDocument(r io.Reader, limit int64) ([]byte, error) {
	doc, err := readLimited(r, limit)
	return trimBOM(doc), err
}

// readLimited reads all of r if it holds at most limit bytes. It reads limit+1 bytes at
// most, in chunks sized to what has arrived so far, so that a huge or endless stream costs
// no more than the limit in memory before it is refused.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = MaxDocumentBytes
	}
	if sized, ok := r.(interface{ Len() int }); ok && int64(sized.Len()) > limit {
		return nil, tooLarge(limit)
	}
	src := io.LimitReader(r, limit+1)
	var chunks [][]byte
	var total int64
	size := int64(64 << 10)
	for {
		buf := make([]byte, min(size, limit+1-total))
		n, err := io.ReadFull(src, buf)
		chunks = append(chunks, buf[:n])
		total += int64(n)
		if total > limit {
			return nil, tooLarge(limit)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, posture.WrapError(posture.EINVALID, shortError(err), "the document could not be read")
		}
		size = min(size*2, 4<<20)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	return bytes.Join(chunks, nil), nil
}

func tooLarge(limit int64) error {
	return posture.Errorf(posture.EINVALID, "the document is larger than %s", byteSize(limit))
}

// byteSize writes n for people: "64 MiB", "512 KiB", "1000 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// trimBOM drops a UTF-8 byte order mark, which some Windows tools write before JSON.
func trimBOM(doc []byte) []byte {
	return bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf"))
}

// jsonError describes a decoding error without quoting the document: where it broke, not
// what it said. what names the format ("CycloneDX"), or "" before it is known.
func jsonError(what string, err error) error {
	doc := "the document"
	if what != "" {
		doc = "the " + what + " document"
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syntax) && strings.Contains(syntax.Error(), "unexpected end")):
		return posture.WrapError(posture.EINVALID, shortError(err), "%s is not valid JSON: it ends early (truncated?)", doc)
	case errors.As(err, &syntax):
		return posture.WrapError(posture.EINVALID, shortError(err), "%s is not valid JSON: syntax error at byte %d", doc, syntax.Offset)
	case errors.As(err, &typ):
		return posture.WrapError(posture.EINVALID, shortError(err), "%s has a member of the wrong type (%s: %s expected)", doc, truncate(typ.Field, 80), typ.Type)
	}
	return posture.WrapError(posture.EINVALID, shortError(err), "%s could not be read", doc)
}

// boundedError keeps a library's error (for errors.Is/As) but prints at most a few words
// of it: libraries quote the offending input, which may be huge.
type boundedError struct{ err error }

func (e boundedError) Error() string { return truncate(posture.CleanText(e.err.Error()), 200) }
func (e boundedError) Unwrap() error { return e.err }

func shortError(err error) error { return boundedError{err} }

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// describe names a component in an error: its place in the document and its name, cleaned
// and shortened.
func describe(path, name string) string {
	if name == "" {
		return path
	}
	return fmt.Sprintf("%s (%q)", path, truncate(posture.CleanText(name), 100))
}
