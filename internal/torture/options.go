package torture

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Options configure a torture run.
type Options struct {
	// Trials is the number of trials across the scenarios run, split by
	// each scenario's share (40/30/30 by default).
	Trials int
	// Duration bounds the whole run: each scenario gets its share of it,
	// plus whatever the scenarios before it left unused, and starts no
	// trial after its time is up.
	Duration time.Duration
	// Seed drives every random choice.
	Seed uint64
	// Bin is the sluice binary; empty builds ./cmd/sluice from the module
	// the working folder is in.
	Bin string
	// Keep leaves the temporary folders in place (their path is printed).
	Keep bool
	// Scenarios names the scenarios to run (receivers, pump, webhook);
	// empty runs them all.
	Scenarios []string
	// PumpEntities is the size of the long pump's source dataset.
	PumpEntities int
	// TempDir is where the temporary folders go; empty means os.TempDir.
	TempDir string
	// Out receives the progress lines, the violations and the figures.
	Out io.Writer
}

// Defaults for the command line.
const (
	DefaultTrials       = 100
	DefaultDuration     = 5 * time.Minute
	DefaultPumpEntities = 200_000
)

// validate checks the options and fills in the scenarios.
func (o *Options) validate() error {
	if o.Trials < 1 {
		return fmt.Errorf("--trials must be at least 1, not %d", o.Trials)
	}
	if o.Duration <= 0 {
		return fmt.Errorf("--duration must be positive, not %v", o.Duration)
	}
	if o.PumpEntities < 1000 {
		return fmt.Errorf("--pump-entities must be at least 1000, not %d", o.PumpEntities)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if len(o.Scenarios) == 0 {
		for _, s := range scenarios {
			o.Scenarios = append(o.Scenarios, s.name)
		}
	}
	for _, name := range o.Scenarios {
		if !slices.ContainsFunc(scenarios, func(s scenario) bool { return s.name == name }) {
			return fmt.Errorf("unknown scenario %q (want %s)", name, strings.Join(scenarioNames(), ", "))
		}
	}
	if len(o.Scenarios) > o.Trials {
		return fmt.Errorf("--trials %d is fewer than the %d scenarios to run", o.Trials, len(o.Scenarios))
	}
	return nil
}

// split shares the trials (by largest remainder) and the duration among
// the selected scenarios by weight; every scenario gets at least one trial.
func split(total int, d time.Duration, selected []scenario) (trials []int, budgets []time.Duration) {
	weights := 0
	for _, s := range selected {
		weights += s.weight
	}
	left := total
	rem := make([]int, len(selected))
	for _, s := range selected {
		n := total * s.weight / weights
		rem[len(trials)] = total * s.weight % weights
		trials = append(trials, n)
		left -= n
		budgets = append(budgets, d*time.Duration(s.weight)/time.Duration(weights))
	}
	for ; left > 0; left-- {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		trials[best]++
		rem[best] = -1
	}
	for i := range trials { // at least one each, taken from the largest
		for trials[i] < 1 {
			j := 0
			for k := range trials {
				if trials[k] > trials[j] {
					j = k
				}
			}
			trials[j]--
			trials[i]++
		}
	}
	return trials, budgets
}
