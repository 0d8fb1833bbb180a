package connector

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sluice-sync/sluice/pipes"
)

var update = flag.Bool("update", false, "rewrite the expected expansions in testdata")

// TestGolden expands the connectors in testdata and compares every file
// written with the expected folder, byte for byte, both ways.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name, dir, system, expected string
		params                      []Param
		warnings                    []string
	}{
		// A real connector: sesam-io/wave-connector, unchanged.
		{name: "wave", dir: "testdata/wave/connector", system: "wave", expected: "testdata/wave/expanded"},
		// A connector of our own exercising parameters of every kind, a
		// parent, keys with placeholders, escapes, shared templates,
		// service_url and use_webhook_secret.
		{name: "acme", dir: "testdata/acme/connector", system: "acme", expected: "testdata/acme/expanded",
			warnings: []string{`testdata/acme/connector/templates/entity.json:45:9: warning: duplicate key "flags" (first at line 44, column 9): the last one is used, as sesam-py does`}},
		{name: "acme with --param", dir: "testdata/acme/connector", system: "crm", expected: "testdata/acme/expanded-params",
			params:   []Param{{"tenant", "demo"}, {"incremental", "false"}, {"path", `a "quoted" path`}},
			warnings: []string{`testdata/acme/connector/templates/entity.json:45:9: warning: duplicate key "flags" (first at line 44, column 9): the last one is used, as sesam-py does`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Expand(tc.dir, Options{System: tc.system, Params: tc.params})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range res.Warnings {
				got = append(got, w.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.warnings, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.warnings, "\n"))
			}
			if *update {
				if err := os.RemoveAll(tc.expected); err != nil {
					t.Fatal(err)
				}
				if err := Write(tc.expected, res.Files); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(t.TempDir(), "out")
			if err := Write(out, res.Files); err != nil {
				t.Fatal(err)
			}
			want, have := readTree(t, tc.expected), readTree(t, out)
			for name, w := range want {
				if h, ok := have[name]; !ok {
					t.Errorf("%s: not written", name)
				} else if !bytes.Equal(h, w) {
					t.Errorf("%s differs from %s:\n%s", name, filepath.Join(tc.expected, name), h)
				}
			}
			for name := range have {
				if _, ok := want[name]; !ok {
					t.Errorf("%s: written, but not expected (go test ./connector -run TestGolden -update rewrites the expected folders)", name)
				}
			}
			if n := res.Pipes + res.Systems; n != len(res.Files) {
				t.Errorf("%d pipes and %d systems, %d files", res.Pipes, res.Systems, len(res.Files))
			}
		})
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEnvAndSecrets(t *testing.T) {
	res, err := Expand("testdata/acme/connector", Options{System: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Env, ","); got != "service_url,tenant" {
		t.Errorf("env %s", got)
	}
	if got := strings.Join(res.Secrets, ","); got != "api_key" {
		t.Errorf("secrets %s", got)
	}
	if res.Pipes != 11 || res.Systems != 1 {
		t.Errorf("%d pipes, %d systems", res.Pipes, res.Systems)
	}
}

// connectorFS is a connector whose manifest and templates are given;
// names in messages are the paths themselves.
func expandMap(files map[string]string, opts Options) (*Result, error) {
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return expandFS(fsys, func(s string) string { return s }, opts)
}

const okSystem = `{"_id": "{{@ system @}}", "type": "system:rest"}`

// TestBadConnectors checks the message for each way a connector can be
// wrong: every one names the file, line and column at fault.
func TestBadConnectors(t *testing.T) {
	manifest := func(datatypes string) string {
		return `{"system-template": "templates/system.json", "datatypes": ` + datatypes + `}`
	}
	one := manifest(`{"contact": {"template": "templates/contact.json"}}`)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"unknown placeholder", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": "{\n  \"_id\": \"{{@ system @}}-{{@ datatype @}}\",\n  \"type\": \"pipe\",\n  \"source\": {\"type\": \"embedded\", \"x\": \"a {{@ foo @}}\"}\n}"},
			`templates/contact.json:4:42: unknown placeholder "foo" for datatype "contact" (add it to the datatype's parameters or the manifest's additional_parameters, or give --param foo=VALUE)`},
		{"unknown placeholder with a suggestion", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `{"_id": "{{@ system @}}-{{@ datatyp @}}", "type": "pipe"}`},
			`templates/contact.json:1:25: unknown placeholder "datatyp" for datatype "contact" (did you mean "datatype"?) (add it`},
		{"unknown placeholder in the system template", map[string]string{"manifest.json": one, "templates/contact.json": `[]`,
			"templates/system.json": `{"_id": "{{@ system @}}", "type": "system:rest", "url_pattern": "https://{{@ account_id @}}.example/%s"}`},
			`templates/system.json:1:74: unknown placeholder "account_id" in the system template (declare it in the manifest's additional_parameters, or give --param account_id=VALUE)`},
		{"a template shared by datatypes lacking one name", map[string]string{
			"manifest.json":         manifest(`{"a": {"template": "templates/t.json"}, "b": {"template": "templates/t.json", "parameters": {"p": "x"}}, "c": {"template": "templates/t.json"}}`),
			"templates/system.json": okSystem, "templates/t.json": `{"_id": "{{@ datatype @}}-{{@ p @}}", "type": "pipe"}`},
			`templates/t.json:1:27: unknown placeholder "p" for datatypes "a", "c" (add it`},
		{"placeholder outside a string", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": "{\n  \"_id\": \"x\",\n  \"flag\": {{@ flag @}}\n}"},
			`templates/contact.json:3:11: a placeholder must be inside a JSON string: write "{{@ name @}}"`},
		{"placeholder not closed", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `{"_id": "{{@ system @}}-{{@ datatype }}", "type": "pipe"}`},
			`templates/contact.json:1:25: placeholder not closed: expected @}}`},
		{"filter", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `{"_id": "{{@ datatype|upper @}}", "type": "pipe"}`},
			`templates/contact.json:1:10: placeholder "datatype|upper" is not a name: only {{@ name @}} is supported (no filters or expressions)`},
		{"hyphenated name", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `{"_id": "{{@ site-id @}}", "type": "pipe"}`},
			`templates/contact.json:1:10: placeholder "site-id" is not a name: a placeholder is a letter or _ followed by letters, digits or _`},
		{"white space control", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `{"_id": "{{@- datatype -@}}", "type": "pipe"}`},
			`templates/contact.json:1:10: placeholder "- datatype -": Jinja's white space control`},
		{"empty placeholder", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `{"_id": "{{@  @}}", "type": "pipe"}`},
			`templates/contact.json:1:10: empty placeholder`},
		{"statement", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `{"_id": "é{{% if x %}}", "type": "pipe"}`},
			`templates/contact.json:1:11: Jinja statements ({{% ... %}}) are not supported`},
		{"missing template", map[string]string{"manifest.json": "{\"system-template\": \"templates/system.json\",\n \"datatypes\": {\"contact\": {\"template\": \"templates/nope.json\"}}}",
			"templates/system.json": okSystem},
			`manifest.json:2:40: /datatypes/contact/template: template templates/nope.json does not exist`},
		{"template outside the folder", map[string]string{"manifest.json": manifest(`{"contact": {"template": "../x.json"}}`), "templates/system.json": okSystem},
			`manifest.json:1:84: /datatypes/contact/template: template path "../x.json" is not a file inside the connector folder`},
		{"no manifest datatypes", map[string]string{"manifest.json": `{"auth": "api_key"}`},
			`manifest.json:1:1: missing required property "datatypes"`},
		{"datatype without template", map[string]string{"manifest.json": manifest(`{"contact": {"label": "Contact"}}`), "templates/system.json": okSystem},
			`manifest.json:1:71: /datatypes/contact: missing required property "template"`},
		{"template of the wrong kind", map[string]string{"manifest.json": manifest(`{"contact": {"template": 3}}`), "templates/system.json": okSystem},
			`manifest.json:1:84: /datatypes/contact/template: expected a string, got 3`},
		{"parameter of the wrong kind", map[string]string{"manifest.json": manifest(`{"contact": {"template": "templates/contact.json", "parameters": {"p": [1]}}}`),
			"templates/system.json": okSystem, "templates/contact.json": `[]`},
			`manifest.json:1:130: /datatypes/contact/parameters/p: parameter "p": expected a string, number or boolean, got a list`},
		{"reserved parameter", map[string]string{"manifest.json": manifest(`{"contact": {"template": "templates/contact.json", "parameters": {"system": "x"}}}`),
			"templates/system.json": okSystem, "templates/contact.json": `[]`},
			`manifest.json:1:125: /datatypes/contact/parameters/system: parameter "system" is reserved: it is the --system value`},
		{"manifest not JSON", map[string]string{"manifest.json": "{\n  \"datatypes\": {,}\n}"},
			`manifest.json:2:17: invalid character ',' at start of value`},
		{"manifest cut short", map[string]string{"manifest.json": "{\n  \"datatypes\": {"},
			`manifest.json:2:17: unexpected end of file: the object opened at line 2, column 16 is not closed`},
		{"manifest not an object", map[string]string{"manifest.json": `[]`},
			`manifest.json:1:1: a manifest is a JSON object, not a list`},
		{"manifest with a BOM", map[string]string{"manifest.json": "\uFEFF{}"},
			`manifest.json:1:1: file starts with a byte order mark (BOM)`},
		{"empty template", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": "  \n"},
			`templates/contact.json:2:1: empty file: expected a JSON value`},
		{"template of a string", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": `"{{@ datatype @}}"`},
			`templates/contact.json:1:1: a template holds one config object or a list of them, not "contact"`},
		{"template list of strings", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": `[{"_id": "a", "type": "pipe"}, 7]`},
			`templates/contact.json:1:32: expected a config object, got 7`},
		{"no _id", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": `{"type": "pipe"}`},
			`templates/contact.json:1:1: missing required property "_id"`},
		{"_id with a slash", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": `{"_id": "{{@ datatype @}}/x", "type": "pipe"}`},
			`templates/contact.json:1:9: _id "contact/x" contains / or \, which cannot name a file`},
		{"hidden _id", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": `{"_id": ".{{@ datatype @}}", "type": "pipe"}`},
			`templates/contact.json:1:9: _id ".contact" starts with "."`},
		{"no type", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": `{"_id": "x"}`},
			`templates/contact.json:1:1: "x": missing required property "type"`},
		{"same _id twice", map[string]string{
			"manifest.json":         manifest(`{"a": {"template": "templates/t.json"}, "b": {"template": "templates/t.json"}}`),
			"templates/system.json": okSystem, "templates/t.json": `{"_id": "{{@ system @}}-all", "type": "pipe"}`},
			`templates/t.json:1:9: _id "s-all" is made twice: by templates/t.json:1:1 (datatype "a") and by templates/t.json:1:1 (datatype "b")`},
		{"pipe named like the system", map[string]string{"manifest.json": one, "templates/system.json": okSystem, "templates/contact.json": `{"_id": "{{@ system @}}", "type": "pipe"}`},
			`templates/contact.json:1:9: _id "s" is made twice: by templates/system.json:1:1 and by templates/contact.json:1:1 (datatype "contact")`},
		{"ids differing in case", map[string]string{"manifest.json": one, "templates/system.json": okSystem,
			"templates/contact.json": `[{"_id": "A", "type": "pipe"}, {"_id": "a", "type": "pipe"}]`},
			`templates/contact.json:1:40: _id "A" and _id "a" differ only in case`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := expandMap(tc.files, Options{System: "s"})
			var es pipes.Errors
			if !errors.As(err, &es) {
				t.Fatalf("got %v (%T), want pipes.Errors", err, err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got\n%s\nwant it to start with\n%s", err, tc.want)
			}
		})
	}
}

func TestNoManifest(t *testing.T) {
	_, err := Expand(t.TempDir(), Options{System: "s"})
	if err == nil || !strings.Contains(err.Error(), "manifest.json: no such file: a connector folder holds a manifest.json") {
		t.Errorf("got %v", err)
	}
}

// TestManifestLikeSesamPy: the manifest forms real connectors use.
func TestManifestLikeSesamPy(t *testing.T) {
	res, err := expandMap(map[string]string{
		// Hubspot's manifest defines datatypes twice; the last one wins.
		// "system_template" is the key the documentation gives.
		"manifest.json": `{"system_template": "templates/system.json", "datatypes": {
			"a": {"template": "templates/t.json", "parameters": {"p": "first"}},
			"a": {"template": "templates/t.json", "parameters": {"p": "last"}, "webhook": true}}}`,
		"templates/system.json": okSystem,
		"templates/t.json":      `{"_id": "{{@ system @}}-{{@ datatype @}}-{{@ p @}}", "type": "pipe", "{{@ p @}}": 1, "last": 2}`,
	}, Options{System: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "pipes/s-a-last.conf.json pipes/s-a-transform.conf.json systems/s.conf.json" {
		t.Errorf("files %s", got)
	}
	if got := string(res.Files[0].Data); got != "{\n  \"_id\": \"s-a-last\",\n  \"last\": 2,\n  \"type\": \"pipe\"\n}\n" {
		t.Errorf("pipe:\n%s", got)
	}
	want := []string{
		`manifest.json:3:4: /datatypes/a: warning: datatype "a" is defined twice (first at line 2, column 4): the last definition is used, as sesam-py does`,
		`templates/t.json:1:86: warning: duplicate key "last" (first at line 1, column 70): the last one is used, as sesam-py does`,
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Both spellings of the system template key at once are refused.
	_, err = expandMap(map[string]string{"manifest.json": `{"system_template": "a.json", "system-template": "a.json", "datatypes": {}}`, "a.json": okSystem}, Options{System: "s"})
	if err == nil || !strings.Contains(err.Error(), `manifest.json:1:31: both "system-template" and "system_template" are given`) {
		t.Errorf("got %v", err)
	}
	// Without a system template, sesam-py expands none.
	res, err = expandMap(map[string]string{"manifest.json": `{"datatypes": {}}`}, Options{System: "s"})
	if err != nil || len(res.Files) != 0 {
		t.Errorf("got %v, %v", res, err)
	}
}

// TestShim: the datatype's -transform pipe sesam-py adds, unless a
// template makes one itself; other types are skipped with a warning.
func TestShim(t *testing.T) {
	res, err := expandMap(map[string]string{
		"manifest.json": `{"datatypes": {"a": {"template": "t.json"}, "b": {"template": "u.json"}}}`,
		"t.json":        `{"_id": "{{@ system @}}-{{@ datatype @}}-transform", "type": "pipe", "source": {"type": "embedded"}}`,
		"u.json":        `[{"_id": "x", "type": "destination"}]`,
	}, Options{System: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || !strings.Contains(string(res.Files[0].Data), `"embedded"`) || res.Files[1].Name != "pipes/s-b-transform.conf.json" {
		t.Errorf("files %+v", res.Files)
	}
	want := `t.json:1:9: warning: pipe "s-a-transform" replaces the -transform pipe that sesam-py adds for datatype "a" (sesam-py would overwrite it)
u.json:1:23: warning: "x" has type "destination": skipped, since sesam-py writes only pipes and systems`
	if got := res.Warnings.Error(); got != want {
		t.Errorf("warnings:\n%s\nwant\n%s", got, want)
	}
}

func TestValues(t *testing.T) {
	files := map[string]string{
		"manifest.json": `{"additional_parameters": {"env": {}}, "datatypes": {"a": {"template": "t.json", "parameters": {"b": true, "n": 1.50e1, "s": "x\"y"}}}}`,
		"t.json": `{"_id": "{{@ datatype @}}", "type": "pipe", "whole": ["{{@ b @}}", "{{@ n @}}", "{{@ s @}}", "{{@env@}}"],
			"inside": "{{@ b @}} {{@ n @}} {{@ s @}} {{@ env @}} \u00e9\n{{ jinja }}", "{{@ b @}}": "key"}`,
	}
	for _, tc := range []struct {
		params []Param
		want   string
	}{
		{nil, `{
  "_id": "a",
  "inside": "true 1.50e1 x\"y $ENV(env) é\n{{ jinja }}",
  "true": "key",
  "type": "pipe",
  "whole": [
    true,
    "1.50e1",
    "x\"y",
    "$ENV(env)"
  ]
}
`},
		{[]Param{{"b", "false"}, {"n", "7"}, {"env", "<&>"}}, `{
  "_id": "a",
  "false": "key",
  "inside": "false 7 x\"y <&> é\n{{ jinja }}",
  "type": "pipe",
  "whole": [
    false,
    "7",
    "x\"y",
    "<&>"
  ]
}
`},
	} {
		res, err := expandMap(files, Options{System: "s", Params: tc.params})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.Files[0].Data); got != tc.want {
			t.Errorf("%v:\n%s\nwant\n%s", tc.params, got, tc.want)
		}
	}
}

// TestParamErrors: a --param the connector cannot take is a *ParamError.
func TestParamErrors(t *testing.T) {
	files := map[string]string{
		"manifest.json": `{"additional_parameters": {"token_url": {}}, "datatypes": {"a": {"template": "t.json", "parameters": {"flag": true, "page": "1"}}}}`,
		"t.json":        `{"_id": "{{@ datatype @}}-{{@ account_id @}}", "type": "pipe"}`,
	}
	for _, tc := range []struct {
		params []Param
		want   string
	}{
		{[]Param{{"token_ur", "x"}}, `--param token_ur=x: the connector has no parameter "token_ur" (did you mean "token_url"?) (it has account_id, flag, page, token_url)`},
		{[]Param{{"system", "x"}}, `--param system=x: "system" cannot be set: it is the --system value`},
		{[]Param{{"datatype", "x"}}, `--param datatype=x: "datatype" cannot be set: it is the datatype's name`},
		{[]Param{{"page", "1"}, {"page", "2"}}, `--param page=2: "page" is given twice`},
		{[]Param{{"flag", "yes"}}, `--param flag=yes: "flag" is a boolean in the manifest: give true or false`},
	} {
		_, err := expandMap(files, Options{System: "s", Params: tc.params})
		var pe *ParamError
		if !errors.As(err, &pe) || err.Error() != tc.want {
			t.Errorf("%v: got %v, want %s", tc.params, err, tc.want)
		}
	}
	// A name only a template uses (account_id here) can be set.
	res, err := expandMap(files, Options{System: "s", Params: []Param{{"account_id", "42"}}})
	if err != nil || res.Files[0].Name != "pipes/a-42.conf.json" {
		t.Errorf("got %v, %v", res, err)
	}
}
