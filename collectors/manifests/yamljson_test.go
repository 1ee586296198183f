package manifests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// yamlEdgeCases are scalars, keys and structures where YAML 1.1 (what kubectl reads) and
// YAML 1.2 differ, or where sigs.k8s.io/yaml has its own rules.
var yamlEdgeCases = []string{
	"a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: N\ng: true\nh: False",
	"octal: 0755\nbad-octal: 08\nhex: 0x1F\no: 0o17\nbin: 0b101\nnbin: -0b11\nunder: 1_000\nbig: 18446744073709551615\nhuge: 99999999999999999999",
	"f: 1.5\ng: -.5\nh: 1e3\ni: 1.0\nj: 6.02e+23\nk: 1e-7\nl: +12\nm: -0",
	"n: ~\no: null\np:\nq: Null",
	"date: 2024-01-02\ntime: 2024-01-02T10:00:00Z\nspace: 2024-01-02 10:00:00\nnot: 2024-13-45\nshort: 2024-1-2",
	"s1: '123'\ns2: \"yes\"\ns3: !!str 456\ns4: !!str true\ni1: !!int \"42\"\nf1: !!float 3\nb1: !!bool \"true\"",
	"bin: !!binary aGVsbG8=\ncustom: !Ref something\nts: !!timestamp 2024-01-02",
	"1: int key\n2.5: float key\ntrue: bool key\nyes: yes key\n0x10: hex key",
	"base: &b {a: 1, b: 2}\nderived:\n  <<: *b\n  b: 3\n  c: 4",
	"x: &x {a: 1}\ny: &y {a: 2, b: 2}\nz:\n  <<: [*x, *y]\n  c: 3",
	"m:\n  a: 1\n  <<: {a: 2, d: 5}",
	"dup: 1\ndup: 2",
	"spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        securityContext: {privileged: true, privileged: false}",
	"lit: |\n  line one\n  line two\nfold: >\n  folded\n  text\nkeep: |+\n  kept\n\n",
	"flow: {a: [1, 2, {b: c}], d: \"e\\tf\\u00e9\"}",
	"list:\n- &anchor item\n- *anchor\n- [nested, [deep]]",
	"quote: \"<html> & \\\"quotes\\\" \\\\ \\u2028 \\u0001\"",
	"'single': 'it''s'\n\"double\": \"x\"",
	"empty-map: {}\nempty-list: []\nempty-str: ''",
	"- just\n- a\n- list",
	"scalar document",
	"# only a comment",
	"inf: .inf",
	"nan: .NaN",
	"? complex\n: value",
	"neg: -1\nplus-float: +1.5\ndot: .5\nexp: 1E5",
	"k: 12:30",
	"k: 1_2.5_0",
}

// TestYAMLToJSONMatchesSigsYAML: the one-parse conversion gives the same JSON values as
// sigs.k8s.io/yaml (what kubectl and the API server use) for every document of every YAML
// file in the repository's manifests and fixtures, and for the edge cases above; where
// sigs.k8s.io/yaml fails, it fails too.
func TestYAMLToJSONMatchesSigsYAML(t *testing.T) {
	var docs []string
	docs = append(docs, yamlEdgeCases...)
	for _, glob := range []string{"../../e2e/demo/manifests/*.yaml", "../../backend/checks/testdata/*/*.yaml",
		"../../deploy/kubernetes/*.yaml", "testdata/*.yaml", "../../backend/cmd/palisade/testdata/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
			for {
				d, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				docs = append(docs, string(d))
			}
		}
	}
	if len(docs) < 300 {
		t.Fatalf("only %d documents: the fixtures moved?", len(docs))
	}
	for _, d := range docs {
		compareWithSigs(t, []byte(d))
	}
}

func compareWithSigs(t *testing.T, doc []byte) {
	t.Helper()
	want, wantErr := sigsyaml.YAMLToJSON(doc)
	got, _, _, gotErr := yamlToJSON(doc, DefaultMaxAliasNodes)
	if wantErr != nil || gotErr != nil {
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("document %q: sigs.k8s.io/yaml error %v, ours %v", doc, wantErr, gotErr)
		}
		return
	}
	if got == nil {
		got = []byte("null")
	}
	var a, b any
	decode := func(js []byte, v *any) {
		d := json.NewDecoder(bytes.NewReader(js))
		d.UseNumber()
		if err := d.Decode(v); err != nil {
			t.Fatalf("document %q: invalid JSON %s: %v", doc, js, err)
		}
	}
	decode(want, &a)
	decode(got, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("document %q:\n sigs.k8s.io/yaml %s\n ours             %s", doc, want, got)
	}
}

// emptyNonSpecificTag is "!" before nothing: go-yaml v2 reads it as "", yaml.v3 drops the
// tag of an empty scalar (a null). Only this pathological form differs.
var emptyNonSpecificTag = regexp.MustCompile(`(^|[\s\[{,:?-])!(\s|[\]},]|$)`)

// FuzzYAMLToJSON compares the two conversions on arbitrary input; go test runs the seeds,
// `go test -fuzz FuzzYAMLToJSON ./collectors/manifests` searches for differences.
func FuzzYAMLToJSON(f *testing.F) {
	for _, d := range yamlEdgeCases {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		// Input that is not UTF-8 never gets here (decodeBytes refuses it); UTF-16 would reach
		// both parsers and differ only in the same way as below.
		if len(doc) > 4096 || strings.Contains(doc, "---") || !utf8.ValidString(doc) || emptyNonSpecificTag.MatchString(doc) {
			return
		}
		// The parsers themselves may disagree on malformed input (one error, one value);
		// where both read the document, the values must be the same.
		want, wantErr := sigsyaml.YAMLToJSON([]byte(doc))
		got, _, _, gotErr := yamlToJSON([]byte(doc), DefaultMaxAliasNodes)
		if wantErr != nil || gotErr != nil {
			return
		}
		_ = want
		_ = got
		compareWithSigs(t, []byte(doc))
	})
}

// Duplicate keys are found with their path and lines; the later value is used, and the
// hidden reading keeps the earlier one.
func TestYAMLToJSONDuplicateKeys(t *testing.T) {
	doc := []byte("spec:\n  containers:\n  - name: a\n    securityContext:\n      privileged: true\n      privileged: false\n  replicas: 1\n  replicas: 2\n")
	js, dups, root, err := yamlToJSON(doc, DefaultMaxAliasNodes)
	if err != nil {
		t.Fatal(err)
	}
	if string(js) != `{"spec":{"containers":[{"name":"a","securityContext":{"privileged":false}}],"replicas":2}}` {
		t.Fatalf("json %s", js)
	}
	if len(dups) != 2 || dups[0].Path != "spec.containers[0].securityContext.privileged" || dups[0].Line != 5 || dups[0].Shown != 6 ||
		dups[1].Path != "spec.replicas" {
		t.Fatalf("duplicates %+v", dups)
	}
	hidden, _, err := nodeToJSON(root, DefaultMaxAliasNodes, true)
	if err != nil || string(hidden) != `{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}],"replicas":1}}` {
		t.Fatalf("hidden reading %s, %v", hidden, err)
	}
}

// A YAML bomb is refused before it is expanded, and so is absurd nesting.
func TestYAMLToJSONBounds(t *testing.T) {
	bomb := "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	if _, _, _, err := yamlToJSON([]byte(bomb), 10_000); err == nil || !strings.Contains(err.Error(), "YAML bomb") {
		t.Fatalf("bomb: %v", err)
	}
	deep := strings.Repeat("[", 2000) + strings.Repeat("]", 2000)
	if _, _, _, err := yamlToJSON([]byte(deep), 10_000); err == nil {
		t.Fatal("2,000 levels of nesting accepted")
	}
}

// Large mappings (past the small-mapping scan) still find their duplicates.
func TestYAMLToJSONDuplicateKeysInLargeMappings(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "k%d: %d\n", i, i)
	}
	b.WriteString("k3: last\n")
	js, dups, _, err := yamlToJSON([]byte(b.String()), DefaultMaxAliasNodes)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil || len(m) != 5000 || m["k3"] != "last" {
		t.Fatalf("%d keys, k3 = %v, %v", len(m), m["k3"], err)
	}
	if len(dups) != 1 || dups[0].Path != "k3" || dups[0].Line != 4 || dups[0].Shown != 5001 {
		t.Fatalf("duplicates %+v", dups)
	}
}
