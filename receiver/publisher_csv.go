package receiver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/httpjson"
	"github.com/sluice-sync/sluice/store"
)

// A CSV answer is read from the dataset a page at a time, each page in a
// read transaction of its own (so a slow client holds no transaction
// open), and pushed to the client after each page with a fresh write
// deadline (so a long download that keeps moving is not cut by the
// server's write timeout).
var (
	csvPage          = 1000 // a variable for the tests
	csvWriteDeadline = 30 * time.Second
)

// ServePublishCSV handles GET /api/publishers/{pipe}/csv and
// /api/publishers/{pipe}/csv/{filename} (Sesam's CSV publisher): the
// latest version of each entity of the pipe's csv_endpoint dataset after
// offset since, all of them unless limit is given, one row each in offset
// order, in the sink's format. A filename at the end of the URL names the
// download. Headers: X-Dataset-Id, X-Dataset-Populated and
// X-Dataset-Entities, as the JSON publisher's.
func (rc *Receiver) ServePublishCSV(w http.ResponseWriter, r *http.Request) {
	eng := rc.engine()
	if eng == nil {
		httpjson.Error(w, http.StatusServiceUnavailable, "the service is not ready: no config is loaded")
		return
	}
	id := r.PathValue("pipe")
	p, err := eng.Pipe(id)
	if err != nil {
		httpjson.Error(w, http.StatusNotFound, fmt.Sprintf("no pipe %q", id))
		return
	}
	sink, ok := p.Sink.(component.CSVPublishedSink)
	if !ok {
		httpjson.Error(w, http.StatusNotFound, fmt.Sprintf("pipe %q does not publish CSV: its sink is of type %q, not \"csv_endpoint\"", id, p.Config.Sink.Type))
		return
	}
	q := r.URL.Query()
	var from uint64
	if s := q.Get("since"); s != "" {
		since, err := strconv.ParseInt(s, 10, 64)
		if err != nil || since < 0 {
			httpjson.Error(w, http.StatusBadRequest, fmt.Sprintf("since must be a dataset offset (an integer of 0 or more), not %q", s))
			return
		}
		from = uint64(since) + 1
	}
	limit := -1 // all
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 {
			httpjson.Error(w, http.StatusBadRequest, fmt.Sprintf("limit must be a positive integer, not %q", s))
			return
		}
	}
	if q.Has("linked_excel_file") {
		httpjson.Error(w, http.StatusBadRequest, "linked_excel_file is not supported: sluice serves CSV only")
		return
	}

	ds := sink.Dataset()
	st := eng.Store()
	info, exists := st.Dataset(ds)
	head, err := sink.AppendCSVHead(nil)
	if err != nil {
		httpjson.Error(w, http.StatusInternalServerError, fmt.Sprintf("writing the header row: %v", err))
		return
	}
	// The first page is read before the status is sent, so that a dataset
	// that cannot be read is answered 500 rather than cut short.
	buf, next, n, err := csvRows(st, ds, sink, head, from, pageLimit(limit, 0), exists)
	if err != nil {
		httpjson.Error(w, http.StatusInternalServerError, eng.Config().Redact(err.Error()))
		return
	}
	h := w.Header()
	h.Set("Content-Type", sink.CSVContentType())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Dataset-Id", ds)
	h.Set("X-Dataset-Populated", strconv.FormatBool(exists && info.Populated))
	h.Set("X-Dataset-Entities", strconv.FormatInt(info.Entities, 10))
	if d := sink.CSVContentDisposition(r.PathValue("filename")); d != "" {
		h.Set("Content-Disposition", d)
	}
	w.WriteHeader(http.StatusOK)
	rw := http.NewResponseController(w)
	sent, read := 0, n
	for {
		if _, err := w.Write(buf); err != nil {
			return // the client went away
		}
		sent = read
		if next == 0 || (limit > 0 && sent >= limit) || r.Context().Err() != nil {
			return
		}
		if err := rw.SetWriteDeadline(time.Now().Add(csvWriteDeadline)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return
		}
		if err := rw.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return
		}
		buf, next, n, err = csvRows(st, ds, sink, buf[:0], next, pageLimit(limit, sent), true)
		if err != nil {
			// The status is sent: all that is left is to cut the answer
			// short, which the client sees as a broken transfer.
			rc.log.Error("publishing CSV failed mid-answer", "pipe", id, "error", eng.Config().Redact(err.Error()))
			panic(http.ErrAbortHandler)
		}
		read += n
	}
}

// pageLimit is how many entities the next page reads.
func pageLimit(limit, sent int) int {
	if limit < 0 {
		return csvPage
	}
	return min(csvPage, limit-sent)
}

// csvRows appends the rows of up to limit entities from offset from, and
// returns the offset to go on from (0 when the dataset has no more) and
// how many entities it read.
func csvRows(st *store.Store, ds string, sink component.CSVPublishedSink, buf []byte, from uint64, limit int, exists bool) ([]byte, uint64, int, error) {
	if !exists {
		return buf, 0, 0, nil
	}
	var last uint64
	n := 0
	err := st.Scan(ds, store.ReadOptions{From: from, Limit: limit, SkipDeleted: sink.SkipDeleted()}, func(offset uint64, e []byte) error {
		var err error
		if buf, err = sink.AppendCSVRow(buf, e); err != nil {
			return fmt.Errorf("the entity at offset %d: %w", offset, err)
		}
		last, n = offset, n+1
		return nil
	})
	if err != nil {
		return buf, 0, n, fmt.Errorf("reading dataset %q: %w", ds, err)
	}
	if n < limit {
		return buf, 0, n, nil
	}
	return buf, last + 1, n, nil
}
