package transforms

import (
	"context"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
)

// EmitChildrenConfig is the config of the "emit_children" transform.
type EmitChildrenConfig struct{}

// EmitChildrenSpec is the "emit_children" transform.
var EmitChildrenSpec = component.Typed(component.KindTransform, "emit_children",
	"Replaces each entity by the entities in its `$children` property (made with `create-child`); entities without children pass nothing on. It has no settings.",
	func() *EmitChildrenConfig { return &EmitChildrenConfig{} },
	func(*EmitChildrenConfig, component.Env) (component.Transform, error) { return emitChildren{}, nil }).
	WithExample(`{"type": "emit_children"}`)

type emitChildren struct{}

func (emitChildren) Transform(_ context.Context, in []entity.Entity) ([]entity.Entity, error) {
	var out []entity.Entity
	for _, e := range in {
		var err error
		gjson.GetBytes(e, `\$children`).ForEach(func(_, child gjson.Result) bool {
			if !child.IsObject() || child.Get("_id").Type != gjson.String {
				id, _ := entity.ID(e)
				err = fmt.Errorf("entity %q: every $children entry needs a string _id", id)
				return false
			}
			out = append(out, entity.Entity(child.Raw))
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
