package transforms_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

// loadTemplate loads a pipe whose transform is the given template
// transform and returns the problems, one per line, with the config
// folder's path cut off.
func loadTemplate(t *testing.T, transform string) string {
	t.Helper()
	dir := testkit.ConfigDir(t, map[string]string{
		"crm.json": `{"_id": "crm", "type": "system:rest", "base_url": "http://127.0.0.1:1/", "operations": {"lookup": {"url": "c", "method": "GET"}}}`,
		"p.json": `{"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []},
"transform": ` + transform + `}`,
	})
	_, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry()})
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), dir+string(os.PathSeparator), "")
}

func TestTemplateLoadProblems(t *testing.T) {
	for _, c := range []struct {
		name, transform string
		want            []string
	}{
		{"unknown template", `{"type": "template", "template": "transform-share-res", "properties": {}}`,
			[]string{`p.json:2:47: /transform/template: unknown template "transform-share-res" (did you mean "transform-share-rest"?) (built-in templates: "transform-collect-rest", "transform-defaults-rest", "transform-share-rest")`}},
		{"not a template", `{"type": "template", "template": 5, "properties": []}`,
			[]string{`p.json:2:47: /transform/template: template is the name of a built-in template or a template body, not 5`,
				`p.json:2:64: /transform/properties: expected an object, got a list`}},
		{"missing property", `{"type": "template", "template": "transform-collect-rest", "properties": {"primary_key": "id"}}`,
			[]string{`p.json:2:87: /transform/properties: template transform-collect-rest: missing required property "share_dataset"`}},
		{"unknown property", `{"type": "template", "template": "transform-collect-rest", "properties": {"primary_keys": "id", "share_dataset": "s"}}`,
			[]string{`/transform/properties: template transform-collect-rest: missing required property "primary_key"`,
				`p.json:2:88: /transform/properties/primary_keys: template transform-collect-rest has no property "primary_keys" (did you mean "primary_key"?)`}},
		{"wrong type", `{"type": "template", "template": "transform-share-rest", "properties": {"rest_system": "crm", "primary_key": [], "share_dataset": "s", "is_natural_key": "yes"}}`,
			[]string{`/transform/properties/primary_key: template transform-share-rest: primary_key: expected at least one property name, got an empty list`,
				`/transform/properties/is_natural_key: template transform-share-rest: is_natural_key: expected a boolean, got "yes"`}},
		{"requires", `{"type": "template", "template": "transform-collect-rest", "properties": {"primary_key": "id", "share_dataset": "s", "operation_lookup_delete": "lookup"}}`,
			[]string{`/transform/properties/operation_lookup_delete: template transform-collect-rest: operation_lookup_delete needs rest_system`}},
		{"rule named like the template's", `{"type": "template", "template": "transform-share-rest", "properties": {"rest_system": "crm", "primary_key": "id", "share_dataset": "s", "rules": {"default": []}}}`,
			[]string{`p.json:2:161: /transform/properties/rules/default: rules: "default" is already defined by template transform-share-rest; give it another name`}},
		{"bad DTL in a property", `{"type": "template", "template": "transform-share-rest", "properties": {"rest_system": "crm", "primary_key": "id", "share_dataset": "s",
  "rewrite_rules_payload": {"rewrite_insert_payload": [["ad", "$payload", 1]]}}}`,
			[]string{`p.json:3:57: /transform/properties/rewrite_rules_payload/rewrite_insert_payload/0/0: unknown DTL function "ad" (did you mean "add"?)`}},
		{"bad status codes", `{"type": "template", "template": "transform-share-rest", "properties": {"rest_system": "crm", "primary_key": "id", "share_dataset": "s", "delete_allowed_status_codes": "abc"}}`,
			[]string{`/transform/properties/delete_allowed_status_codes: "abc" is not a status code or range of status codes`}},
		{"unknown system", `{"type": "template", "template": "transform-defaults-rest", "properties": {"rest_system": "nosys", "primary_key": "id"}}`,
			[]string{`/transform/properties/rest_system: no system "nosys" is defined`}},
		{"problem in what the template generates", `{"type": "template", "template": "transform-collect-rest", "properties": {"primary_key": "id", "share_dataset": "a b"}}`,
			// Both where the template is used and where in the template.
			[]string{`p.json:2:47: template transform-collect-rest:79:32: /transforms/3/rules/default/2/2/2/1/2/1/datasets/0: a hops dataset is "dataset-id alias", got "a b share"`}},
		{"text placeholder given an object", `{"type": "template", "template": {"properties": {"n": {}}, "transforms": [{"type": "dtl", "rules": {"default": [["add", "x", "n = {{@ n @}}"]]}}]}, "properties": {"n": {"a": 1}}}`,
			[]string{`p.json:2:182: /transform/properties/n: template inline: n is used inside the text "n = {{@ n @}}", so it must be a string, number or boolean, not an object`}},
		{"inline placeholder not declared", `{"type": "template", "template": {"properties": {"x": {"type": "string", "doc": "x"}}, "transforms": [{"type": "dtl", "rules": {"default": [["add", "{{@ y @}}", "{{@ x @}}"]]}}]}, "properties": {"x": "1"}}`,
			[]string{`/transform/template/transforms/0/rules/default/0/1: template inline: placeholder {{@ y @}} names no declared property`}},
		{"inline $if not declared", `{"type": "template", "template": {"properties": {"x": {}}, "transforms": [{"$if": "xx.y", "$then": {"type": "dtl", "rules": {"default": []}}, "$other": 1}]}, "properties": {}}`,
			[]string{`/transform/template/transforms/0/$if: template inline: $if "xx.y" names no declared property`,
				`/transform/template/transforms/0/$other: template inline: a $if object holds only $if, $then and $else, not "$other"`}},
		{"inline template standing for nothing", `{"type": "template", "template": {"properties": {"x": {}}, "transforms": [{"$if": "x", "$then": {"type": "dtl", "rules": {"default": []}}}]}, "properties": {}}`,
			[]string{`p.json:2:47: /transform/template: template inline stands for no transform`}},
		{"spread of a list", `{"type": "template", "template": {"properties": {"x": {}}, "transforms": [{"type": "dtl", "rules": {"{{@ x @}}": "...", "default": []}}]}, "properties": {"x": [1]}}`,
			[]string{`/transform/properties/x: template inline: x is spread into an object, so it must be an object, not a list`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := loadTemplate(t, c.transform)
			if got == "" {
				t.Fatal("loads without a problem")
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems:\n%s\nwant one with:\n%s", got, w)
				}
			}
		})
	}
}

// TestTemplateLoads: the templates load with only the properties Sesam's
// own connectors give, and their expansions build.
func TestTemplateLoads(t *testing.T) {
	dir := testkit.ConfigDir(t, map[string]string{
		"crm.json": `{"_id": "crm", "type": "system:rest", "base_url": "http://127.0.0.1:1/", "operations": {"lookup": {"url": "c", "method": "GET"}}}`,
		"p.json": `[{"_id": "c", "type": "pipe", "source": {"type": "embedded", "entities": []},
  "transform": [{"type": "template", "template": "transform-collect-rest", "properties": {"primary_key": "id", "share_dataset": "s"}}, {"type": "dtl", "rules": {"default": [["copy", "*"]]}}]},
 {"_id": "s", "type": "pipe", "source": {"type": "embedded", "entities": []},
  "transform": {"type": "template", "template": "transform-share-rest", "properties": {"rest_system": "crm", "primary_key": "id", "share_dataset": "s",
    "operation_insert": "lookup", "operation_update": "lookup", "operation_delete": "lookup"}}}]`,
	})
	cfg, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
	var types []string
	for _, c := range cfg.Pipe("c").Transforms {
		types = append(types, c.Type)
	}
	if strings.Join(types, " ") != "dtl dtl" {
		t.Errorf("collect transforms: %v", types)
	}
	types = nil
	for _, c := range cfg.Pipe("s").Transforms {
		types = append(types, c.Type)
	}
	if strings.Join(types, " ") != "dtl rest dtl rest rest rest dtl" {
		t.Errorf("share transforms: %v", types)
	}
	st := testkit.OpenStore(t)
	eng, err := engine.New(context.Background(), cfg, st, builtin.Registry(), nil)
	if err != nil {
		t.Fatalf("the expansions do not build: %v", err)
	}
	eng.Close(context.Background())
}
