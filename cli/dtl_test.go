package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sluiceIn runs the CLI in-process with stdin and returns exit code,
// stdout and stderr.
func sluiceIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDTLEval(t *testing.T) {
	src := writeFile(t, "s.json", `{"name": "ada", "born": "~t1815-12-10T00:00:00Z", "n": 9223372036854775807}`)
	for _, tc := range []struct {
		args []string
		code int
		out  string
		err  string
	}{
		{[]string{"dtl", "eval", `["upper", "_S.name"]`, "--source", src}, 0, `"ADA"` + "\n", ""},
		{[]string{"dtl", "eval", `["datetime-format", "%Y", "_S.born"]`, "--source", src}, 0, `"1815"` + "\n", ""},
		{[]string{"dtl", "eval", `["+", "_S.n", 1]`, "--source", src}, 0, "9223372036854775808\n", ""},
		{[]string{"dtl", "eval", `["list", "_S.x"]`}, 0, "[null]\n", ""},
		{[]string{"dtl", "eval", `["uper", "a"]`}, 1, "", `EXPR:1:2: /0: unknown DTL function "uper" (did you mean "upper"?)`},
		{[]string{"dtl", "eval", `["upper", "a"`}, 1, "", "EXPR:1:"},
		{[]string{"dtl", "eval", `["fail!", "stop here"]`}, 1, "", "stop here"},
		// --source also takes the entity inline.
		{[]string{"dtl", "eval", `["upper", "_S.name"]`, "--source", `{"name": "ada"}`}, 0, `"ADA"` + "\n", ""},
		{[]string{"dtl", "eval", `["+", "_S.n", 1]`, "--source", "\n  {\"n\": 9223372036854775807}\n"}, 0, "9223372036854775808\n", ""},
		{[]string{"dtl", "eval", `"_S.born"`, "--source", `{"born": "~t1815-12-10T00:00:00Z"}`}, 0, `"~t1815-12-10T00:00:00Z"` + "\n", ""},
		{[]string{"dtl", "eval", `"_S.name"`, "--source", `{"name": "ada",}`}, 1, "",
			"sluice: the inline --source entity is not valid JSON: --source:1:15: invalid character"},
		{[]string{"dtl", "eval", `"_S.name"`, "--source", `{"name": "ada"`}, 1, "", "the inline --source entity is not valid JSON: --source:1:"},
		{[]string{"dtl", "eval", `"_S.k"`, "--source", `{"k": 1, "k": 2}`}, 1, "", `the inline --source entity is not valid JSON: --source:1:10: /k: duplicate key "k"`},
		{[]string{"dtl", "eval", `"_S.name"`, "--source", filepath.Join(filepath.Dir(src), "nope.json")}, 1, "",
			"nope.json: no such file or directory (give a JSON file, or an inline entity starting with {)"},
	} {
		code, out, errOut := sluiceIn(t, "", tc.args...)
		if code != tc.code || out != tc.out || !strings.Contains(errOut, tc.err) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q", tc.args, code, out, errOut, tc.code, tc.out, tc.err)
		}
	}
}

func TestDTLRun(t *testing.T) {
	rules := writeFile(t, "rules.json", `{"default": [["copy", "_id"], ["add", "big", ["gt", "_S.x", 1]]]}`)
	transform := writeFile(t, "t.json", `{"type": "dtl", "trigger_on": {"key": "kind", "value": "p*"},
	  "rules": {"default": [["copy", "_id"], ["add", "seen", true]]}}`)
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		out, err    string
	}{
		{"ndjson", "{\"_id\":\"a\",\"x\":1}\n\n{\"_id\":\"b\",\"x\":2}\n", []string{"--rules", rules}, 0,
			"{\"_id\":\"a\",\"big\":false}\n{\"_id\":\"b\",\"big\":true}\n", ""},
		{"array", `[{"_id":"a","x":5}]`, []string{"--rules", rules}, 0, "{\"_id\":\"a\",\"big\":true}\n", ""},
		{"empty", "", []string{"--rules", rules}, 0, "", ""},
		{"bad line", "{\"_id\":\"a\",\"x\":1}\n{\"_id\":\"b\",\"x\":}\n", []string{"--rules", rules}, 1,
			"{\"_id\":\"a\",\"big\":false}\n", "line 2: invalid JSON"},
		{"duplicate key", "{\"_id\":\"a\",\"o\":{\"k\":1,\"k\":2}}\n", []string{"--rules", rules}, 1, "", `line 1: duplicate key "k"`},
		{"trigger_on", "{\"_id\":\"a\",\"kind\":\"person\"}\n{\"_id\":\"b\",\"kind\":\"org\"}\n", []string{"--rules", transform}, 0,
			"{\"_id\":\"a\",\"seen\":true}\n{\"_id\":\"b\",\"kind\":\"org\"}\n", ""},
		{"no id", "{\"x\":1}\n", []string{"--rules", rules}, 1, "", "without a string _id"},
		{"missing flag", "", nil, 2, "", "--rules FILE is required"},
	} {
		code, out, errOut := sluiceIn(t, tc.stdin, append([]string{"dtl", "run"}, tc.args...)...)
		if code != tc.code || out != tc.out || !strings.Contains(errOut, tc.err) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q", tc.name, code, out, errOut, tc.code, tc.out, tc.err)
		}
	}
}
