// Package manifests reads Kubernetes objects from YAML and JSON files, directories and
// stdin into a kubeinv.Inventory, for CI and GitOps scanning. Every input is treated as
// hostile: sizes are capped, YAML alias expansion is bounded, invalid UTF-8 and wrong
// types give a per-document error, and one bad file never stops the others.
package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

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
	// MaxContainersPerPod: 0 means DefaultMaxContainersPerPod.
	MaxContainersPerPod int
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
	if o.MaxContainersPerPod <= 0 {
		o.MaxContainersPerPod = DefaultMaxContainersPerPod
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

// Ambiguity is an object whose manifest gives a key twice. sigs.k8s.io/yaml (kubectl's
// reader) silently uses the later value, the API server's strict field validation refuses
// the object: either way what was reviewed may not be what runs. Hidden is the object read
// with the earlier values, so that what the duplicate conceals can be checked too (nil when
// that reading does not decode).
type Ambiguity struct {
	Source     string
	Document   int
	Item       int
	Label      string // "apps/v1 Deployment web"
	AssetKey   string
	Duplicates []duplicateKey
	Effective  any // the object as evaluated (later values)
	Hidden     any
}

// DuplicatePaths lists the duplicated keys as "path (lines a and b)".
func (a Ambiguity) DuplicatePaths() []string {
	out := make([]string, len(a.Duplicates))
	for i, d := range a.Duplicates {
		out[i] = fmt.Sprintf("%s (lines %d and %d)", d.Path, d.Line, d.Shown)
	}
	return out
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
	// Ambiguous lists the objects whose manifests give a key twice (in the inventory with
	// the later values, as kubectl would apply them).
	Ambiguous []Ambiguity
	// Removed lists the objects read from removed apiVersions (evaluated as the current one).
	Removed []RemovedAPI
	// Sources maps each object's asset key to the file it came from, so findings can
	// point at a file (SARIF locations, the table's LOCATION column).
	Sources map[string]string
	Files   int // files read (including ones with errors)

	pending []pendingObject
	Objects int // objects added to the inventory (evaluated)
	// Read counts the objects met (documents and List items, Lists themselves excepted):
	// each was evaluated (Objects), skipped (Ignored) or could not be used (ObjectErrors).
	Read         int
	ObjectErrors int
	// ByKind counts the evaluated objects by "apiVersion Kind".
	ByKind map[string]int
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
func read(r io.Reader, source string, opts Options, res *Result) { readSized(r, source, -1, opts, res) }

// readSized is read with the input's expected size (-1: unknown), so that a file is read into
// one buffer of its size instead of a doubling series of them.
func readSized(r io.Reader, source string, size int64, opts Options, res *Result) {
	res.Files++
	var data []byte
	var err error
	if size >= 0 && size <= opts.MaxFileBytes {
		buf := bytes.NewBuffer(make([]byte, 0, size+1))
		_, err = buf.ReadFrom(io.LimitReader(r, opts.MaxFileBytes+1))
		data = buf.Bytes()
	} else {
		data, err = io.ReadAll(io.LimitReader(r, opts.MaxFileBytes+1))
	}
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
	budget := opts.MaxDocuments
	doc := 0
	err := splitDocuments(data, func(raw []byte) bool {
		doc++
		if budget <= 0 {
			res.addError(&DocumentError{Source: source, Document: doc, Reason: fmt.Sprintf("more than %d documents; rest of file not scanned", opts.MaxDocuments)})
			return false
		}
		budget--
		decodeDocument(raw, source, doc, opts, res, &budget)
		return true
	})
	if err != nil {
		res.addError(&DocumentError{Source: source, Document: doc + 1, Reason: fmt.Sprintf("split documents: %v; rest of file not scanned", err)})
	}
}

// splitDocuments hands each document of a YAML stream to fn, in place (no copy), as
// kubectl's reader (k8s.io/apimachinery/pkg/util/yaml.YAMLReader) splits them: a line that
// starts with "---" ends a document and may carry only a comment after it; separator lines
// belong to no document and empty documents are skipped. fn returns false to stop.
func splitDocuments(data []byte, fn func(doc []byte) bool) error {
	start := 0 // of the current document
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		line := data[pos:next]
		if bytes.HasPrefix(line, []byte(defaultDocumentSeparator)) {
			rest := bytes.TrimSpace(line[len(defaultDocumentSeparator):])
			if len(rest) > 0 && rest[0] != '#' {
				return fmt.Errorf("invalid Yaml document separator: %s", rest)
			}
			if pos > start && !fn(data[start:pos]) {
				return nil
			}
			start = next
		}
		pos = next
	}
	if len(data) > start {
		fn(data[start:])
	}
	return nil
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
	js, dups, root, err := yamlToJSON(raw, opts.MaxAliasNodes)
	if err != nil {
		res.Read++
		res.ObjectErrors++
		res.addError(&DocumentError{Source: source, Document: doc, Reason: yamlErrorReason(err)})
		return
	}
	if len(js) == 0 {
		return
	}
	if js[0] != '{' {
		res.Read++
		res.ObjectErrors++
		res.addError(&DocumentError{Source: source, Document: doc, Reason: "not a Kubernetes object (the document is not a mapping)"})
		return
	}
	d := &document{js: js, tm: typeMetaOf(root), source: source, doc: doc}
	if len(dups) > 0 {
		d.dups = dups
		// The reading the duplicates hide, decoded beside the one used: what a duplicate key
		// conceals is judged by checking it (see Ambiguity).
		if d.hiddenJS, _, err = nodeToJSON(root, opts.MaxAliasNodes, true); err != nil {
			d.hiddenJS = nil
		}
	}
	decodeObject(d, 0, opts, res, budget)
}

// yamlErrorReason words a conversion error: limits as they are, the rest as invalid YAML.
func yamlErrorReason(err error) string {
	var le *yamlLimitError
	if errors.As(err, &le) || strings.HasPrefix(err.Error(), "invalid YAML") {
		return err.Error()
	}
	return "invalid YAML: " + err.Error()
}

// document is one object's JSON on its way to the inventory, with where it came from.
type document struct {
	js     []byte
	tm     typeMeta
	source string
	doc    int
	item   int
	// dups are keys given twice (the later value is used); hiddenJS is the object read
	// with the earlier values instead.
	dups     []duplicateKey
	hiddenJS []byte
}

func (d *document) fail(res *Result, format string, args ...any) {
	res.addError(&DocumentError{Source: d.source, Document: d.doc, Item: d.item, Reason: fmt.Sprintf(format, args...)})
}

// failObject is fail for an object that was read and cannot be used.
func (d *document) failObject(res *Result, format string, args ...any) {
	res.ObjectErrors++
	d.fail(res, format, args...)
}

// typeMetaOf reads apiVersion, kind and metadata.name from a document's top-level mapping
// (plain strings there; anything else is left for the typed decode to refuse).
func typeMetaOf(root *yaml.Node) typeMeta {
	var tm typeMeta
	if root == nil || root.Kind != yaml.MappingNode {
		return tm
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		switch k.Value {
		case "apiVersion":
			tm.APIVersion = scalarString(v)
		case "kind":
			tm.Kind = scalarString(v)
		case "metadata":
			if v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					if v.Content[j].Value == "name" {
						tm.Metadata.Name = scalarString(v.Content[j+1])
					}
				}
			}
		}
	}
	return tm
}

func scalarString(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func decodeObject(d *document, depth int, opts Options, res *Result, budget *int) {
	tm := d.tm
	label := tm.APIVersion + " " + tm.Kind
	if tm.Metadata.Name != "" {
		label += " " + tm.Metadata.Name
	}
	if tm.Kind != "" && tm.APIVersion != "" && strings.HasSuffix(tm.Kind, "List") {
		decodeList(d, label, depth, opts, res, budget)
		return
	}
	res.Read++
	if tm.Kind == "" || tm.APIVersion == "" {
		d.failObject(res, "not a Kubernetes object: apiVersion and kind are required")
		return
	}
	fn, ok := kinds[gvk{tm.APIVersion, tm.Kind}]
	var removed *RemovedAPI
	if r, old := removedAPIs[gvk{tm.APIVersion, tm.Kind}]; !ok && old {
		// A removed apiVersion of a kind Palisade checks: the API server refuses it, but a
		// workload that is not judged must not pass, so it is evaluated as the current one.
		removed = &RemovedAPI{Source: d.source, Document: d.doc, Item: d.item, Label: label, APIVersion: tm.APIVersion,
			Kind: tm.Kind, Current: r.now, RemovedIn: r.removedIn}
		tm.APIVersion = r.now
		fn, ok = kinds[gvk{tm.APIVersion, tm.Kind}]
	}
	if !ok {
		res.Ignored = append(res.Ignored, Ignored{Source: d.source, Document: d.doc, APIVersion: tm.APIVersion, Kind: tm.Kind, Name: tm.Metadata.Name})
		if knownKinds[tm.Kind] && builtinGroup(tm.APIVersion) {
			// e.g. extensions/v1beta1 Deployment or batch/v1beta1 CronJob: a workload that
			// is not checked must not pass silently.
			res.Warnings = append(res.Warnings, posture.CollectionError{Source: d.source,
				Message: (&DocumentError{Document: d.doc, Item: d.item, Reason: label + ": apiVersion " + tm.APIVersion + " is not supported for " + tm.Kind + "; not checked"}).Error()})
		}
		return
	}
	obj, warnings, err := fn(d.js)
	if err != nil {
		d.failObject(res, "%s: %v", label, cleanJSONError(err))
		return
	}
	for _, w := range warnings {
		res.Warnings = append(res.Warnings, posture.CollectionError{Source: d.source,
			Message: (&DocumentError{Source: d.source, Document: d.doc, Item: d.item, Reason: label + ": " + w}).Error()})
	}
	key, ok := placeObject(obj, tm, opts)
	if !ok {
		d.failObject(res, "%s: metadata.name is required", label)
		return
	}
	if dropped := limitContainers(obj, opts.MaxContainersPerPod); dropped > 0 {
		// Evaluated in part, and named as an error: a partial look must not pass.
		d.fail(res, "%s", containerLimitReason(label, dropped+opts.MaxContainersPerPod, opts.MaxContainersPerPod))
	}
	p := pendingObject{obj: obj, key: key, source: d.source, label: label, doc: d.doc, item: d.item, removed: removed,
		kind: tm.APIVersion + " " + tm.Kind}
	if removed != nil {
		removed.AssetKey = key
	}
	if len(d.dups) > 0 {
		p.ambiguity = &Ambiguity{Source: d.source, Document: d.doc, Item: d.item, Label: label, AssetKey: key, Duplicates: d.dups,
			Effective: obj}
		if d.hiddenJS != nil {
			if hidden, _, err := fn(d.hiddenJS); err == nil {
				if _, ok := placeObject(hidden, tm, opts); ok {
					p.ambiguity.Hidden = hidden
				}
			}
		}
	}
	res.pending = append(res.pending, p)
}

// placeObject checks the name and sets the namespace as kubectl would, and returns the
// object's asset key; false when the object has no name.
func placeObject(obj any, tm typeMeta, opts Options) (string, bool) {
	m := objectMeta(obj)
	if m == nil {
		return "", true
	}
	if m.GetName() == "" {
		return "", false
	}
	if clusterScoped[tm.Kind] {
		m.SetNamespace("")
	} else if m.GetNamespace() == "" {
		m.SetNamespace(opts.DefaultNamespace)
	}
	group, _, _ := strings.Cut(tm.APIVersion, "/")
	if !strings.Contains(tm.APIVersion, "/") {
		group = ""
	}
	return kubeinv.AssetKey(group, tm.Kind, m.GetNamespace(), m.GetName()), true
}

// decodeList decodes the items of a List (a kind ending in "List"), each as an object.
func decodeList(d *document, label string, depth int, opts Options, res *Result, budget *int) {
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := strictJSON(d.js, &list); err != nil {
		d.fail(res, "%s: %v", label, err)
		return
	}
	if depth >= maxListDepth {
		d.fail(res, "%s: Lists nested deeper than %d are not read", label, maxListDepth)
		return
	}
	var hidden struct {
		Items []json.RawMessage `json:"items"`
	}
	if d.hiddenJS != nil && strictJSON(d.hiddenJS, &hidden) != nil {
		hidden.Items = nil
	}
	for i, it := range list.Items {
		if *budget <= 0 {
			d.fail(res, "%s: more than %d documents and List items; rest of file not scanned", label, opts.MaxDocuments)
			return
		}
		*budget--
		it = bytes.TrimSpace(it)
		item := &document{js: it, source: d.source, doc: d.doc, item: i + 1}
		prefix := fmt.Sprintf("items[%d].", i)
		for _, dup := range d.dups {
			if p, ok := strings.CutPrefix(dup.Path, prefix); ok {
				dup.Path = p
				item.dups = append(item.dups, dup)
			}
		}
		if len(item.dups) > 0 && i < len(hidden.Items) {
			item.hiddenJS = hidden.Items[i]
		}
		if len(it) == 0 || it[0] != '{' {
			res.Read++
			item.failObject(res, "List item is not an object")
			continue
		}
		if err := json.Unmarshal(it, &item.tm); err != nil {
			res.Read++
			item.failObject(res, "read apiVersion/kind: %v", cleanJSONError(err))
			continue
		}
		decodeObject(item, depth+1, opts, res, budget)
	}
}

// pendingObject is a decoded object waiting to join the inventory. Files are decoded in
// parallel; objects join in file order, so results do not depend on scheduling.
type pendingObject struct {
	obj         any
	key, source string
	label       string
	doc, item   int
	ambiguity   *Ambiguity
	removed     *RemovedAPI
	kind        string // "apiVersion Kind" as evaluated
}

// flush adds the pending objects to the inventory, noting objects defined twice.
func (r *Result) flush() {
	for _, p := range r.pending {
		if err := r.Inventory.Add(p.obj); err != nil {
			r.ObjectErrors++
			r.addError(&DocumentError{Source: p.source, Document: p.doc, Item: p.item, Reason: fmt.Sprintf("%s: %v", p.label, err)})
			continue
		}
		r.Objects++
		if r.ByKind == nil {
			r.ByKind = map[string]int{}
		}
		r.ByKind[p.kind]++
		if p.ambiguity != nil {
			r.Ambiguous = append(r.Ambiguous, *p.ambiguity)
		}
		if p.removed != nil {
			r.Removed = append(r.Removed, *p.removed)
		}
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
	r.Ambiguous = append(r.Ambiguous, o.Ambiguous...)
	r.Removed = append(r.Removed, o.Removed...)
	r.Files += o.Files
	r.Read += o.Read
	r.ObjectErrors += o.ObjectErrors
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
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || string(t) == defaultDocumentSeparator || string(t) == "..." {
			continue
		}
		return false
	}
	return true
}
