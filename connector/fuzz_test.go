package connector

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

// FuzzExpand expands arbitrary templates (and a parameter's value): the
// expander never panics, and what it writes is valid JSON, without a
// duplicate key or a placeholder left.
func FuzzExpand(f *testing.F) {
	for _, seed := range []string{
		`{"_id": "{{@ system @}}-{{@ datatype @}}", "type": "pipe", "x": "{{@ p @}}"}`,
		`[{"_id": "{{@ system @}}-{{@ datatype @}}-a", "type": "pipe", "{{@ p @}}": ["{{@ b @}}", 1.5e3, null, {}]}]`,
		`{"_id": "{{@ datatype @}}", "type": "system:rest", "k": "\u00e9{{@ p @}}\"{{ x }}", "k": 1}`,
		`{"_id": "{{@ datatype @}}", "type": "pipe", "a": {{@ b @}}}`,
		`{"_id": "{{@- p -@}}{{% if %}}{{@", "type": "pipe"}`,
		`{"_id": "{{@ unknown @}}", "type": "pipe"}`,
		`{"_id": "a/b", "type": "pipe"}`,
		`"{{@ b @}}"`,
		`[[[[`,
	} {
		f.Add(seed, "v")
	}
	f.Fuzz(func(t *testing.T, template, p string) {
		files := map[string]string{
			"manifest.json": `{"system-template": "s.json", "datatypes": {"a": {"template": "t.json", "parameters": {"b": true, "p": "x"}}}}`,
			"s.json":        okSystem,
			"t.json":        template,
		}
		res, err := expandMap(files, Options{System: "s", Params: []Param{{"p", p}}})
		var pe *ParamError
		var es pipes.Errors
		switch {
		case errors.As(err, &pe), errors.As(err, &es):
			return
		case err != nil:
			t.Fatalf("error of an unexpected kind: %v", err)
		}
		for _, file := range res.Files {
			if _, err := pipes.Parse(file.Name, file.Data); err != nil {
				t.Fatalf("%s is not valid JSON: %v\n%s", file.Name, err, file.Data)
			}
			// A placeholder can only be left by an escape that makes one
			// (Jinja does not see through escapes either) or a value
			// holding one (values are not expanded again).
			if bytes.Contains(file.Data, []byte(openDelim)) && !strings.Contains(template, `\u`) && !strings.Contains(p, "{") {
				t.Fatalf("%s keeps a placeholder:\n%s", file.Name, file.Data)
			}
		}
	})
}

// FuzzManifest reads arbitrary manifests: never a panic, and an error is
// either a bad --param or positioned problems.
func FuzzManifest(f *testing.F) {
	for _, seed := range []string{
		`{"system-template": "s.json", "datatypes": {"a": {"template": "t.json", "parent": "b", "parameters": {"p": "x", "b": false}}, "b": {"template": "/t.json"}}}`,
		`{"system_template": "s.json", "system-template": "s.json", "additional_parameters": {"p": {}}, "requires_service_api_access": true, "use_webhook_secret": true, "datatypes": {"a": {"template": "./t.json"}, "a": {"template": "../t.json"}}}`,
		`{"datatypes": {"a": {"template": 1, "parameters": {"system": [], "q": null}}, "": {}}}`,
		`[]`,
		`{"datatypes": {`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, manifest string) {
		files := map[string]string{
			"manifest.json": manifest,
			"s.json":        okSystem,
			"t.json":        `[{"_id": "{{@ system @}}-{{@ datatype @}}", "type": "pipe", "x": "{{@ p @}}"}, {"_id": "{{@ datatype @}}-e", "type": "pipe", "source": {"type": "http_endpoint"}}]`,
		}
		res, err := expandMap(files, Options{System: "s", Params: []Param{{"p", "v"}}})
		var pe *ParamError
		var es pipes.Errors
		switch {
		case err == nil:
			for _, file := range res.Files {
				if _, err := pipes.Parse(file.Name, file.Data); err != nil {
					t.Fatalf("%s is not valid JSON: %v", file.Name, err)
				}
			}
		case errors.As(err, &pe):
		case errors.As(err, &es):
			for _, e := range es {
				if e.Pos.File == "" || e.Pos.Line == 0 {
					t.Fatalf("problem without a position: %v", e)
				}
			}
		default:
			t.Fatalf("error of an unexpected kind: %v", err)
		}
	})
}
