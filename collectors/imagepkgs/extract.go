package imagepkgs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

// maxProblems bounds the problems one SBOM carries: a hostile image can cause many.
const maxProblems = 100

// Options configure an extraction.
type Options struct {
	Cache  LayerCache // nil: every layer is read
	Limits Limits
	Origin string           // the SBOM's Origin: "layers of sha256:… (linux/amd64)"
	Now    func() time.Time // the SBOM's ObservedAt (default time.Now)
	Log    *slog.Logger     // default: discard
}

// Extract lists the packages of img from its layers. Each layer's facts come from the
// cache by layer digest, or from one streaming read of the layer (then cached when read
// completely); the layers are merged in order, honouring whiteouts. What could not be
// read (a layer over a limit, a corrupt stream) is a Problem of the SBOM, which is then
// partial; the error is for ctx or an image whose manifest cannot be read.
func Extract(ctx context.Context, img v1.Image, o Options) (*sbom.SBOM, error) {
	o = o.withDefaults()
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("image digest: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("image layers: %w", err)
	}
	budget := o.Limits.ImageBytes
	fs := newImageFS()
	var problems []string
	for _, l := range layers {
		f, err := layerFacts(ctx, l, o, &budget)
		if err != nil {
			return nil, err
		}
		problems = append(problems, f.Problems...)
		fs.apply(f)
	}
	s := &sbom.SBOM{Digest: digest.String(), Source: sbom.SourceExtractor, Format: sbom.FormatLayers,
		Origin: o.Origin, ObservedAt: o.Now(), Components: []sbom.Component{}}
	fs.fill(s, o.Limits)
	s.Problems = capProblems(append(problems, s.Problems...))
	return s, nil
}

func (o Options) withDefaults() Options {
	o.Limits = o.Limits.WithDefaults()
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// layerFacts returns a layer's facts from the cache, or reads the layer (spending the
// image's byte budget) and caches what was read completely. A cache that fails is logged
// and bypassed: the layer is read instead.
func layerFacts(ctx context.Context, l v1.Layer, o Options, budget *int64) (*LayerFacts, error) {
	h, err := l.Digest()
	if err != nil {
		return &LayerFacts{Problems: []string{fmt.Sprintf("a layer's digest could not be read: %v", err)}}, nil
	}
	digest := h.String()
	if o.Cache != nil {
		f, ok, err := o.Cache.Layer(ctx, digest)
		switch {
		case err != nil:
			o.Log.Warn("layer cache read failed", "layer", digest, "err", err)
		case ok && f.Version == factsVersion:
			o.Log.Debug("layer facts cached", "layer", digest)
			return f, nil
		}
	}
	if *budget <= 0 {
		return &LayerFacts{Problems: []string{fmt.Sprintf("layer %s was not read: the image's layers are larger than %s uncompressed in all",
			digest, formatBytes(o.Limits.ImageBytes))}}, nil
	}
	start := time.Now()
	f, complete, err := readLayer(ctx, l, digest, o.Limits, budget)
	if err != nil {
		return nil, err
	}
	o.Log.Debug("layer read", "layer", digest, "bytes", f.BytesRead, "entries", f.Entries,
		"complete", complete, "duration", time.Since(start).String())
	if complete && o.Cache != nil {
		if err := o.Cache.SaveLayer(ctx, digest, f); err != nil {
			o.Log.Warn("layer cache write failed", "layer", digest, "err", err)
		}
	}
	return f, nil
}

func capProblems(p []string) []string {
	if len(p) <= maxProblems {
		return p
	}
	return append(p[:maxProblems:maxProblems], fmt.Sprintf("and %d more problems", len(p)-maxProblems))
}
