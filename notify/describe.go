package notify

import (
	"slices"
	"sort"

	"github.com/sluice-sync/sluice/pipes"
)

// DestinationInfo describes a destination and what is routed to it, for
// "sluice destination list" and GET /api/destinations. It shows no secret
// and no header value.
type DestinationInfo struct {
	ID   string `json:"_id"`
	Name string `json:"name,omitempty"`
	URL  string `json:"url"` // redacted
	// Secret is "configured" (with Keys keys) or "generated".
	Secret  string   `json:"secret"`
	Keys    int      `json:"keys"`
	Headers []string `json:"headers"` // names only
	// Events are the event types some subscription sends here.
	Events []string `json:"events"`
	Routes []Route  `json:"routes"`
	// Gone is true once the destination answered 410 Gone (service only).
	Gone bool `json:"gone,omitempty"`
}

// Route is one subscription sending to a destination.
type Route struct {
	Subscription string   `json:"subscription"`
	Events       []string `json:"events"`
	Pipes        []string `json:"pipes"`
	// Matches are the configured pipes the patterns match now.
	Matches []string `json:"matches"`
}

// Describe lists the config's destinations with their routes.
func Describe(cfg *pipes.Config) []DestinationInfo {
	out := []DestinationInfo{}
	for _, d := range cfg.Destinations {
		info := DestinationInfo{ID: d.ID, Name: d.Name, URL: cfg.Redact(d.URL), Secret: "generated", Headers: []string{}, Events: []string{}, Routes: []Route{}}
		if len(d.Secrets) > 0 {
			info.Secret, info.Keys = "configured", len(d.Secrets)
		} else {
			info.Keys = 1
		}
		for k := range d.Headers {
			info.Headers = append(info.Headers, k)
		}
		sort.Strings(info.Headers)
		for _, s := range cfg.Subscriptions {
			if !slices.Contains(s.Destinations, d.ID) {
				continue
			}
			r := Route{Subscription: s.ID, Events: s.Events, Pipes: s.Pipes, Matches: []string{}}
			for _, p := range cfg.Pipes {
				if slices.ContainsFunc(s.Pipes, func(pat string) bool { return pipes.MatchPipe(pat, p.ID) }) {
					r.Matches = append(r.Matches, p.ID)
				}
			}
			for _, e := range pipes.Events {
				if (slices.Contains(s.Events, "*") || slices.Contains(s.Events, e)) && !slices.Contains(info.Events, e) {
					info.Events = append(info.Events, e)
				}
			}
			info.Routes = append(info.Routes, r)
		}
		slices.Sort(info.Events)
		out = append(out, info)
	}
	return out
}

// Destinations is Describe with the notifier's state: which destinations
// answered 410 Gone.
func (n *Notifier) Destinations() []DestinationInfo {
	out := Describe(n.cfg)
	for i := range out {
		if d := n.dests[out[i].ID]; d != nil {
			d.mu.Lock()
			out[i].Gone = d.gone
			d.mu.Unlock()
		}
	}
	return out
}
