package pipes_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/sinks"
	"github.com/sluice-sync/sluice/sources"
)

const notifyPipes = `[
 {"_id": "crm-people", "type": "pipe", "source": {"type": "embedded", "entities": []}},
 {"_id": "crm-orgs", "type": "pipe", "source": {"type": "embedded", "entities": []}},
 {"_id": "erp", "type": "pipe", "source": {"type": "embedded", "entities": []}}
]`

// at gives "file:line:col" of the first occurrence of what in the given
// line of content (1-based), so expectations survive edits to the
// fixtures' spacing.
func at(t *testing.T, file, content string, line int, what string) string {
	t.Helper()
	lines := strings.Split(content, "\n")
	col := strings.Index(lines[line-1], what)
	if col < 0 {
		t.Fatalf("%q is not on line %d", what, line)
	}
	return fmt.Sprintf("%s:%d:%d", file, line, col+1)
}

func TestNotifyConfigLoads(t *testing.T) {
	dir := writeConfig(t, map[string]string{"pipes.json": notifyPipes, "notify.json": `[
 {"_id": "ops", "type": "destination", "url": "https://ops.example.com/hooks", "secret": "$SECRET(ops)",
  "headers": {"X-Team": "data"}, "retry": {"max_attempts": 3, "initial_delay": 0.01}, "name": "Ops", "comment": "on call"},
 {"_id": "audit", "type": "destination", "url": "http://audit.example.com/in",
  "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "bGl0ZXJhbC1zZWNyZXQta2V5LTEyMzQ="]},
 {"_id": "on-failure", "type": "subscription", "events": ["pipe.failed"], "destinations": ["ops"]},
 {"_id": "crm-all", "type": "subscription", "events": ["*"], "pipes": ["crm-*"], "destinations": ["audit", "ops"],
  "description": ["everything", "from crm"]}
]`})
	cfg, problems := load(t, dir, map[string]string{"secret:ops": "whsec_c2VjcmV0LWZyb20tdGhlLWVudmlyb25tZW50"})
	if len(problems) > 0 || len(cfg.Warnings) > 0 {
		t.Fatalf("problems: %v; warnings: %v", problems, cfg.Warnings)
	}
	if ids := []string{cfg.Destinations[0].ID, cfg.Destinations[1].ID, cfg.Subscriptions[0].ID, cfg.Subscriptions[1].ID}; !slices.Equal(ids, []string{"audit", "ops", "crm-all", "on-failure"}) {
		t.Fatalf("not sorted by id: %v", ids)
	}
	ops := cfg.Destination("ops")
	if ops.URL != "https://ops.example.com/hooks" || !slices.Equal(ops.Secrets, []string{"whsec_c2VjcmV0LWZyb20tdGhlLWVudmlyb25tZW50"}) ||
		ops.Headers["X-Team"] != "data" || ops.Name != "Ops" || *ops.Retry.MaxAttempts != 3 || *ops.Retry.InitialDelay != 0.01 || ops.Retry.Timeout != nil {
		t.Fatalf("ops = %+v", ops)
	}
	if got := cfg.Destination("audit").Secrets; len(got) != 2 {
		t.Fatalf("audit secrets = %d", len(got))
	}
	if s := cfg.Subscription("on-failure"); !slices.Equal(s.Pipes, []string{"*"}) {
		t.Fatalf("pipes default to every pipe, got %v", s.Pipes)
	}
	if cfg.Destination("nope") != nil || cfg.Subscription("ops") != nil {
		t.Fatal("lookups of unknown ids found something")
	}
	// Secrets, substituted or literal, are redacted.
	text := "sent with whsec_c2VjcmV0LWZyb20tdGhlLWVudmlyb25tZW50 and bGl0ZXJhbC1zZWNyZXQta2V5LTEyMzQ="
	if got := cfg.Redact(text); got != "sent with *** and ***" {
		t.Fatalf("Redact = %q", got)
	}
}

func TestNotifyRoute(t *testing.T) {
	dir := writeConfig(t, map[string]string{"pipes.json": notifyPipes, "notify.json": `[
 {"_id": "all", "type": "destination", "url": "https://a.example.com/"},
 {"_id": "failures", "type": "destination", "url": "https://f.example.com/"},
 {"_id": "crm", "type": "destination", "url": "https://c.example.com/"},
 {"_id": "s-all", "type": "subscription", "events": ["*"], "destinations": ["all"]},
 {"_id": "s-all-again", "type": "subscription", "events": ["pipe.completed"], "pipes": ["erp"], "destinations": ["all"]},
 {"_id": "s-failed", "type": "subscription", "events": ["pipe.failed"], "pipes": ["*"], "destinations": ["failures", "crm"]},
 {"_id": "s-crm", "type": "subscription", "events": ["pipe.completed"], "pipes": ["crm-*"], "destinations": ["crm"]}
]`})
	cfg, problems := load(t, dir, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	route := func(event, pipe string) string {
		var ids []string
		for _, d := range cfg.Route(event, pipe) {
			ids = append(ids, d.ID)
		}
		return strings.Join(ids, ",")
	}
	for _, c := range []struct{ event, pipe, want string }{
		{pipes.EventPipeCompleted, "erp", "all"}, // two subscriptions, one delivery
		{pipes.EventPipeCompleted, "crm-people", "all,crm"},
		{pipes.EventPipeFailed, "crm-people", "all,crm,failures"}, // crm once, though two subscriptions name it
		{pipes.EventPipeFailed, "erp", "all,crm,failures"},
		{"pipe.started", "erp", ""},
	} {
		if got := route(c.event, c.pipe); got != c.want {
			t.Errorf("Route(%s, %s) = %q, want %q", c.event, c.pipe, got, c.want)
		}
	}
}

func TestMatchPipe(t *testing.T) {
	for _, c := range []struct {
		pattern, id string
		want        bool
	}{
		{"*", "anything", true}, {"*", "", true}, {"crm-*", "crm-people", true}, {"crm-*", "crm-", true},
		{"crm-*", "erp-crm-x", false}, {"*-people", "crm-people", true}, {"*-people", "crm-peoples", false},
		{"a*b*c", "axxbyyc", true}, {"a*b*c", "acb", false}, {"a*a", "a", false}, {"a*a", "aa", true},
		{"erp", "erp", true}, {"erp", "erp2", false}, {"x?[y]", "x?[y]", true}, {"**", "z", true},
	} {
		if got := pipes.MatchPipe(c.pattern, c.id); got != c.want {
			t.Errorf("MatchPipe(%q, %q) = %v", c.pattern, c.id, got)
		}
	}
}

func TestNotifyConfigErrors(t *testing.T) {
	const notify = `[
{"_id": "d1", "type": "destination", "url": "ftp://x.example.com/"},
{"_id": "d2", "type": "destination", "url": "https://x.example.com/", "secret": "whsec_c2hvcnQ=", "secrets": []},
{"_id": "d3", "type": "destination", "url": "https://x.example.com/", "secrets": ["whsec_c2VjcmV0LWZyb20tdGhlLWVudmlyb25tZW50", "not base64!"]},
{"_id": "d4", "type": "destination", "url": "https://x.example.com/", "headers": {"Bad Header": "x", "webhook-id": "y", "X-Ok": "a\nb"}},
{"_id": "d5", "type": "destination", "url": "https://x.example.com/", "retry": {"max_attempts": 0, "timeout": 0}, "urls": 1},
{"_id": "d6", "type": "destination"},
{"_id": "d7", "type": "destination", "url": "https://x.example.com/", "secret": "whsec_c2hvcnQ="},
{"_id": "ok", "type": "destination", "url": "https://x.example.com/", "secret": "whsec_c2VjcmV0LWZyb20tdGhlLWVudmlyb25tZW50"},
{"_id": "s1", "type": "subscription", "events": ["pipe.complete", "*"], "pipes": ["crm-peeple", "nomatch-*", "*"], "destinations": ["ok", "okk", "erp", "d1"]},
{"_id": "s2", "type": "subscription", "events": [], "pipes": [], "destinations": []},
{"_id": "s3", "type": "subscription", "destinations": "ok"}
]`
	dir := writeConfig(t, map[string]string{"a.json": notifyPipes, "n.json": notify})
	cfg, problems := load(t, dir, nil)
	wantProblems(t, dir, problems,
		at(t, "n.json", notify, 2, `"ftp:`)+": /0/url: url must be an absolute http or https URL",
		at(t, "n.json", notify, 3, `[]`)+`: /1/secrets: give "secret" or "secrets", not both`,
		at(t, "n.json", notify, 4, `"not base64!"`)+`: /2/secrets/1: a secret must be base64, optionally prefixed "whsec_"`,
		at(t, "n.json", notify, 5, `"x"`)+`: /3/headers/Bad Header: "Bad Header" is not a valid HTTP header name`,
		at(t, "n.json", notify, 5, `"y"`)+`: /3/headers/webhook-id: header "webhook-id" is set by sluice when it signs the request`,
		at(t, "n.json", notify, 5, `"a\nb"`)+`: /3/headers/X-Ok: a header value cannot hold line breaks`,
		at(t, "n.json", notify, 6, `0, "timeout"`)+`: /4/retry/max_attempts: max_attempts must be between 1 and 100`,
		at(t, "n.json", notify, 6, `0}`)+`: /4/retry/timeout: timeout must be positive`,
		at(t, "n.json", notify, 6, `1}`)+`: /4/urls: unknown property "urls" (did you mean "url"?)`,
		at(t, "n.json", notify, 7, `{`)+`: /5: missing required property "url"`,
		at(t, "n.json", notify, 8, `"whsec_`)+`: /6/secret: the secret is 5 bytes; use at least 16`,
		at(t, "n.json", notify, 10, `"pipe.complete"`)+`: /8/events/0: unknown event "pipe.complete" (known: "*", "pipe.completed", "pipe.failed") (did you mean "pipe.completed"?)`,
		at(t, "n.json", notify, 10, `"crm-peeple"`)+`: /8/pipes/0: no pipe "crm-peeple" is defined (a config object with "_id": "crm-peeple" and "type": "pipe") (did you mean "crm-people"?)`,
		at(t, "n.json", notify, 10, `"okk"`)+`: /8/destinations/1: no destination "okk" is defined (a config object with "_id": "okk" and "type": "destination") (did you mean "ok"?)`,
		at(t, "n.json", notify, 10, `"erp"`)+`: /8/destinations/2: "erp" is a pipe, not a destination`,
		at(t, "n.json", notify, 11, `[], "pipes"`)+`: /9/events: events is empty`,
		at(t, "n.json", notify, 11, `[], "destinations"`)+`: /9/pipes: pipes is empty`,
		at(t, "n.json", notify, 11, `[]}`)+`: /9/destinations: destinations is empty`,
		at(t, "n.json", notify, 12, `{`)+`: /10: missing required property "events"`,
		at(t, "n.json", notify, 12, `"ok"`)+`: /10/destinations: expected an array, got a string`,
	)
	// "d1" is broken (bad url), so s1 naming it adds nothing more. A
	// pattern matching no pipe is only a warning.
	want := at(t, "n.json", notify, 10, `"nomatch-*"`) + `: /8/pipes/1: warning: pattern "nomatch-*" matches no pipe`
	if cfg == nil || len(cfg.Warnings) != 1 || !strings.HasSuffix(cfg.Warnings[0].Error(), want) {
		t.Fatalf("warnings: %v, want %s", cfg.Warnings, want)
	}
	if len(cfg.Subscriptions) != 0 {
		t.Fatalf("subscriptions with problems were kept: %d", len(cfg.Subscriptions))
	}
}

func TestNotifySecretsNeverInMessages(t *testing.T) {
	const notify = `[
{"_id": "d", "type": "destination", "url": "https://x.example.com/?token=$SECRET(tok)", "secret": "$SECRET(short)"},
{"_id": "e", "type": "destination", "url": "mailto:$SECRET(tok)"}
]`
	dir := writeConfig(t, map[string]string{"n.json": notify})
	cfg, problems := load(t, dir, map[string]string{"secret:tok": "hunter2-token", "secret:short": "c2hvcnQ="})
	text := problems.Error()
	if !strings.Contains(text, "/0/secret: the secret is 5 bytes") || !strings.Contains(text, "/1/url: url must be") {
		t.Fatalf("problems: %s", text)
	}
	if strings.Contains(text, "hunter2") || strings.Contains(text, "c2hvcnQ=") {
		t.Fatalf("a secret shows in the problems: %s", text)
	}
	if cfg.Redact("https://x.example.com/?token=hunter2-token") != "https://x.example.com/?token=***" {
		t.Fatal("the URL's secret is not redacted")
	}
}

func TestUnknownConfigTypeListsNotifications(t *testing.T) {
	dir := writeConfig(t, map[string]string{"x.json": `{"_id": "x", "type": "webhook"}`})
	_, problems := load(t, dir, nil)
	wantProblems(t, dir, problems, `unknown config type "webhook" (expected "pipe", "system:<kind>", "destination" or "subscription")`)
}

// TestNotifyOnePass: checks beyond decoding run even when decoding found
// problems, so one pass lists everything.
func TestNotifyOnePass(t *testing.T) {
	const notify = `[
{"_id": "d", "type": "destination", "url": "nope", "sekret": "x", "secrets": [1, "short"]},
{"_id": "s", "type": "subscription", "events": ["pipe.done"], "destinations": [2, "d"], "pipes": "x"}
]`
	dir := writeConfig(t, map[string]string{"n.json": notify})
	_, problems := load(t, dir, nil)
	wantProblems(t, dir, problems,
		at(t, "n.json", notify, 2, `"nope"`)+`: /0/url: url must be an absolute http or https URL`,
		at(t, "n.json", notify, 2, `"x"`)+`: /0/sekret: unknown property "sekret" (did you mean "secret"?)`,
		at(t, "n.json", notify, 2, `1,`)+`: /0/secrets/0: expected a string, got a number`,
		at(t, "n.json", notify, 2, `"short"`)+`: /0/secrets/1: a secret must be base64`,
		at(t, "n.json", notify, 3, `"pipe.done"`)+`: /1/events/0: unknown event "pipe.done"`,
		at(t, "n.json", notify, 3, `2,`)+`: /1/destinations/0: expected a string, got a number`,
		at(t, "n.json", notify, 3, `"x"`)+`: /1/pipes: expected an array, got a string`,
	)
}

// FuzzNotifyConfig: no destination or subscription, however malformed,
// makes Load panic, and every problem sits on a node of the file.
func FuzzNotifyConfig(f *testing.F) {
	for _, s := range []string{
		`[{"_id": "d", "type": "destination", "url": "https://x/", "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "headers": {"A": "b"}, "retry": {"max_attempts": 2}},
		  {"_id": "s", "type": "subscription", "events": ["*"], "pipes": ["a*b", "p"], "destinations": ["d", "s", "x"]},
		  {"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []}}]`,
		`{"_id": "s", "type": "subscription", "events": "x", "pipes": [1, ""], "destinations": [null]}`,
		`{"_id": "d", "type": "destination", "url": 1, "secret": null, "secrets": {}, "headers": [], "retry": 5}`,
	} {
		f.Add(s)
	}
	reg := component.NewRegistry()
	reg.MustRegister(sources.EmbeddedSpec, sources.DatasetSpec, sources.HTTPEndpointSpec, sinks.DatasetSpec, sinks.NullSpec, sinks.HTTPEndpointSpec)
	f.Fuzz(func(t *testing.T, data string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "n.json"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := pipes.Load(dir, pipes.Options{Types: reg, Env: func(string) (string, bool) { return "", false }})
		var problems pipes.Errors
		if err != nil && !errors.As(err, &problems) {
			t.Fatal(err)
		}
		root, perr := pipes.Parse(filepath.ToSlash(filepath.Join(dir, "n.json")), []byte(data))
		if perr != nil {
			return
		}
		if cfg != nil {
			problems = append(problems, cfg.Warnings...)
		}
		for _, e := range problems {
			if n := root.Child(e.Pointer); n == nil || n.Pos.Offset != e.Pos.Offset {
				t.Fatalf("problem %v is not at a node (node %v)", e, n)
			}
		}
	})
}
