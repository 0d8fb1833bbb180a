package torture

import (
	"testing"
)

// hookFixture: two entities written in trial 1, the second updated in
// trial 2; the receiver took each version once under its own webhook-id.
func hookFixture() (*hookModel, []hookRequest) {
	m := newHookModel(2, false)
	m.ents[0].versions = []hookVersion{{v: 1, trial: 1}}
	m.ents[1].versions = []hookVersion{{v: 1, trial: 1}, {v: 2, trial: 2}}
	rec := func(i, v int) hookRecord {
		return hookRecord{id: m.ids[i], op: "upsert", payload: hookPayload(m.ids[i], v)}
	}
	reqs := []hookRequest{
		{seq: 0, trial: 1, webhookID: "msg_a", records: []hookRecord{rec(0, 1), rec(1, 1)}, accepted: false, fate: fate500},
		{seq: 1, trial: 1, webhookID: "msg_a", records: []hookRecord{rec(0, 1), rec(1, 1)}, accepted: true, fate: fateOK},
		{seq: 2, trial: 2, webhookID: "msg_b", records: []hookRecord{rec(1, 2)}, accepted: true, fate: fateDropAfter},
		{seq: 3, trial: 2, webhookID: "msg_b", records: []hookRecord{rec(1, 2)}, accepted: true, fate: fateOK},
	}
	return m, reqs
}

func runHookCheck(m *hookModel, reqs []hookRequest, problems []string) []string {
	report, got := collect()
	c := newHookCheck()
	var upTo1 []hookRequest
	for _, r := range reqs {
		if r.trial == 1 {
			upTo1 = append(upTo1, r)
		}
	}
	// Trial 1 is checked with the model as it was then.
	saved := m.ents[1].versions
	m.ents[1].versions = saved[:1]
	c.check(m, upTo1, nil, 1, report)
	m.ents[1].versions = saved
	c.check(m, reqs, problems, 2, report)
	return *got
}

func TestHookCheckAcceptsResendsUnderTheSameID(t *testing.T) {
	m, reqs := hookFixture()
	if got := runHookCheck(m, reqs, nil); len(got) != 0 {
		t.Fatalf("want no violations, got %q", got)
	}
}

func TestHookCheckFindsViolations(t *testing.T) {
	cases := map[string]struct {
		mutate func(m *hookModel, reqs []hookRequest) []hookRequest
		want   string
	}{
		"re-sent under another id": {
			func(_ *hookModel, reqs []hookRequest) []hookRequest {
				reqs[3].webhookID = "msg_c"
				return reqs
			},
			"was re-sent under webhook-id msg_c, first under msg_b",
		},
		"an id reused for other records": {
			// A receiver de-duplicating on msg_a drops version 2.
			func(_ *hookModel, reqs []hookRequest) []hookRequest {
				for i := 2; i < 4; i++ {
					reqs[i].webhookID = "msg_a"
				}
				return reqs
			},
			"came with other records than before",
		},
		"version never delivered": {
			func(_ *hookModel, reqs []hookRequest) []hookRequest {
				reqs[2].accepted, reqs[3].accepted = false, false
				return reqs
			},
			"version 2 (deleted false), written in this trial, never reached the receiver",
		},
		"last delivered is stale": {
			// Version 2 arrives, then version 1 again under a new id.
			func(m *hookModel, reqs []hookRequest) []hookRequest {
				old := hookRecord{id: m.ids[1], op: "upsert", payload: hookPayload(m.ids[1], 1)}
				return append(reqs, hookRequest{seq: 4, trial: 2, webhookID: "msg_old", records: []hookRecord{old}, accepted: true, fate: fateOK})
			},
			"is upsert",
		},
		"deleted but upserted last": {
			func(m *hookModel, reqs []hookRequest) []hookRequest {
				m.mirror = true
				m.ents[1].versions[1].deleted = true
				del := hookRecord{id: m.ids[1], op: "delete", payload: `{"_id":"` + m.ids[1] + `"}`}
				reqs[2].records, reqs[3].records = []hookRecord{del}, []hookRecord{del}
				up := hookRecord{id: m.ids[1], op: "upsert", payload: hookPayload(m.ids[1], 2)}
				return append(reqs, hookRequest{seq: 4, trial: 2, webhookID: "msg_up", records: []hookRecord{up}, accepted: true, fate: fateOK})
			},
			"is deleted (version 2), but the last record delivered for it is upsert",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, reqs := hookFixture()
			reqs = tc.mutate(m, reqs)
			if got := runHookCheck(m, reqs, nil); !containsAny(got, tc.want) {
				t.Fatalf("want a violation with %q, got %q", tc.want, got)
			}
		})
	}
}

func TestHookCheckReportsReceiverProblemsOnce(t *testing.T) {
	m, reqs := hookFixture()
	got := runHookCheck(m, reqs, []string{"request msg_x: the signature does not verify"})
	if len(got) != 1 || !containsAny(got, "does not verify") {
		t.Fatalf("got %q", got)
	}
}

func TestParseHookBody(t *testing.T) {
	array := `[{"_message_id":1,"_sync_mode":"mirror","payload":{"_id":"a","v":1,"x":{"b":1,"a":2},"_meta":{"row_num":1,"sync_op":"upsert"}}},
	          {"_message_id":2,"_sync_mode":"mirror","payload":{"_id":"b","_meta":{"row_num":2,"sync_op":"delete"}}}]`
	recs, err := parseHookBody([]byte(array))
	if err != nil {
		t.Fatal(err)
	}
	want := []hookRecord{{"a", "upsert", `{"_id":"a","v":1,"x":{"a":2,"b":1}}`}, {"b", "delete", `{"_id":"b"}`}}
	if len(recs) != 2 || recs[0] != want[0] || recs[1] != want[1] {
		t.Fatalf("got %+v", recs)
	}
	one, err := parseHookBody([]byte(`{"_message_id":3,"_sync_mode":"upsert","payload":{"_id":"c","_meta":{"row_num":1,"sync_op":"upsert"}}}`))
	if err != nil || len(one) != 1 || one[0].id != "c" {
		t.Fatalf("a single record: %+v %v", one, err)
	}
	for _, bad := range []string{`[]`, `[{"payload":{"_id":"a"}}]`, `[{"_message_id":1,"payload":{"_id":"a","_meta":{}}}]`, `[{"_message_id":1,"payload":{"_meta":{"sync_op":"upsert"}}}]`, `nope`} {
		if _, err := parseHookBody([]byte(bad)); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestHookPayloadMatchesWhatAnImportSends(t *testing.T) {
	// The sink sends the entity's properties but the reserved ones; the
	// expected payload is built the same way the receiver canonicalises.
	recs, err := parseHookBody([]byte(`[{"_message_id":1,"_sync_mode":"upsert","payload":{"name":"name of w0001, version 3","_id":"w0001","attrs":{"list":[3,"x"],"double":6},"v":3,"_meta":{"row_num":1,"sync_op":"upsert"}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].payload != hookPayload("w0001", 3) {
		t.Fatalf("got %s, want %s", recs[0].payload, hookPayload("w0001", 3))
	}
}

// Deleting an entity already deleted sends nothing: the payload of a
// deletion is its _id alone, so nothing changed for the endpoint.
func TestHookCheckDeletionOfDeleted(t *testing.T) {
	m := newHookModel(1, true)
	up := hookRecord{id: m.ids[0], op: "upsert", payload: hookPayload(m.ids[0], 1)}
	del := hookRecord{id: m.ids[0], op: "delete", payload: `{"_id":"w0000"}`}
	reqs := []hookRequest{
		{seq: 0, trial: 1, webhookID: "msg_a", records: []hookRecord{up}, accepted: true, fate: fateOK},
		{seq: 1, trial: 2, webhookID: "msg_b", records: []hookRecord{del}, accepted: true, fate: fateOK},
	}
	report, got := collect()
	c := newHookCheck()
	for i, v := range []hookVersion{{v: 1, trial: 1}, {v: 2, deleted: true, trial: 2}, {v: 3, deleted: true, trial: 3}} {
		m.ents[0].versions = append(m.ents[0].versions, v)
		c.check(m, reqs[:min(i+1, len(reqs))], nil, v.trial, report)
	}
	if len(*got) != 0 {
		t.Fatalf("want no violations, got %q", *got)
	}
	// A deletion after an upsert must arrive.
	m.ents[0].versions = append(m.ents[0].versions, hookVersion{v: 4, trial: 4}, hookVersion{v: 5, deleted: true, trial: 5})
	c.check(m, reqs, nil, 5, report)
	if !containsAny(*got, "w0000 version 5 (deleted true), written in this trial, never reached the receiver") {
		t.Fatalf("got %q", *got)
	}
}
