package torture

import (
	"slices"
	"testing"
	"time"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		total int
		want  []int
	}{{100, []int{40, 30, 30}}, {9, []int{3, 3, 3}}, {3, []int{1, 1, 1}}, {10, []int{4, 3, 3}}, {4, []int{2, 1, 1}}} {
		got, budgets := split(c.total, 10*time.Second, scenarios)
		if !slices.Equal(got, c.want) {
			t.Errorf("split(%d) = %v, want %v", c.total, got, c.want)
		}
		if budgets[0] != 4*time.Second || budgets[1] != 3*time.Second {
			t.Errorf("budgets %v", budgets)
		}
	}
	got, _ := split(5, time.Second, scenarios[1:2])
	if !slices.Equal(got, []int{5}) {
		t.Errorf("one scenario: %v", got)
	}
}

func TestOptionsValidate(t *testing.T) {
	good := Options{Trials: 3, Duration: time.Minute, PumpEntities: 1000}
	if err := good.validate(); err != nil || len(good.Scenarios) != 3 {
		t.Fatalf("%v %v", err, good.Scenarios)
	}
	for _, bad := range []Options{
		{Trials: 0, Duration: time.Minute, PumpEntities: 1000},
		{Trials: 3, Duration: 0, PumpEntities: 1000},
		{Trials: 3, Duration: time.Minute, PumpEntities: 10},
		{Trials: 3, Duration: time.Minute, PumpEntities: 1000, Scenarios: []string{"nope"}},
		{Trials: 1, Duration: time.Minute, PumpEntities: 1000, Scenarios: []string{"pump", "webhook"}},
	} {
		if err := bad.validate(); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}
