package engine

import (
	"encoding/json"
	"fmt"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// ExecutionDataset names the dataset where a pipe's run events are kept,
// as Sesam's pump execution log: one entity per event.
func ExecutionDataset(pipe string) string { return "system:pump_execution:" + pipe }

// execution is one run event.
type execution struct {
	ID    string `json:"_id"`
	Event string `json:"event"` // pump-started, pump-completed, pump-failed
	RunID string `json:"run_id"`
	Summary
}

// recordEvent appends a run event to the pipe's execution dataset.
func (e *Engine) recordEvent(event string, sum Summary) error {
	runID := fmt.Sprintf("%d", sum.Started.UnixNano())
	b, err := json.Marshal(execution{ID: runID + ":" + event, Event: event, RunID: runID, Summary: sum})
	if err != nil {
		return err
	}
	_, err = e.store.Write(ExecutionDataset(sum.Pipe), []entity.Entity{b}, store.WriteOptions{})
	return err
}
