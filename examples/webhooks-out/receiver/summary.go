package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// maxListed is how many records a summary names before "+N more".
const maxListed = 10

// summarize describes a request body in a few words:
//
//   - a JSON array of records {"_message_id", "_sync_mode", "payload": {..., "_meta": {"row_num", "sync_op"}}}
//     (or "_valmi_meta" with "_valmi_row_num"/"_valmi_sync_op"): "3 records: upsert ada, delete bob, ..."
//   - {"type": T, "data": [records]}: "type=T 3 records: ..."
//   - a run notification {"type": "pipe.completed"|"pipe.failed", "data": {...}}: see summarizeRun
//   - a GET: the record flattened into the query: "1 record: upsert ada"
func summarize(method string, u *url.URL, body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		if method == "GET" && len(u.Query()) > 0 {
			return summarizeQuery(u.Query())
		}
		return "(empty body)"
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Sprintf("%d bytes, not JSON: %s", len(body), excerpt(string(body)))
	}
	switch v := v.(type) {
	case []any:
		return summarizeRecords(v)
	case map[string]any:
		typ, _ := v["type"].(string)
		switch data := v["data"].(type) {
		case []any:
			return fmt.Sprintf("type=%s %s", typ, summarizeRecords(data))
		case map[string]any:
			if typ == "pipe.completed" || typ == "pipe.failed" {
				test, _ := v["test"].(bool)
				return summarizeRun(typ, test, data)
			}
			return fmt.Sprintf("type=%s data: %s", typ, excerpt(compact(body)))
		}
		if typ != "" {
			return fmt.Sprintf("type=%s %s", typ, excerpt(compact(body)))
		}
	}
	return excerpt(compact(body))
}

// summarizeRecords lists each record's op and payload _id.
func summarizeRecords(recs []any) string {
	noun := "records"
	if len(recs) == 1 {
		noun = "record"
	}
	var parts []string
	for i, r := range recs {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("... +%d more", len(recs)-maxListed))
			break
		}
		op, id := recordOpID(r)
		parts = append(parts, op+" "+id)
	}
	if len(parts) == 0 {
		return "0 records"
	}
	return fmt.Sprintf("%d %s: %s", len(recs), noun, strings.Join(parts, ", "))
}

// recordOpID reads a record's op (from the payload's _meta or _valmi_meta,
// else its _sync_mode) and the payload's _id.
func recordOpID(r any) (op, id string) {
	rec, _ := r.(map[string]any)
	payload, ok := rec["payload"].(map[string]any)
	if !ok {
		payload = rec
	}
	op = "?"
	for _, m := range []map[string]any{payload, rec} {
		if meta, ok := m["_meta"].(map[string]any); ok {
			if s, ok := meta["sync_op"].(string); ok {
				op = s
				break
			}
		}
		if meta, ok := m["_valmi_meta"].(map[string]any); ok {
			if s, ok := meta["_valmi_sync_op"].(string); ok {
				op = s
				break
			}
		}
	}
	if s, ok := rec["_sync_mode"].(string); ok && op == "?" {
		op = s
	}
	return op, scalar(payload["_id"])
}

// summarizeQuery reads a GET record flattened into query parameters
// (_valmi_meta__valmi_sync_op or _meta_sync_op, and _id).
func summarizeQuery(q url.Values) string {
	op := "?"
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasSuffix(k, "sync_op") {
			op = q.Get(k)
			break
		}
	}
	if op == "?" && q.Has("_sync_mode") {
		op = q.Get("_sync_mode")
	}
	id := "?"
	for _, k := range []string{"_id", "payload__id"} {
		if q.Has(k) {
			id = q.Get(k)
			break
		}
	}
	return fmt.Sprintf("1 record: %s %s", op, id)
}

// summarizeRun describes a run notification, whose body is
//
//	{"type": "pipe.completed"|"pipe.failed", "timestamp", "test" (only in a test event),
//	 "data": {"pipe", "status", "full", "counts": {"read", "written", "deleted"},
//	          "offsets": {"start", "end"}, "started", "ended", "duration_ms", "error" (when failed)}}
//
// as "pipe.completed pipe=P status=S full=F read=R written=W deleted=D
// offsets=START..END duration_ms=N", then error="..." if there is one. A
// field that is missing shows as "?".
func summarizeRun(typ string, test bool, data map[string]any) string {
	parts := []string{typ}
	if test {
		parts = append(parts, "test")
	}
	counts, _ := data["counts"].(map[string]any)
	offsets, _ := data["offsets"].(map[string]any)
	parts = append(parts,
		"pipe="+field(data, "pipe"),
		"status="+field(data, "status"),
		"full="+field(data, "full"),
		"read="+field(counts, "read"),
		"written="+field(counts, "written"),
		"deleted="+field(counts, "deleted"),
		"offsets="+field(offsets, "start")+".."+field(offsets, "end"),
		"duration_ms="+field(data, "duration_ms"))
	if e, ok := data["error"].(string); ok && e != "" {
		parts = append(parts, fmt.Sprintf("error=%q", e))
	}
	return strings.Join(parts, " ")
}

// field shows m[k] briefly: "?" when it is missing, "null" for null.
func field(m map[string]any, k string) string {
	v, ok := m[k]
	switch {
	case !ok:
		return "?"
	case v == nil:
		return "null"
	}
	return scalar(v)
}

// rawText is what -json prints: the body as one line of JSON (a GET's
// query as a JSON object).
func rawText(method string, u *url.URL, body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		if method == "GET" {
			q := map[string]string{}
			for k, v := range u.Query() {
				q[k] = strings.Join(v, ",")
			}
			b, _ := json.Marshal(q)
			return string(b)
		}
		return "(empty body)"
	}
	return compact(body)
}

// compact removes insignificant whitespace from JSON (anything else is
// returned with newlines escaped, so it stays on one line).
func compact(body []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, body); err == nil {
		return b.String()
	}
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(string(body))
}

func excerpt(s string) string {
	s = strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "..."
	}
	return s
}

// scalar shows a JSON value briefly: strings bare, the rest as JSON.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "?"
	case string:
		return v
	case json.Number:
		return v.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}
