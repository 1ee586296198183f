package imagepkgs

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Limits bound the work and memory one extraction may take: images are untrusted input
// (a gzip bomb, a million entries, a huge "dpkg status"). Zero fields take the defaults.
type Limits struct {
	LayerBytes  int64 // uncompressed bytes read per layer (default 4 GiB)
	ImageBytes  int64 // uncompressed bytes read per image, over all layers read (default 8 GiB)
	Entries     int   // tar entries per layer (default 1,000,000)
	DBFileBytes int64 // a dpkg status, apk database or os-release file (default 64 MiB)
	BinaryBytes int64 // a Go executable examined (default 256 MiB)
	Binaries    int   // Go executables per layer and per image (default 500)
	Packages    int   // packages per database file and per image (default 100,000)
	// Paths bounds the whiteouts, opaque directories and replaced paths one layer's facts
	// record (default 100,000), so that cached facts stay small.
	Paths int
}

const (
	kiB = 1 << 10
	miB = 1 << 20
	giB = 1 << 30
)

// WithDefaults returns l with every unset (zero or negative) field at its default.
func (l Limits) WithDefaults() Limits {
	setInt64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt64(&l.LayerBytes, 4*giB)
	setInt64(&l.ImageBytes, 8*giB)
	setInt(&l.Entries, 1_000_000)
	setInt64(&l.DBFileBytes, 64*miB)
	setInt64(&l.BinaryBytes, 256*miB)
	setInt(&l.Binaries, 500)
	setInt(&l.Packages, 100_000)
	setInt(&l.Paths, 100_000)
	return l
}

// formatBytes writes a size the way limits are spoken of: "4 GiB", "64 MiB", "1500 bytes".
func formatBytes(n int64) string {
	switch {
	case n >= giB && n%giB == 0:
		return fmt.Sprintf("%d GiB", n/giB)
	case n >= miB && n%miB == 0:
		return fmt.Sprintf("%d MiB", n/miB)
	case n >= kiB && n%kiB == 0:
		return fmt.Sprintf("%d KiB", n/kiB)
	}
	return fmt.Sprintf("%d bytes", n)
}

// errLimit stops a layer's read when a byte budget is spent; boundedReader.exceeded says
// which (archive/tar and gzip do not always pass errors through unwrapped).
var errLimit = errors.New("read limit reached")

// boundedReader counts what is read from a layer's uncompressed stream, stops at the
// layer's and the image's byte budgets, and honours ctx at every read (a layer download
// can take minutes).
type boundedReader struct {
	ctx        context.Context
	r          io.Reader
	n          int64  // bytes read from this layer
	layerLimit int64  // bytes this layer may give
	image      *int64 // bytes the image may still give, shared by its layers
	exceeded   string // "layer" or "image" once a budget is spent
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	allowed := min(b.layerLimit-b.n, *b.image)
	if allowed <= 0 {
		return b.overLimit()
	}
	if int64(len(p)) > allowed {
		p = p[:allowed]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	*b.image -= int64(n)
	return n, err
}

// overLimit is called with the budget spent: a stream ending exactly there is fine, one
// byte more is over.
func (b *boundedReader) overLimit() (int, error) {
	var one [1]byte
	for {
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.exceeded = "layer"
			if *b.image <= 0 && b.layerLimit-b.n > 0 {
				b.exceeded = "image"
			}
			return 0, errLimit
		}
		if err != nil {
			return 0, err
		}
	}
}
