package webhooksink

import (
	"fmt"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
)

// showPlan reports, in a dry run, the requests a lane would send.
func (s *Sink) showPlan(l *lane, p *plan, show func(string)) {
	next, _ := s.nextMessageID()
	rows := s.run.rows
	for _, chunk := range s.chunks(p.send, &next) {
		m := s.message(l, chunk)
		line := fmt.Sprintf("%s %s\nwebhook-id: %s", m.Method, m.URL, m.ID)
		for k := range m.Header {
			line += fmt.Sprintf("\n%s: %s", k, m.Header.Get(k))
		}
		if m.Body != nil {
			line += "\n\n" + string(m.Body)
		}
		show(s.redact(line))
	}
	s.run.rows = rows
}

// dryRun shows the requests a batch would send, and changes nothing.
func (s *Sink) dryRun(es []entity.Entity, p component.Progress, show func(string)) (component.WriteStats, error) {
	var stats component.WriteStats
	if err := s.loadState(); err != nil {
		return stats, err
	}
	if s.instance == "" { // shown ids are the ones a real run would send
		v, _, err := s.st.Value(s.instanceKey())
		if err != nil {
			return stats, err
		}
		s.instance = string(v)
	}
	items, err := s.analyze(es)
	if err != nil {
		return stats, err
	}
	for _, l := range s.lanes {
		plan := s.plan(l, items, p.FullRun)
		stats.Unchanged += plan.skipped
		s.showPlan(l, plan, show)
	}
	return stats, nil
}
