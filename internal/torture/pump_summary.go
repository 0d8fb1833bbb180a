package torture

import (
	"encoding/json"
	"fmt"
	"strings"
)

// summary is the JSON line `sluice pump` prints.
type summary struct {
	Pipe    string          `json:"pipe"`
	Status  string          `json:"status"`
	Full    bool            `json:"full"`
	Read    int             `json:"read"`
	Written int             `json:"written"`
	Deleted int             `json:"deleted"`
	Offset  json.RawMessage `json:"offset"`
	Error   string          `json:"error"`
	// DurationMS is the run's own time, without starting up.
	DurationMS int64 `json:"duration_ms"`
}

func parseSummary(stdout string) (summary, error) {
	var s summary
	line := strings.TrimSpace(stdout)
	if strings.Count(line, "\n") != 0 {
		return s, fmt.Errorf("want one summary line, got %q", stdout)
	}
	if err := json.Unmarshal([]byte(line), &s); err != nil {
		return s, fmt.Errorf("summary %q: %w", stdout, err)
	}
	return s, nil
}

// checkSummary checks the summary of the run that completed copy k after
// the last kill left its offset at last (-2: not checked) with fullRun
// under way: it ends at the source's last offset, is a full run when the
// kill came before the full run ended, and read and wrote exactly what
// was left.
func (pr *pumpRun) checkSummary(k int, s summary, last int, fullRun uint64, log *trialLog) {
	left, wantFull := pr.n-(last+1), last < 0 || fullRun != 0
	switch {
	case s.Status != "completed" || string(s.Offset) != fmt.Sprint(pr.n-1):
		log.violation("%s's last run: want a completed run ending at offset %d, got %+v", copyPipe(k), pr.n-1, s)
	case last == -2: // what it started from is unknown
	case s.Full != wantFull:
		log.violation("%s's last run: want full %t after the kill left offset %d and full run %d, got %+v", copyPipe(k), wantFull, last, fullRun, s)
	case s.Read != left || s.Written != left || s.Deleted != 0:
		log.violation("%s's last run read %d and wrote %d (deleted %d) after the committed offset %d: want %d each, none deleted", copyPipe(k), s.Read, s.Written, s.Deleted, last, left)
	}
}
