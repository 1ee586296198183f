package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/report"
	"github.com/palisade-dev/palisade/backend/scanner"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/backend/termsafe"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

type scanOptions struct {
	paths      []string
	kubeconfig string
	context    string
	output     string
	outFile    string
	failOn     string
	quiet      bool
	allowEmpty bool
	// scan --image (scan_image.go)
	images           []string
	advisoryFeeds    []string // --advisories (scan_vulns.go)
	trustPolicy      string
	registryCA       string
	dockerConfig     string
	insecureRegistry bool
}

func init() { extraCommands = append(extraCommands, newScanCommand) }

func newScanCommand(opts *globalOptions) *cobra.Command {
	so := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan (--path DIR|FILE|- ... [--image REF ...] | --image REF ... | --kubeconfig FILE [--context NAME])",
		Short: "Check manifests, images or a live cluster against the CSA best practices (for CI pipelines)",
		Long: `Scan Kubernetes manifests (files, directories, or - for stdin), container images in a registry,
or a live cluster, evaluate every check, and print CSA-mapped findings and a posture score.
Needs no database and writes nothing except the report.

--image reads an image (tag or digest) and its signatures from its registry, over HTTPS
(--registry-ca for a private CA; plain HTTP only with --insecure-registry or an http://
reference), and runs the image checks; with --trust-policy its signatures and provenance are
judged. Credentials come from PALISADE_REGISTRY_USERNAME and PALISADE_REGISTRY_PASSWORD, or
PALISADE_REGISTRY_TOKEN, or --docker-config; they are never printed. With --path as well,
manifests and images go into one report and one --fail-on.

Exit codes: 0 no finding at or above --fail-on (or no --fail-on), 1 a finding at or above
--fail-on, 2 usage error or anything that could not be read, an image included (the report
is still written and lists each error).`,
		Example: `  palisade scan --path deploy/
  kustomize build overlays/prod | palisade scan --path - --fail-on high
  palisade scan --path k8s/ --output sarif --output-file palisade.sarif
  palisade scan --image registry.example.com/team/app:1.4 --trust-policy trust.json --fail-on high
  palisade scan --path k8s/ --image registry.example.com/team/app@sha256:... --registry-ca ca.pem
  palisade scan --kubeconfig ~/.kube/config --context prod --output json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runScan(cmd.Context(), opts, so) },
	}
	f := cmd.Flags()
	f.StringArrayVarP(&so.paths, "path", "p", nil, "manifest file or directory to scan, or - for stdin (repeatable)")
	f.StringVar(&so.kubeconfig, "kubeconfig", "", "scan the live cluster of this kubeconfig")
	f.StringVar(&so.context, "context", "", "kubeconfig context (default: the current context)")
	f.StringVarP(&so.output, "output", "o", "table", "output format: table, json, sarif or csv")
	f.StringVar(&so.outFile, "output-file", "", "write the report to this file instead of stdout")
	f.StringVar(&so.failOn, "fail-on", "", "exit 1 when a finding at or above this severity exists: critical, high, medium or low")
	f.BoolVarP(&so.quiet, "quiet", "q", false, "no progress or summary on stderr")
	f.BoolVar(&so.allowEmpty, "allow-empty", false, "accept input with no Kubernetes objects (an empty file, stdin or directory) instead of exiting 2")
	f.StringArrayVar(&so.images, "image", nil, "image to check, registry/repository:tag or registry/repository@sha256:... (repeatable)")
	f.StringVar(&so.trustPolicy, "trust-policy", "", "judge image signatures and provenance with this trust policy (JSON, see docs/imagetrust.md)")
	f.StringVar(&so.registryCA, "registry-ca", "", "PEM CA bundle to trust for registries, besides the system's roots")
	f.StringVar(&so.dockerConfig, "docker-config", "", "Docker config JSON with registry credentials (static \"auths\" entries)")
	f.BoolVar(&so.insecureRegistry, "insecure-registry", false, "read --image registries over plain HTTP (no TLS)")
	f.StringArrayVar(&so.advisoryFeeds, "advisories", nil, "match --image packages (read from their layers) with OSV advisories: a directory of <Ecosystem>-all.zip files, or Ecosystem=FILE (repeatable)")
	return cmd
}

func (so *scanOptions) validate() (report.Format, *posture.Severity, error) {
	if len(so.paths) == 0 && so.kubeconfig == "" && len(so.images) == 0 {
		return "", nil, usageError("scan needs --path, --image or --kubeconfig (see palisade scan --help)")
	}
	if len(so.images) > 0 && so.kubeconfig != "" {
		return "", nil, usageError("--image and --kubeconfig cannot be combined; run two scans")
	}
	if len(so.paths) > 0 && so.kubeconfig != "" {
		return "", nil, usageError("--path and --kubeconfig cannot be combined; run two scans")
	}
	if so.context != "" && so.kubeconfig == "" {
		return "", nil, usageError("--context needs --kubeconfig")
	}
	format, err := report.ParseFormat(so.output)
	if err != nil {
		return "", nil, usageError("--output: %s", posture.ErrorMessage(err))
	}
	if so.failOn == "" {
		return format, nil, nil
	}
	sev, err := posture.ParseSeverity(so.failOn)
	if err != nil || sev == posture.SeverityInfo {
		return "", nil, usageError("--fail-on must be critical, high, medium or low, got %q", so.failOn)
	}
	return format, &sev, nil
}

// collected is what a scan read, from files or from a cluster.
type collected struct {
	inv       *kubeinv.Inventory
	errors    []posture.CollectionError
	warnings  []posture.CollectionError
	sources   map[string]string
	manifests *manifests.Result   // nil for a cluster
	images    []*imagefacts.Facet // scan --image
	what      string              // for the progress line: "12 file(s), 85 object(s) (80 evaluated)"
}

func runScan(ctx context.Context, opts *globalOptions, so *scanOptions) error {
	format, failOn, err := so.validate()
	if err != nil {
		return err
	}
	cfg, err := opts.loadConfig()
	if err != nil {
		return err
	}
	catalog, checkCfg, err := checkSetup(cfg.Checks)
	if err != nil {
		return err
	}
	refs, access, err := so.imageSetup(opts.env.vars)
	if err != nil {
		return err
	}
	progress := func(format string, args ...any) {
		if !so.quiet {
			fmt.Fprintf(opts.env.stderr, "palisade: "+format+"\n", args...)
		}
	}
	start := time.Now()
	defer scanner.TuneGC(opts.env.vars)()
	var got *collected
	switch {
	case so.kubeconfig != "":
		progress("collecting from cluster (kubeconfig %s)", termsafe.String(so.kubeconfig))
		got, err = collectCluster(ctx, so, opts)
	case len(so.paths) == 0: // images only
		got = &collected{}
	default:
		got, err = collectManifests(ctx, so.paths, opts.env.stdin)
		// Manifests show one application, not the cluster: a namespace it only uses is not
		// in the scan (see checks.Config.OnlyDeclaredNamespaces).
		checkCfg.OnlyDeclaredNamespaces = true
	}
	if err != nil {
		return err
	}
	if len(refs) > 0 {
		var errs []posture.CollectionError
		got.images, errs = collectImages(ctx, refs, access, progress, opts.env.stderr)
		got.errors = append(got.errors, errs...)
		if len(so.advisoryFeeds) > 0 {
			feeds, err := feedsFromArgs(so.advisoryFeeds)
			if err == nil {
				err = matchScannedImages(ctx, got.images, feeds, access, progress)
			}
			if err != nil {
				return err
			}
		}
		images := fmt.Sprintf("%d image(s)", len(refs))
		if got.what != "" {
			images = got.what + " and " + images
		}
		got.what = images
		catalog = imageCatalog(catalog)
	}
	empty := got.manifests != nil && got.manifests.Read == 0 && !so.allowEmpty
	if empty {
		got.errors = append(got.errors, posture.CollectionError{Source: strings.Join(so.paths, ", "),
			Message: fmt.Sprintf("no Kubernetes objects found in %d file(s); nothing was checked (--allow-empty accepts this)", got.manifests.Files)})
	}
	out, err := writeScanReport(opts.env.stdout, so.outFile, format, got, scanner.Options{Catalog: catalog, Config: checkCfg,
		Score: scoring.Options{Weights: posture.DefaultWeights(), OwnerLabelKey: checkCfg.OwnerLabel, Now: time.Now(),
			// A scan sees only what it was given; attestations live in the server.
			IgnoreAttestations: true}})
	if err != nil {
		return err
	}
	for _, w := range out.Warnings {
		// Sources and messages quote the scanned input (object names, unknown field names).
		progress("warning: %s: %s", termsafe.String(w.Source), termsafe.String(w.Message))
	}
	o := out.Score.Overall
	progress("scanned %s in %s: compliance %s, risk %.1f, %d findings, %d errors", got.what, time.Since(start).Round(time.Millisecond),
		scoring.FormatCompliance(o.Compliance), o.Risk, out.Summary.Findings, len(out.Errors))
	if len(out.Errors) > 0 {
		return &exitCodeError{code: exitError, err: fmt.Errorf("%d input(s) could not be read (listed in the report)", len(out.Errors))}
	}
	if failOn != nil && out.AnyFind && out.Worst >= *failOn {
		return failure("findings at or above %s severity", *failOn)
	}
	return nil
}

func collectManifests(ctx context.Context, paths []string, stdin io.Reader) (*collected, error) {
	res, err := manifests.Load(ctx, paths, stdin, manifests.Options{})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return &collected{inv: res.Inventory, errors: res.Errors, warnings: res.Warnings, sources: res.Sources, manifests: res,
		what: fmt.Sprintf("%d file(s), %d object(s) (%d evaluated)", res.Files, res.Read, res.Objects)}, nil
}

// writeScanReport evaluates what was collected and streams the report to the output file
// (created only when the scan can write it) or stdout.
func writeScanReport(stdout io.Writer, path string, format report.Format, got *collected, so scanner.Options) (scanner.Outcome, error) {
	w := stdout
	var f *os.File
	if path != "" {
		var err error
		if f, err = os.Create(path); err != nil {
			return scanner.Outcome{}, fmt.Errorf("--output-file: %w", err)
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	st, err := report.NewStream(bw, format, report.Meta{Checks: lookupIn(so.Catalog), Rules: scanner.RuleIDs(so.Catalog), ToolVersion: version})
	if err == nil {
		var out scanner.Outcome
		out, err = scanner.Run(scanner.Input{Inventory: got.inv, Sources: got.sources, Errors: got.errors, Warnings: got.warnings,
			Manifests: got.manifests, Images: got.images}, so, st)
		if err == nil {
			err = bw.Flush()
		}
		if f != nil {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		return out, err
	}
	if f != nil {
		f.Close()
	}
	return scanner.Outcome{}, err
}

// lookupIn adapts the catalog (and the manifest input checks) to the report's check
// metadata lookup.
func lookupIn(c *checks.Catalog) report.CheckLookup {
	return func(id string) (report.CheckInfo, bool) {
		ch, ok := c.Get(id)
		if !ok {
			if ic, ok := manifests.InputCheckByID(id); ok {
				return report.CheckInfo{ID: ic.ID, Title: ic.Title, Description: ic.Description, Severity: ic.Severity,
					Remediation: ic.Remediation}, true
			}
			return report.CheckInfo{}, false
		}
		rem := ch.Remediation.Text
		if ex := strings.TrimSpace(ch.Remediation.Example); ex != "" {
			rem += "\nExample:\n" + ex
		}
		return report.CheckInfo{ID: ch.ID, Title: ch.Title, Description: ch.Description, Severity: ch.Severity,
			CSA: ch.CSA, Remediation: rem}, true
	}
}
