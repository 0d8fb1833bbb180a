package receiver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/httpjson"
	"github.com/sluice-sync/sluice/store"
	"github.com/tidwall/gjson"
)

// A CSV answer is pushed to the client as it is made, with a fresh write
// deadline each time (so a long download that keeps moving is not cut by
// the server's write timeout). A dataset is read a page at a time, each
// page in a read transaction of its own, so a slow client holds none open.
var (
	csvPage          = 1000 // a variable for the tests
	csvWriteDeadline = 30 * time.Second
)

// errEnough ends a pull once limit rows are written.
var errEnough = errors.New("enough rows")

// ServePublishCSV handles GET /api/publishers/{pipe}/csv and
// /api/publishers/{pipe}/csv/{filename} (Sesam's CSV publisher) for a pipe
// with a csv_endpoint sink: the pipe is read for the request, its source
// from since (a token the source understands, such as a dataset offset)
// through its transforms, and every entity it gives becomes a row, in
// order, at most limit of them (all by default). When the pipe's source is
// pushed (http_endpoint), the rows are the latest versions of the entities
// it received, after dataset offset since, with X-Dataset-Id,
// X-Dataset-Populated and X-Dataset-Entities as the JSON publisher sends.
// A filename at the end of the URL names the download.
func (rc *Receiver) ServePublishCSV(w http.ResponseWriter, r *http.Request) {
	eng, p, ok := rc.publishingPipe(w, r)
	if !ok {
		return
	}
	id := p.Config.ID
	var err error
	sink, ok := p.Sink.(component.CSVPublishedSink)
	if !ok {
		httpjson.Error(w, http.StatusNotFound, fmt.Sprintf("pipe %q does not publish CSV: its sink is of type %q, not \"csv_endpoint\"", id, p.Config.Sink.Type))
		return
	}
	q := r.URL.Query()
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
	out := &csvAnswer{w: w, rc: http.NewResponseController(w), sink: sink, filename: r.PathValue("filename")}
	if out.head, err = sink.AppendCSVHead(nil); err != nil {
		httpjson.Error(w, http.StatusInternalServerError, fmt.Sprintf("writing the header row: %v", err))
		return
	}
	if _, pushed := p.Source.(component.PushedSource); pushed {
		rc.serveCSVDataset(out, r, eng, id, limit)
		return
	}

	n := 0
	err = eng.Pull(r.Context(), id, q.Get("since"), func(es []entity.Entity) error {
		var buf []byte
		for _, e := range es {
			if n == limit {
				break
			}
			if (sink.SkipDeleted() && entity.Deleted(e)) || gjson.GetBytes(e, "_filtered").Type == gjson.True {
				continue
			}
			var err error
			if buf, err = sink.AppendCSVRow(buf, e); err != nil {
				id, _ := entity.ID(e)
				return fmt.Errorf("entity %q: %w", id, err)
			}
			n++
		}
		if len(buf) > 0 { // the status waits for the first row, so an early failure can still be answered
			if err := out.write(buf); err != nil {
				return err
			}
		}
		if n == limit {
			return errEnough
		}
		return nil
	})
	switch {
	case err == nil || errors.Is(err, errEnough):
		_ = out.write(nil) // the header row, when there were no rows
	case !out.started:
		status := http.StatusInternalServerError
		if errors.Is(err, engine.ErrClosed) {
			status = http.StatusServiceUnavailable
		}
		httpjson.Error(w, status, fmt.Sprintf("reading pipe %q: %v", id, eng.Config().Redact(err.Error())))
	case r.Context().Err() == nil:
		// The status is sent: all that is left is to cut the answer short,
		// which the client sees as a broken transfer.
		rc.log.Error("publishing CSV failed mid-answer", "pipe", id, "error", eng.Config().Redact(err.Error()))
		panic(http.ErrAbortHandler)
	}
}

// csvAnswer writes the headers, the file's head and then rows, sending
// the status with the first write.
type csvAnswer struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	sink     component.CSVPublishedSink
	filename string
	head     []byte
	started  bool
}

// write sends rows (the head first); nil sends just the head, once.
func (a *csvAnswer) write(rows []byte) error {
	if !a.started {
		h := a.w.Header()
		h.Set("Content-Type", a.sink.CSVContentType())
		h.Set("X-Content-Type-Options", "nosniff")
		if d := a.sink.CSVContentDisposition(a.filename); d != "" {
			h.Set("Content-Disposition", d)
		}
		a.w.WriteHeader(http.StatusOK)
		a.started = true
		rows = append(a.head, rows...)
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := a.w.Write(rows); err != nil {
		return err
	}
	if err := a.rc.SetWriteDeadline(time.Now().Add(csvWriteDeadline)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if err := a.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// serveCSVDataset serves the dataset a pushed source's entities went to:
// the latest version of each after offset since, in offset order.
func (rc *Receiver) serveCSVDataset(out *csvAnswer, r *http.Request, eng *engine.Engine, id string, limit int) {
	var from uint64
	if s := r.URL.Query().Get("since"); s != "" {
		since, err := strconv.ParseInt(s, 10, 64)
		if err != nil || since < 0 {
			httpjson.Error(out.w, http.StatusBadRequest, fmt.Sprintf("since must be a dataset offset (an integer of 0 or more), not %q", s))
			return
		}
		from = uint64(since) + 1
	}
	ds := out.sink.Dataset()
	st := eng.Store()
	info, exists := st.Dataset(ds)
	// The first page is read before the status is sent, so that a dataset
	// that cannot be read is answered 500 rather than cut short.
	buf, next, n, err := csvRows(st, ds, out.sink, nil, from, pageLimit(limit, 0), exists)
	if err != nil {
		httpjson.Error(out.w, http.StatusInternalServerError, eng.Config().Redact(err.Error()))
		return
	}
	h := out.w.Header()
	h.Set("X-Dataset-Id", ds)
	h.Set("X-Dataset-Populated", strconv.FormatBool(exists && info.Populated))
	h.Set("X-Dataset-Entities", strconv.FormatInt(info.Entities, 10))
	sent := 0
	for {
		if err := out.write(buf); err != nil {
			return // the client went away
		}
		sent += n
		if next == 0 || (limit > 0 && sent >= limit) || r.Context().Err() != nil {
			return
		}
		buf, next, n, err = csvRows(st, ds, out.sink, buf[:0], next, pageLimit(limit, sent), true)
		if err != nil {
			rc.log.Error("publishing CSV failed mid-answer", "pipe", id, "error", eng.Config().Redact(err.Error()))
			panic(http.ErrAbortHandler)
		}
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
