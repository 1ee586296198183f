package manifests

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// YAML to JSON, the way kubectl reads it, at the cost of one parse.
//
// kubectl and the API server read YAML with sigs.k8s.io/yaml: go-yaml v2 decodes the
// document into interface{} values (YAML 1.1 scalars: yes/no/on/off are booleans, 0755 is
// octal, timestamps stay strings), then encoding/json writes them out, and the typed object
// is decoded from that JSON. That is two full trees and a re-encode per document, most of
// `palisade scan`'s time. Here gopkg.in/yaml.v3 parses the document into its node tree (no Go
// values built), and the tree is written as JSON directly, with go-yaml v2's resolution of
// plain scalars and its merge-key semantics, so the JSON is the same as sigs.k8s.io/yaml's
// (TestYAMLToJSONMatchesSigsYAML checks it on every manifest the tests have, and a fuzz
// target on arbitrary input). The walk also bounds alias expansion and nesting (a YAML bomb
// is refused, not expanded) and records duplicate keys, which sigs.k8s.io/yaml silently
// resolves (the last one wins) and the API server refuses.

// duplicateKey is a mapping key given twice: the later value is the one used.
type duplicateKey struct {
	Path        string // "spec.template.spec.containers[0].securityContext.privileged"
	Line, Shown int    // line of the hidden (earlier) value and of the one used
}

// pathElem is one step of where a value sits: a key, or (key "") a sequence index. The
// writer keeps the steps to the current value on a stack and turns them into a string
// ("spec.containers[0].name") only for a duplicate key: most documents have none.
type pathElem struct {
	key   string
	index int
}

func pathString(steps []pathElem, last string) string {
	var b []byte
	for _, s := range steps {
		if s.key == "" {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.index), 10)
			b = append(b, ']')
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, s.key...)
	}
	if len(b) > 0 {
		b = append(b, '.')
	}
	return string(append(b, last...))
}

// jsonWriter converts one document.
type jsonWriter struct {
	buf      []byte
	budget   int // nodes the document may still emit (alias expansion included)
	maxAlias int
	dups     []duplicateKey
	// hidden: when set, the first of duplicate keys wins instead of the last (the reading
	// the duplicate hides), for judging what a duplicate key conceals.
	hidden bool
	stack  []*members // per mapping nesting level, reused
	level  int
	path   []pathElem // to the value being written
}

// errYAMLBomb and errNesting bound the work one document can cause.
type yamlLimitError struct{ msg string }

func (e *yamlLimitError) Error() string { return e.msg }

// yamlToJSON parses one YAML document and returns its JSON (nil for an empty document or
// an explicit null), with the duplicate keys it found.
func yamlToJSON(raw []byte, maxAliasNodes int) (js []byte, dups []duplicateKey, root *yaml.Node, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, nil, nil, fmt.Errorf("invalid YAML: %v", err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil, nil, nil
	}
	js, dups, err = nodeToJSONSized(doc.Content[0], maxAliasNodes, false, len(raw)+len(raw)/4)
	return js, dups, doc.Content[0], err
}

// nodeToJSON writes n as JSON; hidden selects the first of duplicate keys instead of the last.
func nodeToJSON(n *yaml.Node, maxAliasNodes int, hidden bool) ([]byte, []duplicateKey, error) {
	return nodeToJSONSized(n, maxAliasNodes, hidden, 1024)
}

// nodeToJSONSized is nodeToJSON with the expected size of the JSON (about the YAML's).
func nodeToJSONSized(n *yaml.Node, maxAliasNodes int, hidden bool, size int) ([]byte, []duplicateKey, error) {
	w := &jsonWriter{maxAlias: maxAliasNodes, hidden: hidden, buf: make([]byte, 0, size)}
	direct := countNodes(n, 0)
	if direct < 0 {
		return nil, nil, &yamlLimitError{fmt.Sprintf("YAML nested deeper than %d levels", maxYAMLNesting)}
	}
	w.budget = direct + maxAliasNodes
	if err := w.value(n, 0); err != nil {
		return nil, nil, err
	}
	sort.Slice(w.dups, func(i, j int) bool { return w.dups[i].Line < w.dups[j].Line })
	if string(w.buf) == "null" {
		return nil, w.dups, nil
	}
	return w.buf, w.dups, nil
}

// countNodes counts the nodes written in the document (aliases as one), or -1 when it is
// nested too deep.
func countNodes(n *yaml.Node, depth int) int {
	if depth > maxYAMLNesting {
		return -1
	}
	total := 1
	for _, c := range n.Content {
		k := countNodes(c, depth+1)
		if k < 0 {
			return -1
		}
		total += k
	}
	return total
}

func (w *jsonWriter) spend(depth int) error {
	if depth > maxYAMLNesting {
		return &yamlLimitError{fmt.Sprintf("YAML nested deeper than %d levels", maxYAMLNesting)}
	}
	w.budget--
	if w.budget < 0 {
		return &yamlLimitError{fmt.Sprintf("YAML aliases expand the document beyond %d extra nodes (possible YAML bomb); not scanned", w.maxAlias)}
	}
	return nil
}

func (w *jsonWriter) value(n *yaml.Node, depth int) error {
	if err := w.spend(depth); err != nil {
		return err
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		return w.value(n.Alias, depth+1)
	case yaml.MappingNode:
		return w.mapping(n, depth)
	case yaml.SequenceNode:
		w.buf = append(w.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.path = append(w.path, pathElem{index: i})
			err := w.value(c, depth+1)
			w.path = w.path[:len(w.path)-1]
			if err != nil {
				return err
			}
		}
		w.buf = append(w.buf, ']')
		return nil
	case yaml.ScalarNode:
		v, err := resolveScalar(n)
		if err != nil {
			return err
		}
		return w.scalar(v)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		return w.value(n.Content[0], depth+1)
	}
	return fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// member is one key of a mapping being written: its value node, and where it was set.
type member struct {
	key      string
	val      *yaml.Node
	line     int
	explicit bool // written in this mapping, not merged in
}

func (w *jsonWriter) mapping(n *yaml.Node, depth int) error {
	// Each nesting level reuses its members: a document allocates a handful, not one set
	// per mapping.
	if w.level == len(w.stack) {
		w.stack = append(w.stack, &members{list: make([]member, 0, 16)})
	}
	ms := w.stack[w.level]
	ms.list, ms.index = ms.list[:0], nil
	w.level++
	defer func() { w.level-- }()
	if err := w.collect(n, depth, ms, false); err != nil {
		return err
	}
	w.buf = append(w.buf, '{')
	first := true
	for _, m := range ms.list {
		if m.val == nil {
			continue // replaced by a later assignment
		}
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.buf = appendJSONString(w.buf, m.key)
		w.buf = append(w.buf, ':')
		w.path = append(w.path, pathElem{key: m.key})
		err := w.value(m.val, depth+1)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

// collect assigns n's keys in order into members, as go-yaml v2 does: every assignment,
// merged or not, replaces an earlier one, and of a sequence of merged mappings the earlier
// ones win. inMerge marks keys that come from a merge.
func (w *jsonWriter) collect(n *yaml.Node, depth int, ms *members, inMerge bool) error {
	if err := w.spend(depth); err != nil {
		return err
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: map merge requires map or sequence of maps as the value", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			if err := w.merge(v, depth+1, ms); err != nil {
				return err
			}
			continue
		}
		key, err := mapKey(k)
		if err != nil {
			return err
		}
		if at := ms.find(key); at >= 0 {
			prev := ms.list[at]
			if prev.explicit && !inMerge {
				w.dups = append(w.dups, duplicateKey{Path: pathString(w.path, key), Line: prev.line, Shown: k.Line})
				if w.hidden {
					continue // the first one stays
				}
			}
			ms.list[at].val = nil
		}
		ms.add(member{key: key, val: v, line: k.Line, explicit: !inMerge})
	}
	return nil
}

// members are a mapping's keys in assignment order. Most mappings are small, where a scan
// beats building a map; past smallMapping keys an index keeps a hostile mapping of 100,000
// keys linear.
type members struct {
	list  []member
	index map[string]int
}

const smallMapping = 32

func (ms *members) find(key string) int {
	if ms.index != nil {
		if i, ok := ms.index[key]; ok && ms.list[i].val != nil {
			return i
		}
		return -1
	}
	for i := len(ms.list) - 1; i >= 0; i-- {
		if ms.list[i].val != nil && ms.list[i].key == key {
			return i
		}
	}
	return -1
}

func (ms *members) add(m member) {
	ms.list = append(ms.list, m)
	switch {
	case ms.index != nil:
		ms.index[m.key] = len(ms.list) - 1
	case len(ms.list) > smallMapping:
		ms.index = make(map[string]int, 2*len(ms.list))
		for i, x := range ms.list {
			if x.val != nil {
				ms.index[x.key] = i
			}
		}
	}
}

func (w *jsonWriter) merge(v *yaml.Node, depth int, ms *members) error {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		return w.collect(v, depth, ms, true)
	case yaml.SequenceNode:
		for i := len(v.Content) - 1; i >= 0; i-- { // earlier mappings take precedence
			c := v.Content[i]
			for c.Kind == yaml.AliasNode && c.Alias != nil {
				c = c.Alias
			}
			if c.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: map merge requires map or sequence of maps as the value", c.Line)
			}
			if err := w.collect(c, depth, ms, true); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: map merge requires map or sequence of maps as the value", v.Line)
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && plain(k) && (k.Style&yaml.TaggedStyle == 0 || k.Tag == "!!merge")
}

// mapKey is the JSON key of a YAML key, as sigs.k8s.io/yaml stringifies it.
func mapKey(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: invalid map key: a mapping or sequence cannot be a key", k.Line)
	}
	v, err := resolveScalar(k)
	if err != nil {
		return "", err
	}
	switch v.kind {
	case kString:
		return v.s, nil
	case kInt:
		return strconv.FormatInt(v.i, 10), nil
	case kUint:
		return strconv.FormatUint(v.u, 10), nil
	case kFloat:
		s := strconv.FormatFloat(v.f, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, nil
	case kBool:
		return strconv.FormatBool(v.b), nil
	}
	return "", fmt.Errorf("line %d: unsupported map key %q", k.Line, k.Value)
}

func plain(n *yaml.Node) bool {
	return n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

// Scalar resolution, after go-yaml v2 (resolve.go): the first byte hints at the type, a
// table holds the YAML 1.1 words, and numbers are Go's ParseInt/ParseUint (base 0, so 0x,
// 0o and a leading 0 for octal) after dropping underscores, then floats.

// scalar is a resolved scalar: what go-yaml v2 gives interface{} (nil, bool, int, uint64,
// float64 or string), without boxing each one.
type scalar struct {
	kind byte
	b    bool
	i    int64
	u    uint64
	f    float64
	s    string
}

const (
	kNull byte = iota
	kBool
	kInt
	kUint
	kFloat
	kString
)

var yaml11Words = map[string]scalar{
	"y": {kind: kBool, b: true}, "Y": {kind: kBool, b: true}, "yes": {kind: kBool, b: true}, "Yes": {kind: kBool, b: true},
	"YES": {kind: kBool, b: true}, "true": {kind: kBool, b: true}, "True": {kind: kBool, b: true}, "TRUE": {kind: kBool, b: true},
	"on": {kind: kBool, b: true}, "On": {kind: kBool, b: true}, "ON": {kind: kBool, b: true},
	"n": {kind: kBool}, "N": {kind: kBool}, "no": {kind: kBool}, "No": {kind: kBool}, "NO": {kind: kBool},
	"false": {kind: kBool}, "False": {kind: kBool}, "FALSE": {kind: kBool}, "off": {kind: kBool}, "Off": {kind: kBool}, "OFF": {kind: kBool},
	"": {kind: kNull}, "~": {kind: kNull}, "null": {kind: kNull}, "Null": {kind: kNull}, "NULL": {kind: kNull},
	".nan": {kind: kFloat, f: math.NaN()}, ".NaN": {kind: kFloat, f: math.NaN()}, ".NAN": {kind: kFloat, f: math.NaN()},
	".inf": {kind: kFloat, f: math.Inf(1)}, ".Inf": {kind: kFloat, f: math.Inf(1)}, ".INF": {kind: kFloat, f: math.Inf(1)},
	"+.inf": {kind: kFloat, f: math.Inf(1)}, "+.Inf": {kind: kFloat, f: math.Inf(1)}, "+.INF": {kind: kFloat, f: math.Inf(1)},
	"-.inf": {kind: kFloat, f: math.Inf(-1)}, "-.Inf": {kind: kFloat, f: math.Inf(-1)}, "-.INF": {kind: kFloat, f: math.Inf(-1)},
}

// tagOf names a scalar's kind as a YAML tag, for messages and tag checks.
var tagOf = [...]string{kNull: "!!null", kBool: "!!bool", kInt: "!!int", kUint: "!!int", kFloat: "!!float", kString: "!!str"}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

func str(s string) scalar { return scalar{kind: kString, s: s} }

// resolveScalar returns the value go-yaml v2 gives a scalar decoded into interface{}.
func resolveScalar(n *yaml.Node) (scalar, error) {
	if n.Tag == "!" {
		return str(n.Value), nil // the non-specific tag: a string, whatever it looks like
	}
	tag := ""
	if n.Style&yaml.TaggedStyle != 0 {
		tag = n.ShortTag()
	}
	if tag == "" && !plain(n) {
		return str(n.Value), nil
	}
	switch tag {
	case "", "!!bool", "!!int", "!!float", "!!null", "!!timestamp":
	case "!!str":
		return str(n.Value), nil
	case "!!binary":
		b, err := base64.StdEncoding.DecodeString(n.Value)
		if err != nil {
			return scalar{}, fmt.Errorf("line %d: !!binary value contains invalid base64 data", n.Line)
		}
		return str(string(b)), nil
	default:
		return str(n.Value), nil // unknown tags read as plain strings
	}
	v, timestamp := resolvePlain(n.Value, tag == "" || tag == "!!timestamp")
	rtag := tagOf[v.kind]
	if timestamp {
		rtag = "!!timestamp"
	}
	switch {
	case tag == "" || tag == rtag:
		return v, nil
	case tag == "!!float" && v.kind == kInt:
		return scalar{kind: kFloat, f: float64(v.i)}, nil
	case tag == "!!float" && v.kind == kUint:
		return scalar{kind: kFloat, f: float64(v.u)}, nil
	}
	return scalar{}, fmt.Errorf("line %d: cannot decode %s `%s` as a %s", n.Line, rtag, n.Value, tag)
}

// resolvePlain resolves an untagged plain scalar; timestamps (when allowed) stay strings,
// as go-yaml v2 leaves them for interface{} targets (timestamp reports one).
func resolvePlain(in string, timestamps bool) (v scalar, timestamp bool) {
	if w, ok := yaml11Words[in]; ok {
		return w, false
	}
	switch c := in[0]; {
	case c == '.':
		if f, err := strconv.ParseFloat(in, 64); err == nil {
			return scalar{kind: kFloat, f: f}, false
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		if timestamps && looksLikeTimestamp(in) {
			return str(in), true
		}
		p := strings.ReplaceAll(in, "_", "")
		if i, err := strconv.ParseInt(p, 0, 64); err == nil {
			return scalar{kind: kInt, i: i}, false
		}
		if u, err := strconv.ParseUint(p, 0, 64); err == nil {
			return scalar{kind: kUint, u: u}, false
		}
		if yamlStyleFloat.MatchString(p) {
			if f, err := strconv.ParseFloat(p, 64); err == nil {
				return scalar{kind: kFloat, f: f}, false
			}
		}
		if strings.HasPrefix(p, "0b") {
			if i, err := strconv.ParseInt(p[2:], 2, 64); err == nil {
				return scalar{kind: kInt, i: i}, false
			}
			if u, err := strconv.ParseUint(p[2:], 2, 64); err == nil {
				return scalar{kind: kUint, u: u}, false
			}
		} else if strings.HasPrefix(p, "-0b") {
			if i, err := strconv.ParseInt("-"+p[3:], 2, 64); err == nil {
				return scalar{kind: kInt, i: i}, false
			}
		}
	}
	return str(in), false
}

// timestampLayouts are the forms of the YAML 1.1 timestamp type (yaml.org/type/timestamp)
// that go-yaml v2 recognises: a date, or a date and time with a "T", "t" or space.
var timestampLayouts = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// looksLikeTimestamp reports whether a plain scalar is a YAML timestamp (which go-yaml v2
// leaves as the string it is for interface{} targets, so only the type matters).
func looksLikeTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// scalar writes a resolved scalar as encoding/json would.
func (w *jsonWriter) scalar(v scalar) error {
	switch v.kind {
	case kNull:
		w.buf = append(w.buf, "null"...)
	case kBool:
		w.buf = strconv.AppendBool(w.buf, v.b)
	case kInt:
		w.buf = strconv.AppendInt(w.buf, v.i, 10)
	case kUint:
		w.buf = strconv.AppendUint(w.buf, v.u, 10)
	case kFloat:
		if math.IsInf(v.f, 0) || math.IsNaN(v.f) {
			return fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(v.f, 'g', -1, 64))
		}
		b, err := json.Marshal(v.f)
		if err != nil {
			return err
		}
		w.buf = append(w.buf, b...)
	case kString:
		w.buf = appendJSONString(w.buf, v.s)
	}
	return nil
}

// appendJSONString writes s as a JSON string (s is valid UTF-8: the file was checked).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == '\u2028' || r == '\u2029' {
				b = append(b, s[start:i]...)
				b = append(b, `\u202`...)
				b = append(b, hex[r&0xF])
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
