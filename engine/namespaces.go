package engine

import (
	"context"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

// AddNamespaces is the stage a pipe with add_namespaces runs before its
// first transform: "_id" gets the identity namespace and every property
// not starting with "_" gets the property namespace. Names that already
// have a namespace are left alone.
func AddNamespaces(ns pipes.Namespaces) component.Transform {
	return namespaceStage(func(in, out *dtl.Dict) {
		for i, k := range in.Keys() {
			switch {
			case k == "_id":
				id := in.At(i)
				if s, ok := id.(string); ok && !strings.Contains(s, ":") {
					id = ns.Identity + ":" + s
				}
				out.Set(k, id)
			case strings.HasPrefix(k, "_") || strings.Contains(k, ":"):
				out.CopyFrom(in, i)
			default:
				out.CopyFromAs(in, i, ns.Property+":"+k)
			}
		}
	})
}

// RemoveNamespaces is the stage a pipe with remove_namespaces runs after
// its last transform: namespaces are stripped from "_id", from property
// names, and from namespaced-identifier values (which become their
// identifier strings).
func RemoveNamespaces() component.Transform {
	return namespaceStage(func(in, out *dtl.Dict) {
		for i, k := range in.Keys() {
			v := stripNI(in.At(i))
			if k == "_id" {
				if s, ok := v.(string); ok {
					v = withoutNamespace(s)
				}
			} else if !strings.HasPrefix(k, "_") {
				k = withoutNamespace(k)
			}
			out.Set(k, v)
		}
	})
}

// withoutNamespace drops what comes before the first colon: the namespace,
// as for NI values ("~:ns:id" has namespace "ns" and id "id", whatever id
// holds).
func withoutNamespace(s string) string {
	_, id, found := strings.Cut(s, ":")
	if !found {
		return s
	}
	return id
}

func stripNI(v dtl.Value) dtl.Value {
	switch x := v.(type) {
	case dtl.NI:
		return x.ID
	case dtl.List:
		out := make(dtl.List, len(x))
		for i, e := range x {
			out[i] = stripNI(e)
		}
		return out
	}
	return v
}

// namespaceStage rewrites each entity's top level with fn.
type namespaceStage func(in, out *dtl.Dict)

func (f namespaceStage) Transform(_ context.Context, in []entity.Entity) ([]entity.Entity, error) {
	out := make([]entity.Entity, 0, len(in))
	var buf []byte
	for _, e := range in {
		d, err := dtl.DecodeEntity(e)
		if err != nil {
			return nil, err
		}
		nd := dtl.NewDict(d.Len())
		f(d, nd)
		start := len(buf)
		buf = dtl.AppendJSON(buf, nd)
		out = append(out, entity.Entity(buf[start:len(buf):len(buf)]))
	}
	return out, nil
}
