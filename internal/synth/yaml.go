package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MaxFileBytes is the size at which WriteYAML starts a new file for the same group
// (pods-0002.yaml, ...), well under the manifest reader's default 10 MiB per-file limit.
const MaxFileBytes = 4 << 20

// WriteYAML writes the cluster as multi-document YAML under dir (created if needed):
// cluster/{nodes,storage,rbac}.yaml, one folder per namespace with namespace.yaml,
// rbac.yaml, network.yaml, workloads.yaml and pods*.yaml, and velero/. Objects are
// streamed to disk as they are generated.
func WriteYAML(spec Spec, dir string) (Stats, error) {
	w := &yamlWriter{dir: dir, parts: map[string]int{}}
	st, err := Generate(spec, w.write)
	if cerr := w.close(); err == nil {
		err = cerr
	}
	st.Files, st.Bytes = w.files, w.bytes
	return st, err
}

type yamlWriter struct {
	dir      string
	cur      string // logical file name of the open file
	f        *os.File
	bw       *bufio.Writer
	size     int64
	parts    map[string]int // logical name -> part number of the last file written
	files    int
	bytes    int64
	firstDoc bool
}

func (w *yamlWriter) open(name string) error {
	if err := w.close(); err != nil {
		return err
	}
	part := w.parts[name] + 1
	w.parts[name] = part
	path := name
	if part > 1 {
		ext := filepath.Ext(name)
		path = fmt.Sprintf("%s-%04d%s", strings.TrimSuffix(name, ext), part, ext)
	}
	full := filepath.Join(w.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	f, err := os.Create(full)
	if err != nil {
		return err
	}
	w.f, w.bw, w.cur, w.size, w.firstDoc = f, bufio.NewWriterSize(f, 256<<10), name, 0, true
	w.files++
	return nil
}

func (w *yamlWriter) close() error {
	if w.f == nil {
		return nil
	}
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f, w.bw, w.cur = nil, nil, ""
	return err
}

func (w *yamlWriter) write(name string, obj any) error {
	doc, err := marshalYAML(obj)
	if err != nil {
		return fmt.Errorf("synth: marshal %T for %s: %w", obj, name, err)
	}
	if w.f == nil || w.cur != name || w.size+int64(len(doc)) > MaxFileBytes {
		// a new part, never an overwrite (a name that comes back gets its next part)
		if err := w.open(name); err != nil {
			return err
		}
	}
	if !w.firstDoc {
		if _, err := w.bw.WriteString("---\n"); err != nil {
			return err
		}
		w.size += 4
	}
	w.firstDoc = false
	n, err := w.bw.Write(doc)
	w.size += int64(n)
	w.bytes += int64(n)
	return err
}

// marshalYAML renders obj as block YAML the way kubectl does (keys sorted, JSON field
// names): through its JSON form, with a small emitter that is much faster than
// sigs.k8s.io/yaml (which round-trips through a YAML parser).
func marshalYAML(obj any) ([]byte, error) {
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(js) + len(js)/2)
	emitYAML(&b, v, 0, false)
	return b.Bytes(), nil
}

func indent(b *bytes.Buffer, n int) {
	for i := 0; i < n; i++ {
		b.WriteString("  ")
	}
}

// emitYAML writes v at depth; inSeq means the first line follows a "- " already written.
func emitYAML(b *bytes.Buffer, v any, depth int, inSeq bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}\n")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 || !inSeq {
				indent(b, depth)
			}
			b.WriteString(scalar(k))
			b.WriteByte(':')
			emitValue(b, x[k], depth)
		}
	case []any:
		if len(x) == 0 {
			b.WriteString("[]\n")
			return
		}
		for i, e := range x {
			if i > 0 || !inSeq {
				indent(b, depth)
			}
			b.WriteString("- ")
			switch e.(type) {
			case map[string]any, []any:
				emitYAML(b, e, depth+1, true) // an empty one prints "{}" / "[]"
			default:
				b.WriteString(scalarValue(e))
				b.WriteByte('\n')
			}
		}
	default:
		b.WriteString(scalarValue(x))
		b.WriteByte('\n')
	}
}

// emitValue writes the value of a mapping key (after "key:").
func emitValue(b *bytes.Buffer, v any, depth int) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		emitYAML(b, x, depth+1, false)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		emitYAML(b, x, depth, false) // kubectl style: sequence items at the key's indentation
	default:
		b.WriteByte(' ')
		b.WriteString(scalarValue(x))
		b.WriteByte('\n')
	}
}

func scalarValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case string:
		return scalar(x)
	}
	panic(fmt.Sprintf("synth: unexpected JSON value %T", v))
}

// scalar writes a string plain when YAML reads it back as the same string, double-quoted
// (JSON escapes are valid YAML escapes) otherwise.
func scalar(s string) string {
	if plainSafe(s) {
		return s
	}
	q, _ := json.Marshal(s)
	return string(q)
}

func plainSafe(s string) bool {
	if s == "" || len(s) > 200 || s[0] == '-' || s[0] == '.' {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return false
	}
	letters := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letters = true
		case c >= '0' && c <= '9', c == '_', c == '/', c == '.', c == '-':
		default:
			return false
		}
	}
	if c := s[0]; c >= '0' && c <= '9' {
		// numbers, dates and 1e3 / 0x1F / 0o17 forms must stay strings
		if !letters || strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0o") || strings.HasPrefix(s, "0b") {
			return false
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return false
		}
	}
	return true
}
