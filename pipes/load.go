package pipes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ComponentTypes is what the loader needs from the component registry.
type ComponentTypes interface {
	// NewConfig returns a pointer to a default config of a kind ("source",
	// "transform", "sink", "system") and type, or false if unknown.
	NewConfig(kind, typ string) (any, bool)
	// Types lists the known type names of a kind.
	Types(kind string) []string
}

// PipeDefaulter is a component config whose defaults depend on the pipe,
// such as a dataset sink writing to the dataset named after its pipe.
type PipeDefaulter interface {
	PipeDefaults(pipeID string)
}

// Options configure Load.
type Options struct {
	Types ComponentTypes
	// Env looks up $ENV(name); nil means the process environment.
	Env Lookup
	// Secrets looks up $SECRET(name); nil means the environment variable
	// SLUICE_SECRET_<name>.
	Secrets Lookup
}

// skipDirs are folders a config folder may hold that are not config.
var skipDirs = map[string]bool{"testdata": true, "expected": true, "node_modules": true, "sluice-data": true}

// Load reads every *.json file under dir (sub-folders included, except
// hidden ones and testdata, expected, node_modules and sluice-data). The
// error, when there are problems, is an Errors listing all of them; the
// Config's Warnings hold what is accepted but has no effect.
func Load(dir string, opts Options) (*Config, error) {
	if opts.Env == nil {
		opts.Env = os.LookupEnv
	}
	if opts.Secrets == nil {
		opts.Secrets = func(name string) (string, bool) { return os.LookupEnv("SLUICE_SECRET_" + name) }
	}
	files, err := configFiles(dir)
	if err != nil {
		return nil, err
	}
	l := &loader{opts: opts, cfg: &Config{Dir: dir}, ids: map[string]*Node{}, unresolved: map[string]bool{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			rel = f
		}
		l.file(filepath.ToSlash(filepath.Join(dir, rel)), data)
	}
	for _, metadataFirst := range []bool{true, false} {
		for _, n := range l.objects {
			if isMetadata(n) == metadataFirst {
				l.object(n)
			}
		}
	}
	slices.SortFunc(l.cfg.Pipes, func(a, b *Pipe) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(l.cfg.Systems, func(a, b *System) int { return strings.Compare(a.ID, b.ID) })
	l.checkSystemRefs()
	l.checkNotify()
	l.literalSecrets()
	l.errs.Sort()
	// Components an expander generated share their user's node, and may
	// share a problem too: say it once.
	l.errs = slices.CompactFunc(l.errs, func(a, b *Error) bool { return a.Error() == b.Error() })
	var problems, warnings Errors
	for _, e := range l.errs {
		if e.Warning {
			warnings = append(warnings, e)
		} else {
			problems = append(problems, e)
		}
	}
	l.cfg.Warnings = warnings
	if len(problems) > 0 {
		return l.cfg, problems
	}
	return l.cfg, nil
}

func configFiles(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("config folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("config folder %s is not a folder", dir)
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != dir && (strings.HasPrefix(name, ".") || (d.IsDir() && skipDirs[name])) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.HasSuffix(name, ".json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("config folder: %w", err)
	}
	slices.Sort(files)
	return files, nil
}

type loader struct {
	opts Options
	cfg  *Config
	errs Errors
	ids  map[string]*Node // _id → where it was first defined
	// unresolved holds the pointers of values whose $ENV or $SECRET could
	// not be substituted; decoding them again would only repeat the news.
	unresolved map[string]bool
	// brokenSystems are systems that failed to decode (and were reported).
	brokenSystems []string
	// pipeIDs are the ids of every pipe object, loaded or not, which
	// subscription patterns are matched against.
	pipeIDs []string
	// objects are the config objects of every file, in file order; the
	// metadata object is loaded first, since pipes inherit its defaults.
	objects      []*Node
	metadataNode *Node
	defaults     pipeDefaults
}

// add keeps decoding problems, except those at unresolved references.
func (l *loader) add(errs Errors) {
	for _, e := range errs {
		if !l.unresolved[e.Pos.File+"#"+e.Pointer] {
			l.errs = append(l.errs, e)
		}
	}
}

func (l *loader) file(name string, data []byte) {
	root, err := Parse(name, data)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			l.errs = append(l.errs, pe)
		} else {
			l.errs = append(l.errs, &Error{Pos: Pos{File: name, Line: 1, Col: 1}, Msg: err.Error()})
		}
		return
	}
	switch root.Kind {
	case Object:
		l.objects = append(l.objects, root)
	case Array:
		for _, item := range root.Items {
			if item.Kind != Object {
				l.errs.Add(item, "expected a config object, got %s", item.Describe())
				continue
			}
			l.objects = append(l.objects, item)
		}
	default:
		l.errs.Add(root, "a config file holds one config object or a list of them, not %s", root.Describe())
	}
}

func (l *loader) object(n *Node) {
	before := len(l.errs)
	l.cfg.secrets = append(l.cfg.secrets, substitute(n, l.opts.Env, l.opts.Secrets, &l.errs)...)
	for _, e := range l.errs[before:] {
		l.unresolved[e.Pos.File+"#"+e.Pointer] = true
	}
	id, typ := n.Get("_id"), n.Get("type")
	switch {
	case typ == nil:
		l.errs.Add(n, `missing required property "type" ("pipe", "system:<kind>", "destination" or "subscription")`)
		return
	case typ.Kind != String:
		l.errs.Add(typ, "expected a string, got %s", typ.Describe())
		return
	}
	if !l.checkID(n, id) {
		return
	}
	switch t := typ.Str; {
	case t == "pipe":
		l.pipeIDs = append(l.pipeIDs, id.Str)
		if p := l.pipe(n); p != nil {
			l.cfg.Pipes = append(l.cfg.Pipes, p)
		}
	case strings.HasPrefix(t, "system:"):
		if s := l.system(n, strings.TrimPrefix(t, "system:")); s != nil {
			l.cfg.Systems = append(l.cfg.Systems, s)
		}
	case t == "destination":
		if d := l.destination(n); d != nil {
			l.cfg.Destinations = append(l.cfg.Destinations, d)
		}
	case t == "subscription":
		if s := l.subscription(n); s != nil {
			l.cfg.Subscriptions = append(l.cfg.Subscriptions, s)
		}
	case t == "metadata":
		l.metadata(n)
	default:
		l.errs.Add(typ, `unknown config type %q (expected "pipe", "system:<kind>", "destination" or "subscription")`, t)
	}
}

// isMetadata reports whether n is a metadata object.
func isMetadata(n *Node) bool {
	t := n.Get("type")
	return t != nil && t.Kind == String && t.Str == "metadata"
}

func (l *loader) checkID(obj, id *Node) bool {
	switch {
	case id == nil:
		l.errs.Add(obj, `missing required property "_id"`)
		return false
	case id.Kind != String:
		l.errs.Add(id, "expected a string, got %s", id.Describe())
		return false
	case id.Str == "":
		l.errs.Add(id, "_id is empty")
		return false
	case strings.Contains(id.Str, "/"):
		l.errs.Add(id, "_id %q contains \"/\", which is not allowed", id.Str)
		return false
	}
	if first, dup := l.ids[id.Str]; dup {
		l.errs.Add(id, "duplicate _id %q (first defined at %s)", id.Str, first.Pos)
		return false
	}
	l.ids[id.Str] = id
	return true
}

// SecretHolder is implemented by component and system configs holding
// secrets (a signing secret, a password, an Authorization header), so
// that Redact hides them wherever they came from: $SECRET, $ENV or
// written literally.
type SecretHolder interface {
	ConfigSecrets() []string
}

// literalSecrets adds the secrets that components, systems and
// destinations hold to what Redact hides.
func (l *loader) literalSecrets() {
	var holders []any
	for _, p := range l.cfg.Pipes {
		for _, c := range append([]Component{p.Source, p.Sink}, p.Transforms...) {
			holders = append(holders, c.Config)
		}
	}
	for _, s := range l.cfg.Systems {
		holders = append(holders, s.Component.Config)
	}
	for _, d := range l.cfg.Destinations {
		holders = append(holders, d)
	}
	for _, h := range holders {
		if h, ok := h.(SecretHolder); ok {
			l.cfg.addSecrets(h.ConfigSecrets()...)
		}
	}
	l.cfg.addSecrets() // sorts the $SECRET values in too, longest first
}

// SystemReferrer is implemented by component configs that use a system
// (a "system" property); the loader checks the system exists.
type SystemReferrer interface {
	SystemRef() string
}

// checkSystemRefs reports components whose "system" names no system.
func (l *loader) checkSystemRefs() {
	for _, p := range l.cfg.Pipes {
		comps := append([]Component{p.Source, p.Sink}, p.Transforms...)
		for _, c := range comps {
			ref, ok := c.Config.(SystemReferrer)
			if !ok || ref.SystemRef() == "" || l.cfg.System(ref.SystemRef()) != nil || c.Node == nil || slices.Contains(l.brokenSystems, ref.SystemRef()) {
				continue
			}
			at := c.Node
			if n := c.Node.Get("system"); n != nil {
				at = n
			}
			l.errs.Add(at, "no system %q is defined (a config object with \"_id\": %q and \"type\": \"system:<kind>\")", ref.SystemRef(), ref.SystemRef())
		}
	}
}
