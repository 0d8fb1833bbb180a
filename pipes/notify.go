package pipes

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Run notification event types (docs/configuration.md, "Run notifications").
const (
	EventPipeCompleted = "pipe.completed"
	EventPipeFailed    = "pipe.failed"
)

// Events lists the event types a subscription can name ("*" names all).
var Events = []string{EventPipeCompleted, EventPipeFailed}

// Destination is a URL that run notifications are sent to
// ("type": "destination"): where, how they are signed, and which headers
// go with them. Which events go there is the subscriptions' business, so
// one URL can serve any mix of events.
type Destination struct {
	ID          string
	Name        string
	Description StringOrList
	Comment     StringOrList
	URL         string
	// Secrets sign every request, all of them at once during a key
	// rotation ("secret" is a list of one). Empty means sluice generates
	// one and keeps it (package notify).
	Secrets []string
	Headers map[string]string
	// Retry is the delivery schedule as configured; nil means the default.
	Retry *DestinationRetry
	Node  *Node
}

// ConfigSecrets lists what a destination holds that Redact must hide: its
// signing secrets (with and without "whsec_"), its credential headers and
// the credentials in its URL.
func (d *Destination) ConfigSecrets() []string {
	var out []string
	for _, s := range d.Secrets {
		out = append(out, s, strings.TrimPrefix(s, "whsec_"))
	}
	out = append(out, HeaderSecrets(d.Headers)...)
	return append(out, URLSecrets(d.URL)...)
}

// DestinationRetry is a destination's "retry" object. It mirrors
// webhook.Retry field for field, but as pointers, because package webhook
// imports pipes and so cannot be imported here: package notify lays the
// fields that are set over webhook.DefaultRetry(). The checks match
// webhook.Retry.Validate so that "sluice validate" catches a bad schedule.
type DestinationRetry struct {
	MaxAttempts  *int     `json:"max_attempts"`
	InitialDelay *float64 `json:"initial_delay"`
	MaxDelay     *float64 `json:"max_delay"`
	MaxAge       *float64 `json:"max_age"`
	Timeout      *float64 `json:"timeout"`
}

// Validate checks the numbers that are set.
func (r *DestinationRetry) Validate() error {
	var errs []error
	if r.MaxAttempts != nil && (*r.MaxAttempts < 1 || *r.MaxAttempts > 100) {
		errs = append(errs, &FieldError{Field: "max_attempts", Err: errors.New("max_attempts must be between 1 and 100")})
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"initial_delay", r.InitialDelay}, {"max_delay", r.MaxDelay}, {"max_age", r.MaxAge}, {"timeout", r.Timeout}} {
		if f.v != nil && *f.v < 0 {
			errs = append(errs, &FieldError{Field: f.name, Err: errors.New(f.name + " must not be negative")})
		}
	}
	if r.Timeout != nil && *r.Timeout == 0 {
		errs = append(errs, &FieldError{Field: "timeout", Err: errors.New("timeout must be positive")})
	}
	return errors.Join(errs...)
}

// Subscription routes run events to destinations ("type": "subscription").
type Subscription struct {
	ID          string
	Name        string
	Description StringOrList
	Comment     StringOrList
	// Events are event types as written; "*" means every type.
	Events []string
	// Pipes are pipe ids or patterns where "*" matches any run of
	// characters; ["*"] (every pipe) when not configured.
	Pipes []string
	// Destinations are destination ids, each checked to exist.
	Destinations []string
	Node         *Node
	// broken marks a subscription with problems: it is kept until its
	// references are checked too, so one pass reports everything.
	broken bool
}

// Matches reports whether a run event of a pipe is routed by s. "*"
// stands for the known event types only, so a receiver subscribed to
// everything gets no event type it was never told about.
func (s *Subscription) Matches(event, pipe string) bool {
	if !slices.Contains(Events, event) || !slices.Contains(s.Events, "*") && !slices.Contains(s.Events, event) {
		return false
	}
	return slices.ContainsFunc(s.Pipes, func(p string) bool { return MatchPipe(p, pipe) })
}

// MatchPipe matches a pipe id against a subscription's pattern, in which
// only "*" is special (any run of characters, none included). Pipe ids
// may hold "?" or "[", so path.Match's richer syntax would surprise.
func MatchPipe(pattern, id string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == id
	}
	if !strings.HasPrefix(id, parts[0]) {
		return false
	}
	id = id[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(id, mid)
		if i < 0 {
			return false
		}
		id = id[i+len(mid):]
	}
	return len(id) >= len(last) && strings.HasSuffix(id, last)
}

// Destination returns the destination with that id, or nil.
func (c *Config) Destination(id string) *Destination {
	for _, d := range c.Destinations {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// Subscription returns the subscription with that id, or nil.
func (c *Config) Subscription(id string) *Subscription {
	for _, s := range c.Subscriptions {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Route lists the destinations a run event of a pipe goes to, each once
// even when several subscriptions route it there, in id order.
func (c *Config) Route(event, pipe string) []*Destination {
	var out []*Destination
	for _, d := range c.Destinations {
		for _, s := range c.Subscriptions {
			if slices.Contains(s.Destinations, d.ID) && s.Matches(event, pipe) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// commonDoc holds the generic members of destinations and subscriptions.
type commonDoc struct {
	ID          string         `json:"_id"`
	Type        string         `json:"type"`
	Name        string         `json:"name"`
	Description StringOrList   `json:"description"`
	Comment     StringOrList   `json:"comment"`
	Metadata    map[string]any `json:"metadata"`
}

// destinationDoc is the JSON shape of a destination.
type destinationDoc struct {
	commonDoc
	URL     string            `json:"url" cfg:"required"`
	Secret  *string           `json:"secret"`
	Secrets []string          `json:"secrets"`
	Headers map[string]string `json:"headers"`
	Retry   *DestinationRetry `json:"retry"`
}

// subscriptionDoc is the JSON shape of a subscription.
type subscriptionDoc struct {
	commonDoc
	Events       []string `json:"events" cfg:"required"`
	Pipes        []string `json:"pipes"`
	Destinations []string `json:"destinations" cfg:"required"`
}

// destination decodes and checks one destination; nil when it has errors.
func (l *loader) destination(n *Node) *Destination {
	var doc destinationDoc
	// The checks run even after decoding problems, so that one pass
	// reports everything.
	errs := append(Decode(n, &doc), checkDestination(n)...)
	l.add(errs)
	if errs.HasErrors() {
		return nil
	}
	d := &Destination{ID: doc.ID, Name: doc.Name, Description: doc.Description, Comment: doc.Comment,
		URL: doc.URL, Secrets: doc.Secrets, Headers: doc.Headers, Retry: doc.Retry, Node: n}
	if doc.Secret != nil {
		d.Secrets = []string{*doc.Secret}
	}
	// Secrets written literally (not through $SECRET) must be redacted
	// all the same.
	for _, s := range d.Secrets {
		if !slices.Contains(l.cfg.secrets, s) {
			l.cfg.secrets = append(l.cfg.secrets, s)
		}
	}
	return d
}

// checkDestination checks what the decoder cannot. Messages never quote
// a secret, nor a URL, which may carry one.
func checkDestination(n *Node) Errors {
	var es Errors
	if u := n.Get("url"); u != nil && u.Kind == String {
		if p, err := url.Parse(u.Str); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			es.Add(u, "url must be an absolute http or https URL")
		}
	}
	secret, secrets := n.Get("secret"), n.Get("secrets")
	switch {
	case secret != nil && secret.Kind != Null && secrets != nil && secrets.Kind != Null:
		es.Add(secrets, `give "secret" or "secrets", not both`)
	case secret != nil && secret.Kind == String:
		if err := CheckSecret(secret.Str); err != nil {
			es.Add(secret, "%v", err)
		}
	case secrets != nil && secrets.Kind == Array && len(secrets.Items) == 0:
		es.Add(secrets, `secrets is empty (leave it out to have a secret generated)`)
	default:
		for _, s := range stringItems(secrets) {
			if err := CheckSecret(s.Str); err != nil {
				es.Add(s, "%v", err)
			}
		}
	}
	for _, m := range n.Get("headers").members() {
		if !validHeaderName(m.Key) {
			es.Add(m.Value, "%q is not a valid HTTP header name", m.Key)
		} else if strings.HasPrefix(strings.ToLower(m.Key), "webhook-") {
			es.Add(m.Value, "header %q is set by sluice when it signs the request", m.Key)
		}
		if m.Value.Kind == String && strings.ContainsAny(m.Value.Str, "\r\n\x00") {
			es.Add(m.Value, "a header value cannot hold line breaks or NUL characters")
		}
	}
	return es
}

// stringItems are the string items of an array node; the decoder reports
// the others.
func stringItems(n *Node) []*Node {
	if n == nil || n.Kind != Array {
		return nil
	}
	var out []*Node
	for _, it := range n.Items {
		if it != nil && it.Kind == String {
			out = append(out, it)
		}
	}
	return out
}

// emptyList reports an array node with no items.
func emptyList(n *Node) bool { return n != nil && n.Kind == Array && len(n.Items) == 0 }

// members is an object node's members, or nothing for nil or other kinds.
func (n *Node) members() []Member {
	if n == nil || n.Kind != Object {
		return nil
	}
	return n.Members
}

// CheckSecret checks a Standard Webhooks secret the way webhook.DecodeSecret
// reads it: an optional "whsec_" prefix, then base64 of at least 16 bytes.
// (pipes cannot import webhook, which imports pipes.)
func CheckSecret(secret string) error {
	b64 := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	if b64 == "" {
		return errors.New("the secret is empty (leave it out to have one generated)")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return errors.New(`a secret must be base64, optionally prefixed "whsec_"`)
	}
	if len(key) < 16 {
		return fmt.Errorf("the secret is %d bytes; use at least 16 (24 to 64 is usual)", len(key))
	}
	return nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// subscription decodes and checks one subscription; references to pipes
// and destinations are checked once every file is read (checkNotify),
// which also drops the subscription if it has problems.
func (l *loader) subscription(n *Node) *Subscription {
	var doc subscriptionDoc
	errs := append(Decode(n, &doc), checkSubscription(n)...)
	l.add(errs)
	s := &Subscription{ID: doc.ID, Name: doc.Name, Description: doc.Description, Comment: doc.Comment,
		Events: doc.Events, Pipes: doc.Pipes, Destinations: doc.Destinations, Node: n, broken: errs.HasErrors()}
	if s.Pipes == nil {
		s.Pipes = []string{"*"}
	}
	return s
}

func checkSubscription(n *Node) Errors {
	var es Errors
	known := append([]string{"*"}, Events...)
	if ev := n.Get("events"); emptyList(ev) {
		es.Add(ev, `events is empty (give %s)`, knownList(known))
	}
	for _, e := range stringItems(n.Get("events")) {
		if !slices.Contains(known, e.Str) {
			es.Add(e, "unknown event %q (known: %s)%s", e.Str, knownList(known), Suggest(e.Str, Events))
		}
	}
	if p := n.Get("pipes"); emptyList(p) {
		es.Add(p, `pipes is empty (leave it out, or give ["*"], to mean every pipe)`)
	}
	for _, p := range stringItems(n.Get("pipes")) {
		if p.Str == "" {
			es.Add(p, "a pipe id or pattern cannot be empty")
		}
	}
	if d := n.Get("destinations"); emptyList(d) {
		es.Add(d, "destinations is empty (give the ids of destinations)")
	}
	for _, d := range stringItems(n.Get("destinations")) {
		if d.Str == "" {
			es.Add(d, "a destination id cannot be empty")
		}
	}
	return es
}

// checkNotify runs once every file is read: it sorts destinations and
// subscriptions and checks what subscriptions refer to.
func (l *loader) checkNotify() {
	slices.SortFunc(l.cfg.Destinations, func(a, b *Destination) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(l.cfg.Subscriptions, func(a, b *Subscription) int { return strings.Compare(a.ID, b.ID) })
	var pipeIDs, destIDs []string
	for _, p := range l.cfg.Pipes {
		pipeIDs = append(pipeIDs, p.ID)
	}
	for _, d := range l.cfg.Destinations {
		destIDs = append(destIDs, d.ID)
	}
	// The nodes, not the decoded lists, are walked: they hold the places,
	// and they are there even when the subscription decoded badly.
	for _, s := range l.cfg.Subscriptions {
		for _, it := range stringItems(s.Node.Get("destinations")) {
			if id := it.Str; id != "" && l.cfg.Destination(id) == nil {
				l.badRef(it, "destination", id, destIDs)
			}
		}
		for _, it := range stringItems(s.Node.Get("pipes")) {
			switch p := it.Str; {
			case p == "":
			case !strings.Contains(p, "*"):
				if l.cfg.Pipe(p) == nil {
					l.badRef(it, "pipe", p, pipeIDs)
				}
			case p != "*" && !slices.ContainsFunc(l.pipeIDs, func(id string) bool { return MatchPipe(p, id) }):
				l.errs.Warn(it, "pattern %q matches no pipe", p)
			}
		}
	}
	l.cfg.Subscriptions = slices.DeleteFunc(l.cfg.Subscriptions, func(s *Subscription) bool { return s.broken })
}

// badRef reports a reference to an object that is not there, unless the
// object is there but failed to load (its own problems are reported).
func (l *loader) badRef(at *Node, kind, id string, known []string) {
	if _, defined := l.ids[id]; defined {
		switch other := l.kindOf(id); {
		case other == "":
			return // defined, but broken
		case other != kind:
			l.errs.Add(at, "%q is a %s, not a %s", id, other, kind)
			return
		}
	}
	l.errs.Add(at, "no %s %q is defined (a config object with \"_id\": %q and \"type\": %q)%s", kind, id, id, kind, Suggest(id, known))
}

// kindOf says what loaded object has the id: "pipe", "system",
// "destination", "subscription", or "" when none loaded.
func (l *loader) kindOf(id string) string {
	switch {
	case l.cfg.Pipe(id) != nil:
		return "pipe"
	case l.cfg.System(id) != nil:
		return "system"
	case l.cfg.Destination(id) != nil:
		return "destination"
	case l.cfg.Subscription(id) != nil:
		return "subscription"
	}
	return ""
}
