package connector

import (
	"fmt"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// manifest is what the expansion reads of a connector's manifest.json.
// Other keys (auth, oauth2, labels, sync_frequency and the like) serve the
// login flow, the UI or Sesam's deployer, and the expansion ignores them,
// as sesam-py does.
type manifest struct {
	// systemTemplate is the string naming the system template; nil when
	// the manifest has none (sesam-py then expands no system).
	systemTemplate *pipes.Node
	// additional are the additional_parameters: each placeholder expands
	// to "$ENV(name)", for the loader to fill in from the environment.
	additional []string
	// serviceURL is requires_service_api_access: {{@ service_url @}} then
	// expands to "$ENV(service_url)".
	serviceURL bool
	// webhookSecret is use_webhook_secret: http_endpoint pipes whose _id
	// ends in "event" get Sesam's anonymous write permission.
	webhookSecret bool
	datatypes     []*datatype
}

type datatype struct {
	name     string
	key      pipes.Pos   // where its key is in the manifest
	template *pipes.Node // the string naming its template
	parent   *pipes.Node // nil when it has none
	params   []param
}

// param is one of a datatype's parameters.
type param struct {
	name string
	node *pipes.Node
	v    value
}

// reserved are the placeholders the expansion sets itself.
var reserved = map[string]string{
	"system":   "it is the --system value",
	"datatype": "it is the datatype's name",
	"parent":   "it is the datatype's parent",
}

// readManifest reads a manifest; errs holds its problems and warnings.
func readManifest(file string, data []byte) (*manifest, pipes.Errors) {
	var errs pipes.Errors
	root, err := parseJSON(file, data)
	if err != nil {
		return nil, pipes.AsErrors(nil, err)
	}
	if root.Kind != pipes.Object {
		errs.Add(root, "a manifest is a JSON object, not %s", root.Describe())
		return nil, errs
	}
	m := &manifest{}
	top := members(root, "", &errs)
	for _, mem := range top {
		v, ptr := mem.Value, "/"+pointerToken(mem.Key)
		switch mem.Key {
		case "system-template", "system_template":
			if m.systemTemplate != nil {
				addAt(&errs, mem.KeyPos, "", `both "system-template" and "system_template" are given: keep one`)
				continue
			}
			if checkKind(&errs, v, ptr, pipes.String) {
				m.systemTemplate = v
			}
		case "additional_parameters":
			if checkKind(&errs, v, ptr, pipes.Object) {
				for _, p := range members(v, ptr, &errs) {
					m.additional = append(m.additional, p.Key)
				}
			}
		case "requires_service_api_access":
			if checkKind(&errs, v, ptr, pipes.Bool) {
				m.serviceURL = v.Bool
			}
		case "use_webhook_secret":
			if checkKind(&errs, v, ptr, pipes.Bool) {
				m.webhookSecret = v.Bool
			}
		case "datatypes":
			if checkKind(&errs, v, ptr, pipes.Object) {
				m.datatypes = readDatatypes(v, ptr, &errs)
			}
		}
	}
	if root.Get("datatypes") == nil {
		errs.Add(root, `missing required property "datatypes" (an object naming each datatype's template)`)
	}
	return m, errs
}

func readDatatypes(n *pipes.Node, ptr string, errs *pipes.Errors) []*datatype {
	var out []*datatype
	ms := lastMembers(n, func(first, later pipes.Member) {
		addAt(errs, later.KeyPos, ptr+"/"+pointerToken(later.Key),
			"warning: datatype %q is defined twice (first at line %d, column %d): the last definition is used, as sesam-py does",
			later.Key, first.KeyPos.Line, first.KeyPos.Col)
	})
	for _, mem := range ms {
		dptr := ptr + "/" + pointerToken(mem.Key)
		if mem.Key == "" {
			addAt(errs, mem.KeyPos, dptr, "a datatype needs a name")
			continue
		}
		if !checkKind(errs, mem.Value, dptr, pipes.Object) {
			continue
		}
		dt := &datatype{name: mem.Key, key: mem.KeyPos}
		for _, f := range members(mem.Value, dptr, errs) {
			fptr := dptr + "/" + pointerToken(f.Key)
			switch f.Key {
			case "template":
				if checkKind(errs, f.Value, fptr, pipes.String) {
					dt.template = f.Value
				}
			case "parent":
				if checkKind(errs, f.Value, fptr, pipes.String) {
					dt.parent = f.Value
				}
			case "parameters":
				if checkKind(errs, f.Value, fptr, pipes.Object) {
					dt.params = readParams(f.Value, fptr, errs)
				}
			}
		}
		if mem.Value.Get("template") == nil {
			errs.Add(mem.Value, `missing required property "template" (the path of the datatype's template, such as "templates/%s.json")`, mem.Key)
			withPointer(*errs, dptr)
		}
		if dt.template != nil {
			out = append(out, dt)
		}
	}
	return out
}

func readParams(n *pipes.Node, ptr string, errs *pipes.Errors) []param {
	var out []param
	for _, mem := range members(n, ptr, errs) {
		pptr := ptr + "/" + pointerToken(mem.Key)
		if why, ok := reserved[mem.Key]; ok {
			addAt(errs, mem.KeyPos, pptr, "parameter %q is reserved: %s", mem.Key, why)
			continue
		}
		v := mem.Value
		switch v.Kind {
		case pipes.String, pipes.Number:
			out = append(out, param{name: mem.Key, node: v, v: textValue(v.Str)})
		case pipes.Bool:
			out = append(out, param{name: mem.Key, node: v, v: boolValue(v.Bool)})
		default:
			errs.Add(v, "parameter %q: expected a string, number or boolean, got %s", mem.Key, v.Describe())
			withPointer(*errs, pptr)
		}
	}
	return out
}

// members resolves an object's duplicate keys, warning about each.
func members(n *pipes.Node, ptr string, errs *pipes.Errors) []pipes.Member {
	return lastMembers(n, func(first, later pipes.Member) {
		addAt(errs, later.KeyPos, ptr+"/"+pointerToken(later.Key),
			"warning: duplicate key %q (first at line %d, column %d): the last one is used, as sesam-py does",
			later.Key, first.KeyPos.Line, first.KeyPos.Col)
	})
}

// checkKind reports a value of the wrong kind; it returns whether n is ok.
func checkKind(errs *pipes.Errors, n *pipes.Node, ptr string, want pipes.Kind) bool {
	if n.Kind == want {
		return true
	}
	article := "a"
	if want == pipes.Object || want == pipes.Array {
		article = "an"
	}
	errs.Add(n, "expected %s %s, got %s", article, want, n.Describe())
	withPointer(*errs, ptr)
	return false
}

// addAt records a problem at pos; a message starting "warning: " is a
// warning.
func addAt(errs *pipes.Errors, pos pipes.Pos, ptr, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e := &pipes.Error{Pos: pos, Pointer: ptr, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "warning: "); ok {
		e.Msg, e.Warning = rest, true
	}
	*errs = append(*errs, e)
}

// withPointer sets the pointer of the problem just added (our trees carry
// no pointers: they are built as the expansion walks).
func withPointer(errs pipes.Errors, ptr string) {
	if len(errs) > 0 {
		errs[len(errs)-1].Pointer = ptr
	}
}

// pointerToken escapes one RFC 6901 reference token.
func pointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
