package store

import (
	"fmt"
	"github.com/dgraph-io/badger/v4"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/entity"
)

// jk is the join key of a JSON scalar, as hops pass it to Join.
func jk(t *testing.T, raw string) string {
	t.Helper()
	k, ok := entity.JoinKey(gjson.Parse(raw))
	if !ok {
		t.Fatalf("%s has no join key", raw)
	}
	return k
}

// joined runs Join and returns "id" (or "id:v" when the entity has a "v")
// for each result, in order.
func joined(t *testing.T, s *Store, ds string, path []string, raws ...string) string {
	t.Helper()
	keys := make([]string, len(raws))
	for i, r := range raws {
		keys[i] = jk(t, r)
	}
	es, err := s.Join(ds, path, keys)
	if err != nil {
		t.Fatalf("Join(%s, %v, %v): %v", ds, path, raws, err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		id, err := entity.ID(e)
		if err != nil {
			t.Fatalf("result %s: %v", e, err)
		}
		if entity.Deleted(e) {
			t.Fatalf("Join returned a deleted version: %s", e)
		}
		if v := gjson.GetBytes(e, "v"); v.Exists() {
			id += ":" + v.Raw
		}
		out[i] = id
	}
	return strings.Join(out, ",")
}

func ensure(t *testing.T, s *Store, ds string, path ...string) {
	t.Helper()
	if err := s.EnsureJoinIndex(ds, path); err != nil {
		t.Fatalf("EnsureJoinIndex(%s, %v): %v", ds, path, err)
	}
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

var custID = []string{"cust_id"}

func TestJoinIndexBuiltOverExistingData(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "orders", WriteOptions{},
		`{"_id":"o3","cust_id":"c1"}`,
		`{"_id":"o1","cust_id":"c1"}`,
		`{"_id":"o2","cust_id":"c2"}`,
		`{"_id":"o4","cust_id":"c1"}`,
		`{"_id":"o5","cust_id":null}`,
		`{"_id":"o6"}`,
		`{"_id":"o7","cust_id":{"id":"c1"}}`,
		`{"_id":"o8","cust_id":"old"}`)
	// Deleted before the index exists: never indexed.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o4","cust_id":"c1","_deleted":true}`)
	// Replaced before the index exists: only the latest version counts.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o8","cust_id":"c1"}`)

	ensure(t, s, "orders", "cust_id")
	expect(t, "c1", joined(t, s, "orders", custID, `"c1"`), "o1,o3,o8")
	expect(t, "c2", joined(t, s, "orders", custID, `"c2"`), "o2")
	expect(t, "old", joined(t, s, "orders", custID, `"old"`), "")
	expect(t, "none", joined(t, s, "orders", custID, `"c9"`), "")
	expect(t, "no keys", joined(t, s, "orders", custID), "")

	info, _ := s.Dataset("orders")
	if fmt.Sprint(info.JoinIndexes) != "[[cust_id]]" {
		t.Fatalf("JoinIndexes = %v", info.JoinIndexes)
	}
	// Ensuring it again changes nothing.
	ensure(t, s, "orders", "cust_id")
	if info, _ := s.Dataset("orders"); len(info.JoinIndexes) != 1 {
		t.Fatalf("JoinIndexes after second Ensure = %v", info.JoinIndexes)
	}
	expect(t, "c1 again", joined(t, s, "orders", custID, `"c1"`), "o1,o3,o8")

	// A second index on the same dataset is independent of the first.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o2","cust_id":"c2","type":"c1"}`)
	ensure(t, s, "orders", "type")
	expect(t, "type c1", joined(t, s, "orders", []string{"type"}, `"c1"`), "o2")
	expect(t, "cust_id c1 with two indexes", joined(t, s, "orders", custID, `"c1"`), "o1,o3,o8")
}

func TestJoinIndexKeptCurrentByWrites(t *testing.T) {
	s, _ := openTemp(t)
	// The index may be declared before the dataset exists.
	ensure(t, s, "orders", "cust_id")
	if _, ok := s.Dataset("orders"); !ok {
		t.Fatal("EnsureJoinIndex must create the dataset")
	}
	expect(t, "empty", joined(t, s, "orders", custID, `"c1"`), "")

	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c1","v":1}`)
	expect(t, "insert", joined(t, s, "orders", custID, `"c1"`), "o1:1")

	// Same key, other content: still found, once, with the new content.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c1","v":2}`)
	expect(t, "update same key", joined(t, s, "orders", custID, `"c1"`), "o1:2")

	// A no-op write leaves the index alone.
	if res := mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c1","v":2}`); res.Unchanged != 1 {
		t.Fatalf("no-op write = %+v", res)
	}
	expect(t, "no-op", joined(t, s, "orders", custID, `"c1"`), "o1:2")

	// The key changes: the old key no longer matches.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c2","v":3}`)
	expect(t, "old key after change", joined(t, s, "orders", custID, `"c1"`), "")
	expect(t, "new key after change", joined(t, s, "orders", custID, `"c2"`), "o1:3")

	// The property goes away.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","v":4}`)
	expect(t, "key removed", joined(t, s, "orders", custID, `"c2"`), "")
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c2","v":5}`)
	expect(t, "key back", joined(t, s, "orders", custID, `"c2"`), "o1:5")

	// Deleted: no match.
	res := mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c2","v":5,"_deleted":true}`)
	if res.Deleted != 1 {
		t.Fatalf("delete = %+v", res)
	}
	expect(t, "deleted", joined(t, s, "orders", custID, `"c2"`), "")

	// Deleting again (other content) still matches nothing.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c2","v":6,"_deleted":true}`)
	expect(t, "deleted twice", joined(t, s, "orders", custID, `"c2"`), "")

	// Un-deleted, with another key.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c3","v":7}`)
	expect(t, "undeleted new key", joined(t, s, "orders", custID, `"c3"`), "o1:7")
	expect(t, "undeleted old key", joined(t, s, "orders", custID, `"c2"`), "")

	// Un-deleted with the key it had when deleted.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c3","v":7,"_deleted":true}`)
	expect(t, "deleted again", joined(t, s, "orders", custID, `"c3"`), "")
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c3","v":7}`)
	expect(t, "undeleted same content", joined(t, s, "orders", custID, `"c3"`), "o1:7")

	// A deletion of an _id the dataset never had indexes nothing.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o9","cust_id":"c3","_deleted":true}`)
	expect(t, "new deleted", joined(t, s, "orders", custID, `"c3"`), "o1:7")

	// Two versions of one _id in one batch: only the last one is indexed.
	mustWrite(t, s, "orders", WriteOptions{},
		`{"_id":"o2","cust_id":"c4","v":1}`,
		`{"_id":"o2","cust_id":"c5","v":2}`,
		`{"_id":"o3","cust_id":"c4","v":1}`,
		`{"_id":"o3","cust_id":"c4","v":1,"_deleted":true}`)
	expect(t, "batch c4", joined(t, s, "orders", custID, `"c4"`), "")
	expect(t, "batch c5", joined(t, s, "orders", custID, `"c5"`), "o2:2")
}

func TestJoinIndexFollowsFullRunSweep(t *testing.T) {
	s, _ := openTemp(t)
	ensure(t, s, "orders", "cust_id")
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c1"}`, `{"_id":"o2","cust_id":"c1"}`)
	gen, err := s.BeginFullRun("orders")
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, s, "orders", WriteOptions{FullRun: gen}, `{"_id":"o2","cust_id":"c1"}`)
	if n, err := s.DeleteUnseen("orders", gen, nil); err != nil || n != 1 {
		t.Fatalf("DeleteUnseen = %d, %v", n, err)
	}
	expect(t, "after sweep", joined(t, s, "orders", custID, `"c1"`), "o2")
}

func TestJoinListValues(t *testing.T) {
	s, _ := openTemp(t)
	tags := []string{"tags"}
	ensure(t, s, "d", "tags")
	mustWrite(t, s, "d", WriteOptions{},
		`{"_id":"e1","tags":["a","b",1,null,{"x":"a"},["c"],true]}`,
		`{"_id":"e2","tags":"a"}`,
		`{"_id":"e3","tags":["b","b","b"]}`,
		`{"_id":"e4","tags":[]}`,
		`{"_id":"e5","tags":[["a"]]}`)
	expect(t, "a", joined(t, s, "d", tags, `"a"`), "e1,e2")
	expect(t, "b", joined(t, s, "d", tags, `"b"`), "e1,e3")
	expect(t, "1", joined(t, s, "d", tags, `1`), "e1")
	expect(t, "true", joined(t, s, "d", tags, `true`), "e1")
	expect(t, "false", joined(t, s, "d", tags, `false`), "")
	// Nested lists and objects have no key.
	expect(t, "c", joined(t, s, "d", tags, `"c"`), "")
	// An entity matching several keys (or one key several times) comes once.
	expect(t, "a,b", joined(t, s, "d", tags, `"a"`, `"b"`), "e1,e2,e3")
	expect(t, "b,a,b", joined(t, s, "d", tags, `"b"`, `"a"`, `"b"`), "e1,e2,e3")

	// Dropping one element of the list unindexes only that element.
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"e1","tags":["b"]}`)
	expect(t, "a after", joined(t, s, "d", tags, `"a"`), "e2")
	expect(t, "b after", joined(t, s, "d", tags, `"b"`), "e1,e3")
	expect(t, "1 after", joined(t, s, "d", tags, `1`), "")
	// e3 had b three times; one update removes every one of them.
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"e3","tags":["z"]}`)
	expect(t, "b after e3 changed", joined(t, s, "d", tags, `"b"`), "e1")
}

func TestJoinNestedPaths(t *testing.T) {
	s, _ := openTemp(t)
	path := []string{"lines", "product_id"}
	mustWrite(t, s, "orders", WriteOptions{},
		`{"_id":"o1","lines":[{"product_id":"p1"},{"product_id":"p2"},{"qty":3},"p9",null]}`,
		`{"_id":"o2","lines":{"product_id":"p2"}}`,
		`{"_id":"o3","lines":[{"product_id":["p3","p4"]}]}`,
		`{"_id":"o4","lines":[[{"product_id":"p1"}]]}`,
		`{"_id":"o5","product_id":"p1"}`,
		`{"_id":"o6","lines":[{"product_id":{"id":"p1"}}]}`)
	ensure(t, s, "orders", path...)
	expect(t, "p1", joined(t, s, "orders", path, `"p1"`), "o1")
	expect(t, "p2", joined(t, s, "orders", path, `"p2"`), "o1,o2")
	expect(t, "p3", joined(t, s, "orders", path, `"p3"`), "o3")
	expect(t, "p4", joined(t, s, "orders", path, `"p4"`), "o3")
	expect(t, "p9", joined(t, s, "orders", path, `"p9"`), "")

	// Kept current through writes, too.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","lines":[{"product_id":"p2"}]}`, `{"_id":"o7","lines":[{"product_id":"p1"}]}`)
	expect(t, "p1 after", joined(t, s, "orders", path, `"p1"`), "o7")
	expect(t, "p2 after", joined(t, s, "orders", path, `"p2"`), "o1,o2")

	// Property names with gjson's special characters are taken literally.
	odd := []string{"a.b", "c*"}
	mustWrite(t, s, "odd", WriteOptions{}, `{"_id":"x","a.b":{"c*":"k"}}`, `{"_id":"y","a":{"b":{"c*":"k"}}}`)
	ensure(t, s, "odd", odd...)
	expect(t, "odd path", joined(t, s, "odd", odd, `"k"`), "x")
}

func TestJoinNumbersAndTypes(t *testing.T) {
	s, _ := openTemp(t)
	ensure(t, s, "d", "n")
	n := []string{"n"}
	mustWrite(t, s, "d", WriteOptions{},
		`{"_id":"int","n":1}`,
		`{"_id":"float","n":1.0}`,
		`{"_id":"exp","n":1e0}`,
		`{"_id":"exp2","n":10E-1}`,
		`{"_id":"str","n":"1"}`,
		`{"_id":"bool","n":true}`,
		`{"_id":"two","n":2}`,
		`{"_id":"half","n":0.5}`,
		`{"_id":"half2","n":5e-1}`,
		`{"_id":"negzero","n":-0}`,
		`{"_id":"negzerof","n":-0.0}`,
		`{"_id":"zero","n":0.0}`,
		`{"_id":"minus","n":-1.0}`,
		`{"_id":"minusint","n":-1}`)
	expect(t, "1", joined(t, s, "d", n, `1`), "exp,exp2,float,int")
	expect(t, "1.0", joined(t, s, "d", n, `1.0`), "exp,exp2,float,int")
	expect(t, `"1"`, joined(t, s, "d", n, `"1"`), "str")
	expect(t, "true", joined(t, s, "d", n, `true`), "bool")
	expect(t, "0.50", joined(t, s, "d", n, `0.50`), "half,half2")
	expect(t, "0", joined(t, s, "d", n, `0`), "negzero,negzerof,zero")
	expect(t, "-0.0", joined(t, s, "d", n, `-0.0`), "negzero,negzerof,zero")
	expect(t, "-1", joined(t, s, "d", n, `-1`), "minus,minusint")
	expect(t, "1 or 2", joined(t, s, "d", n, `2`, `1`), "exp,exp2,float,int,two")
}

func TestJoinOrderedByIDWithoutDuplicates(t *testing.T) {
	s, _ := openTemp(t)
	ensure(t, s, "d", "k")
	var docs []string
	// Written in an order unlike _id order; every one matches k1 and most k2.
	for _, id := range []string{"m", "b", "z", "a", "aa", "B", "0"} {
		docs = append(docs, fmt.Sprintf(`{"_id":%q,"k":["k1","k2"]}`, id))
	}
	docs = append(docs, `{"_id":"k","k":"k1"}`)
	mustWrite(t, s, "d", WriteOptions{}, docs...)
	expect(t, "k2,k1", joined(t, s, "d", []string{"k"}, `"k2"`, `"k1"`, `"k1"`), "0,B,a,aa,b,k,m,z")
}

func TestJoinErrorsAndMissing(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"a","k":"x"}`)
	if _, err := s.Join("d", []string{"k"}, []string{jk(t, `"x"`)}); err == nil || !strings.Contains(err.Error(), "no join index") {
		t.Fatalf("Join without an index: %v", err)
	}
	es, err := s.Join("nope", []string{"k"}, []string{jk(t, `"x"`)})
	if err != nil || len(es) != 0 {
		t.Fatalf("Join on a missing dataset = %q, %v", es, err)
	}
	if _, ok := s.Dataset("nope"); ok {
		t.Fatal("Join must not create the dataset")
	}
	if err := s.EnsureJoinIndex("d", nil); err == nil {
		t.Fatal("EnsureJoinIndex with an empty path must fail")
	}
	if err := s.EnsureJoinIndex("bad/name", []string{"k"}); err == nil {
		t.Fatal("EnsureJoinIndex must check the dataset name")
	}
	// An index on one path does not serve another.
	ensure(t, s, "d", "k")
	if _, err := s.Join("d", []string{"k", "x"}, nil); err == nil {
		t.Fatal("Join on a path without an index must fail")
	}
}

func TestJoinIndexSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c1"}`, `{"_id":"o2","cust_id":"c2"}`)
	ensure(t, s, "orders", "cust_id")
	ensure(t, s, "orders", "lines", "product_id")
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o3","cust_id":"c1","lines":[{"product_id":"p1"}]}`)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	info, _ := s.Dataset("orders")
	if fmt.Sprint(info.JoinIndexes) != "[[cust_id] [lines product_id]]" {
		t.Fatalf("JoinIndexes after reopen = %v", info.JoinIndexes)
	}
	expect(t, "c1 after reopen", joined(t, s, "orders", custID, `"c1"`), "o1,o3")
	expect(t, "p1 after reopen", joined(t, s, "orders", []string{"lines", "product_id"}, `"p1"`), "o3")

	// Writes after the reopen still keep both indexes current.
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c2","lines":[{"product_id":"p1"}]}`, `{"_id":"o3","_deleted":true}`)
	expect(t, "c1 after write", joined(t, s, "orders", custID, `"c1"`), "")
	expect(t, "c2 after write", joined(t, s, "orders", custID, `"c2"`), "o1,o2")
	expect(t, "p1 after write", joined(t, s, "orders", []string{"lines", "product_id"}, `"p1"`), "o1")
	// Ensuring an existing index after a reopen neither rebuilds nor adds one.
	ensure(t, s, "orders", "cust_id")
	if info, _ := s.Dataset("orders"); len(info.JoinIndexes) != 2 {
		t.Fatalf("JoinIndexes = %v", info.JoinIndexes)
	}
	expect(t, "c2 after ensure", joined(t, s, "orders", custID, `"c2"`), "o1,o2")
}

// DTL's eq finds numbers equal by value across int, float and decimal, and
// hops match when eq would; the index keys must agree, also past 2^53.
func TestJoinLargeNumbersMatchAcrossIntAndFloat(t *testing.T) {
	s, _ := openTemp(t)
	ensure(t, s, "d", "n")
	mustWrite(t, s, "d", WriteOptions{},
		`{"_id":"int","n":10000000000000000}`,
		`{"_id":"float","n":1e16}`,
		`{"_id":"pow53","n":9007199254740992}`,
		`{"_id":"pow53f","n":9007199254740992.0}`)
	expect(t, "1e16", joined(t, s, "d", []string{"n"}, `1e16`), "float,int")
	expect(t, "2^53", joined(t, s, "d", []string{"n"}, `9007199254740992`), "pow53,pow53f")
}

// Transit-encoded values key as the value they stand for, since DTL reads
// them so: "~f1.0" is the number 1 and a "~t" datetime is an instant,
// whatever its notation.
func TestJoinTransitValues(t *testing.T) {
	s, _ := openTemp(t)
	ensure(t, s, "d", "k")
	k := []string{"k"}
	mustWrite(t, s, "d", WriteOptions{},
		`{"_id":"dec","k":"~f1.0"}`,
		`{"_id":"int","k":1}`,
		`{"_id":"bigdec","k":"~f12345678901234567890"}`,
		`{"_id":"bigint","k":12345678901234567890}`,
		`{"_id":"bigdec2","k":"~f12345678901234567890.0"}`,
		`{"_id":"t1","k":"~t2020-01-01T01:00:00+01:00"}`,
		`{"_id":"t2","k":"~t2020-01-01T00:00:00.000Z"}`,
		`{"_id":"plain","k":"2020-01-01T00:00:00Z"}`)
	expect(t, "1", joined(t, s, "d", k, `1`), "dec,int")
	expect(t, "~f1", joined(t, s, "d", k, `"~f1"`), "dec,int")
	expect(t, "big", joined(t, s, "d", k, `12345678901234567890`), "bigdec,bigdec2,bigint")
	expect(t, "~t", joined(t, s, "d", k, `"~t2020-01-01T00:00:00Z"`), "t1,t2")
	expect(t, "plain string", joined(t, s, "d", k, `"2020-01-01T00:00:00Z"`), "plain")
}

// A long string at an indexed path must not make the write fail: Badger
// refuses keys over 65000 bytes, and the index key holds the whole value.
func TestJoinLongValue(t *testing.T) {
	s, _ := openTemp(t)
	ensure(t, s, "d", "k")
	long := strings.Repeat("x", 70000)
	if _, err := s.Write("d", ents(fmt.Sprintf(`{"_id":"a","k":%q}`, long)), WriteOptions{}); err != nil {
		msg := err.Error()
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		t.Fatalf("writing an entity with a 70000-byte indexed value: %s", msg)
	}
	expect(t, "long", joined(t, s, "d", []string{"k"}, fmt.Sprintf("%q", long)), "a")
}

// TestJoinIndexBuildStartsOverAfterCrash leaves keys of an index that a
// crashed build wrote but never recorded; the next build must not trust them.
func TestJoinIndexBuildStartsOverAfterCrash(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "orders", WriteOptions{}, `{"_id":"o1","cust_id":"c1"}`)
	d, err := s.lookup("orders", false)
	if err != nil {
		t.Fatal(err)
	}
	stale := append(joinKeyPrefix(d.num, 0, jk(t, `"c9"`)), "o1"...)
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(stale, nil) }); err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Dataset("orders"); len(info.JoinIndexes) != 0 {
		t.Fatalf("index recorded before any build: %v", info.JoinIndexes)
	}
	ensure(t, s, "orders", "cust_id")
	expect(t, "c9 (stale)", joined(t, s, "orders", custID, `"c9"`), "")
	expect(t, "c1", joined(t, s, "orders", custID, `"c1"`), "o1")
}

// TestJoinIndexOnStoredProperties indexes _updated, which the store writes
// itself: inserts, removals and builds must all see the stored form.
func TestJoinIndexOnStoredProperties(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"a","v":1}`)
	ensure(t, s, "d", "_updated")
	expect(t, "built", joined(t, s, "d", []string{"_updated"}, `0`), "a:1")
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"a","v":2}`, `{"_id":"b","v":3,"_updated":99}`)
	expect(t, "old offset", joined(t, s, "d", []string{"_updated"}, `0`), "")
	expect(t, "new offset", joined(t, s, "d", []string{"_updated"}, `1`), "a:2")
	expect(t, "given _updated is replaced", joined(t, s, "d", []string{"_updated"}, `99`), "")
	expect(t, "b", joined(t, s, "d", []string{"_updated"}, `2`), "b:3")
}
