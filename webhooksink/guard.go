package webhooksink

import "fmt"

// checkDeletes applies max_delete_ratio: a run may delete at most that
// share of what the endpoint held when it started.
func (s *Sink) checkDeletes(l *lane, recs []*record) error {
	if s.cfg.MaxDeleteRatio == nil {
		return nil
	}
	n := int64(0)
	for _, r := range recs {
		if r.op == "delete" {
			n++
		}
	}
	return s.checkDeleteCount(l, n)
}

func (s *Sink) checkDeleteCount(l *lane, n int64) error {
	if s.cfg.MaxDeleteRatio == nil || n == 0 {
		return nil
	}
	total := s.run.deletes[l.name] + n
	if float64(total) > *s.cfg.MaxDeleteRatio*float64(l.held) {
		return fmt.Errorf("max_delete_ratio %g: this run would delete %d of the %d entities the endpoint %s holds; nothing more was sent (raise max_delete_ratio if that is intended)",
			*s.cfg.MaxDeleteRatio, total, l.held, s.redact(l.url))
	}
	return nil
}
