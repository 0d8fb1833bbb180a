package dtl

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestSesamGettingStartedInbound runs the DTL of the inbound pipes of
// Sesam's getting-started config (../testdata/sesam-docs) the way a pipe
// with namespaces on does: each embedded entity namespaced as
// add_namespaces does (engine.AddNamespaces), then the pipe's rules with
// the pipe id as both namespaces. The results must be the entities
// ../testdata/sesam-getting-started/expected holds for those datasets.
// erp-person's ["ni", "hr-person", "_S.SSN"] is the case in point: the
// path string must find "erp-person:SSN".
func TestSesamGettingStartedInbound(t *testing.T) {
	const dir = "../testdata/"
	cfg, err := os.ReadFile(dir + "sesam-docs/getting-started-config/getting-started-config.json")
	if err != nil {
		t.Fatal(err)
	}
	root := mustNode(t, "getting-started-config.json", string(cfg))
	ran := map[string]bool{}
	for _, pipe := range root.Items {
		id := pipe.Get("_id").Str
		source, transform := pipe.Get("source"), pipe.Get("transform")
		if source == nil || transform == nil {
			continue
		}
		if alt := source.Get("alternatives"); alt != nil {
			source = alt.Get("test") // node-env is "test" in the tutorial
		}
		if source.Get("type").Str != "embedded" {
			continue
		}
		opts := Options{NamespacedIdentifiers: true, IdentityNamespace: id, PropertyNamespace: id}
		prog, err := Compile(transform.Get("rules"), opts)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		got := map[string]*Dict{}
		for _, e := range source.Get("entities").Items {
			src := mustDecode(t, id, string(e.JSON())).(*Dict)
			res, err := prog.Run(context.Background(), addNamespaces(src, id))
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			if res.Target != nil {
				got[entityID(res.Target)] = res.Target
			}
		}
		want, err := os.ReadFile(dir + "sesam-getting-started/expected/" + id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		wantList := mustDecode(t, id, string(want)).(List)
		for _, w := range wantList {
			wid := entityID(w)
			if g := got[wid]; g == nil {
				t.Errorf("%s: no entity %q", id, wid)
			} else if !sameValue(g, w) {
				t.Errorf("%s: entity %q\n got %s\nwant %s", id, wid, EncodeJSON(g), EncodeJSON(w))
			}
		}
		if len(got) != len(wantList) {
			t.Errorf("%s: %d entities, want %d", id, len(got), len(wantList))
		}
		ran[id] = true
	}
	if !ran["erp-person"] {
		t.Fatalf("erp-person did not run (ran %v)", ran)
	}
}

// addNamespaces is engine.AddNamespaces, which dtl cannot import: _id
// gets the identity namespace, every other name not starting with "_"
// nor holding a namespace the property namespace.
func addNamespaces(d *Dict, ns string) *Dict {
	out := NewDict(d.Len())
	d.Range(func(k string, v Value) bool {
		switch {
		case k == "_id":
			if s, ok := v.(string); ok && !strings.Contains(s, ":") {
				v = ns + ":" + s
			}
		case !strings.HasPrefix(k, "_") && !strings.Contains(k, ":"):
			k = ns + ":" + k
		}
		out.Set(k, v)
		return true
	})
	return out
}
