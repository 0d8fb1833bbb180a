package dtl

import "testing"

// The reference's ni-collapse and ni-expand examples, with its
// namespaces.default mapping.
func TestNICollapseExpandReference(t *testing.T) {
	prefixes := map[string]string{
		"foo":          "http://psi.test.no/",
		"sesam_male":   "http://sesam.io/people/male/",
		"sesam_female": "http://sesam.io/people/female/",
		"sesam":        "http://sesam.io/people/",
	}
	for _, tc := range []struct{ url, ni string }{
		{"http://psi.test.no/bar", "~:foo:bar"},
		{"http://psi.test.no/baz", "~:foo:baz"},
		{"http://sesam.io/people/employees", "~:sesam:employees"},
		{"http://sesam.io/people/male/john", "~:sesam_male:john"},
		{"http://sesam.io/people/female/jane", "~:sesam_female:jane"},
		{"http://example.com/path", "~:http://example.com/path"},
	} {
		got, ok := collapseURI(tc.url, prefixes, false)
		if !ok || string(EncodeJSON(got)) != `"`+tc.ni+`"` {
			t.Errorf("collapse %s = %s, want %s", tc.url, EncodeJSON(got), tc.ni)
		}
		if back := expandNI(got.(NI), prefixes); back != tc.url {
			t.Errorf("expand %s = %s, want %s", tc.ni, back, tc.url)
		}
	}
	if got := expandNI(NI{NS: "unknown", ID: "path"}, prefixes); got != "unknown:path" {
		t.Errorf("expand ~:unknown:path = %s", got)
	}
	if _, ok := collapseURI("ftp://x/y", prefixes, false); ok {
		t.Errorf("ni-collapse must ignore non-http URLs")
	}
	if got, ok := collapseURI("urn:isbn:1", prefixes, true); !ok || got != (NI{NS: "urn", ID: "isbn:1"}) {
		t.Errorf("ni of urn:isbn:1 = %v", got)
	}
}
