package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// DatasetConfig is the config of the "dataset" source: another dataset,
// read incrementally by offset.
type DatasetConfig struct {
	Dataset                 string `json:"dataset" cfg:"required" doc:"the dataset to read, by offset: each run reads the versions after the pipe's stored offset"`
	IncludePreviousVersions bool   `json:"include_previous_versions" doc:"read all versions, not only the latest of each _id"`
	// IncludeReplaced false skips entities with "$replaced": true.
	IncludeReplaced bool   `json:"include_replaced" doc:"false skips entities with \"$replaced\": true"`
	IfSourceEmpty   string `json:"if_source_empty" enum:"accept,fail" doc:"fail: a run with no entities fails, leaving the sink untouched"`
	// Subset, ["eq", EXPRESSION, VALUE], reads only the entities in it.
	Subset Subset `json:"subset" type:"[\"eq\", EXPR, VALUE]" doc:"read only entities in the subset (_S is the entity; eq matches as in joins); a version that leaves the subset is read as a deletion"`
	// Completeness holds back entities newer than a completeness timestamp.
	Completeness Completeness `json:"completeness" doc:"true: pass on only entities whose _ts is not after the dataset's completeness timestamp; a list of dataset names: not after the smallest of theirs; {\"expression\": EXPR}: not after the datetime the DTL expression gives when the run starts. The offset stops before the first entity held back"`
	// InitialCompleteness holds back everything until the datasets have
	// completed once.
	InitialCompleteness DatasetNames `json:"initial_completeness" doc:"pass on entities only once every listed dataset has a completeness timestamp"`
}

// Completeness is the dataset source's "completeness": false, true (the
// source dataset's own) or a list of dataset names (the smallest of
// theirs).
type Completeness struct {
	Own      bool
	Datasets DatasetNames
	// Expr, from {"expression": EXPR}, gives the timestamp as a datetime
	// when a run starts.
	Expr dtl.Expr
}

// ConfigType names the shape in the configuration reference.
func (*Completeness) ConfigType() string {
	return "boolean, list of dataset names or {\"expression\": EXPR}"
}

// DecodeNode accepts true, false, a list of dataset names or an object
// with a DTL "expression".
func (c *Completeness) DecodeNode(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	switch n.Kind {
	case pipes.Bool:
		*c = Completeness{Own: n.Bool}
		return nil
	case pipes.Object:
		*c = Completeness{}
		for _, m := range n.Members {
			if m.Key != "expression" {
				errs.Add(n, "unknown property %q in completeness (it takes \"expression\")", m.Key)
			}
		}
		x := n.Get("expression")
		if x == nil {
			errs.Add(n, "completeness as an object needs \"expression\"")
			return errs
		}
		e, err := dtl.CompileExpr(x, dtl.Options{})
		if err != nil {
			errs = append(errs, pipes.AsErrors(x, err)...)
			return errs
		}
		c.Expr = e
		return errs
	case pipes.Array:
	default:
		errs.Add(n, "expected true, false, a list of dataset names or {\"expression\": ...}, got %s", n.Describe())
		return errs
	}
	*c = Completeness{}
	return c.Datasets.DecodeNode(n)
}

// on tells whether completeness filtering is enabled.
func (c Completeness) on() bool { return c.Own || len(c.Datasets) > 0 || c.Expr != nil }

// Subset holds a compiled subset expression.
type Subset struct {
	*dtl.Subset
}

// DecodeNode compiles the subset, so a bad one names its place.
func (s *Subset) DecodeNode(n *pipes.Node) pipes.Errors {
	sub, err := dtl.CompileSubset(n)
	s.Subset = sub
	return pipes.AsErrors(n, err)
}

// Validate checks the dataset name and fixed values.
func (c *DatasetConfig) Validate() error {
	var errs []error
	if c.Dataset == "" {
		errs = append(errs, &pipes.FieldError{Field: "dataset", Err: errors.New("dataset is empty")})
	}
	return errors.Join(errs...)
}

// DatasetSpec is the "dataset" source.
var DatasetSpec = component.Typed(component.KindSource, "dataset",
	"The versions of another dataset, read incrementally by offset (latest versions only unless `include_previous_versions`). Deleted entities are read too, so deletions flow downstream. The source is populated when its dataset is.",
	func() *DatasetConfig { return &DatasetConfig{IncludeReplaced: true, IfSourceEmpty: "accept"} },
	func(c *DatasetConfig, env component.Env) (component.Source, error) {
		if env.Store == nil {
			return nil, errors.New("the dataset source needs a store")
		}
		return &datasetSource{cfg: c, store: env.Store}, nil
	}).
	WithExample(`{"type": "dataset", "dataset": "crm-customers", "subset": ["eq", "_S.country", "NO"]}`)

type datasetSource struct {
	cfg   *DatasetConfig
	store *store.Store
}

func (s *datasetSource) SupportsSince() bool { return true }

// Dataset names the dataset read, so DTL's is-changed can find the
// previous version of a source entity.
func (s *datasetSource) Dataset() string { return s.cfg.Dataset }

// Populated follows the source dataset's own flag.
func (s *datasetSource) Populated() bool {
	info, ok := s.store.Dataset(s.cfg.Dataset)
	return ok && info.Populated
}

func (s *datasetSource) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	opts := store.ReadOptions{History: s.cfg.IncludePreviousVersions}
	if req.Since != "" {
		since, err := strconv.ParseUint(req.Since, 10, 64)
		if err != nil {
			return fmt.Errorf("dataset source: stored offset %q is not a dataset offset", req.Since)
		}
		opts.From = since + 1
	}
	if _, ok := s.store.Dataset(s.cfg.Dataset); !ok {
		if s.cfg.IfSourceEmpty == "fail" {
			return fmt.Errorf("dataset %q does not exist and if_source_empty is \"fail\"", s.cfg.Dataset)
		}
		return emit(component.Batch{Since: req.Since})
	}
	limit, limited, ok, err := s.completenessLimit(ctx)
	if err != nil {
		return fmt.Errorf("dataset source: completeness: %w", err)
	}
	if !ok {
		return emit(component.Batch{Since: req.Since}) // upstream has not completed yet
	}
	sinceOffset := int64(opts.From) - 1 // -1: this reader has seen nothing yet
	var batch []entity.Entity
	seen := 0
	last := req.Since
	err = s.store.Scan(s.cfg.Dataset, opts, func(offset uint64, e []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if limited && gjson.GetBytes(e, "_ts").Int() > limit {
			return errHeldBack // the offset must not pass it: the next run reads on from here
		}
		last = strconv.FormatUint(offset, 10)
		if !s.cfg.IncludeReplaced && isReplaced(e) {
			return nil
		}
		e, err := s.inSubset(ctx, e, sinceOffset)
		if err != nil || e == nil {
			return err
		}
		batch = append(batch, bytes.Clone(e))
		seen++
		if len(batch) >= req.BatchSize {
			b := component.Batch{Entities: batch, Since: last}
			batch = nil
			return emit(b)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errHeldBack) {
		return err
	}
	if seen == 0 && req.Since == "" && s.cfg.IfSourceEmpty == "fail" {
		return fmt.Errorf("dataset %q is empty and if_source_empty is \"fail\"", s.cfg.Dataset)
	}
	return emit(component.Batch{Entities: batch, Since: last})
}

// errHeldBack stops a scan at the first entity newer than the completeness
// timestamp.
var errHeldBack = errors.New("held back by completeness")

// completenessLimit is the _ts past which entities are held back when
// limited; ok is false while nothing may pass yet.
func (s *datasetSource) completenessLimit(ctx context.Context) (limit int64, limited, ok bool, err error) {
	for _, name := range s.cfg.InitialCompleteness {
		if s.store.Completeness(name) == 0 {
			return 0, false, false, nil
		}
	}
	if !s.cfg.Completeness.on() {
		return 0, false, true, nil
	}
	if x := s.cfg.Completeness.Expr; x != nil {
		v, err := dtl.EvalExprWith(ctx, x, nil, dtl.Options{Datasets: storeCompleteness{s.store}})
		if err != nil {
			return 0, false, false, err
		}
		if t, isTime := v.(time.Time); isTime {
			return t.UnixMicro(), true, true, nil
		}
		return 0, true, true, nil // not a datetime: 1970, as in Sesam
	}
	names := []string(s.cfg.Completeness.Datasets)
	if s.cfg.Completeness.Own {
		names = []string{s.cfg.Dataset}
	}
	for i, name := range names {
		c := s.store.Completeness(name)
		if c == 0 {
			return 0, false, false, nil
		}
		if i == 0 || c < limit {
			limit = c
		}
	}
	return limit, true, true, nil
}

// storeCompleteness lets a completeness expression call the completeness
// function; it reads no entities.
type storeCompleteness struct{ st *store.Store }

func (storeCompleteness) Get(context.Context, string, string) (*dtl.Dict, error) {
	return nil, errors.New("a completeness expression cannot read entities")
}

func (storeCompleteness) Join(context.Context, string, []string, []dtl.Value) ([]*dtl.Dict, error) {
	return nil, errors.New("a completeness expression cannot read entities")
}

func (storeCompleteness) Version(context.Context, string, uint64) (*dtl.Dict, error) {
	return nil, errors.New("a completeness expression cannot read entities")
}

func (s storeCompleteness) CompletenessVia(via, dataset string) (int64, bool) {
	return s.st.CompletenessVia(via, dataset)
}

func isReplaced(e []byte) bool {
	return gjson.GetBytes(e, "$replaced").Type == gjson.True
}

// inSubset passes e on when there is no subset or e is in it. A version
// outside the subset whose entity was inside it as this reader last saw it
// (the version at or before since; with include_previous_versions, the
// version just before) has left the subset: it passes on as a deletion,
// so readers of the subset see it go. Anything else is left out (nil).
func (s *datasetSource) inSubset(ctx context.Context, e []byte, since int64) ([]byte, error) {
	if s.cfg.Subset.Subset == nil {
		return e, nil
	}
	in, err := s.matches(ctx, e)
	if err != nil || in {
		return e, err
	}
	seen, err := s.versionSeen(e, since)
	if err != nil || seen == nil || entity.Deleted(seen) {
		return nil, err
	}
	if was, err := s.matches(ctx, seen); err != nil || !was {
		return nil, err
	}
	return entity.WithDeleted(e), nil
}

// versionSeen finds the version of e's entity the reader saw before e, by
// following _previous; nil when there is none.
func (s *datasetSource) versionSeen(e []byte, since int64) ([]byte, error) {
	if since < 0 && !s.cfg.IncludePreviousVersions {
		return nil, nil // a first read has seen nothing to delete
	}
	for {
		prev := gjson.GetBytes(e, "_previous")
		if prev.Type != gjson.Number {
			return nil, nil
		}
		old, ok, err := s.store.Version(s.cfg.Dataset, prev.Uint())
		if err != nil || !ok {
			return nil, err
		}
		if s.cfg.IncludePreviousVersions || prev.Int() <= since {
			return old, nil
		}
		e = old
	}
}

func (s *datasetSource) matches(ctx context.Context, e []byte) (bool, error) {
	d, err := dtl.DecodeEntity(e)
	if err != nil {
		return false, err
	}
	return s.cfg.Subset.Matches(ctx, d)
}

// SesamKeys lists the Sesam properties DatasetConfig accepts without effect.
func (*DatasetConfig) SesamKeys() []string {
	return []string{"supports_signalling", "require_populated_input"}
}
