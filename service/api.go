package service

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/httpjson"
	"github.com/sluice-sync/sluice/store"
)

// Handler is the HTTP API (product.md): health, pipes and pump control,
// datasets, config reload and metrics. Receivers and publishers are
// mounted by Mount.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.managed(h)) }
	api("GET /api/pipes", s.listPipes)
	api("GET /api/pipes/{id}", s.getPipe)
	api("POST /api/pipes/{id}/pump", s.pump)
	api("GET /api/pipes/{id}/deliveries", s.listDeliveries)
	api("POST /api/pipes/{id}/deliveries/{webhook_id}/resend", s.resendDelivery)
	api("POST /api/pipes/{id}/deliveries/replay", s.replayDeliveries)
	api("POST /api/pipes/{id}/deliveries/enable", s.enableDeliveries)
	api("GET /api/datasets", s.listDatasets)
	api("GET /api/datasets/{id}", s.getDataset)
	api("GET /api/datasets/{id}/entities", s.datasetEntities)
	api("GET /api/datasets/{id}/entity", s.datasetEntity)
	api("POST /api/config/reload", s.reload)
	api("GET /api/destinations", s.listDestinations)
	api("POST /api/destinations/{id}/test", s.testDestination)
	mux.Handle("GET /metrics", s.managed(s.metrics.handler().ServeHTTP))
	for pattern, h := range s.mounts {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("/", unmatched(mux))
	return mux
}

// managed guards the management API with the bearer token, when one is set.
func (s *Service) managed(h http.HandlerFunc) http.Handler {
	if s.opts.Token == "" {
		return h
	}
	want := []byte("Bearer " + s.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sluice"`)
			writeError(w, http.StatusUnauthorized, errors.New("this API needs \"Authorization: Bearer <token>\""))
			return
		}
		h(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, err error) { httpjson.Error(w, status, err.Error()) }

// errorStatus maps engine errors to HTTP statuses.
func errorStatus(err error) int {
	switch {
	case errors.Is(err, engine.ErrUnknownPipe), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, engine.ErrRunning), errors.Is(err, engine.ErrDisabled):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// pipeInfo is a pipe's config (secrets redacted) with its runtime state.
type pipeInfo struct {
	ID      string          `json:"_id"`
	Config  json.RawMessage `json:"config"`
	Runtime pipeRuntime     `json:"runtime"`
}

type pipeRuntime struct {
	Running   bool            `json:"running"`
	Disabled  bool            `json:"disabled"`
	Offset    json.RawMessage `json:"offset"`
	LastRun   json.RawMessage `json:"last_run"`
	LastError string          `json:"last_error,omitempty"`
	Sink      string          `json:"sink_dataset,omitempty"`
	Entities  *int64          `json:"sink_entities,omitempty"`
}

func (s *Service) pipeInfo(id string) (pipeInfo, error) {
	eng := s.Engine()
	p, err := eng.Pipe(id)
	if err != nil {
		return pipeInfo{}, err
	}
	st, err := eng.PipeState(id)
	if err != nil {
		return pipeInfo{}, err
	}
	cfg := eng.Config()
	// Credentials are hidden by name, whatever their source, then any
	// secret value the config holds wherever else it appears.
	info := pipeInfo{ID: id, Config: json.RawMessage(cfg.Redact(string(p.Config.Node.RedactedJSON())))}
	info.Runtime.Running = s.scheduler().isRunning(id)
	info.Runtime.Disabled = st.Disabled
	info.Runtime.Offset = engine.OffsetJSON(st.LastSeen)
	info.Runtime.LastRun = json.RawMessage("null")
	if len(st.LastRun) > 0 {
		info.Runtime.LastRun = st.LastRun
		var last struct{ Error string }
		if json.Unmarshal(st.LastRun, &last) == nil {
			info.Runtime.LastError = last.Error
		}
	}
	if d := p.SinkDataset(); d != "" {
		info.Runtime.Sink = d
		if ds, ok := eng.Store().Dataset(d); ok {
			n := ds.Entities - ds.Deleted
			info.Runtime.Entities = &n
		}
	}
	return info, nil
}

func (s *Service) listPipes(w http.ResponseWriter, r *http.Request) {
	out := []pipeInfo{}
	for _, p := range s.Engine().Config().Pipes {
		info, err := s.pipeInfo(p.ID)
		if err != nil {
			writeError(w, errorStatus(err), err)
			return
		}
		out = append(out, info)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) getPipe(w http.ResponseWriter, r *http.Request) {
	info, err := s.pipeInfo(r.PathValue("id"))
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// pumpRequest reads the pump operation from a form or a JSON body.
func pumpRequest(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
		// Strict: one object, no key twice (which one would win?), nothing
		// after it.
		var body map[string]any
		if err := jsonv2.Unmarshal(raw, &body); err != nil {
			return nil, fmt.Errorf("the body is not a JSON object (one, with no key twice): %w", err)
		}
		for k, v := range body {
			switch x := v.(type) {
			case string:
				out[k] = x
			case bool:
				out[k] = strconv.FormatBool(x)
			case nil:
				out[k] = ""
			default:
				b, _ := json.Marshal(x)
				out[k] = string(b)
			}
		}
	case "application/x-www-form-urlencoded", "multipart/form-data", "":
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.PostForm {
			out[k] = v[0]
		}
	default:
		return nil, fmt.Errorf("send the operation as a form or as JSON, not %q", ct)
	}
	return out, nil
}

func (s *Service) pump(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	eng, sched := s.Engine(), s.scheduler()
	if _, err := eng.Pipe(id); err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	req, err := pumpRequest(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	op := req["operation"]
	switch op {
	case "start":
		if req["wait"] == "true" {
			// The answer comes when the run ends, however long it takes.
			waitsOnPurpose(w)
			sum, err := sched.run(sched.ctx, id) // a client that gives up does not stop the run
			if errors.Is(err, engine.ErrRunning) || errors.Is(err, engine.ErrDisabled) {
				writeError(w, http.StatusConflict, err)
				return
			}
			s.afterRun(id, sum, err)
			writeJSON(w, http.StatusOK, sum)
			return
		}
		if st, err := eng.PipeState(id); err == nil && st.Disabled {
			writeError(w, http.StatusConflict, fmt.Errorf("pipe %q: %w", id, engine.ErrDisabled))
			return
		}
		// The run is registered before the answer, so a second start
		// while it goes is refused rather than colliding with it.
		if err := sched.start(id); err != nil {
			status := http.StatusConflict
			if !errors.Is(err, engine.ErrRunning) {
				status = http.StatusServiceUnavailable // stopping for a reload or shutdown
			}
			writeError(w, status, err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"pipe": id, "operation": op, "started": true})
		return
	case "stop":
		writeJSON(w, http.StatusOK, map[string]any{"pipe": id, "operation": op, "stopped": sched.stopRun(id)})
		return
	case "enable", "disable":
		err = eng.SetDisabled(id, op == "disable")
	case "update-last-seen":
		since, ok := req["last-seen"]
		if !ok {
			writeError(w, http.StatusBadRequest, errors.New(`update-last-seen needs "last-seen" (empty to start over)`))
			return
		}
		err = eng.SetLastSeen(id, since)
	case "set-last-seen-to-end":
		err = eng.SetLastSeenToEnd(id)
	case "":
		writeError(w, http.StatusBadRequest, errors.New(`missing "operation" (start, stop, enable, disable, update-last-seen, set-last-seen-to-end)`))
		return
	default:
		writeError(w, http.StatusBadRequest, fmt.Errorf("unknown operation %q (start, stop, enable, disable, update-last-seen, set-last-seen-to-end)", op))
		return
	}
	if err != nil {
		status := errorStatus(err)
		if status == http.StatusInternalServerError && !errors.Is(err, store.ErrNotFound) {
			status = http.StatusBadRequest
		}
		writeError(w, status, err)
		return
	}
	info, err := s.pipeInfo(id)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Service) listDatasets(w http.ResponseWriter, r *http.Request) {
	all := r.URL.Query().Get("all") == "true"
	out := []store.Info{}
	for _, i := range s.Engine().Store().Datasets() {
		if all || !strings.HasPrefix(i.Name, "system:") {
			out = append(out, i)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) getDataset(w http.ResponseWriter, r *http.Request) {
	info, ok := s.Engine().Store().Dataset(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no dataset %q", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// datasetEntities streams a page of a dataset's versions as a JSON array
// (entities.go): limit (default 1,000, at most 100,000) from since.
func (s *Service) datasetEntities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := store.ReadOptions{History: q.Get("history") == "true", SkipDeleted: q.Get("deleted") == "false"}
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("since must be a dataset offset, not %q", v))
			return
		}
		opts.From = uint64(n + 1)
	}
	limit, err := entityLimit(q.Get("limit"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	opts.Limit = limit
	st := s.Engine().Store()
	if _, ok := st.Dataset(r.PathValue("id")); !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no dataset %q", r.PathValue("id")))
		return
	}
	out := newEntityStream(w)
	err = st.Scan(r.PathValue("id"), opts, func(_ uint64, e []byte) error { return out.add(e) })
	if err == nil {
		err = out.end()
	}
	switch {
	case err != nil && !out.started:
		writeError(w, errorStatus(err), err)
	case err != nil:
		// The status is sent: the client gets an array that is not
		// closed, not a short one that looks complete; the log says why.
		s.log.Error("dataset scan", "dataset", r.PathValue("id"), "error", err)
	}
}

func (s *Service) datasetEntity(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("entity_id")
	if id == "" {
		writeError(w, http.StatusBadRequest, errors.New("give the entity as ?entity_id="))
		return
	}
	e, ok, err := s.Engine().Store().Get(r.PathValue("id"), id)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && !ok):
		writeError(w, http.StatusNotFound, fmt.Errorf("no entity %q in dataset %q", id, r.PathValue("id")))
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Write(e)
	}
}

func (s *Service) reload(w http.ResponseWriter, r *http.Request) {
	if err := s.Reload(); err != nil {
		if body, ok := refusedConfig(err); ok {
			s.log.Warn("config reload refused; the running config stays", "problems", len(body.Problems))
			writeJSON(w, http.StatusUnprocessableEntity, body)
			return
		}
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	cfg := s.Engine().Config()
	writeJSON(w, http.StatusOK, map[string]any{"reloaded": true, "pipes": len(cfg.Pipes), "systems": len(cfg.Systems)})
}
