package webhooksink_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/webhook"
)

// runErr runs a pipe that is expected to fail, and checks that its error
// says want.
func runErr(t *testing.T, h *harness, pipe, want string) engine.Summary {
	t.Helper()
	sum, err := h.eng.Run(context.Background(), pipe, engine.RunOptions{})
	if err == nil {
		t.Fatalf("run %s succeeded, want an error saying %q", pipe, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("run %s: error %q does not say %q", pipe, err, want)
	}
	if sum.Status != engine.StatusFailed {
		t.Errorf("summary status %q, want failed", sum.Status)
	}
	return sum
}

// A receiver that answers 500 about a third of the time, once takes longer
// than the attempt timeout and once drops the connection unanswered still
// gets every entity, each entity's versions in order, and every retry of a
// message carries the message's webhook-id.
func TestFlakyReceiverDeliversEverythingInOrder(t *testing.T) {
	rc := newReceiver(t)
	tr := &testkit.Attempts{}
	var rngMu sync.Mutex
	rng := rand.New(rand.NewPCG(20240611, 7))
	const slow, reset = 1, 4 // which attempts (from 0) time out and are dropped
	rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		n := tr.Add(r, "")
		switch n {
		case slow:
			tr.Mark(n, "timeout")
			time.Sleep(500 * time.Millisecond) // the attempt timeout is 0.2 s
			http.Error(w, "too late", http.StatusInternalServerError)
			return true
		case reset:
			tr.Mark(n, "reset")
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return true
			}
			conn.Close()
			return true
		}
		rngMu.Lock()
		flaky := rng.Float64() < 0.3
		rngMu.Unlock()
		if flaky {
			tr.Mark(n, "500")
			http.Error(w, "flaky", http.StatusInternalServerError)
			return true
		}
		tr.Mark(n, "ok")
		return false
	})
	h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 10, "timeout": 0.2`, `"batch_size": 3`))
	var docs []string
	for i := range 20 {
		docs = append(docs, fmt.Sprintf(`{"_id":"e%02d","v":1}`, i))
	}
	h.put("src", docs...)
	h.run("out", engine.RunOptions{})
	second := []string{"e00", "e03", "e07", "e11", "e19"}
	docs = nil
	for _, id := range second {
		docs = append(docs, fmt.Sprintf(`{"_id":"%s","v":2}`, id))
	}
	h.put("src", docs...)
	h.run("out", engine.RunOptions{})

	// The receiver saw every kind of trouble.
	ts := tr.All()
	count := map[string]int{}
	for _, a := range ts {
		count[a.Result]++
	}
	if count["timeout"] != 1 || count["reset"] != 1 || count["500"] == 0 {
		t.Fatalf("the receiver's troubles: %v; want a timeout, a reset and some 500s", count)
	}

	// Every entity arrived, each one's versions in order.
	versions := map[string][]int{}
	var sequence []string
	for _, rec := range records(t, rc) {
		p := rec["payload"].(map[string]any)
		id, v := p["_id"].(string), int(p["v"].(float64))
		versions[id] = append(versions[id], v)
		sequence = append(sequence, fmt.Sprintf("%s@%d", id, v))
	}
	for i := range 20 {
		id := fmt.Sprintf("e%02d", i)
		vs := versions[id]
		want := []int{1}
		if slices.Contains(second, id) {
			want = []int{1, 2}
		}
		for _, v := range want {
			if !slices.Contains(vs, v) {
				t.Errorf("entity %s: version %d never delivered (got %v)", id, v, vs)
			}
		}
		if !slices.IsSorted(vs) {
			t.Errorf("entity %s: versions delivered out of order: %v", id, vs)
		}
	}

	// Nothing was lost, repeated or reordered: the source's order.
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("e%02d@1", i))
	}
	for _, id := range second {
		want = append(want, id+"@2")
	}
	if !slices.Equal(sequence, want) {
		t.Errorf("the receiver accepted\n%v\nwant\n%v", sequence, want)
	}

	// A failed attempt is followed by a retry of the same message, with
	// the same webhook-id; each message was accepted once.
	for i, a := range ts {
		if a.ID == "" {
			t.Fatalf("attempt %d had no webhook-id", i)
		}
		if a.Result == "ok" {
			continue
		}
		if i+1 >= len(ts) {
			t.Fatalf("attempt %d (%s) was the last: no retry", i, a.Result)
		}
		if ts[i+1].ID != a.ID {
			t.Errorf("attempt %d (%s) had webhook-id %s, its retry %s", i, a.Result, a.ID, ts[i+1].ID)
		}
	}
	accepted := reqIDs(rc.Requests())
	if len(accepted) != 9 { // 20 entities by 3, then 5 by 3
		t.Errorf("%d messages accepted, want 9", len(accepted))
	}
	seen := map[string]bool{}
	for _, id := range accepted {
		if seen[id] {
			t.Errorf("message %s accepted twice", id)
		}
		seen[id] = true
	}

	// The delivery log has every attempt the receiver saw, and says what
	// went wrong with the timeout and the reset.
	s := hookSink(t, h, "out")
	log := deliveries(t, s, webhook.ListOptions{Attempts: true})
	perID := map[string]int{}
	for _, a := range ts {
		perID[a.ID]++
	}
	logged := map[string]int{}
	for _, d := range log {
		logged[d.WebhookID]++
	}
	for id, n := range perID {
		if logged[id] != n {
			t.Errorf("message %s: the receiver saw %d attempts, the log has %d", id, n, logged[id])
		}
	}
	for _, which := range []int{slow, reset} {
		a := ts[which]
		nth := 0 // the attempt's number within its message
		for _, b := range ts[:which+1] {
			if b.ID == a.ID {
				nth++
			}
		}
		var d *webhook.Delivery
		for i := range log {
			if log[i].WebhookID == a.ID && log[i].Attempt == nth {
				d = &log[i]
			}
		}
		if d == nil {
			t.Errorf("no log entry for attempt %d of %s (%s)", nth, a.ID, a.Result)
			continue
		}
		if d.Status != 0 || d.Error == "" || d.Outcome != webhook.OutcomeRetrying {
			t.Errorf("%s attempt logged as status %d, error %q, outcome %q", a.Result, d.Status, d.Error, d.Outcome)
		}
		if a.Result == "timeout" && !strings.Contains(d.Error, "timed out") {
			t.Errorf("timed-out attempt logged with error %q", d.Error)
		}
	}
	for _, d := range deliveries(t, s, webhook.ListOptions{}) {
		if d.Outcome != webhook.OutcomeDelivered {
			t.Errorf("message %s ended %q", d.WebhookID, d.Outcome)
		}
	}
}

// 410 Gone fails the run without moving the pipe's offset and disables the
// endpoint until it is enabled again or its URL changes.
func TestGoneDisablesTheEndpoint(t *testing.T) {
	rc := newReceiver(t)
	tr := &testkit.Attempts{}
	var gone atomic.Bool
	gone.Store(true)
	rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		if gone.Load() {
			tr.Add(r, "410")
			http.Error(w, "no such subscription", http.StatusGone)
			return true
		}
		tr.Add(r, "ok")
		return false
	})
	cfg := func(url string) string { return dlPipe(url, `"max_attempts": 5, "timeout": 2`, `"batch_size": 10`) }
	h := newHarness(t, cfg(rc.URL))
	h.put("src", `{"_id":"a"}`, `{"_id":"b"}`, `{"_id":"c"}`)
	sum := runErr(t, h, "out", "410")
	if string(sum.Offset) != "null" || lastSeen(t, h, "out") != "" {
		t.Errorf("the offset moved to %s (stored %q)", sum.Offset, lastSeen(t, h, "out"))
	}
	if n := len(tr.All()); n != 1 {
		t.Errorf("%d attempts, want 1: 410 is not retried", n)
	}
	s := hookSink(t, h, "out")
	if log := deliveries(t, s, webhook.ListOptions{}); len(log) != 1 || log[0].Status != http.StatusGone || log[0].Outcome != webhook.OutcomeGone {
		t.Errorf("log %+v, want one message, status 410, outcome gone", log)
	}

	// Disabled: the next run fails at once, even though the endpoint would
	// now answer.
	gone.Store(false)
	runErr(t, h, "out", "disabled")
	if n := len(tr.All()); n != 1 {
		t.Errorf("a disabled endpoint was called %d more times", n-1)
	}

	// Enabled again, the run delivers what the failed runs did not.
	if err := s.Enable(); err != nil {
		t.Fatal(err)
	}
	h.run("out", engine.RunOptions{})
	if got, want := ops(t, rc), []string{"upsert:a", "upsert:b", "upsert:c"}; !slices.Equal(got, want) {
		t.Errorf("after Enable the receiver got %v, want %v", got, want)
	}
	if ls := lastSeen(t, h, "out"); ls != "2" {
		t.Errorf("offset %q after delivering, want 2", ls)
	}

	// Another endpoint says 410; pointing the sink at a new URL enables it.
	rc2, rc3 := newReceiver(t), newReceiver(t)
	tr2 := &testkit.Attempts{}
	rc2.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		tr2.Add(r, "410")
		w.WriteHeader(http.StatusGone)
		return true
	})
	h.put("src", `{"_id":"d"}`, `{"_id":"e"}`)
	h.load(cfg(rc2.URL))
	runErr(t, h, "out", "410")
	runErr(t, h, "out", "disabled")
	if n := len(tr2.All()); n != 1 {
		t.Errorf("the gone endpoint got %d attempts, want 1", n)
	}
	h.load(cfg(rc3.URL))
	h.run("out", engine.RunOptions{})
	if got, want := ops(t, rc3), []string{"upsert:d", "upsert:e"}; !slices.Equal(got, want) {
		t.Errorf("the new URL got %v, want %v", got, want)
	}
}

// downReceiver answers 500 while down is set, recording every attempt.
func downReceiver(t *testing.T) (*testkit.Receiver, *testkit.Attempts, *atomic.Bool) {
	rc := newReceiver(t)
	tr := &testkit.Attempts{}
	down := &atomic.Bool{}
	down.Store(true)
	rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		if down.Load() {
			tr.Add(r, "500")
			http.Error(w, "boom: database down", http.StatusInternalServerError)
			return true
		}
		tr.Add(r, "ok")
		return false
	})
	return rc, tr, down
}

// A message that runs out of retries fails the run, is logged attempt by
// attempt and kept as a dead letter; the next run delivers it with the same
// webhook-id and clears the dead letter.
func TestExhaustedRetriesFailAndDeadLetter(t *testing.T) {
	rc, tr, down := downReceiver(t)
	h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 3, "timeout": 2`, `"batch_size": 10`))
	h.put("src", `{"_id":"a","n":1}`, `{"_id":"b","n":2}`)
	runErr(t, h, "out", "not delivered after 3 attempts")
	ts := tr.All()
	if len(ts) != 3 {
		t.Fatalf("%d attempts, want 3", len(ts))
	}
	id := ts[0].ID
	for _, a := range ts {
		if a.ID != id {
			t.Errorf("retries used webhook-ids %s and %s", id, a.ID)
		}
	}
	if ls := lastSeen(t, h, "out"); ls != "" {
		t.Errorf("the offset moved to %q", ls)
	}

	s := hookSink(t, h, "out")
	log := withID(deliveries(t, s, webhook.ListOptions{Attempts: true}), id)
	outcomes := []string{webhook.OutcomeRetrying, webhook.OutcomeRetrying, webhook.OutcomeFailed}
	if len(log) != 3 {
		t.Fatalf("the log has %d attempts of %s, want 3: %+v", len(log), id, log)
	}
	for i, d := range log {
		if d.Attempt != i+1 || d.Status != 500 || d.Outcome != outcomes[i] {
			t.Errorf("attempt %d logged as number %d, status %d, outcome %q; want %d, 500, %q", i+1, d.Attempt, d.Status, d.Outcome, i+1, outcomes[i])
		}
		if d.LatencyMS <= 0 {
			t.Errorf("attempt %d: latency %v ms", i+1, d.LatencyMS)
		}
		if !strings.Contains(d.Response, "boom: database down") {
			t.Errorf("attempt %d: response excerpt %q", i+1, d.Response)
		}
		if d.Time.IsZero() || !slices.Equal(d.EntityIDs, []string{"a", "b"}) {
			t.Errorf("attempt %d: time %v, entities %v", i+1, d.Time, d.EntityIDs)
		}
	}
	dead := deliveries(t, s, webhook.ListOptions{Dead: true})
	if len(dead) != 1 || dead[0].WebhookID != id {
		t.Fatalf("dead letters %+v, want %s", dead, id)
	}

	down.Store(false)
	h.run("out", engine.RunOptions{})
	if ids := reqIDs(rc.Requests()); !slices.Equal(ids, []string{id}) {
		t.Errorf("the recovered receiver got webhook-ids %v, want [%s]", ids, id)
	}
	if got, want := ops(t, rc), []string{"upsert:a", "upsert:b"}; !slices.Equal(got, want) {
		t.Errorf("records %v, want %v", got, want)
	}
	if dead := deliveries(t, s, webhook.ListOptions{Dead: true}); len(dead) != 0 {
		t.Errorf("dead letters after delivery: %+v", dead)
	}
	if last := withID(deliveries(t, s, webhook.ListOptions{}), id); len(last) != 1 || last[0].Outcome != webhook.OutcomeDelivered {
		t.Errorf("the log's last word on %s: %+v", id, last)
	}
}

// With on_failure "dead-letter" an undeliverable message is parked and the
// pipe goes on; Resend delivers it as it was and clears it.
func TestDeadLetterModeParksAndResends(t *testing.T) {
	rc, tr, down := downReceiver(t)
	h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 2, "timeout": 2`, `"batch_size": 10, "on_failure": "dead-letter"`))
	h.put("src", `{"_id":"a","n":1}`, `{"_id":"b","n":2}`)
	sum := h.run("out", engine.RunOptions{})
	if string(sum.Offset) != "1" || lastSeen(t, h, "out") != "1" {
		t.Errorf("offset %s (stored %q), want 1: the run goes on past a dead letter", sum.Offset, lastSeen(t, h, "out"))
	}
	ts := tr.All()
	if len(ts) != 2 || ts[0].ID != ts[1].ID {
		t.Fatalf("attempts %+v, want 2 of one message", ts)
	}
	id := ts[0].ID
	s := hookSink(t, h, "out")
	dead := deliveries(t, s, webhook.ListOptions{Dead: true, Body: true})
	if len(dead) != 1 || dead[0].WebhookID != id || len(dead[0].Body) == 0 {
		t.Fatalf("dead letters %+v, want %s with its body", dead, id)
	}

	down.Store(false)
	d, err := s.Resend(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if d.WebhookID != id {
		t.Errorf("Resend returned %s, want %s", d.WebhookID, id)
	}
	reqs := rc.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("webhook-id") != id || reqs[0].Body != string(dead[0].Body) {
		t.Fatalf("resent %d requests (%v), want %s with the dead letter's body", len(reqs), reqIDs(reqs), id)
	}
	if got, want := ops(t, rc), []string{"upsert:a", "upsert:b"}; !slices.Equal(got, want) {
		t.Errorf("records %v, want %v", got, want)
	}
	if dead := deliveries(t, s, webhook.ListOptions{Dead: true}); len(dead) != 0 {
		t.Errorf("dead letters after Resend: %+v", dead)
	}
}

// 429 and 503 with Retry-After wait as long as they ask, not the short
// backoff.
func TestRetryAfterIsHonoured(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t)
			tr := &testkit.Attempts{}
			rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
				if tr.Add(r, "") == 0 {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "slow down", code)
					return true
				}
				return false
			})
			h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 3, "timeout": 2`, ""))
			h.put("src", `{"_id":"a"}`)
			h.run("out", engine.RunOptions{})
			ts := tr.All()
			if len(ts) != 2 || ts[0].ID != ts[1].ID {
				t.Fatalf("attempts %+v, want 2 of one message", ts)
			}
			if gap := ts[1].At.Sub(ts[0].At); gap < 950*time.Millisecond || gap > 5*time.Second {
				t.Errorf("the retry came %v after the %d, want about 1 s (Retry-After: 1)", gap, code)
			}
			log := deliveries(t, hookSink(t, h, "out"), webhook.ListOptions{Attempts: true})
			if len(log) != 2 || log[0].Status != code || log[0].Outcome != webhook.OutcomeRetrying || log[1].Outcome != webhook.OutcomeDelivered {
				t.Errorf("log %+v", log)
			}
		})
	}
}

// A client error other than 408, 409, 425 and 429 is not retried: a wrong
// secret or a refused body will not change by trying again.
func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		code     int
		attempts int
	}{{http.StatusUnauthorized, 1}, {http.StatusBadRequest, 1}, {http.StatusUnprocessableEntity, 1}, {http.StatusConflict, 3}, {http.StatusInternalServerError, 3}} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			rc := newReceiver(t)
			tr := &testkit.Attempts{}
			rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
				tr.Add(r, strconv.Itoa(tc.code))
				http.Error(w, "no", tc.code)
				return true
			})
			h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 3, "timeout": 2`, ""))
			h.put("src", `{"_id":"a"}`)
			runErr(t, h, "out", fmt.Sprintf("not delivered after %d attempt", tc.attempts))
			if n := len(tr.All()); n != tc.attempts {
				t.Errorf("%d attempts, want %d", n, tc.attempts)
			}
		})
	}
}

// A redirect is a failed attempt, and a permanent one: the sink never
// follows it, nor tries again.
func TestRedirectIsAFailureNotFollowed(t *testing.T) {
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			target := newReceiver(t)
			hits := &testkit.Attempts{}
			target.Handle(func(_ int, _ http.ResponseWriter, r *http.Request) bool {
				hits.Add(r, "")
				return false
			})
			rc := newReceiver(t)
			tr := &testkit.Attempts{}
			rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
				tr.Add(r, strconv.Itoa(code))
				http.Redirect(w, r, target.URL+"/moved", code)
				return true
			})
			h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 2, "timeout": 2`, ""))
			h.put("src", `{"_id":"a"}`)
			runErr(t, h, "out", "not delivered after 1 attempt;")
			if n := len(hits.All()); n != 0 {
				t.Errorf("the redirect target got %d requests", n)
			}
			if n := len(tr.All()); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
			for _, d := range deliveries(t, hookSink(t, h, "out"), webhook.ListOptions{Attempts: true}) {
				if d.Status != code || !strings.Contains(d.Error, "redirect") {
					t.Errorf("attempt %d logged as status %d, error %q", d.Attempt, d.Status, d.Error)
				}
			}
		})
	}
}

// Replay sends again, as they were, the messages whose source window meets
// the offsets asked for, or those sent since a time; Resend one by id.
func TestReplayAndResend(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 3, "timeout": 2`, `"batch_size": 2`))
	ctx := context.Background()
	// Offsets 0-2, 3-4 and 5-7 in three runs; with batches of 2 the
	// messages' windows are (,1] (1,2] | (2,4] | (4,6] (6,7].
	h.put("src", `{"_id":"a"}`, `{"_id":"b"}`, `{"_id":"c"}`)
	h.run("out", engine.RunOptions{})
	h.put("src", `{"_id":"d"}`, `{"_id":"e"}`)
	h.run("out", engine.RunOptions{})
	since := time.Now()
	h.put("src", `{"_id":"f"}`, `{"_id":"g"}`, `{"_id":"h"}`)
	h.run("out", engine.RunOptions{})
	orig := rc.Requests()
	var groups [][]string
	for _, g := range orig {
		var ids []string
		for _, op := range opsOf(t, g) {
			ids = append(ids, strings.TrimPrefix(op, "upsert:"))
		}
		groups = append(groups, ids)
	}
	if want := [][]string{{"a", "b"}, {"c"}, {"d", "e"}, {"f", "g"}, {"h"}}; fmt.Sprint(groups) != fmt.Sprint(want) {
		t.Fatalf("messages %v, want %v", groups, want)
	}
	s := hookSink(t, h, "out")

	// replay checks that a replay sent exactly the original messages
	// want (indexes into orig), as they were.
	replay := func(name string, opts webhook.ReplayOptions, want ...int) {
		t.Helper()
		before := len(rc.Requests())
		done, err := s.Replay(ctx, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sent := rc.Requests()[before:]
		var wantIDs []string
		for _, i := range want {
			wantIDs = append(wantIDs, orig[i].Header.Get("webhook-id"))
		}
		var doneIDs []string
		for _, d := range done {
			doneIDs = append(doneIDs, d.WebhookID)
		}
		if !slices.Equal(doneIDs, wantIDs) {
			t.Errorf("%s: Replay reports %v, want %v", name, doneIDs, wantIDs)
		}
		if got := reqIDs(sent); !slices.Equal(got, wantIDs) {
			t.Fatalf("%s: replayed webhook-ids %v, want %v", name, got, wantIDs)
		}
		for k, i := range want {
			if sent[k].Body != orig[i].Body {
				t.Errorf("%s: message %d replayed as\n%s\nsent first as\n%s", name, i, sent[k].Body, orig[i].Body)
			}
			was, _ := strconv.ParseInt(orig[i].Header.Get("webhook-timestamp"), 10, 64)
			now, _ := strconv.ParseInt(sent[k].Header.Get("webhook-timestamp"), 10, 64)
			if now < was || sent[k].Header.Get("webhook-signature") == "" {
				t.Errorf("%s: message %d replayed with timestamp %d (first %d), signature %q", name, i, now, was, sent[k].Header.Get("webhook-signature"))
			}
		}
	}
	from, to := int64(1), int64(5)
	replay("offsets (1,5]", webhook.ReplayOptions{FromOffset: &from, ToOffset: &to}, 1, 2, 3)
	replay("since the third run", webhook.ReplayOptions{Since: since}, 3, 4)
	six := int64(6)
	replay("offsets after 6", webhook.ReplayOptions{FromOffset: &six}, 4)
	two := int64(2)
	replay("offsets up to 2", webhook.ReplayOptions{ToOffset: &two}, 0, 1)
	rejected := rc.Rejected()
	if rejected != 0 {
		t.Errorf("%d requests failed verification", rejected)
	}

	if _, err := s.Replay(ctx, webhook.ReplayOptions{}); err == nil {
		t.Error("a replay without a window succeeded")
	}
	if _, err := s.Resend(ctx, "msg_nosuchmessage"); !errors.Is(err, webhook.ErrNoDelivery) {
		t.Errorf("Resend of an unknown id: %v, want ErrNoDelivery", err)
	}
	before := len(rc.Requests())
	if _, err := s.Resend(ctx, orig[2].Header.Get("webhook-id")); err != nil {
		t.Fatal(err)
	}
	sent := rc.Requests()[before:]
	if len(sent) != 1 || sent[0].Header.Get("webhook-id") != orig[2].Header.Get("webhook-id") || sent[0].Body != orig[2].Body {
		t.Errorf("Resend sent %v", reqIDs(sent))
	}

	// Replays and resends leave what the sink thinks the endpoint has
	// alone: a rerun sends nothing.
	before = len(rc.Requests())
	h.run("out", engine.RunOptions{})
	if n := len(rc.Requests()) - before; n != 0 {
		t.Errorf("a rerun after replays sent %d requests", n)
	}

	// A sink that never sent anything has no delivery to resend either.
	fresh := newHarness(t, dlPipe(rc.URL, `"max_attempts": 3, "timeout": 2`, ""))
	if _, err := hookSink(t, fresh, "out").Resend(ctx, orig[0].Header.Get("webhook-id")); !errors.Is(err, webhook.ErrNoDelivery) {
		t.Errorf("Resend on a sink with no log: %v, want ErrNoDelivery", err)
	}
}

// In mirror mode max_delete_ratio stops a run that would delete more than
// that share of what the endpoint holds, before anything is sent.
func TestMirrorMaxDeleteRatio(t *testing.T) {
	rc := newReceiver(t)
	cfg := func(ratio string) string {
		return dlPipe(rc.URL, `"max_attempts": 3, "timeout": 2`, `"batch_size": 100, "sync_mode": "mirror", "max_delete_ratio": `+ratio)
	}
	h := newHarness(t, cfg("0.5"))
	var docs []string
	for i := range 10 {
		docs = append(docs, fmt.Sprintf(`{"_id":"e%d","v":1}`, i))
	}
	h.put("src", docs...)
	h.run("out", engine.RunOptions{})
	if n := len(ops(t, rc)); n != 10 {
		t.Fatalf("%d records, want 10", n)
	}
	docs = []string{`{"_id":"e0","v":2}`}
	for i := 1; i <= 6; i++ {
		docs = append(docs, fmt.Sprintf(`{"_id":"e%d","_deleted":true}`, i))
	}
	h.put("src", docs...)

	runErr(t, h, "out", "max_delete_ratio")
	for _, op := range ops(t, rc) {
		if strings.HasPrefix(op, "delete:") {
			t.Errorf("a run stopped by max_delete_ratio sent %s", op)
		}
	}
	if n := len(ops(t, rc)); n != 10 {
		t.Errorf("the stopped run sent %d records", n-10)
	}
	if ls := lastSeen(t, h, "out"); ls != "9" {
		t.Errorf("the stopped run moved the offset to %q", ls)
	}

	h.load(cfg("0.7"))
	sum := h.run("out", engine.RunOptions{})
	want := []string{"delete:e1", "delete:e2", "delete:e3", "delete:e4", "delete:e5", "delete:e6", "upsert:e0"}
	if got := ops(t, rc)[10:]; !slices.Equal(got, want) {
		t.Errorf("with max_delete_ratio 0.7 the run sent %v, want %v", got, want)
	}
	if sum.Deleted != 6 {
		t.Errorf("summary says %d deleted, want 6", sum.Deleted)
	}
}

// embeddedMirror is a pipe from an embedded source (every run a full run)
// to a mirror webhook sink.
func embeddedMirror(url, extra string, ids ...string) string {
	var es []string
	for _, id := range ids {
		es = append(es, `{"_id":"`+id+`","name":"`+strings.ToUpper(id)+`"}`)
	}
	if extra != "" {
		extra = ", " + extra
	}
	return `{"_id": "out", "type": "pipe", "source": {"type": "embedded", "entities": [` + strings.Join(es, ",") + `]},
	  "sink": {"type": "webhook", "url": "` + url + `", "secret": "` + testSecret + `", "sync_mode": "mirror",
	           "retry": {"max_attempts": 3, "initial_delay": 0.01, "max_delay": 0.05, "max_age": 60, "timeout": 2}` + extra + `}}`
}

// A full run in mirror mode deletes at the endpoint what the source no
// longer has, within max_delete_ratio.
func TestMirrorFullRunDeletesWhatDisappeared(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, embeddedMirror(rc.URL, "", "x", "y", "z"))
	h.run("out", engine.RunOptions{})
	if got, want := ops(t, rc), []string{"upsert:x", "upsert:y", "upsert:z"}; !slices.Equal(got, want) {
		t.Fatalf("first run sent %v, want %v", got, want)
	}
	h.load(embeddedMirror(rc.URL, "", "x", "z"))
	sum := h.run("out", engine.RunOptions{})
	if got, want := ops(t, rc)[3:], []string{"delete:y"}; !slices.Equal(got, want) {
		t.Errorf("after y left the source the run sent %v, want %v", got, want)
	}
	if sum.Deleted != 1 {
		t.Errorf("summary says %d deleted, want 1", sum.Deleted)
	}

	// Both remaining entities gone is more than half of what the endpoint
	// holds: no delete goes out.
	h.load(embeddedMirror(rc.URL, `"max_delete_ratio": 0.5`, "w"))
	runErr(t, h, "out", "max_delete_ratio")
	for _, op := range ops(t, rc)[4:] {
		if strings.HasPrefix(op, "delete:") {
			t.Errorf("a full run stopped by max_delete_ratio sent %s", op)
		}
	}
}

// During key rotation every request carries a signature for each key, so a
// receiver holding either key verifies it.
func TestKeyRotationSignsWithEveryKey(t *testing.T) {
	oldKey, newKey := webhook.GenerateSecret(), webhook.GenerateSecret()
	rcOld, rcNew := newReceiver(t, oldKey), newReceiver(t, newKey)
	pipe := func(id, url string) string {
		return `{"_id": "` + id + `", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
		  "sink": {"type": "webhook", "url": "` + url + `", "secrets": ["` + oldKey + `", "` + newKey + `"],
		           "retry": {"max_attempts": 2, "initial_delay": 0.01, "max_delay": 0.05, "max_age": 60, "timeout": 2}}}`
	}
	h := newHarness(t, "["+pipe("old", rcOld.URL)+","+pipe("new", rcNew.URL)+"]")
	h.put("src", `{"_id":"a","n":1}`)
	h.run("old", engine.RunOptions{})
	h.run("new", engine.RunOptions{})
	stranger, err := standardwebhooks.NewWebhook(webhook.GenerateSecret())
	if err != nil {
		t.Fatal(err)
	}
	for name, rc := range map[string]*testkit.Receiver{"old key": rcOld, "new key": rcNew} {
		reqs := rc.Requests()
		rejected := rc.Rejected()
		if len(reqs) != 1 || rejected != 0 {
			t.Fatalf("the receiver with the %s accepted %d requests, rejected %d", name, len(reqs), rejected)
		}
		sig := strings.Fields(reqs[0].Header.Get("webhook-signature"))
		if len(sig) != 2 || !strings.HasPrefix(sig[0], "v1,") || !strings.HasPrefix(sig[1], "v1,") {
			t.Errorf("webhook-signature %q, want two v1 entries", reqs[0].Header.Get("webhook-signature"))
		}
		if err := stranger.Verify([]byte(reqs[0].Body), reqs[0].Header); err == nil {
			t.Errorf("a key the sink does not have verified its request")
		}
	}
}

// A sink without a secret generates one, keeps it in the store, and signs
// with it, also after the engine is rebuilt.
func TestGeneratedSecretPersists(t *testing.T) {
	rc := testkit.NewReceiver(t, testkit.ReceiverOptions{})
	cfg := `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
	  "sink": {"type": "webhook", "url": "` + rc.URL + `",
	           "retry": {"max_attempts": 2, "initial_delay": 0.01, "max_delay": 0.05, "max_age": 60, "timeout": 2}}}`
	h := newHarness(t, cfg)
	h.put("src", `{"_id":"a"}`)
	h.run("out", engine.RunOptions{})
	secret := func() string {
		t.Helper()
		v, ok, err := h.st.Value("webhook:out:secret")
		if err != nil || !ok {
			t.Fatalf("no generated secret in the store (%v)", err)
		}
		return string(v)
	}
	sec := secret()
	if !strings.HasPrefix(sec, "whsec_") {
		t.Errorf("generated secret %q", sec)
	}
	wh, err := standardwebhooks.NewWebhook(sec)
	if err != nil {
		t.Fatal(err)
	}
	h.load(cfg)
	h.put("src", `{"_id":"b"}`)
	h.run("out", engine.RunOptions{})
	if again := secret(); again != sec {
		t.Errorf("the secret changed from %s to %s when the engine was rebuilt", sec, again)
	}
	reqs := rc.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	other, _ := standardwebhooks.NewWebhook(testSecret)
	for i, g := range reqs {
		if err := wh.Verify([]byte(g.Body), g.Header); err != nil {
			t.Errorf("request %d does not verify with the generated secret: %v", i+1, err)
		}
		if err := other.Verify([]byte(g.Body), g.Header); err == nil {
			t.Errorf("request %d verifies with an unrelated secret", i+1)
		}
	}
}

// When a batch takes two requests and the second fails, the pipe's offset
// stays, but the sink remembers the first was acknowledged: the rerun sends
// only the rest, and nothing twice.
func TestFailedBatchResendsOnlyWhatWasNotAcknowledged(t *testing.T) {
	rc := newReceiver(t)
	tr := &testkit.Attempts{}
	var broken atomic.Bool
	broken.Store(true)
	rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		if n := tr.Add(r, ""); n > 0 && broken.Load() {
			tr.Mark(n, "500")
			http.Error(w, "down", http.StatusInternalServerError)
			return true
		}
		return false
	})
	cfg := `{"_id": "out", "type": "pipe", "batch_size": 4, "source": {"type": "dataset", "dataset": "src"},
	  "sink": {"type": "webhook", "url": "` + rc.URL + `", "secret": "` + testSecret + `", "batch_size": 2,
	           "retry": {"max_attempts": 1, "initial_delay": 0.01, "max_delay": 0.05, "max_age": 60, "timeout": 2}}}`
	h := newHarness(t, cfg)
	h.put("src", `{"_id":"a"}`, `{"_id":"b"}`, `{"_id":"c"}`, `{"_id":"d"}`)
	sum := runErr(t, h, "out", "not delivered after 1 attempt;")
	if string(sum.Offset) != "null" || lastSeen(t, h, "out") != "" {
		t.Errorf("the offset moved to %s (stored %q)", sum.Offset, lastSeen(t, h, "out"))
	}
	if got, want := ops(t, rc), []string{"upsert:a", "upsert:b"}; !slices.Equal(got, want) {
		t.Fatalf("first run delivered %v, want %v", got, want)
	}
	ts := tr.All()
	if len(ts) != 2 {
		t.Fatalf("%d attempts, want 2", len(ts))
	}

	broken.Store(false)
	sum = h.run("out", engine.RunOptions{})
	if got, want := ops(t, rc), []string{"upsert:a", "upsert:b", "upsert:c", "upsert:d"}; !slices.Equal(got, want) {
		t.Errorf("after the rerun the receiver has %v, want %v", got, want)
	}
	if ids := reqIDs(rc.Requests()); len(ids) != 2 || ids[1] != ts[1].ID {
		t.Errorf("the rerun sent webhook-ids %v; want the failed message %s again", ids, ts[1].ID)
	}
	if sum.Written != 2 || lastSeen(t, h, "out") != "3" {
		t.Errorf("rerun wrote %d, offset %q; want 2 and 3", sum.Written, lastSeen(t, h, "out"))
	}
	h.run("out", engine.RunOptions{})
	if n := len(rc.Requests()); n != 2 {
		t.Errorf("a third run sent %d more requests", n-2)
	}
}

// A message a failed run gave up on, sent again by the next run, keeps one
// log entry: its attempts go on counting from the first run's, and it
// keeps its first time. Replay skips messages that were never delivered.
func TestResentMessageContinuesItsLogEntry(t *testing.T) {
	rc := newReceiver(t)
	var down atomic.Bool
	down.Store(true)
	rc.Handle(func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		if down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return true
		}
		return false
	})
	h := newHarness(t, dlPipe(rc.URL, `"max_attempts": 2, "timeout": 2`, ""))
	h.put("src", `{"_id":"a"}`)
	runErr(t, h, "out", "not delivered after 2 attempts")
	s := hookSink(t, h, "out")
	first := deliveries(t, s, webhook.ListOptions{})
	from := int64(-1)
	if done, err := s.Replay(context.Background(), webhook.ReplayOptions{FromOffset: &from}); err != nil || len(done) != 0 {
		t.Errorf("replay of a message never delivered: %v, %v", done, err)
	}
	down.Store(false)
	h.run("out", engine.RunOptions{})
	last := deliveries(t, s, webhook.ListOptions{})
	if len(first) != 1 || len(last) != 1 || last[0].WebhookID != first[0].WebhookID {
		t.Fatalf("entries %+v then %+v", first, last)
	}
	if last[0].Attempt != 3 || !last[0].Created.Equal(first[0].Created) || last[0].Outcome != webhook.OutcomeDelivered {
		t.Errorf("after the rerun: attempt %d created %v (first %v), outcome %s", last[0].Attempt, last[0].Created, first[0].Created, last[0].Outcome)
	}
	if dead := deliveries(t, s, webhook.ListOptions{Dead: true}); len(dead) != 0 {
		t.Errorf("dead letters left: %v", dead)
	}
}
