package receiver

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/httpjson"
	"github.com/sluice-sync/sluice/store"
)

// Publisher paging limits.
const (
	DefaultPublishLimit = 1000
	MaxPublishLimit     = 100000
)

// ServePublish handles GET /api/publishers/{pipe}/entities (Sesam's JSON
// pull): the latest version of each entity of the pipe's http_endpoint
// sink dataset with an offset after since (deleted ones included unless
// deleted=false), at most limit of them, as a JSON array in offset order.
// Headers: X-Dataset-Id, X-Dataset-Last-Offset (the offset of the last
// entity returned, or since when none is; absent when neither exists),
// X-Dataset-Populated, X-Dataset-Entities (entities in the dataset,
// deleted included) and, once it has one, X-Dataset-Completeness.
func (rc *Receiver) ServePublish(w http.ResponseWriter, r *http.Request) {
	eng, p, ok := rc.publishingPipe(w, r)
	if !ok {
		return
	}
	id := p.Config.ID
	sink, ok := p.Sink.(component.PublishedSink)
	if !ok {
		httpjson.Error(w, http.StatusNotFound, fmt.Sprintf("pipe %q does not publish entities: its sink is of type %q, not \"http_endpoint\"", id, p.Config.Sink.Type))
		return
	}
	var err error
	q := r.URL.Query()
	since, hasSince := int64(-1), false
	if s := q.Get("since"); s != "" {
		if since, err = strconv.ParseInt(s, 10, 64); err != nil || since < 0 {
			httpjson.Error(w, http.StatusBadRequest, fmt.Sprintf("since must be a dataset offset (an integer of 0 or more), not %q", s))
			return
		}
		hasSince = true
	}
	limit := DefaultPublishLimit
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 {
			httpjson.Error(w, http.StatusBadRequest, fmt.Sprintf("limit must be a positive integer, not %q", s))
			return
		}
		limit = min(limit, MaxPublishLimit)
	}
	deleted := true
	if s := q.Get("deleted"); s != "" {
		if deleted, err = strconv.ParseBool(s); err != nil {
			httpjson.Error(w, http.StatusBadRequest, fmt.Sprintf("deleted must be true or false, not %q", s))
			return
		}
	}

	ds := sink.Dataset()
	st := eng.Store()
	info, exists := st.Dataset(ds)
	var body bytes.Buffer
	body.WriteByte('[')
	last, n := int64(-1), 0
	if exists {
		err = st.Scan(ds, store.ReadOptions{From: uint64(since + 1), Limit: limit, SkipDeleted: !deleted}, func(offset uint64, e []byte) error {
			if n > 0 {
				body.WriteString(",\n")
			}
			body.Write(e)
			n++
			last = int64(offset)
			return nil
		})
		if err != nil {
			httpjson.Error(w, http.StatusInternalServerError, fmt.Sprintf("reading dataset %q: %v", ds, eng.Config().Redact(err.Error())))
			return
		}
	}
	body.WriteString("]\n")

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Dataset-Id", ds)
	switch {
	case n > 0:
		h.Set("X-Dataset-Last-Offset", strconv.FormatInt(last, 10))
	case hasSince:
		h.Set("X-Dataset-Last-Offset", strconv.FormatInt(since, 10))
	}
	h.Set("X-Dataset-Populated", strconv.FormatBool(exists && info.Populated))
	h.Set("X-Dataset-Entities", strconv.FormatInt(info.Entities, 10))
	if info.Completeness != 0 {
		h.Set(CompletenessHeader, strconv.FormatInt(info.Completeness, 10))
	}
	if d := sink.ContentDisposition(); d != "" {
		h.Set("Content-Disposition", d)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
}

// publishingPipe finds the pipe a publisher request names, answering 503
// before a config is loaded and 404 for an unknown pipe.
func (rc *Receiver) publishingPipe(w http.ResponseWriter, r *http.Request) (*engine.Engine, *engine.Pipe, bool) {
	eng := rc.engine()
	if eng == nil {
		httpjson.Error(w, http.StatusServiceUnavailable, "the service is not ready: no config is loaded")
		return nil, nil, false
	}
	id := r.PathValue("pipe")
	p, err := eng.Pipe(id)
	if err != nil {
		httpjson.Error(w, http.StatusNotFound, fmt.Sprintf("no pipe %q", id))
		return nil, nil, false
	}
	return eng, p, true
}
