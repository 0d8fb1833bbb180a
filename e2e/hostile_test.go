package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// hostilePipes: receivers without and with each kind of validation, one
// with a small body limit, one disabled in its config and one to be
// disabled through the API; a dataset pipe for the API cases, and a pipe
// whose run blocks on the endpoint at holdURL.
func hostilePipes(holdURL string) string {
	return `[
  {"_id": "open", "type": "pipe", "source": {"type": "http_endpoint"}},
  {"_id": "sw", "type": "pipe", "source": {"type": "http_endpoint",
    "validation": {"type": "standard-webhooks", "secret": "$SECRET(sw)", "tolerance_seconds": 300}}},
  {"_id": "gh", "type": "pipe", "source": {"type": "http_endpoint",
    "validation": {"type": "hmac", "header": "X-Hub-Signature-256", "prefix": "sha256=", "encoding": "hex", "secret": "$SECRET(gh)"}}},
  {"_id": "hdr", "type": "pipe", "source": {"type": "http_endpoint",
    "validation": {"type": "header", "header": "X-Token", "secret": "$SECRET(tok)"}}},
  {"_id": "small", "type": "pipe", "source": {"type": "http_endpoint", "max_body_bytes": 1024}},
  {"_id": "off", "type": "pipe", "source": {"type": "http_endpoint", "disabled": true}},
  {"_id": "paused", "type": "pipe", "source": {"type": "http_endpoint"}},
  {"_id": "copy", "type": "pipe", "pump": {"mode": "manual"},
   "source": {"type": "dataset", "dataset": "open"}},
  {"_id": "hold", "type": "system:rest", "url_pattern": "` + holdURL + `/%s",
   "operations": {"put": {"url": "e/{{ _id }}", "method": "PUT"}}},
  {"_id": "slow", "type": "pipe", "pump": {"mode": "manual"},
   "source": {"type": "embedded", "entities": [{"_id": "x"}]},
   "sink": {"type": "rest", "system": "hold", "operation": "put"}}
]`
}

// hostileCase is one request of the catalogue and the answer it must get.
type hostileCase struct {
	name string
	req  hreq
	// status is the answer's status; orStatus, when set, is also right.
	status, orStatus int
	// msg is a substring of the error message (not checked for 200).
	msg string
	// allow is the Allow header a 405 must carry, as a set ("GET, HEAD").
	allow string
	// check, when set, looks further at the answer.
	check func(t *testing.T, r hresp)
}

const (
	jsonCT   = "application/json"
	ndjsonCT = "application/x-ndjson"
	formCT   = "application/x-www-form-urlencoded"
)

// post is a request to a receiver.
func post(pipe, ctype, body string, header map[string]string) hreq {
	return hreq{method: "POST", path: "/api/receivers/" + pipe + "/entities", ctype: ctype, body: body, header: header}
}

// nested is an entity holding depth nested arrays.
func nested(depth int) string {
	return `{"_id": "deep", "x": ` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
}

// manyEntities is an array of n small entities.
func manyEntities(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"_id":"m%d"}`, i)
	}
	b.WriteString("]")
	return b.String()
}

// receiverCases are hostile requests to the receivers. None may write.
func receiverCases(now int64, accepted string, acceptedHeaders map[string]string) []hostileCase {
	open := func(body string) hreq { return post("open", jsonCT, body, nil) }
	nd := func(body string) hreq { return post("open", ndjsonCT, body, nil) }
	swBody := `{"_id": "s2"}`
	ghBody := `{"_id": "g2"}`
	otherKey := swSign("msg-2", now, swBody)
	otherKey["webhook-signature"] = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	multipart := "--xyz\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n{\"_id\": \"mp\"}\r\n--xyz--\r\n"
	return []hostileCase{
		// Malformed JSON.
		{name: "truncated array", req: open(`[{"_id": "t1", "n": 1`), status: 400, msg: "unexpected end of input"},
		{name: "truncated string", req: open(`{"_id": "t1`), status: 400, msg: "malformed JSON"},
		{name: "trailing object", req: open(`{"_id": "t1"} {"_id": "t2"}`), status: 400, msg: "after the top-level value"},
		{name: "trailing garbage after array", req: open(`[{"_id": "t1"}]x`), status: 400, msg: "after the top-level value"},
		{name: "bare number", req: open(`42`), status: 400, msg: "is a number"},
		{name: "bare string", req: open(`"t1"`), status: 400, msg: "is a string"},
		{name: "null", req: open(`null`), status: 400, msg: "null"},
		{name: "array of numbers", req: open(`[1, 2]`), status: 400, msg: "item 0 of the array"},
		{name: "object then string", req: open(`[{"_id": "t1"}, "t2"]`), status: 400, msg: "item 1 of the array"},
		{name: "array of arrays", req: open(`[[{"_id": "t1"}]]`), status: 400, msg: "an array, not an object"},
		{name: "not JSON", req: open(`<e id="t1"/>`), status: 400, msg: "malformed JSON"},
		{name: "single quotes", req: open(`{'_id': 't1'}`), status: 400, msg: "malformed JSON"},
		{name: "NaN", req: open(`{"_id": "t1", "n": NaN}`), status: 400, msg: "malformed JSON"},
		{name: "comment", req: open(`{"_id": "t1" /* c */}`), status: 400, msg: "malformed JSON"},
		{name: "trailing comma", req: open(`[{"_id": "t1"},]`), status: 400, msg: "malformed JSON"},

		// Duplicate keys.
		{name: "duplicate key", req: open(`{"_id": "d1", "a": 1, "a": 2}`), status: 400, msg: `duplicate key "a"`},
		{name: "duplicate _id", req: open(`{"_id": "d1", "_id": "d2"}`), status: 400, msg: `duplicate key "_id"`},
		{name: "duplicate nested key", req: open(`{"_id": "d1", "n": {"b": 1, "b": 2}}`), status: 400, msg: `duplicate key "b"`},
		{name: "duplicate key in an array item", req: open(`[{"_id": "d1", "l": [{"c": 1, "c": 1}]}]`), status: 400, msg: `duplicate key "c"`},
		{name: "duplicate key spelled with an escape", req: open(`{"_id": "d1", "a": 1, "\u0061": 2}`), status: 400, msg: `duplicate key "a"`},

		// Invalid UTF-8 and unpaired surrogates.
		{name: "invalid UTF-8 in a key", req: open("{\"_id\": \"u1\", \"k\xff\": 1}"), status: 400, msg: "UTF-8"},
		{name: "invalid UTF-8 in a value", req: open("{\"_id\": \"u1\", \"v\": \"\xc3\x28\"}"), status: 400, msg: "UTF-8"},
		{name: "invalid UTF-8 in the _id", req: open("{\"_id\": \"\xed\xa0\x80\"}"), status: 400, msg: "UTF-8"},
		{name: "unpaired surrogate escape", req: open(`{"_id": "u1", "v": "\ud800"}`), status: 400, msg: "malformed JSON"},

		// Deep nesting: refused, not a crash or a hang.
		// A 400 at once, whose message does not hold the pointer of all
		// 10,000 levels.
		{name: "100000 nested arrays in an entity", req: open(nested(100_000)), status: 400, msg: "depth"},
		{name: "100000 nested arrays as the body", req: open(strings.Repeat("[", 100_000)), status: 400, msg: "depth"},
		{name: "100000 nested objects", req: open(`{"_id": "deep", "x": ` + strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_001)), status: 400, msg: "depth"},

		// Empty bodies.
		{name: "empty body", req: open(""), status: 400, msg: "empty"},
		{name: "white space body", req: open(" \r\n\t "), status: 400, msg: "empty"},
		{name: "empty array", req: open(`[]`), status: 200},

		// NDJSON.
		{name: "NDJSON bad line", req: nd("{\"_id\": \"n1\"}\n{\"_id\": \n{\"_id\": \"n3\"}\n"), status: 400, msg: "line 2"},
		{name: "NDJSON line not an object", req: nd("{\"_id\": \"n1\"}\n[1]\n"), status: 400, msg: "line 2 is an array"},
		{name: "NDJSON two values on a line", req: nd("{\"_id\": \"n1\"} {\"_id\": \"n2\"}\n"), status: 400, msg: "more than one value"},
		// The sender needs the line, as for the syntax errors above.
		{name: "NDJSON line without _id", req: nd("{\"_id\": \"n1\"}\n\n{\"n\": 2}\n"), status: 400, msg: "line 3"},
		{name: "NDJSON invalid UTF-8", req: nd("{\"_id\": \"n1\"}\n{\"_id\": \"n\xff\"}\n"), status: 400, msg: "UTF-8"},
		{name: "NDJSON blank lines only", req: nd("\n\n  \n"), status: 400, msg: "empty"},
		{name: "NDJSON duplicate key", req: nd(`{"_id": "n1", "_id": "n2"}`), status: 400, msg: `duplicate key "_id"`},

		// Content types.
		{name: "no content type", req: post("open", "", `{"_id": "c1"}`, nil), status: 415, msg: "no Content-Type"},
		{name: "text/plain", req: post("open", "text/plain", `{"_id": "c1"}`, nil), status: 415, msg: "text/plain"},
		{name: "form", req: post("open", formCT, `_id=c1`, nil), status: 415, msg: formCT},
		{name: "multipart", req: post("open", "multipart/form-data; boundary=xyz", multipart, nil), status: 415, msg: "multipart/form-data"},
		{name: "malformed content type", req: post("open", "application/json; charset", `{"_id": "c1"}`, nil), status: 415, msg: "Content-Type"},
		{name: "content type list", req: post("open", "application/json, text/plain", `{"_id": "c1"}`, nil), status: 415, msg: "Content-Type"},
		{name: "content type of semicolons", req: post("open", ";;;", `{"_id": "c1"}`, nil), status: 415, msg: "Content-Type"},

		// Bodies over max_body_bytes (1024).
		{name: "over max_body_bytes", req: post("small", jsonCT, `{"_id": "big", "pad": "`+strings.Repeat("x", 2000)+`"}`, nil), status: 413, msg: "1024 bytes (max_body_bytes)"},
		{name: "over max_body_bytes chunked", req: hreq{method: "POST", path: "/api/receivers/small/entities", ctype: jsonCT, chunked: true,
			body: `{"_id": "big", "pad": "` + strings.Repeat("x", 2000) + `"}`}, status: 413, msg: "1024 bytes (max_body_bytes)"},

		// _id.
		{name: "no _id", req: open(`{"n": 1}`), status: 400, msg: "no _id"},
		{name: "item without _id", req: open(`[{"_id": "i1"}, {"n": 1}]`), status: 400, msg: "item 1"},
		{name: "number _id", req: open(`{"_id": 5}`), status: 400, msg: "_id must be a string"},
		{name: "null _id", req: open(`{"_id": null}`), status: 400, msg: "_id must be a string"},
		{name: "array _id", req: open(`{"_id": ["i1"]}`), status: 400, msg: "_id must be a string"},
		{name: "object _id", req: open(`{"_id": {"i": 1}}`), status: 400, msg: "_id must be a string"},
		{name: "empty _id", req: open(`{"_id": ""}`), status: 400, msg: "_id is empty"},
		{name: "70000-byte _id", req: open(`{"_id": "` + strings.Repeat("i", 70_000) + `"}`), status: 400, msg: "at most 8192 bytes"},
		{name: "8193-byte _id", req: open(`[{"_id": "i1"}, {"_id": "` + strings.Repeat("é", 4096) + `i"}]`), status: 400, msg: "at most 8192 bytes"},

		// Long input is not echoed back whole: an error names what is wrong
		// in a line, it does not return (or log) what the sender sent.
		// Huge input is not quoted back whole (nor logged).
		{name: "duplicate key 100 KB long", req: open(`{"_id": "e1", "` + strings.Repeat("k", 100_000) + `": 1, "` + strings.Repeat("k", 100_000) + `": 2}`), status: 400, msg: "duplicate key"},
		{name: "invalid UTF-8 under a 100 KB key", req: open(`{"_id": "e1", "` + strings.Repeat("k", 100_000) + "\": \"\xff\"}"), status: 400, msg: "UTF-8"},
		{name: "content type 30 KB long", req: post("open", "text/"+strings.Repeat("x", 30_000), `{"_id": "e1"}`, nil), status: 415, msg: "Content-Type"},

		// Too many entities for one request.
		{name: "150000 entities", req: open(manyEntities(150_000)), status: 413, msg: "per request", check: func(t *testing.T, r hresp) {
			if !regexp.MustCompile(`at most (about )?[0-9,]+ entities`).Match(r.body) {
				t.Errorf("the 413 does not say how many entities a request may hold: %s", r)
			}
		}},

		// Full-sync parameters.
		{name: "is_full without ids", req: hreq{method: "POST", path: "/api/receivers/open/entities?is_full=true", ctype: jsonCT, body: `{"_id": "f1"}`}, status: 400, msg: "sequence_id and request_id"},
		{name: "is_full not a boolean", req: hreq{method: "POST", path: "/api/receivers/open/entities?is_full=maybe", ctype: jsonCT, body: `{"_id": "f1"}`}, status: 400, msg: "true or false"},
		{name: "full sync not begun", req: hreq{method: "POST", path: "/api/receivers/open/entities?is_full=true&sequence_id=s1&request_id=r2&previous_request_id=r1", ctype: jsonCT, body: `{"_id": "f1"}`}, status: 409, msg: "no full sync"},
		// A whole full sync in one request would delete every entity it
		// does not hold: with a bad body it must not begin at all.
		{name: "one-request full sync with a bad body", req: hreq{method: "POST", path: "/api/receivers/open/entities?is_full=true&is_first=true&is_last=true&sequence_id=s2&request_id=r1", ctype: jsonCT, body: `[{"_id": "f1"}, {"n": 1}]`}, status: 400, msg: "item 1"},

		// Standard Webhooks.
		{name: "sw no headers", req: post("sw", jsonCT, swBody, nil), status: 401, msg: "missing Standard Webhooks headers"},
		{name: "sw no signature", req: post("sw", jsonCT, swBody, with(swSign("msg-2", now, swBody), "webhook-signature", "")), status: 401, msg: "missing Standard Webhooks headers"},
		{name: "sw wrong signature", req: post("sw", jsonCT, swBody, otherKey), status: 401, msg: "no webhook-signature entry matches"},
		{name: "sw signature of another body", req: post("sw", jsonCT, swBody, swSign("msg-2", now, `{"_id": "other"}`)), status: 401, msg: "no webhook-signature entry matches"},
		{name: "sw signature of another id", req: post("sw", jsonCT, swBody, with(swSign("msg-2", now, swBody), "webhook-id", "msg-3")), status: 401, msg: "no webhook-signature entry matches"},
		{name: "sw timestamp an hour old", req: post("sw", jsonCT, swBody, swSign("msg-2", now-3600, swBody)), status: 401, msg: "too old"},
		{name: "sw timestamp an hour ahead", req: post("sw", jsonCT, swBody, swSign("msg-2", now+3600, swBody)), status: 401, msg: "too far in the future"},
		{name: "sw timestamp not a number", req: post("sw", jsonCT, swBody, with(swSign("msg-2", now, swBody), "webhook-timestamp", "yesterday")), status: 401, msg: "not a Unix time"},
		{name: "sw timestamp in milliseconds", req: post("sw", jsonCT, swBody, swSign("msg-2", now*1000, swBody)), status: 401, msg: "too far in the future"},
		{name: "sw no v1 entry", req: post("sw", jsonCT, swBody, with(swSign("msg-2", now, swBody), "webhook-signature", "v2,abc")), status: 401, msg: `no "v1," entry`},
		{name: "sw signed but malformed", req: post("sw", jsonCT, `{"_id": `, swSign("msg-4", now, `{"_id": `)), status: 400, msg: "malformed JSON"},
		{name: "sw replay of the accepted message", req: post("sw", jsonCT, accepted, acceptedHeaders), status: 200},
		{name: "sw accepted id, another body", req: post("sw", jsonCT, swBody, swSign(acceptedHeaders["webhook-id"], now, swBody)), status: 200},

		// HMAC.
		{name: "hmac no header", req: post("gh", jsonCT, ghBody, nil), status: 401, msg: "missing signature header X-Hub-Signature-256"},
		{name: "hmac wrong prefix", req: post("gh", jsonCT, ghBody, map[string]string{"X-Hub-Signature-256": "sha1=00"}), status: 401, msg: `does not start with "sha256="`},
		{name: "hmac not hex", req: post("gh", jsonCT, ghBody, map[string]string{"X-Hub-Signature-256": "sha256=zz"}), status: 401, msg: "is not hex"},
		{name: "hmac empty signature", req: post("gh", jsonCT, ghBody, map[string]string{"X-Hub-Signature-256": "sha256="}), status: 401, msg: "X-Hub-Signature-256"},
		{name: "hmac signature of another body", req: post("gh", jsonCT, ghBody, ghSign(`{"_id": "other"}`)), status: 401, msg: "does not match the body"},

		// Shared-secret header.
		{name: "header missing", req: post("hdr", jsonCT, `{"_id": "h2"}`, nil), status: 401, msg: "missing header X-Token"},
		{name: "header wrong", req: post("hdr", jsonCT, `{"_id": "h2"}`, map[string]string{"X-Token": "guess"}), status: 401, msg: "does not hold the expected secret"},
		{name: "header a prefix of the secret", req: post("hdr", jsonCT, `{"_id": "h2"}`, map[string]string{"X-Token": hostileToken[:5]}), status: 401, msg: "does not hold the expected secret"},

		// Pipes that do not take entities.
		{name: "unknown pipe", req: post("nope", jsonCT, `{"_id": "p1"}`, nil), status: 404, msg: `no pipe "nope"`},
		{name: "pipe that is not a receiver", req: post("copy", jsonCT, `{"_id": "p1"}`, nil), status: 404, msg: "does not receive entities"},
		{name: "pipe disabled in its config", req: post("off", jsonCT, `{"_id": "p1"}`, nil), status: 503, msg: "disabled"},
		{name: "pipe disabled through the API", req: post("paused", jsonCT, `{"_id": "p1"}`, nil), status: 503, msg: "disabled"},

		// Routes.
		{name: "GET on the receiver route", req: hreq{method: "GET", path: "/api/receivers/open/entities"}, status: 405, msg: "not allowed", allow: "POST"},
		{name: "PUT on the receiver route", req: hreq{method: "PUT", path: "/api/receivers/open/entities", ctype: jsonCT, body: `{"_id": "p1"}`}, status: 405, msg: "not allowed", allow: "POST"},
		{name: "receiver route with more path", req: post("open/entities/x", jsonCT, `{"_id": "p1"}`, nil), status: 404, msg: "no route"},
	}
}

// apiCases are hostile requests to the management API.
func apiCases() []hostileCase {
	pump := func(pipe, ctype, body string) hreq {
		return hreq{method: "POST", path: "/api/pipes/" + pipe + "/pump", ctype: ctype, body: body}
	}
	get := func(path string) hreq { return hreq{method: "GET", path: path} }
	return []hostileCase{
		{name: "unknown route", req: get("/api/nope"), status: 404, msg: "no route"},
		{name: "root", req: get("/"), status: 404, msg: "no route"},
		{name: "unknown sub-route", req: get("/api/pipes/copy/nope"), status: 404, msg: "no route"},
		{name: "unknown pipe", req: get("/api/pipes/nope"), status: 404, msg: "nope"},
		{name: "DELETE a pipe", req: hreq{method: "DELETE", path: "/api/pipes/copy"}, status: 405, msg: "not allowed", allow: "GET, HEAD"},
		{name: "GET the pump", req: get("/api/pipes/copy/pump"), status: 405, msg: "not allowed", allow: "POST"},
		{name: "POST health", req: hreq{method: "POST", path: "/api/health"}, status: 405, msg: "not allowed", allow: "GET, HEAD"},
		{name: "PUT entities", req: hreq{method: "PUT", path: "/api/datasets/copy/entities", ctype: jsonCT, body: `[]`}, status: 405, msg: "not allowed", allow: "GET, HEAD"},
		{name: "POST datasets", req: hreq{method: "POST", path: "/api/datasets", ctype: jsonCT, body: `{}`}, status: 405, msg: "not allowed", allow: "GET, HEAD"},
		{name: "GET reload", req: get("/api/config/reload"), status: 405, msg: "not allowed", allow: "POST"},

		{name: "pump without operation", req: pump("copy", formCT, ""), status: 400, msg: `missing "operation"`},
		{name: "pump unknown operation", req: pump("copy", formCT, "operation=explode"), status: 400, msg: `unknown operation "explode"`},
		{name: "pump operation not a string", req: pump("copy", jsonCT, `{"operation": 5}`), status: 400, msg: `unknown operation "5"`},
		{name: "pump unknown pipe", req: pump("nope", formCT, "operation=start"), status: 404, msg: "nope"},
		{name: "pump malformed JSON", req: pump("copy", jsonCT, `{"operation": `), status: 400, msg: "not a JSON object"},
		{name: "pump JSON array", req: pump("copy", jsonCT, `["start"]`), status: 400, msg: "not a JSON object"},
		// A body with a second value after the first is malformed, as it is
		// for a receiver; acting on its first value would be a guess.
		// A body that is not exactly one object acts on nothing.
		{name: "pump JSON with a trailing value", req: pump("copy", jsonCT, `{"operation": "enable"} {"operation": "disable"}`), status: 400, msg: "JSON"},
		// Which of two "operation" members counts is a guess too.
		{name: "pump JSON duplicate key", req: pump("copy", jsonCT, `{"operation": "explode", "operation": "stop"}`), status: 400, msg: "duplicate"},
		{name: "pump malformed form", req: pump("copy", formCT, "operation=%zz"), status: 400, msg: "escape"},
		{name: "pump text/plain", req: pump("copy", "text/plain", "operation=start"), status: 400, orStatus: 415, msg: "text/plain"},
		// The offset of a dataset source is a dataset offset; a run would
		// fail on anything else.
		// A value that is not a dataset offset is refused, not stored.
		{name: "update-last-seen not a number", req: pump("copy", formCT, "operation=update-last-seen&last-seen=abc"), status: 400, msg: "offset"},
		{name: "update-last-seen negative", req: pump("copy", formCT, "operation=update-last-seen&last-seen=-3"), status: 400, msg: "offset"},
		// Clearing the offset takes an explicit empty last-seen (Sesam's
		// API); a request that forgot the parameter must not reset the pipe.
		{name: "update-last-seen without last-seen", req: pump("copy", formCT, "operation=update-last-seen"), status: 400, msg: "last-seen"},
		{name: "set-last-seen-to-end on a receiver", req: pump("open", formCT, "operation=set-last-seen-to-end"), status: 400, msg: "dataset source"},

		{name: "entities since not a number", req: get("/api/datasets/copy/entities?since=abc"), status: 400, msg: "since"},
		{name: "entities since negative", req: get("/api/datasets/copy/entities?since=-5"), status: 400, msg: "since"},
		{name: "entities since a fraction", req: get("/api/datasets/copy/entities?since=1.5"), status: 400, msg: "since"},
		{name: "entities limit zero", req: get("/api/datasets/copy/entities?limit=0"), status: 400, msg: "limit"},
		{name: "entities limit negative", req: get("/api/datasets/copy/entities?limit=-1"), status: 400, msg: "limit"},
		{name: "entities limit not a number", req: get("/api/datasets/copy/entities?limit=lots"), status: 400, msg: "limit"},
		{name: "entities limit above the maximum", req: get("/api/datasets/copy/entities?limit=100001"), status: 400, msg: "100000"},
		{name: "entities limit beyond int64", req: get("/api/datasets/copy/entities?limit=99999999999999999999"), status: 400, msg: "100000"},
		// Long input is not echoed back whole (see the receiver cases).
		// Huge input is not quoted back whole.
		{name: "unknown route 30 KB long", req: get("/api/" + strings.Repeat("n", 30_000)), status: 404, msg: "no route"},
		{name: "unknown dataset 30 KB long", req: get("/api/datasets/" + strings.Repeat("d", 30_000)), status: 404, msg: "no dataset"},
		{name: "since 30 KB long", req: get("/api/datasets/copy/entities?since=" + strings.Repeat("9", 30_000)), status: 400, msg: "since"},
		{name: "unknown operation 100 KB long", req: pump("copy", formCT, "operation="+strings.Repeat("o", 100_000)), status: 400, msg: "unknown operation"},
		{name: "entities of an unknown dataset", req: get("/api/datasets/nope/entities"), status: 404, msg: `no dataset "nope"`},
		{name: "unknown dataset", req: get("/api/datasets/nope"), status: 404, msg: `no dataset "nope"`},
		{name: "entity without entity_id", req: get("/api/datasets/copy/entity"), status: 400, msg: "entity_id"},
		{name: "unknown entity", req: get("/api/datasets/copy/entity?entity_id=nope"), status: 404, msg: "nope"},
	}
}

// runCase sends one case and checks its answer, and that no answer shows
// a secret.
func runCase(t *testing.T, base string, c hostileCase) {
	t.Helper()
	r := send(t, base, c.req)
	for _, s := range hostileSecret {
		if strings.Contains(string(r.body), s) {
			t.Errorf("the answer shows a secret: %s", r)
		}
	}
	if r.took > 10*time.Second {
		t.Errorf("the answer took %s", r.took)
	}
	switch {
	case c.status == 200:
		checkOK(t, r)
	case c.orStatus != 0 && r.status == c.orStatus:
		checkError(t, r, c.orStatus, c.msg)
	default:
		checkError(t, r, c.status, c.msg)
	}
	if c.allow != "" {
		got := strings.Split(strings.ReplaceAll(r.header.Get("Allow"), " ", ""), ",")
		want := strings.Split(strings.ReplaceAll(c.allow, " ", ""), ",")
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Allow %q, want %q", r.header.Get("Allow"), c.allow)
		}
	}
	if c.check != nil {
		c.check(t, r)
	}
}

// TestHostileInputs sends a catalogue of hostile requests to the real
// service and checks that each gets its precise refusal, and that none of
// them wrote anything or moved an offset: every receiver's dataset has
// exactly the versions the accepted control requests wrote. At the end the
// service still answers, and never panicked.
func TestHostileInputs(t *testing.T) {
	// The endpoint the "slow" pipe's run blocks on, until released.
	release := make(chan struct{})
	hold := testkit.NewReceiver(t, testkit.ReceiverOptions{Reply: testkit.Reply{Hold: release}})
	defer close(release) // before the test's cleanup closes hold, which waits for the handler

	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), hostilePipes(hold.URL))
	writeJSON(t, secrets, map[string]string{"sw": hostileSW, "gh": hostileGH, "tok": hostileToken})
	svc := startService(t, "--config", cfg, "--data", data, "--secrets", secrets, "--log-level", "info")
	base := svc.url

	// Control requests: accepted, and what every count below is measured from.
	now := time.Now().Unix()
	swBody := `{"_id": "s1"}`
	swHeaders := swSign("msg-1", now, swBody)
	for _, c := range []hostileCase{
		{name: "open", req: post("open", jsonCT, `[{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]`, nil), status: 200},
		{name: "open, an _id of 8192 bytes", req: post("open", jsonCT, `{"_id": "`+strings.Repeat("é", 4096)+`"}`, nil), status: 200},
		{name: "sw", req: post("sw", jsonCT, swBody, swHeaders), status: 200},
		{name: "gh", req: post("gh", jsonCT, `{"_id": "g1"}`, ghSign(`{"_id": "g1"}`)), status: 200},
		{name: "hdr", req: post("hdr", jsonCT, `{"_id": "h1"}`, map[string]string{"X-Token": hostileToken}), status: 200},
		{name: "small", req: post("small", ndjsonCT, "{\"_id\": \"k1\"}\n", nil), status: 200},
		{name: "disable paused", req: hreq{method: "POST", path: "/api/pipes/paused/pump", ctype: formCT, body: "operation=disable"}},
	} {
		r := send(t, base, c.req)
		if r.status != http.StatusOK || (c.status == 200 && strings.TrimSpace(string(r.body)) != "{}") {
			t.Fatalf("control %s: %s", c.name, r)
		}
	}
	r := send(t, base, hreq{method: "POST", path: "/api/pipes/copy/pump", ctype: formCT, body: "operation=start&wait=true"})
	var sum summary
	if r.status != http.StatusOK || json.Unmarshal(r.body, &sum) != nil || sum.Status != "completed" || sum.Written != 3 {
		t.Fatalf("control run of copy: %s", r)
	}
	want := map[string]uint64{"open": 3, "sw": 1, "gh": 1, "hdr": 1, "small": 1, "off": 0, "paused": 0, "copy": 3}
	for id, n := range want {
		if got := datasetVersions(t, base, id); got != n {
			t.Fatalf("after the control requests dataset %s has %d versions, want %d", id, got, n)
		}
	}
	offsets := pipeOffsets(t, base)
	if offsets["copy"] != `"2"` && offsets["copy"] != "2" {
		t.Fatalf("copy's offset after its run: %s", offsets["copy"])
	}

	t.Run("receivers", func(t *testing.T) {
		for _, c := range receiverCases(now, swBody, swHeaders) {
			t.Run(c.name, func(t *testing.T) { runCase(t, base, c) })
		}
	})
	t.Run("api", func(t *testing.T) {
		for _, c := range apiCases() {
			t.Run(c.name, func(t *testing.T) { runCase(t, base, c) })
		}
	})

	// A request head of 1 MB is refused by the server itself, before any
	// handler: 431 (the body is the server's plain text, not JSON).
	t.Run("1 MB header", func(t *testing.T) {
		head := "POST /api/receivers/open/entities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"X-Big: " + strings.Repeat("b", 1<<20) + "\r\nContent-Length: 13\r\n\r\n{\"_id\": \"z\"}\n"
		if status, line := rawHeadStatus(t, base, head); status != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("1 MB header: %q, want 431", line)
		}
	})

	// A second start while a run goes is refused; stop ends the run.
	t.Run("start while running", func(t *testing.T) {
		pump := func(body string) hreq {
			return hreq{method: "POST", path: "/api/pipes/slow/pump", ctype: formCT, body: body}
		}
		r := send(t, base, pump("operation=start"))
		if r.status != http.StatusAccepted || !strings.Contains(string(r.body), `"started":true`) {
			t.Fatalf("first start: %s", r)
		}
		if _, ok := hold.Await(10 * time.Second); !ok {
			t.Fatalf("the run never reached the endpoint\n%s", svc.stderr)
		}
		runCase(t, base, hostileCase{req: pump("operation=start"), status: 409, msg: "running"})
		runCase(t, base, hostileCase{req: pump("operation=start&wait=true"), status: 409, msg: "running"})
		runCase(t, base, hostileCase{req: pump("operation=update-last-seen&last-seen=0"), status: 409, msg: "running"})
		r = send(t, base, pump("operation=stop"))
		var stop struct {
			Stopped *bool `json:"stopped"`
		}
		if r.status != http.StatusOK || json.Unmarshal(r.body, &stop) != nil || stop.Stopped == nil || !*stop.Stopped {
			t.Fatalf("stop: %s", r)
		}
		deadline := time.Now().Add(10 * time.Second)
		for pipeRunning(t, base, "slow") {
			if time.Now().After(deadline) {
				t.Fatalf("the stopped run is still running\n%s", svc.stderr)
			}
			time.Sleep(20 * time.Millisecond)
		}
		r = send(t, base, pump("operation=stop"))
		if r.status != http.StatusOK || json.Unmarshal(r.body, &stop) != nil || stop.Stopped == nil || *stop.Stopped {
			t.Errorf("stop with nothing running: %s", r)
		}
	})

	// Nothing the hostile requests sent was written, no offset moved, and
	// no dataset appeared.
	for id, n := range want {
		if got := datasetVersions(t, base, id); got != n {
			t.Errorf("dataset %s has %d versions, want %d (the control requests' only)", id, got, n)
		}
	}
	r = send(t, base, hreq{method: "GET", path: "/api/datasets"})
	var list []struct {
		ID string `json:"_id"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &list) != nil {
		t.Fatalf("GET /api/datasets: %s", r)
	}
	for _, d := range list {
		if _, ok := want[d.ID]; !ok {
			t.Errorf("a dataset %q appeared", d.ID)
		}
	}
	if got := pipeOffsets(t, base); !mapsEqual(got, offsets) {
		t.Errorf("offsets moved: before %v, after %v", offsets, got)
	}

	// The service still answers at once, and is alive.
	r = send(t, base, hreq{method: "GET", path: "/api/health"})
	if r.status != http.StatusOK || r.took > 2*time.Second {
		t.Errorf("health after the catalogue: %s in %s", r, r.took)
	}
	select {
	case err := <-svc.done:
		svc.done <- err
		t.Fatalf("the service exited: %v\n%s", err, svc.stderr)
	default:
	}
	svc.stop(t)
	log := svc.stderr.String()
	if strings.Contains(log, "panic") {
		t.Errorf("the service panicked:\n%s", log)
	}
	for _, s := range hostileSecret {
		if strings.Contains(log, s) {
			t.Errorf("the log shows a secret:\n%s", log)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestHostileToken: with --token, management routes want the bearer token;
// health and the receivers (which check their own validation) do not.
func TestHostileToken(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), `[{"_id": "open", "type": "pipe", "source": {"type": "http_endpoint"}}]`)
	const token = "hostile-api-token"
	svc := startService(t, "--config", cfg, "--data", data, "--token", token)
	base := svc.url

	auth := func(v string) map[string]string { return map[string]string{"Authorization": v} }
	for _, c := range []hostileCase{
		{name: "no token", req: hreq{method: "GET", path: "/api/pipes"}},
		{name: "wrong token", req: hreq{method: "GET", path: "/api/pipes", header: auth("Bearer guess")}},
		{name: "token without Bearer", req: hreq{method: "GET", path: "/api/pipes", header: auth(token)}},
		{name: "token as Basic", req: hreq{method: "GET", path: "/api/pipes", header: auth("Basic " + token)}},
		{name: "empty Bearer", req: hreq{method: "GET", path: "/api/pipes", header: auth("Bearer ")}},
		{name: "token with a suffix", req: hreq{method: "GET", path: "/api/pipes", header: auth("Bearer " + token + "x")}},
		{name: "token in the query", req: hreq{method: "GET", path: "/api/pipes?token=" + token}},
		{name: "pump without token", req: hreq{method: "POST", path: "/api/pipes/open/pump", ctype: formCT, body: "operation=disable"}},
		{name: "entities without token", req: hreq{method: "GET", path: "/api/datasets/open/entities"}},
		{name: "metrics without token", req: hreq{method: "GET", path: "/metrics"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, base, c.req)
			checkError(t, r, http.StatusUnauthorized, "Authorization: Bearer")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("a 401 without WWW-Authenticate")
			}
			if strings.Contains(string(r.body), token) {
				t.Errorf("the answer shows the token: %s", r)
			}
		})
	}
	if r := send(t, base, hreq{method: "GET", path: "/api/pipes", header: auth("Bearer " + token)}); r.status != http.StatusOK {
		t.Errorf("with the token: %s", r)
	}
	if r := send(t, base, hreq{method: "GET", path: "/api/health"}); r.status != http.StatusOK {
		t.Errorf("health without the token: %s", r)
	}
	if r := send(t, base, post("open", jsonCT, `{"_id": "a"}`, nil)); r.status != http.StatusOK {
		t.Errorf("a receiver without the token: %s", r)
	}
	// The refused pump did not disable the pipe.
	r := send(t, base, hreq{method: "GET", path: "/api/pipes/open", header: auth("Bearer " + token)})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"disabled":false`) {
		t.Errorf("after a refused disable: %s", r)
	}
	svc.stop(t)
}
