package service

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/sluice-sync/sluice/pipes"
)

// problem is one problem of a refused config in the reload answer: its
// place in parts, for tools, and as the line validate prints, for people.
type problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

// refusal is the 422 answer to a reload of a config with problems: the
// usual error body, with every problem.
type refusal struct {
	Error    string    `json:"error"`
	Status   int       `json:"status"`
	Problems []problem `json:"problems"`
}

// refusedConfig builds the answer for a reload that failed on the config's
// problems; ok is false for any other failure.
func refusedConfig(err error) (body refusal, ok bool) {
	var problems pipes.Errors
	if !errors.As(err, &problems) || len(problems) == 0 {
		return refusal{}, false
	}
	body = refusal{
		Error:    fmt.Sprintf("the new config has %d problem%s; the running config is kept", len(problems), plural(len(problems))),
		Status:   http.StatusUnprocessableEntity,
		Problems: make([]problem, 0, len(problems)),
	}
	for _, p := range problems {
		if p == nil {
			continue
		}
		body.Problems = append(body.Problems, problem{
			File: p.Pos.File, Line: p.Pos.Line, Column: p.Pos.Col,
			Pointer: p.Pointer, Message: p.Msg, Text: p.Error(),
		})
	}
	return body, true
}

// redactProblems hides the secrets of the config that failed to load in
// its problems, before they are answered or logged. Problems are copied:
// the loader's own stay as they were.
func redactProblems(cfg *pipes.Config, err error) error {
	var problems pipes.Errors
	if cfg == nil || !errors.As(err, &problems) {
		return err
	}
	redacted := make(pipes.Errors, 0, len(problems))
	for _, p := range problems {
		if p == nil {
			continue
		}
		c := *p
		c.Msg = cfg.Redact(c.Msg)
		redacted = append(redacted, &c)
	}
	return redacted
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
