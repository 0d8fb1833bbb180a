package engine

import (
	"encoding/json"
	"fmt"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// ExecutionDataset names the dataset where a pipe's run events are kept,
// as Sesam's pump execution log: one entity per event.
func ExecutionDataset(pipe string) string { return "system:pump_execution:" + pipe }

// traceLimit is how many traced requests a run's event keeps; the rest
// are only counted (trace_omitted).
const traceLimit = 100

// execution is one run event.
type execution struct {
	ID    string `json:"_id"`
	Event string `json:"event"` // pump-started, pump-completed, pump-failed
	RunID string `json:"run_id"`
	Summary
	// Trace holds the requests of components with "trace" (Sesam's
	// "trace" property of pump-completed and pump-failed).
	Trace        []component.TraceEntry `json:"trace,omitempty"`
	TraceOmitted int                    `json:"trace_omitted,omitempty"`
}

// recordEvent appends a run event to the pipe's execution dataset, with
// what trace holds (nil: no trace).
func (e *Engine) recordEvent(event string, sum Summary, trace *component.Trace) error {
	runID := fmt.Sprintf("%d", sum.Started.UnixNano())
	x := execution{ID: runID + ":" + event, Event: event, RunID: runID, Summary: sum}
	x.Trace, x.TraceOmitted = trace.Entries()
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	_, err = e.store.Write(ExecutionDataset(sum.Pipe), []entity.Entity{b}, store.WriteOptions{})
	return err
}
