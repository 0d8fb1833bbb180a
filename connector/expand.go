package connector

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// Options say how to expand a connector.
type Options struct {
	// System is the _id of the connector's system: what {{@ system @}}
	// expands to, and the prefix of every pipe.
	System string
	// Params set parameters (--param name=value, in command-line order):
	// they replace the manifest's values and the "$ENV(name)" of its
	// additional_parameters, in every template.
	Params []Param
}

// Param is one --param name=value.
type Param struct{ Name, Value string }

// File is one file of the expanded config folder.
type File struct {
	Name string // slash-separated, relative to the folder: "pipes/<_id>.conf.json"
	Data []byte
}

// Result is an expanded connector.
type Result struct {
	Files          []File // sorted by name
	Pipes, Systems int
	// Warnings are problems that do not stop the expansion, such as a
	// datatype the manifest defines twice.
	Warnings pipes.Errors
	// Env and Secrets are the names the config reads through $ENV(name)
	// and $SECRET(name), sorted: what must be set before it loads.
	Env, Secrets []string
}

// ParamError is a --param the connector cannot take: a mistake on the
// command line rather than in the connector.
type ParamError struct {
	Param string // as given, "name=value"
	Msg   string
}

func (e *ParamError) Error() string { return "--param " + e.Param + ": " + e.Msg }

// Expand expands the connector in dir. File names in messages are dir
// joined with the names the manifest gives. The error is a *ParamError for
// a bad --param, pipes.Errors (every problem, positioned) for a connector
// that does not expand, or another error when dir cannot be read.
func Expand(dir string, opts Options) (*Result, error) {
	return expandFS(os.DirFS(dir), func(name string) string {
		return filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(name)))
	}, opts)
}

// manifestFile is the manifest's name in a connector folder.
const manifestFile = "manifest.json"

// template is a parsed template file with the parts of its strings.
type template struct {
	file string // as messages name it
	data []byte
	root *pipes.Node
	// parts holds, by the offset of each string token (values and keys),
	// its literals and placeholders.
	parts map[int][]part
	names []string // placeholder names used, sorted
}

type expander struct {
	opts      Options
	fsys      fs.FS
	display   func(string) string
	man       *manifest
	errs      pipes.Errors
	templates map[string]*template // by path in fsys; nil for one that failed
	overrides map[string]value     // --param values
	unknown   map[string]*unknownUse
	objects   []*object
	shim      *template // parsed once
}

// unknownUse is a placeholder without a value, with the datatypes (or the
// system template, "") for which it had none.
type unknownUse struct {
	pos       pipes.Pos
	name      string
	datatypes []string
	known     []string
}

// object is one expanded config object and where it came from.
type object struct {
	node   *pipes.Node
	origin string // "templates/a.json:3:5 (datatype \"a\")"
}

func expandFS(fsys fs.FS, display func(string) string, opts Options) (*Result, error) {
	x := &expander{opts: opts, fsys: fsys, display: display, templates: map[string]*template{}, unknown: map[string]*unknownUse{}}
	data, err := fs.ReadFile(fsys, manifestFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file: a connector folder holds a manifest.json", display(manifestFile))
		}
		return nil, fmt.Errorf("read the manifest: %w", err)
	}
	man, errs := readManifest(display(manifestFile), data)
	x.errs = append(x.errs, errs...)
	if man == nil {
		return nil, x.problems()
	}
	x.man = man
	if man.systemTemplate != nil {
		x.load(man.systemTemplate, "/system-template")
	}
	for _, dt := range man.datatypes {
		x.load(dt.template, "/datatypes/"+pointerToken(dt.name)+"/template")
		if dt.parent != nil && !slices.ContainsFunc(man.datatypes, func(o *datatype) bool { return o.name == dt.parent.Str }) {
			x.errs.Warn(dt.parent, "parent %q is not a datatype of this manifest", dt.parent.Str)
			withPointer(x.errs, "/datatypes/"+pointerToken(dt.name)+"/parent")
		}
	}
	if err := x.checkParams(); err != nil {
		return nil, err
	}
	if x.errs.HasErrors() {
		return nil, x.problems()
	}
	if t := x.templateFor(man.systemTemplate); t != nil {
		x.expandTemplate(t, x.scope(nil), "", "")
	}
	for _, dt := range man.datatypes {
		if t := x.templateFor(dt.template); t != nil {
			x.expandTemplate(t, x.scope(dt), dt.name, fmt.Sprintf(" (datatype %q)", dt.name))
			x.addShim(dt)
		}
	}
	x.reportUnknown()
	if x.errs.HasErrors() {
		return nil, x.problems()
	}
	res := x.output()
	if x.errs.HasErrors() {
		return nil, x.problems()
	}
	res.Warnings = x.warnings()
	return res, nil
}

// problems returns every problem and warning, sorted, without repeats (a
// template several datatypes share repeats its problems).
func (x *expander) problems() pipes.Errors {
	x.errs.Sort()
	var out pipes.Errors
	seen := map[string]bool{}
	for _, e := range x.errs {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			out = append(out, e)
		}
	}
	return out
}

func (x *expander) warnings() pipes.Errors {
	var out pipes.Errors
	for _, e := range x.problems() {
		if e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// load reads and parses the template that the manifest string n names.
func (x *expander) load(n *pipes.Node, ptr string) {
	path, ok := cleanPath(n.Str)
	if !ok {
		x.errs.Add(n, "template path %q is not a file inside the connector folder", n.Str)
		withPointer(x.errs, ptr)
		return
	}
	if _, done := x.templates[path]; done {
		return
	}
	x.templates[path] = nil
	data, err := fs.ReadFile(x.fsys, path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			x.errs.Add(n, "template %s does not exist", x.display(path))
		} else {
			x.errs.Add(n, "template %s: %v", x.display(path), unwrapPath(err))
		}
		withPointer(x.errs, ptr)
		return
	}
	t := &template{file: x.display(path), data: data, parts: map[int][]part{}}
	root, err := parseJSON(t.file, data)
	if err != nil {
		x.errs = append(x.errs, pipes.AsErrors(nil, err)...)
		return
	}
	t.root = root
	if errs := t.split(); len(errs) > 0 {
		x.errs = append(x.errs, errs...)
		return
	}
	x.templates[path] = t
}

// split finds the literals and placeholders of every string of the
// template, keys included, and the names it uses.
func (t *template) split() pipes.Errors {
	var errs pipes.Errors
	names := map[string]bool{}
	one := func(pos pipes.Pos) {
		raw, ok := rawString(t.data, pos.Offset)
		if !ok {
			errs = append(errs, &pipes.Error{Pos: pos, Msg: "internal error: no string token here"})
			return
		}
		at := pos
		at.Offset++
		at.Col++
		parts, err := splitPlaceholders(raw, at)
		if err != nil {
			errs = append(errs, err)
			return
		}
		t.parts[pos.Offset] = parts
		for _, p := range parts {
			if p.name != "" {
				names[p.name] = true
			}
		}
	}
	t.root.Walk(func(n *pipes.Node) bool {
		if n.Kind == pipes.String {
			one(n.Pos)
		}
		for _, m := range n.Members {
			one(m.KeyPos)
		}
		return true
	})
	t.names = sortedKeys(names)
	return errs
}

// unwrapPath drops the *fs.PathError wrapper, whose path the message
// already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (x *expander) templateFor(n *pipes.Node) *template {
	if n == nil {
		return nil
	}
	path, ok := cleanPath(n.Str)
	if !ok {
		return nil
	}
	return x.templates[path]
}

// cleanPath turns a template path from the manifest into a path in the
// connector folder, as Jinja's loader does: a leading "/" and "." steps
// are dropped, and ".." is refused.
func cleanPath(s string) (string, bool) {
	var steps []string
	for _, step := range strings.Split(s, "/") {
		switch step {
		case "", ".":
			continue
		case "..":
			return "", false
		}
		steps = append(steps, step)
	}
	p := strings.Join(steps, "/")
	return p, p != "" && fs.ValidPath(p)
}

// checkParams turns the --param values into overrides. A parameter must
// be one the connector has: declared in the manifest or used by a
// template.
func (x *expander) checkParams() error {
	known := map[string]bool{}
	boolean := map[string]bool{}
	for _, name := range x.man.additional {
		known[name] = true
	}
	if x.man.serviceURL {
		known["service_url"] = true
	}
	for _, dt := range x.man.datatypes {
		for _, p := range dt.params {
			known[p.name] = true
			boolean[p.name] = boolean[p.name] || p.v.isBool
		}
	}
	for _, t := range x.templates {
		if t != nil {
			for _, name := range t.names {
				known[name] = true
			}
		}
	}
	for name := range reserved {
		delete(known, name)
	}
	x.overrides = map[string]value{}
	for _, p := range x.opts.Params {
		given := p.Name + "=" + p.Value
		if why, ok := reserved[p.Name]; ok {
			return &ParamError{given, fmt.Sprintf("%q cannot be set: %s", p.Name, why)}
		}
		if !known[p.Name] {
			names := sortedKeys(known)
			list := "it has none"
			if len(names) > 0 {
				list = "it has " + strings.Join(names, ", ")
			}
			return &ParamError{given, fmt.Sprintf("the connector has no parameter %q%s (%s)", p.Name, pipes.Suggest(p.Name, names), list)}
		}
		if _, dup := x.overrides[p.Name]; dup {
			return &ParamError{given, fmt.Sprintf("%q is given twice", p.Name)}
		}
		v := textValue(p.Value)
		if boolean[p.Name] {
			if p.Value != "true" && p.Value != "false" {
				return &ParamError{given, fmt.Sprintf("%q is a boolean in the manifest: give true or false", p.Name)}
			}
			v = boolValue(p.Value == "true")
		}
		x.overrides[p.Name] = v
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// scope is what the placeholders of a template expand to: for the system
// template (dt nil), the system and the connector's parameters; for a
// datatype's, also the datatype, its parent and its parameters. --param
// values come last and win.
func (x *expander) scope(dt *datatype) map[string]value {
	s := map[string]value{"system": textValue(x.opts.System)}
	for _, name := range x.man.additional {
		s[name] = textValue("$ENV(" + name + ")")
	}
	if x.man.serviceURL {
		s["service_url"] = textValue("$ENV(service_url)")
	}
	if dt != nil {
		for _, p := range dt.params {
			s[p.name] = p.v
		}
		s["datatype"] = textValue(dt.name)
		if dt.parent != nil {
			s["parent"] = textValue(dt.parent.Str)
		}
	}
	for name, v := range x.overrides {
		s[name] = v
	}
	return s
}

// expandTemplate expands t with the values of scope and adds its config
// objects; dtName is "" for the system template.
func (x *expander) expandTemplate(t *template, scope map[string]value, dtName, suffix string) {
	lookup := func(p part) (value, bool) {
		v, ok := scope[p.name]
		if !ok {
			key := fmt.Sprintf("%s#%d", p.pos.File, p.pos.Offset)
			u := x.unknown[key]
			if u == nil {
				u = &unknownUse{pos: p.pos, name: p.name, known: sortedKeys(scope)}
				x.unknown[key] = u
			}
			u.datatypes = append(u.datatypes, dtName)
		}
		return v, ok
	}
	root := x.expandNode(t, t.root, lookup)
	if root == nil {
		return
	}
	switch root.Kind {
	case pipes.Object:
		x.objects = append(x.objects, &object{node: root, origin: root.Pos.String() + suffix})
	case pipes.Array:
		for _, it := range root.Items {
			if it.Kind != pipes.Object {
				x.errs.Add(it, "expected a config object, got %s", it.Describe())
				continue
			}
			x.objects = append(x.objects, &object{node: it, origin: it.Pos.String() + suffix})
		}
	default:
		x.errs.Add(root, "a template holds one config object or a list of them, not %s", root.Describe())
	}
}

// expandNode copies n with every placeholder expanded; it returns nil when
// a placeholder has no value (lookup has recorded it). Duplicate keys,
// whether written or made by the expansion, resolve as in sesam-py: the
// last one wins, with a warning.
func (x *expander) expandNode(t *template, n *pipes.Node, lookup func(part) (value, bool)) *pipes.Node {
	switch n.Kind {
	case pipes.String:
		out := expandParts(t.parts[n.Pos.Offset], lookup)
		if out != nil {
			out.Pos = n.Pos
		}
		return out
	case pipes.Array:
		out := &pipes.Node{Kind: pipes.Array, Pos: n.Pos, Items: make([]*pipes.Node, 0, len(n.Items))}
		ok := true
		for _, it := range n.Items {
			e := x.expandNode(t, it, lookup)
			ok = ok && e != nil
			out.Items = append(out.Items, e)
		}
		if !ok {
			return nil
		}
		return out
	case pipes.Object:
		out := &pipes.Node{Kind: pipes.Object, Pos: n.Pos, Members: make([]pipes.Member, 0, len(n.Members))}
		ok := true
		for _, m := range n.Members {
			key := expandParts(t.parts[m.KeyPos.Offset], lookup)
			v := x.expandNode(t, m.Value, lookup)
			if key == nil || v == nil {
				ok = false
				continue
			}
			k := key.Str
			if key.Kind == pipes.Bool {
				k = fmt.Sprint(key.Bool)
			}
			out.Members = append(out.Members, pipes.Member{Key: k, KeyPos: m.KeyPos, Value: v})
		}
		if !ok {
			return nil
		}
		out.Members = lastMembers(out, func(first, later pipes.Member) {
			x.errs = append(x.errs, &pipes.Error{Pos: later.KeyPos, Warning: true, Msg: fmt.Sprintf(
				"duplicate key %q (first at line %d, column %d): the last one is used, as sesam-py does", later.Key, first.KeyPos.Line, first.KeyPos.Col)})
		})
		return out
	}
	c := *n
	return &c
}

// reportUnknown reports each placeholder that had no value, once, with
// the datatypes it had none for.
func (x *expander) reportUnknown() {
	for _, u := range x.unknown {
		var where, hint string
		known := slices.DeleteFunc(slices.Clone(u.known), func(s string) bool { return s == u.name })
		if len(u.datatypes) == 1 && u.datatypes[0] == "" {
			where = "in the system template"
			hint = fmt.Sprintf("declare it in the manifest's additional_parameters, or give --param %s=VALUE", u.name)
		} else {
			dts := slices.DeleteFunc(slices.Clone(u.datatypes), func(s string) bool { return s == "" })
			where = "for datatype " + quoteList(dts)
			if len(dts) > 1 {
				where = "for datatypes " + quoteList(dts)
			}
			hint = fmt.Sprintf("add it to the datatype's parameters or the manifest's additional_parameters, or give --param %s=VALUE", u.name)
		}
		x.errs = append(x.errs, &pipes.Error{Pos: u.pos, Msg: fmt.Sprintf("unknown placeholder %q %s%s (%s)",
			u.name, where, pipes.Suggest(u.name, known), hint)})
	}
}

// quoteList renders names as "a", "b", "c" and 2 more.
func quoteList(names []string) string {
	const show = 3
	var b strings.Builder
	for i, n := range names {
		if i == show {
			fmt.Fprintf(&b, " and %d more", len(names)-show)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}

// shimTemplate is the pipe sesam-py adds for every datatype: it stands in
// for the model mapping that, in Sesam, fills the datatype's -transform
// dataset (the one its share pipe reads), by sending back what the collect
// pipe read, with $based_on set.
const shimTemplate = `{
  "_id": "{{@ system @}}-{{@ datatype @}}-transform",
  "type": "pipe",
  "source": {
    "type": "dataset",
    "dataset": "{{@ system @}}-{{@ datatype @}}-collect",
    "supports_signalling": false
  },
  "transform": {
    "type": "dtl",
    "rules": {
      "default": [
        ["add", "$based_on", ["apply", "based-on", "_S."]],
        ["copy", "*"]
      ],
      "based-on": [
        ["copy", "*", ["list", "_*", "$*"]]
      ]
    }
  }
}`

// addShim adds the datatype's -transform pipe, unless a template already
// made one of that _id (sesam-py would overwrite it with the shim).
func (x *expander) addShim(dt *datatype) {
	id := x.opts.System + "-" + dt.name + "-transform"
	for _, o := range x.objects {
		if n := o.node.Get("_id"); n != nil && n.Kind == pipes.String && n.Str == id {
			x.errs.Warn(n, "pipe %q replaces the -transform pipe that sesam-py adds for datatype %q (sesam-py would overwrite it)", id, dt.name)
			return
		}
	}
	if x.shim == nil {
		// The shim is fixed text: a failure here is a bug, reported
		// rather than hidden.
		t := &template{file: "(shim)", data: []byte(shimTemplate), parts: map[int][]part{}}
		root, err := parseJSON(t.file, t.data)
		if err != nil {
			x.errs = append(x.errs, pipes.AsErrors(nil, err)...)
			return
		}
		t.root = root
		if errs := t.split(); len(errs) > 0 {
			x.errs = append(x.errs, errs...)
			return
		}
		x.shim = t
	}
	t := x.shim
	scope := map[string]value{"system": textValue(x.opts.System), "datatype": textValue(dt.name)}
	out := x.expandNode(t, t.root, func(p part) (value, bool) { v, ok := scope[p.name]; return v, ok })
	if out == nil {
		x.errs = append(x.errs, &pipes.Error{Msg: "internal error: the shim pipe did not expand"})
		return
	}
	x.objects = append(x.objects, &object{node: out, origin: fmt.Sprintf("the -transform pipe sesam-py adds for datatype %q", dt.name)})
}

// anonymousWrite is the permission sesam-py gives the receivers of
// webhook events when the manifest asks for a webhook secret.
const anonymousWrite = `[["allow", ["group:Anonymous"], ["write_data"]]]`

var reference = regexp.MustCompile(`\$(ENV|SECRET)\(([^()]*)\)`)

// output checks the objects (an _id and a type each, no _id twice) and
// renders one file per pipe and system, as sesam-py writes them.
func (x *expander) output() *Result {
	res := &Result{}
	type made struct{ origin, file string }
	ids := map[string]made{}
	files := map[string]string{} // lower-cased file name → _id, for case-insensitive file systems
	env, secrets := map[string]bool{}, map[string]bool{}
	for _, o := range x.objects {
		n := o.node
		id, typ := n.Get("_id"), n.Get("type")
		switch {
		case id == nil:
			x.errs.Add(n, `missing required property "_id"`)
			continue
		case id.Kind != pipes.String:
			x.errs.Add(id, "_id: expected a string, got %s", id.Describe())
			continue
		case id.Str == "":
			x.errs.Add(id, "_id is empty")
			continue
		case strings.ContainsAny(id.Str, "/\\\x00"):
			x.errs.Add(id, "_id %q contains / or \\, which cannot name a file", id.Str)
			continue
		case strings.HasPrefix(id.Str, "."):
			x.errs.Add(id, "_id %q starts with \".\": its file would be hidden, and the config loader skips hidden files", id.Str)
			continue
		case typ == nil:
			x.errs.Add(n, `%q: missing required property "type"`, id.Str)
			continue
		case typ.Kind != pipes.String:
			x.errs.Add(typ, "type: expected a string, got %s", typ.Describe())
			continue
		}
		var dir string
		switch {
		case typ.Str == "pipe":
			dir = "pipes"
			res.Pipes++
		case strings.HasPrefix(typ.Str, "system:"):
			dir = "systems"
			res.Systems++
		default:
			x.errs.Warn(typ, "%q has type %q: skipped, since sesam-py writes only pipes and systems", id.Str, typ.Str)
			continue
		}
		if first, dup := ids[id.Str]; dup {
			x.errs.Add(id, "_id %q is made twice: by %s and by %s", id.Str, first.origin, o.origin)
			continue
		}
		name := dir + "/" + id.Str + ".conf.json"
		if other, clash := files[strings.ToLower(name)]; clash {
			x.errs.Add(id, "_id %q and _id %q differ only in case: their files would be one on a case-insensitive file system", other, id.Str)
			continue
		}
		ids[id.Str] = made{o.origin, name}
		files[strings.ToLower(name)] = id.Str
		if dir == "pipes" && x.man.webhookSecret {
			x.permit(n, id.Str)
		}
		n.Walk(func(v *pipes.Node) bool {
			if v.Kind == pipes.String {
				for _, m := range reference.FindAllStringSubmatch(v.Str, -1) {
					switch {
					case m[2] == "":
					case m[1] == "ENV":
						env[m[2]] = true
					default:
						secrets[m[2]] = true
					}
				}
			}
			return true
		})
		var b bytes.Buffer
		writeJSON(&b, n, 0)
		b.WriteByte('\n')
		res.Files = append(res.Files, File{Name: name, Data: b.Bytes()})
	}
	slices.SortFunc(res.Files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	res.Env, res.Secrets = sortedKeys(env), sortedKeys(secrets)
	return res
}

// permit gives a webhook receiver (an http_endpoint pipe whose _id ends in
// "event") anonymous write access, as sesam-py does for a manifest with
// use_webhook_secret: the webhook_secret checks the requests instead.
func (x *expander) permit(pipe *pipes.Node, id string) {
	src := pipe.Get("source")
	if t := src.Get("type"); t == nil || t.Kind != pipes.String || t.Str != "http_endpoint" || !strings.HasSuffix(id, "event") {
		return
	}
	perm, err := parseJSON("", []byte(anonymousWrite))
	if err != nil {
		return
	}
	if m := pipe.Lookup("permissions"); m != nil {
		x.errs = append(x.errs, &pipes.Error{Pos: m.KeyPos, Warning: true, Msg: fmt.Sprintf(
			"pipe %q: permissions replaced with %s, as sesam-py does for a manifest with use_webhook_secret", id, anonymousWrite)})
		m.Value = perm
		return
	}
	pipe.Members = append(pipe.Members, pipes.Member{Key: "permissions", Value: perm})
}
