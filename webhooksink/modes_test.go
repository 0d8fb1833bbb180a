package webhooksink_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
)

// modeRun writes three rounds of changes and returns the records each round
// sent, as "op:id".
func modeRun(t *testing.T, mode string) [][]string {
	t.Helper()
	rc := newReceiver(t)
	h := newHarness(t, sinkPipe(rc.URL, `"sync_mode": "`+mode+`", "batch_size": 10`))
	rounds := [][]string{
		{`{"_id":"a","v":1}`, `{"_id":"b","v":1}`},
		{`{"_id":"a","v":2}`, `{"_id":"b","_deleted":true}`, `{"_id":"c","v":1}`},
		{`{"_id":"b","v":3}`, `{"_id":"c","v":1}`},
	}
	var out [][]string
	before := 0
	for _, docs := range rounds {
		h.put("src", docs...)
		h.run("out", engine.RunOptions{})
		ops := ops(t, rc)
		out = append(out, ops[before:])
		before = len(ops)
	}
	return out
}

func TestSyncModes(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want [][]string
	}{
		{"upsert", [][]string{{"upsert:a", "upsert:b"}, {"upsert:a", "upsert:c"}, {"upsert:b"}}},
		{"append", [][]string{{"append:a", "append:b"}, {"append:a", "append:c"}, {"append:b"}}},
		// create never resends an entity the endpoint already has, even
		// after it was deleted and came back.
		{"create", [][]string{{"create:a", "create:b"}, {"create:c"}, nil}},
		// update takes the first version it sees as what the endpoint has,
		// and sends no deletions, so b's return is an update.
		{"update", [][]string{nil, {"update:a"}, {"update:b"}}},
		// mirror sends deletes first; b comes back after its deletion.
		{"mirror", [][]string{{"upsert:a", "upsert:b"}, {"delete:b", "upsert:a", "upsert:c"}, {"upsert:b"}}},
		{"delete", [][]string{nil, {"delete:b"}, nil}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			got := modeRun(t, tc.mode)
			for i := range tc.want {
				if !slices.Equal(got[i], tc.want[i]) {
					t.Errorf("round %d sent %v, want %v", i+1, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestValidAndInvalidStreams(t *testing.T) {
	all, valid, invalid := newReceiver(t), newReceiver(t), newReceiver(t)
	h := newHarness(t, sinkPipe(all.URL, `"sync_mode": "mirror", "batch_size": 10,
	  "check": {"schema": {"type": "object", "required": ["email"], "properties": {"email": {"type": "string", "pattern": "@"}}}},
	  "streams": {"valid": "`+valid.URL+`", "invalid": "`+invalid.URL+`"}`))
	h.put("src", `{"_id":"good","email":"a@b"}`, `{"_id":"bad","email":"nope"}`, `{"_id":"none"}`)
	h.run("out", engine.RunOptions{})
	if got := ops(t, all); len(got) != 3 {
		t.Errorf("all stream got %v", got)
	}
	if got := ops(t, valid); !slices.Equal(got, []string{"upsert:good"}) {
		t.Errorf("valid stream got %v", got)
	}
	if got := ops(t, invalid); !slices.Equal(got, []string{"upsert:bad", "upsert:none"}) {
		t.Errorf("invalid stream got %v", got)
	}
	recs := records(t, invalid)
	meta := recs[0]["payload"].(map[string]any)["_meta"].(map[string]any)
	if errs, _ := meta["errors"].([]any); len(errs) == 0 {
		t.Errorf("an invalid record carries no errors: %v", meta)
	}
	if got := invalid.Requests()[0].Body; !strings.Contains(got, `"type":"invalid"`) && !strings.HasPrefix(got, "[") {
		t.Errorf("body %s", got)
	}
	// Fixing an entity moves it: a delete on the invalid stream, an
	// upsert on the valid one.
	h.put("src", `{"_id":"bad","email":"fixed@b"}`)
	h.run("out", engine.RunOptions{})
	if got := ops(t, valid); !slices.Equal(got, []string{"upsert:good", "upsert:bad"}) {
		t.Errorf("valid stream got %v", got)
	}
	if got := ops(t, invalid); !slices.Equal(got, []string{"upsert:bad", "upsert:none", "delete:bad"}) {
		t.Errorf("invalid stream got %v", got)
	}
}

func TestDryRunShowsAndSendsNothing(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, sinkPipe(rc.URL, `"headers": {"X-Team": "data"}`))
	h.put("src", `{"_id":"a","v":1}`)
	var shown []string
	ctx := component.WithDryRun(context.Background(), func(s string) { shown = append(shown, s) })
	if _, err := h.eng.Run(ctx, "out", engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(rc.Requests()) != 0 {
		t.Fatal("a dry run sent a request")
	}
	if len(shown) != 1 || !strings.HasPrefix(shown[0], "POST "+rc.URL) || !strings.Contains(shown[0], "X-Team: data") || !strings.Contains(shown[0], `"_id":"a"`) {
		t.Errorf("shown %q", shown)
	}
	// Nothing was recorded: the real run sends it.
	h.run("out", engine.RunOptions{})
	if len(rc.Requests()) != 1 {
		t.Errorf("the real run sent %d requests", len(rc.Requests()))
	}
}
