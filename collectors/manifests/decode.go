// Package manifests reads Kubernetes objects from YAML and JSON files, directories and
// stdin into a kubeinv.Inventory, for CI and GitOps scanning. Every input is treated as
// hostile: sizes are capped, YAML alias expansion is bounded, invalid UTF-8 and wrong
// types give a per-document error, and one bad file never stops the others.
package manifests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Defaults for Options.
const (
	DefaultMaxFileBytes      = 10 << 20 // 10 MiB per file (or stdin)
	DefaultMaxDocuments      = 100_000  // documents (and List items) per file
	DefaultMaxAliasNodes     = 10_000   // extra YAML nodes that alias expansion may add per document
	DefaultMaxFiles          = 100_000  // files per Load
	DefaultNamespace         = "default"
	maxListDepth             = 2 // a List inside a List is accepted, deeper is not
	maxYAMLNesting           = 1000
	defaultDocumentSeparator = "---"
)

// Options bound the work the decoder does. Zero values mean the defaults above.
type Options struct {
	MaxFileBytes  int64
	MaxDocuments  int
	MaxAliasNodes int
	MaxFiles      int
	// DefaultNamespace is given to namespaced objects that name none (as kubectl would
	// apply them to the current namespace). Default "default".
	DefaultNamespace string
	// Root confines Load to a directory: the paths given are relative to it, and a path or
	// symbolic link (a file or a directory, at any depth, whenever it was made) that leaves
	// it is a collection error (LeavesRootMessage) instead of being read. Errors and Sources
	// name files as Root.Name() joined with the relative path. Nil reads through the os
	// package, following links anywhere: the paths a user named on the command line.
	Root *os.Root
}

func (o Options) withDefaults() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxDocuments <= 0 {
		o.MaxDocuments = DefaultMaxDocuments
	}
	if o.MaxAliasNodes <= 0 {
		o.MaxAliasNodes = DefaultMaxAliasNodes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = DefaultNamespace
	}
	return o
}

// Ignored notes an object of a kind Palisade does not inspect (ConfigMap, a CRD, ...).
// It is not an error: it is listed so that nobody assumes it was checked.
type Ignored struct {
	Source     string `json:"source"`
	Document   int    `json:"document"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name,omitempty"`
}

// Result is what a load produced: the inventory, one error per bad file or document, and
// the objects that were skipped because their kind is not inspected.
type Result struct {
	Inventory *kubeinv.Inventory
	Errors    []posture.CollectionError
	Ignored   []Ignored
	// Warnings are about objects that were used but had fields the decoder ignored
	// (unknown or duplicated: usually a typo that silently drops a setting).
	Warnings []posture.CollectionError
	// Sources maps each object's asset key to the file it came from, so findings can
	// point at a file (SARIF locations, the table's LOCATION column).
	Sources map[string]string
	Files   int // files read (including ones with errors)

	pending []pendingObject
	Objects int // objects added to the inventory
}

// NewResult returns an empty result with an inventory to fill.
func NewResult() *Result { return &Result{Inventory: &kubeinv.Inventory{}} }

// DocumentError describes one document that could not be used.
type DocumentError struct {
	Source   string // file path or "-" for stdin
	Document int    // 1-based document index in the file; 0 when the whole file is bad
	Item     int    // 1-based item index inside a List; 0 otherwise
	Reason   string
}

func (e *DocumentError) Error() string {
	switch {
	case e.Document == 0:
		return e.Reason
	case e.Item > 0:
		return fmt.Sprintf("document %d, List item %d: %s", e.Document, e.Item, e.Reason)
	}
	return fmt.Sprintf("document %d: %s", e.Document, e.Reason)
}

func (r *Result) addError(e *DocumentError) {
	r.Errors = append(r.Errors, posture.CollectionError{Source: e.Source, Message: e.Error()})
}

// Read decodes everything in r (a file's or stdin's content) named source into res. At
// most opts.MaxFileBytes are read; a larger input is one error and nothing from it is used.
func Read(r io.Reader, source string, opts Options, res *Result) {
	read(r, source, opts.withDefaults(), res)
	res.flush()
}

// read is Read without the flush, for files decoded in parallel.
func read(r io.Reader, source string, opts Options, res *Result) {
	res.Files++
	data, err := io.ReadAll(io.LimitReader(r, opts.MaxFileBytes+1))
	if err != nil {
		res.addError(&DocumentError{Source: source, Reason: fmt.Sprintf("read: %v", err)})
		return
	}
	if int64(len(data)) > opts.MaxFileBytes {
		res.addError(&DocumentError{Source: source, Reason: fmt.Sprintf("input is larger than the %d-byte limit; not scanned", opts.MaxFileBytes)})
		return
	}
	decodeBytes(data, source, opts, res)
}

// DecodeBytes decodes one file's content (single or multi-document YAML, or JSON) into res.
func DecodeBytes(data []byte, source string, opts Options, res *Result) {
	opts = opts.withDefaults()
	if int64(len(data)) > opts.MaxFileBytes {
		res.addError(&DocumentError{Source: source, Reason: fmt.Sprintf("input is larger than the %d-byte limit; not scanned", opts.MaxFileBytes)})
		return
	}
	decodeBytes(data, source, opts, res)
	res.flush()
}

func decodeBytes(data []byte, source string, opts Options, res *Result) {
	if !utf8.Valid(data) {
		res.addError(&DocumentError{Source: source, Reason: fmt.Sprintf("invalid UTF-8 at byte offset %d; not scanned", invalidUTF8Offset(data))})
		return
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	budget := opts.MaxDocuments
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			res.addError(&DocumentError{Source: source, Document: doc, Reason: fmt.Sprintf("split documents: %v; rest of file not scanned", err)})
			return
		}
		if budget <= 0 {
			res.addError(&DocumentError{Source: source, Document: doc, Reason: fmt.Sprintf("more than %d documents; rest of file not scanned", opts.MaxDocuments)})
			return
		}
		budget--
		decodeDocument(raw, source, doc, opts, res, &budget)
	}
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// typeMeta reads apiVersion, kind and name without decoding the rest.
type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func decodeDocument(raw []byte, source string, doc int, opts Options, res *Result, budget *int) {
	defer func() {
		if p := recover(); p != nil {
			res.addError(&DocumentError{Source: source, Document: doc, Reason: fmt.Sprintf("decoder failure: %v", p)})
		}
	}()
	if isBlank(raw) {
		return
	}
	if err := checkYAML(raw, opts.MaxAliasNodes); err != nil {
		res.addError(&DocumentError{Source: source, Document: doc, Reason: err.Error()})
		return
	}
	js, err := sigsyaml.YAMLToJSON(raw)
	if err != nil {
		res.addError(&DocumentError{Source: source, Document: doc, Reason: fmt.Sprintf("invalid YAML: %v", err)})
		return
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || string(js) == "null" {
		return
	}
	if js[0] != '{' {
		res.addError(&DocumentError{Source: source, Document: doc, Reason: "not a Kubernetes object (the document is not a mapping)"})
		return
	}
	decodeObject(js, source, doc, 0, 0, opts, res, budget)
}

func decodeObject(js []byte, source string, doc, item, depth int, opts Options, res *Result, budget *int) {
	fail := func(format string, args ...any) {
		res.addError(&DocumentError{Source: source, Document: doc, Item: item, Reason: fmt.Sprintf(format, args...)})
	}
	var tm typeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		fail("read apiVersion/kind: %v", cleanJSONError(err))
		return
	}
	if tm.Kind == "" || tm.APIVersion == "" {
		fail("not a Kubernetes object: apiVersion and kind are required")
		return
	}
	label := tm.APIVersion + " " + tm.Kind
	if tm.Metadata.Name != "" {
		label += " " + tm.Metadata.Name
	}
	if strings.HasSuffix(tm.Kind, "List") {
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := strictJSON(js, &list); err != nil {
			fail("%s: %v", label, err)
			return
		}
		if depth >= maxListDepth {
			fail("%s: Lists nested deeper than %d are not read", label, maxListDepth)
			return
		}
		for i, it := range list.Items {
			if *budget <= 0 {
				fail("%s: more than %d documents and List items; rest of file not scanned", label, opts.MaxDocuments)
				return
			}
			*budget--
			it = bytes.TrimSpace(it)
			if len(it) == 0 || it[0] != '{' {
				res.addError(&DocumentError{Source: source, Document: doc, Item: i + 1, Reason: "List item is not an object"})
				continue
			}
			decodeObject(it, source, doc, i+1, depth+1, opts, res, budget)
		}
		return
	}
	fn, ok := kinds[gvk{tm.APIVersion, tm.Kind}]
	if !ok {
		res.Ignored = append(res.Ignored, Ignored{Source: source, Document: doc, APIVersion: tm.APIVersion, Kind: tm.Kind, Name: tm.Metadata.Name})
		if knownKinds[tm.Kind] && builtinGroup(tm.APIVersion) {
			// e.g. extensions/v1beta1 Deployment or batch/v1beta1 CronJob: a workload that
			// is not checked must not pass silently.
			res.Warnings = append(res.Warnings, posture.CollectionError{Source: source,
				Message: (&DocumentError{Document: doc, Item: item, Reason: label + ": apiVersion " + tm.APIVersion + " is not supported for " + tm.Kind + "; not checked"}).Error()})
		}
		return
	}
	obj, warnings, err := fn(js)
	if err != nil {
		fail("%s: %v", label, cleanJSONError(err))
		return
	}
	for _, w := range warnings {
		res.Warnings = append(res.Warnings, posture.CollectionError{Source: source,
			Message: (&DocumentError{Source: source, Document: doc, Item: item, Reason: label + ": " + w}).Error()})
	}
	if m := objectMeta(obj); m != nil {
		if m.GetName() == "" {
			fail("%s: metadata.name is required", label)
			return
		}
		if clusterScoped[tm.Kind] {
			m.SetNamespace("")
		} else if m.GetNamespace() == "" {
			m.SetNamespace(opts.DefaultNamespace)
		}
	}
	var key string
	if m := objectMeta(obj); m != nil {
		group, _, _ := strings.Cut(tm.APIVersion, "/")
		if !strings.Contains(tm.APIVersion, "/") {
			group = ""
		}
		key = kubeinv.AssetKey(group, tm.Kind, m.GetNamespace(), m.GetName())
	}
	res.pending = append(res.pending, pendingObject{obj: obj, key: key, source: source, label: label, doc: doc, item: item})
}

// pendingObject is a decoded object waiting to join the inventory. Files are decoded in
// parallel; objects join in file order, so results do not depend on scheduling.
type pendingObject struct {
	obj         any
	key, source string
	label       string
	doc, item   int
}

// flush adds the pending objects to the inventory, noting objects defined twice.
func (r *Result) flush() {
	for _, p := range r.pending {
		if err := r.Inventory.Add(p.obj); err != nil {
			r.addError(&DocumentError{Source: p.source, Document: p.doc, Item: p.item, Reason: fmt.Sprintf("%s: %v", p.label, err)})
			continue
		}
		r.Objects++
		if p.key == "" {
			continue
		}
		if r.Sources == nil {
			r.Sources = map[string]string{}
		}
		if first, dup := r.Sources[p.key]; dup {
			// Two definitions of one object usually mean overlapping inputs (a base and an
			// overlay); both are checked, and the user should know why a finding repeats.
			r.Warnings = append(r.Warnings, posture.CollectionError{Source: p.source,
				Message: (&DocumentError{Document: p.doc, Item: p.item, Reason: p.label + ": also defined in " + first + "; both are checked"}).Error()})
			continue
		}
		r.Sources[p.key] = p.source
	}
	r.pending = nil
}

// merge appends another file's result (decoded in parallel) to r, objects still pending.
func (r *Result) merge(o *Result) {
	r.Errors = append(r.Errors, o.Errors...)
	r.Warnings = append(r.Warnings, o.Warnings...)
	r.Ignored = append(r.Ignored, o.Ignored...)
	r.Files += o.Files
	r.pending = append(r.pending, o.pending...)
}

// builtinGroup reports whether apiVersion belongs to Kubernetes itself (core, a group
// without dots such as apps or batch, or a *.k8s.io group), not to a CRD.
func builtinGroup(apiVersion string) bool {
	group, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return true // "v1"
	}
	return !strings.Contains(group, ".") || strings.HasSuffix(group, ".k8s.io")
}

// cleanJSONError makes encoding/json's messages about wrong types read as field paths.
func cleanJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("field %s: got a JSON %s, want %s", field, te.Value, te.Type)
	}
	return err
}

func isBlank(raw []byte) bool {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || string(t) == defaultDocumentSeparator || string(t) == "..." {
			continue
		}
		return false
	}
	return true
}

// checkYAML bounds what the YAML-to-JSON conversion may do with this document: alias
// expansion (a "billion laughs" bomb turns kilobytes into gigabytes) and nesting depth.
// Documents without both '&' and '*' cannot use aliases and skip the parse.
func checkYAML(raw []byte, maxAliasNodes int) error {
	if !bytes.ContainsRune(raw, '&') || !bytes.ContainsRune(raw, '*') {
		return nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(raw, &n); err != nil {
		return fmt.Errorf("invalid YAML: %v", err)
	}
	direct := 0
	var walk func(*yaml.Node, int) error
	walk = func(x *yaml.Node, depth int) error {
		if depth > maxYAMLNesting {
			return fmt.Errorf("YAML nested deeper than %d levels", maxYAMLNesting)
		}
		direct++
		for _, c := range x.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(&n, 0); err != nil {
		return err
	}
	limit := direct + maxAliasNodes
	memo := map[*yaml.Node]int{}
	var expanded func(*yaml.Node, int) int
	expanded = func(x *yaml.Node, depth int) int {
		if depth > maxYAMLNesting {
			return limit + 1
		}
		if x.Kind == yaml.AliasNode {
			if x.Alias == nil {
				return 1
			}
			if v, ok := memo[x.Alias]; ok {
				return v
			}
			v := expanded(x.Alias, depth+1)
			memo[x.Alias] = v
			return v
		}
		total := 1
		for _, c := range x.Content {
			total += expanded(c, depth+1)
			if total > limit {
				return limit + 1 // saturate: no need to count further
			}
		}
		return total
	}
	if got := expanded(&n, 0); got > limit {
		return fmt.Errorf("YAML aliases expand the document beyond %d extra nodes (possible YAML bomb); not scanned", maxAliasNodes)
	}
	return nil
}
