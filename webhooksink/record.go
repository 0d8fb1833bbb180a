package webhooksink

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/entity"
)

// record is one entity on its way out: what it is, what the endpoint had
// before (prev: the version and message last delivered, or ""), and the op
// it goes with.
type record struct {
	id      string
	hash    string // hex payload hash; "deleted" for a deletion
	sum     uint64 // the payload hash, unless a deletion
	prev    string
	op      string
	fields  []byte   // the payload's members
	reasons []string // why the check found it invalid
	msgID   int64
	row     int64
	json    []byte // the encoded record, once numbered
}

// appendRecord writes the record valmi.io sends:
//
//	{"_message_id": 346, "_sync_mode": "upsert",
//	 "payload": {...fields..., "_meta": {"row_num": 347, "sync_op": "upsert"}}}
//
// With valmi_compat the meta is "_valmi_meta" {"_valmi_row_num",
// "_valmi_sync_op"} and comes first, as valmi builds it.
func (s *Sink) appendRecord(b []byte, r *record) []byte {
	b = append(b, `{"_message_id":`...)
	b = strconv.AppendInt(b, r.msgID, 10)
	b = append(b, `,"_sync_mode":`...)
	b = strconv.AppendQuote(b, s.cfg.SyncMode)
	b = append(b, `,"payload":{`...)
	n := 0
	if s.cfg.ValmiCompat {
		b = s.appendMeta(b, r)
		n++
	}
	if len(r.fields) > 0 {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, r.fields...)
		n++
	}
	if !s.cfg.ValmiCompat {
		if n > 0 {
			b = append(b, ',')
		}
		b = s.appendMeta(b, r)
	}
	return append(b, "}}"...)
}

func (s *Sink) appendMeta(b []byte, r *record) []byte {
	meta, op, errs := `"_meta":{"row_num":`, `,"sync_op":`, `,"errors":`
	if s.cfg.ValmiCompat {
		meta, op, errs = `"_valmi_meta":{"_valmi_row_num":`, `,"_valmi_sync_op":`, `,"_valmi_errors":`
	}
	b = append(b, meta...)
	b = strconv.AppendInt(b, r.row, 10)
	b = append(b, op...)
	b = strconv.AppendQuote(b, r.op)
	if len(r.reasons) > 0 {
		b = append(b, errs...)
		b = append(b, '[')
		for i, why := range r.reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, why)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// payload reads an entity's _id and _deleted and writes its payload
// members to dst: the configured fields, or else every property but the
// reserved "_" ones (_id is kept).
func (s *Sink) payload(e entity.Entity, dst []byte) (item, error) {
	it := item{entity: e, valid: true}
	var idErr error
	n := 0
	member := func(quotedName, raw []byte) {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, quotedName...)
		dst = append(dst, ':')
		dst = append(dst, raw...)
	}
	mapped := len(s.cfg.Fields) > 0
	err := entity.EachMember(e, func(k, v []byte) error {
		name := k[1 : len(k)-1]
		if bytes.IndexByte(name, '\\') >= 0 { // an escaped name: decode it
			name = []byte(gjson.ParseBytes(k).Str)
		}
		switch {
		case string(name) == "_id":
			it.id, idErr = entity.IDOf(gjson.ParseBytes(v))
			if !mapped {
				member(k, v)
			}
		case string(name) == "_deleted", string(name) == "_filtered":
			// What a DTL filter drops is, for the endpoint, gone.
			it.deleted = it.deleted || string(v) == "true"
		case !mapped && (len(name) == 0 || name[0] != '_'):
			member(k, v)
		}
		return nil
	})
	if err != nil {
		return it, err
	}
	if it.id == "" && idErr == nil {
		idErr = errors.New("entity has no _id")
	}
	if idErr != nil {
		return it, idErr
	}
	if mapped {
		root := gjson.ParseBytes(e)
		for _, f := range s.cfg.Fields {
			v := root.Get(gjsonPath(f.Path))
			raw := "null"
			if v.Exists() {
				raw = v.Raw
			}
			member(appendJSONString(nil, f.Name), []byte(raw))
		}
	}
	it.fields = dst
	it.hash = xxhash.Sum64(dst)
	return it, nil
}

// gjsonPath turns a dotted property path into a gjson path, escaping the
// characters gjson treats specially.
func gjsonPath(p string) string {
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`*?|#@!\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func appendJSONString(b []byte, s string) []byte {
	// strconv.Quote escapes differently from JSON for some runes; use the
	// JSON rules: only quote, backslash and control characters.
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// body joins encoded records into one request body.
func body(format, stream string, recs []*record) []byte {
	if format == FormatRecord && len(recs) == 1 {
		return recs[0].json
	}
	size := 32
	for _, r := range recs {
		size += len(r.json) + 1
	}
	b := make([]byte, 0, size)
	if format == FormatObject {
		b = append(b, `{"type":`...)
		b = appendJSONString(b, stream)
		b = append(b, `,"data":`...)
	}
	b = append(b, '[')
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.json...)
	}
	b = append(b, ']')
	if format == FormatObject {
		b = append(b, '}')
	}
	return b
}

// query flattens a record into GET parameters, as valmi.io does: the
// payload's properties, nested keys joined with "_" and list items
// numbered, then _message_id and _sync_mode. Order is kept.
func query(rec []byte) string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	var flatten func(prefix string, v gjson.Result)
	flatten = func(prefix string, v gjson.Result) {
		join := func(k string) string {
			if prefix == "" {
				return k
			}
			return prefix + "_" + k
		}
		switch {
		case v.IsObject():
			v.ForEach(func(k, item gjson.Result) bool { flatten(join(k.String()), item); return true })
		case v.IsArray():
			i := 0
			v.ForEach(func(_, item gjson.Result) bool { flatten(join(strconv.Itoa(i)), item); i++; return true })
		case v.Type == gjson.String:
			add(prefix, v.String())
		case v.Type == gjson.Null:
			add(prefix, "")
		default:
			add(prefix, v.Raw)
		}
	}
	r := gjson.ParseBytes(rec)
	flatten("", r.Get("payload"))
	add("_message_id", r.Get("_message_id").Raw)
	add("_sync_mode", r.Get("_sync_mode").String())
	return b.String()
}

// messageID derives a webhook-id from what a message says: the pipe, the
// stream, and each record's id, previous and new version and op. A retry,
// a replay, or a re-send of the same batch after a crash gets the same id,
// so receivers can de-duplicate; a different change never does.
func messageID(pipe, stream string, recs []*record) string {
	h := sha256.New()
	for _, s := range []string{pipe, stream} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, r := range recs {
		for _, s := range []string{r.id, r.prev, r.hash, r.op} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	return "msg_" + hex.EncodeToString(h.Sum(nil)[:16])
}
