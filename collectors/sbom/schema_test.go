package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"
)

// The official CycloneDX JSON schemas ship inside the cyclonedx-go module; the module's
// directory is asked of the go command, which needs no network for a required module.
var cycloneDXSchemas struct {
	sync.Mutex
	dir      string
	compiled map[string]*jsonschema.Schema
}

func cycloneDXModuleDir(t *testing.T) string {
	t.Helper()
	cycloneDXSchemas.Lock()
	defer cycloneDXSchemas.Unlock()
	if cycloneDXSchemas.dir != "" {
		return cycloneDXSchemas.dir
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("finding the cyclonedx-go module: %v", err)
	}
	cycloneDXSchemas.dir = strings.TrimSpace(string(out))
	return cycloneDXSchemas.dir
}

// cycloneDXSchema compiles bom-<version>.schema.json with the schemas it references,
// asserting formats (date-time, iri-reference) too.
func cycloneDXSchema(t *testing.T, version string) *jsonschema.Schema {
	t.Helper()
	dir := filepath.Join(cycloneDXModuleDir(t), "schema")
	cycloneDXSchemas.Lock()
	defer cycloneDXSchemas.Unlock()
	if s := cycloneDXSchemas.compiled[version]; s != nil {
		return s
	}
	const base = "http://cyclonedx.org/schema/"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	resources := map[string][]string{
		"bom-" + version + ".schema.json": {"bom-" + version + ".schema.json"},
		"spdx.schema.json":                {"spdx.schema.json"},
		// The module ships the signature schema as jsf-0.82.schemax.json.
		"jsf-0.82.schema.json": {"jsf-0.82.schema.json", "jsf-0.82.schemax.json"},
	}
	for id, files := range resources {
		doc := loadSchemaFile(t, dir, files)
		if err := c.AddResource(base+id, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(base + "bom-" + version + ".schema.json")
	if err != nil {
		t.Fatalf("compiling the CycloneDX %s schema: %v", version, err)
	}
	if cycloneDXSchemas.compiled == nil {
		cycloneDXSchemas.compiled = map[string]*jsonschema.Schema{}
	}
	cycloneDXSchemas.compiled[version] = s
	return s
}

func loadSchemaFile(t *testing.T, dir string, names []string) any {
	t.Helper()
	for _, name := range names {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return doc
	}
	t.Fatalf("none of %v in %s", names, dir)
	return nil
}

// validateCycloneDX validates doc against the schema of the specVersion it declares.
func validateCycloneDX(t *testing.T, doc []byte) {
	t.Helper()
	var head struct {
		SpecVersion string `json:"specVersion"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := cycloneDXSchema(t, head.SpecVersion).Validate(inst); err != nil {
		t.Errorf("not valid CycloneDX %s: %v", head.SpecVersion, err)
	}
}

func TestCycloneDXFixturesMatchSchema(t *testing.T) {
	for _, name := range []string{"debian12-syft.cdx.json", "debian12-trivy.cdx.json"} {
		t.Run(name, func(t *testing.T) {
			validateCycloneDX(t, readFixture(t, name))
		})
	}
}

// TestSPDXFixturesAreValid checks the SPDX fixtures. No SPDX JSON schema is available
// offline, so the check is that of the SPDX project's tools: tools-golang reads each back,
// and the fields SPDX 2.2 and 2.3 require are present.
func TestSPDXFixturesAreValid(t *testing.T) {
	for _, name := range []string{"debian12-trivy.spdx.json", "alpine319-syft.spdx22.json"} {
		t.Run(name, func(t *testing.T) {
			d, err := spdxjson.Read(bytes.NewReader(readFixture(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			if d.SPDXIdentifier != "DOCUMENT" || d.DataLicense != "CC0-1.0" || d.DocumentName == "" ||
				d.DocumentNamespace == "" || d.CreationInfo == nil || d.CreationInfo.Created == "" ||
				len(d.CreationInfo.Creators) == 0 {
				t.Errorf("document fields missing: %+v", d)
			}
			for _, p := range d.Packages {
				if p.PackageName == "" || p.PackageSPDXIdentifier == "" || p.PackageDownloadLocation == "" {
					t.Errorf("package fields missing: %+v", p)
				}
			}
		})
	}
}
