package webhook

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retry is the retry schedule of a delivery: exponential backoff with
// jitter, bounded by a count and an age.
type Retry struct {
	// MaxAttempts counts every attempt, the first included.
	MaxAttempts int `json:"max_attempts"`
	// InitialDelay is the wait, in seconds, before the first retry; each
	// later wait doubles, up to MaxDelay.
	InitialDelay float64 `json:"initial_delay"`
	MaxDelay     float64 `json:"max_delay"`
	// MaxAge is how long, in seconds from the first attempt, retries may
	// go on; no retry starts after it.
	MaxAge float64 `json:"max_age"`
	// Timeout bounds one attempt, in seconds, from connecting to the end
	// of the response.
	Timeout float64 `json:"timeout"`
}

// DefaultRetry is the schedule when a config gives none: 8 attempts over
// about four minutes at most, 30 s per attempt.
func DefaultRetry() Retry {
	return Retry{MaxAttempts: 8, InitialDelay: 1, MaxDelay: 60, MaxAge: 3600, Timeout: 30}
}

// FieldError blames one field of a Retry, by its JSON name, so that a
// config loader can point at the member at fault.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %v", e.Field, e.Err) }

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *FieldError) Unwrap() error { return e.Err }

// Validate checks the schedule's numbers: each problem is a *FieldError,
// and several are joined.
func (r *Retry) Validate() error {
	var errs []error
	if r.MaxAttempts < 1 || r.MaxAttempts > 100 {
		errs = append(errs, &FieldError{Field: "max_attempts", Err: errors.New("max_attempts must be between 1 and 100")})
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"initial_delay", r.InitialDelay}, {"max_delay", r.MaxDelay}, {"max_age", r.MaxAge}, {"timeout", r.Timeout}} {
		if f.v < 0 {
			errs = append(errs, &FieldError{Field: f.name, Err: errors.New(f.name + " must not be negative")})
		}
	}
	if r.Timeout == 0 {
		errs = append(errs, &FieldError{Field: "timeout", Err: errors.New("timeout must be positive")})
	}
	return errors.Join(errs...)
}

// delay is the wait before retry n (1 for the first retry): the doubled
// delay, capped, with "equal jitter" (half fixed, half random) so that many
// senders failing together do not retry together.
func (r Retry) delay(n int) time.Duration {
	d := r.InitialDelay
	for i := 1; i < n && d < r.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, r.MaxDelay)
	full := time.Duration(d * float64(time.Second))
	half := full / 2
	if half <= 0 {
		return full
	}
	return half + rand.N(half+1)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
