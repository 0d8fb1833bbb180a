package dtl

import (
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// Trigger is a dtl transform's trigger_on: only entities whose value at
// Key matches Value are transformed; the rest pass through unchanged.
// A string Value may use * wildcards.
type Trigger struct {
	Key   []string // a property path; Sesam's default is "_trigger"
	Value Value
}

// DecodeTrigger reads {"key": "path.to.prop", "value": V}.
func DecodeTrigger(n *pipes.Node) (*Trigger, error) {
	if n.Kind != pipes.Object {
		return nil, pipes.Errorf(n, "trigger_on must be an object {\"key\": PATH, \"value\": VALUE}, got %s", n.Describe())
	}
	t := &Trigger{Key: []string{"_trigger"}}
	for _, m := range n.Members {
		switch m.Key {
		case "key":
			if m.Value.Kind != pipes.String || m.Value.Str == "" {
				return nil, pipes.Errorf(m.Value, "trigger_on key must be a property path, got %s", m.Value.Describe())
			}
			steps, err := SplitSteps(m.Value.Str)
			if err != nil {
				return nil, pipes.Errorf(m.Value, "%v", err)
			}
			t.Key = steps
		case "value":
			v, err := DecodeJSON(m.Value.JSON())
			if err != nil {
				return nil, pipes.Errorf(m.Value, "%v", err)
			}
			t.Value = v
		default:
			return nil, pipes.Errorf(m.Value, "unknown trigger_on key %q (it takes \"key\" and \"value\")", m.Key)
		}
	}
	if n.Get("value") == nil {
		return nil, pipes.Errorf(n, "trigger_on needs a \"value\"")
	}
	return t, nil
}

// DecodeNode lets a config struct hold a *Trigger field.
func (t *Trigger) DecodeNode(n *pipes.Node) pipes.Errors {
	tr, err := DecodeTrigger(n)
	if err != nil {
		return pipes.AsErrors(n, err)
	}
	*t = *tr
	return nil
}

// Matches reports whether the entity's value at Key matches Value.
func (t *Trigger) Matches(src *Dict) bool {
	pattern, isPattern := t.Value.(string)
	isPattern = isPattern && strings.Contains(pattern, "*")
	for _, v := range AsList(Walk(src, t.Key)) {
		if s, ok := v.(string); ok && isPattern {
			if globMatch(pattern, s) {
				return true
			}
			continue
		}
		if Equal(v, t.Value) {
			return true
		}
	}
	return false
}
