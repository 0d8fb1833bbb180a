package pipes

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Config is a loaded, validated config folder.
type Config struct {
	Dir      string
	Pipes    []*Pipe   // sorted by ID
	Systems  []*System // sorted by ID
	Warnings Errors
	secrets  []string

	// Destinations and Subscriptions are the run notifications
	// (notify.go), sorted by ID.
	Destinations  []*Destination
	Subscriptions []*Subscription
}

// Pipe returns the pipe with that id, or nil.
func (c *Config) Pipe(id string) *Pipe {
	for _, p := range c.Pipes {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// System returns the system with that id, or nil.
func (c *Config) System(id string) *System {
	for _, s := range c.Systems {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Component is one configured source, transform, sink or system.
type Component struct {
	Type   string
	Config any // the registered type's config struct, decoded
	Node   *Node
}

// Pipe is one pipe's configuration.
type Pipe struct {
	ID          string
	Name        string
	Description StringOrList
	Comment     StringOrList
	Source      Component
	Transforms  []Component
	Sink        Component
	Pump        Pump
	// BatchSize is how many source entities go through the transforms and
	// into the sink at a time; 0 means the engine's default.
	BatchSize int
	// DisableSetLastSeen protects the pipe from having its offset reset.
	DisableSetLastSeen bool
	// ExcludeCompleteness leaves datasets out of the sink dataset's
	// completeness; IncludeCompleteness, when not nil, names the only
	// datasets that count.
	ExcludeCompleteness []string
	IncludeCompleteness []string
	Namespaces          Namespaces
	Metadata            map[string]any
	Node                *Node
}

// Namespaces are a pipe's namespaced-identifier settings.
type Namespaces struct {
	// Enabled is namespaced_identifiers: DTL's namespace-aware functions
	// qualify the names they write.
	Enabled bool
	// Identity and Property are the namespaces for _id values and for
	// property names; both default to the pipe's id.
	Identity, Property string
	// Add qualifies _id and property names before the first transform;
	// Remove strips namespaces after the last one.
	Add, Remove bool
}

// System is one system's configuration ("type": "system:<Kind>").
type System struct {
	ID        string
	Kind      string
	Name      string
	Component Component
	Node      *Node
}

// Pump modes.
const (
	ModeScheduled = "scheduled"
	ModeManual    = "manual"
	ModeOff       = "off"
)

// Pump is when and how a pipe runs.
type Pump struct {
	Mode             string   `json:"mode" enum:"scheduled,manual,off" default:"scheduled" doc:"scheduled: by schedule_interval or cron_expression; manual: only when pumped (sluice pump, the API); off: never, and its receiver refuses pushes"`
	ScheduleInterval *float64 `json:"schedule_interval" type:"number of seconds, > 0" doc:"run every so many seconds"`
	CronExpression   string   `json:"cron_expression" doc:"run on a cron schedule: 5 fields, an optional CRON_TZ=Zone prefix, or @hourly and the like"`
	// TimeZone is the IANA zone cron_expression is read in (default UTC).
	TimeZone                   string       `json:"time_zone" default:"UTC" doc:"the IANA time zone cron_expression is read in, such as Europe/Oslo"`
	RunAtStartup               bool         `json:"run_at_startup" doc:"run once when the service starts"`
	RunAtStartupIfNotPopulated bool         `json:"run_at_startup_if_not_populated" default:"false, or the metadata object's global_defaults.run_at_startup_if_not_populated" doc:"run once when the service starts, if the pipe's sink dataset is not populated yet"`
	Comment                    StringOrList `json:"comment" doc:"free text"`
	Name                       string       `json:"name" doc:"a human-readable name"`
}

// CronParser parses pump cron expressions: the standard five fields, with
// an optional "CRON_TZ=Zone " prefix, or a descriptor such as "@hourly".
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Validate checks the pump's settings.
func (p *Pump) Validate() error {
	var errs []error
	if p.ScheduleInterval != nil && *p.ScheduleInterval <= 0 {
		errs = append(errs, &FieldError{Field: "schedule_interval", Err: errors.New("schedule_interval must be a positive number of seconds")})
	}
	if p.CronExpression != "" {
		if _, err := CronParser.Parse(p.CronExpression); err != nil {
			errs = append(errs, &FieldError{Field: "cron_expression", Err: fmt.Errorf("bad cron expression: %s", strings.TrimPrefix(err.Error(), "failed to parse "))})
		}
	}
	if p.TimeZone != "" {
		if _, err := time.LoadLocation(p.TimeZone); err != nil || strings.EqualFold(p.TimeZone, "local") {
			errs = append(errs, &FieldError{Field: "time_zone", Err: fmt.Errorf("unknown time zone %q (use an IANA name such as Europe/Oslo)", p.TimeZone)})
		}
	}
	return errors.Join(errs...)
}

// SesamKeys lists the Sesam properties Pump accepts without effect.
func (*Pump) SesamKeys() []string {
	return []string{"rescan_run_count", "rescan_cron_expression", "partial_rescan_run_count", "partial_rescan_delta", "max_read_retries", "read_retry_delay", "write_retry_delay", "max_retries_per_entity", "max_consecutive_write_errors", "max_write_errors_in_retry_dataset", "fallback_to_single_entities_on_batch_fail", "use_dead_letter_dataset", "dead_letter_dataset", "track_dead_letters", "max_seconds_per_entity", "log_events_noop_runs", "log_events_noop_runs_changes_only", "notification_granularity", "batch_retries"}
}
