package sources

import (
	"context"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

// EmbeddedConfig is the config of the "embedded" source: entities written in
// the pipe itself.
type EmbeddedConfig struct {
	Entities EntityList `json:"entities" cfg:"required" type:"list of objects, each with a string _id or getting one from a transform" doc:"the entities the source emits, in this order"`
	// SupportsSince makes the source incremental: entities whose _updated
	// is not after the stored offset are skipped.
	SupportsSince     bool   `json:"supports_since" doc:"incremental: entities whose _updated is not greater than the stored offset are skipped (offsets compare numerically when both are numbers, otherwise as text)"`
	IsSinceComparable bool   `json:"is_since_comparable" doc:"with supports_since: the offset is the largest _updated seen, stored at the end of the run"`
	IsChronological   bool   `json:"is_chronological" doc:"with supports_since: entities are in _updated order and each batch stores its last _updated"`
	IfSourceEmpty     string `json:"if_source_empty" enum:"accept,fail" doc:"fail: a run with no entities fails, leaving the sink untouched"`
	System            string `json:"system" doc:"informational: the system the entities stand for"`
}

// EntityList is a list of entities in config: each must be an object with a
// string _id.
type EntityList []entity.Entity

// DecodeNode checks every entity, reporting each bad one at its place.
func (l *EntityList) DecodeNode(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	if n.Kind != pipes.Array {
		errs.Add(n, "expected a list of entities, got %s", n.Describe())
		return errs
	}
	out := make(EntityList, 0, len(n.Items))
	for _, item := range n.Items {
		if item.Kind != pipes.Object {
			errs.Add(item, "an entity is a JSON object, not %s", item.Describe())
			continue
		}
		// As in Sesam, an entity may leave its _id to a transform; one that
		// reaches the sink without an _id fails the run.
		if id := item.Get("_id"); id != nil && (id.Kind != pipes.String || id.Str == "") {
			errs.Add(id, "an entity's \"_id\" is a non-empty string")
			continue
		}
		out = append(out, entity.Entity(item.JSON()))
	}
	*l = out
	return errs
}

// EmbeddedSpec is the "embedded" source.
var EmbeddedSpec = component.Typed(component.KindSource, "embedded",
	"Entities written in the pipe config itself; incremental with `supports_since`, using each entity's `_updated`.",
	func() *EmbeddedConfig { return &EmbeddedConfig{IsSinceComparable: true, IfSourceEmpty: "accept"} },
	func(c *EmbeddedConfig, _ component.Env) (component.Source, error) { return &embedded{cfg: c}, nil }).
	WithExample(`{"type": "embedded", "entities": [{"_id": "1", "name": "Ada", "_updated": 1}, {"_id": "2", "name": "Grace", "_updated": 2}], "supports_since": true}`)

type embedded struct{ cfg *EmbeddedConfig }

func (s *embedded) SupportsSince() bool {
	return s.cfg.SupportsSince && (s.cfg.IsChronological || s.cfg.IsSinceComparable)
}

// Populated: embedded data is always complete.
func (s *embedded) Populated() bool { return true }

func (s *embedded) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	if len(s.cfg.Entities) == 0 && s.cfg.IfSourceEmpty == "fail" {
		return errors.New(`the embedded source has no entities and if_source_empty is "fail"`)
	}
	since := req.Since
	if !s.SupportsSince() {
		since = ""
	}
	highest := since // the max strategy: the largest _updated seen
	var batch []entity.Entity
	flush := func(last bool) error {
		token := since
		switch {
		case !s.SupportsSince():
			token = ""
		case s.cfg.IsChronological && len(batch) > 0:
			token, _ = sinceValue(gjson.GetBytes(batch[len(batch)-1], "_updated"))
		case last:
			token = highest
		}
		b := component.Batch{Entities: batch, Since: token}
		batch = nil
		return emit(b)
	}
	for _, e := range s.cfg.Entities {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.SupportsSince() {
			u, ok := sinceValue(gjson.GetBytes(e, "_updated"))
			if !ok {
				id, _ := entity.ID(e)
				return fmt.Errorf("entity %q has no _updated that is a number or string, which supports_since needs", id)
			}
			if since != "" && component.CompareSince(u, since) <= 0 {
				continue
			}
			if highest == "" || component.CompareSince(u, highest) > 0 {
				highest = u
			}
		}
		batch = append(batch, e)
		if len(batch) >= req.BatchSize {
			if err := flush(false); err != nil {
				return err
			}
		}
	}
	return flush(true)
}
