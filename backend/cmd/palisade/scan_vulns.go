package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/termsafe"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/registry"
)

// feedsFromArgs reads the --advisories values: Ecosystem=FILE, or a directory holding
// <Ecosystem>-all.zip or <Ecosystem>/all.zip files (an osv.dev mirror's layout).
func feedsFromArgs(args []string) ([]advisories.FeedSource, error) {
	byEco := map[string]string{}
	for _, a := range args {
		if eco, file, ok := strings.Cut(a, "="); ok && eco != "" {
			if _, err := os.Stat(file); err != nil {
				return nil, usageError("--advisories %s: %v", a, err)
			}
			byEco[eco] = file
			continue
		}
		found, err := feedFiles(a)
		if err != nil {
			return nil, err
		}
		for eco, f := range found {
			byEco[eco] = f
		}
	}
	out := make([]advisories.FeedSource, 0, len(byEco))
	for eco, f := range byEco {
		out = append(out, advisories.FeedSource{Ecosystem: eco, File: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	return out, nil
}

func feedFiles(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, usageError("--advisories %s: %v (give a directory of <Ecosystem>-all.zip files, or Ecosystem=FILE)", dir, err)
	}
	out := map[string]string{}
	for _, e := range entries {
		switch {
		case !e.IsDir() && strings.HasSuffix(e.Name(), "-all.zip"):
			out[strings.TrimSuffix(e.Name(), "-all.zip")] = filepath.Join(dir, e.Name())
		case e.IsDir():
			if f := filepath.Join(dir, e.Name(), "all.zip"); fileExists(f) {
				out[e.Name()] = f
			}
		}
	}
	if len(out) == 0 {
		return nil, usageError("--advisories %s: no <Ecosystem>-all.zip or <Ecosystem>/all.zip in it", dir)
	}
	return out, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// matchScannedImages reads the packages of the scanned images from their layers and matches
// them with the advisory files, in a throwaway database: scan needs no server. The image
// checks then judge their vulnerabilities (image.vulnerabilities fails on a fixable critical
// or high one, and --fail-on gates on it).
func matchScannedImages(ctx context.Context, facets []*imagefacts.Facet, feeds []advisories.FeedSource, acc *imageAccess,
	progress func(string, ...any)) error {
	dir, err := os.MkdirTemp("", "palisade-scan-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, store.Options{Driver: store.SQLite, DSN: filepath.Join(dir, "scan.db")})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.MigrateUp(ctx); err != nil {
		return err
	}
	ten := &posture.Tenant{Slug: "scan", Name: "scan"}
	if err := db.CreateTenant(ctx, ten); err != nil {
		return err
	}
	svc := vulns.New(vulns.Options{Store: db, Feeds: feeds, Dir: dir})
	for _, r := range svc.Refresh(ctx) {
		if r.Err != nil {
			return usageError("--advisories %s: %s", r.Ecosystem, posture.ErrorMessage(r.Err))
		}
		progress("advisories %s: %d records, newest %s", r.Ecosystem, r.Records, feedDate(ctx, svc, r.Ecosystem))
	}
	for _, f := range facets {
		c, err := registry.NewClient(registry.Options{URL: f.Registry.Scheme + "://" + f.Registry.Host,
			Credentials: acc.credentials(f.Registry.Host), CABundle: acc.ca})
		if err != nil {
			return err
		}
		open := func(ctx context.Context, im *imagefacts.Image) (v1.Image, string, error) {
			progress("reading the packages of %s", termsafe.String(im.Ref()))
			return c.PlatformImage(ctx, im.Repository, im.Digest)
		}
		images := make([]*imagefacts.Image, 0, len(f.Images))
		for _, im := range f.Images {
			images = append(images, im)
		}
		if _, err := svc.Acquire(ctx, ten.ID, images, open, vulns.AcquireOptions{MaxExtractions: len(images), Budget: imageInspectTimeout}); err != nil {
			return err
		}
		if err := svc.Fill(ctx, ten.ID, f); err != nil {
			return err
		}
		for _, im := range images {
			if v := im.Vulnerabilities; v != nil {
				progress("image %s: %d critical (%d fixable), %d high (%d fixable), %d medium, %d low, %d unknown",
					termsafe.String(im.Ref()), v.Critical, v.FixableCritical, v.High, v.FixableHigh, v.Medium, v.Low, v.Unknown)
			}
		}
	}
	return nil
}

func feedDate(ctx context.Context, svc *vulns.Service, eco string) string {
	feeds, err := svc.Feeds(ctx)
	if err != nil {
		return "unknown"
	}
	for _, f := range feeds {
		if f.Ecosystem == eco && f.FeedDate != nil {
			return f.FeedDate.Format("2006-01-02 15:04 MST")
		}
	}
	return "unknown"
}
