package rest

import (
	"strings"
	"testing"
)

func TestSystemConfigDefaults(t *testing.T) {
	cfg, errs := systemConfig(t, `{"url_pattern": "http://h/%s"}`)
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	if cfg.ConnectTimeout != 60 || cfg.ReadTimeout != 1800 || cfg.RateLimitingDelay != 1 || cfg.ConnectionRetries != 3 || cfg.MaxConnections != 16 || cfg.VerifySSL {
		t.Errorf("defaults %+v", cfg)
	}
}

// TestConfigValidation decodes bad system configs: each problem is
// reported at its member, with file:line:col.
func TestConfigValidation(t *testing.T) {
	for _, c := range []struct {
		name, js string
		want     []string
	}{
		{"method", `{"url_pattern": "x",
  "operations": {"op": {"url": "x", "method": "get"}}}`,
			[]string{"system.json:2:47: /operations/op/method: method must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD (case sensitive), not \"get\""}},
		{"payload-type", `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "POST", "payload-type": "xml"}}}`,
			[]string{"/operations/op/payload-type: payload-type must be json, json-transit, form, multipart-form or text, not \"xml\""}},
		{"termination strategy", `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "GET", "next_page_termination_strategy": ["empty-result", "same-answer"]}}}`,
			[]string{"/operations/op/next_page_termination_strategy: unknown termination strategy \"same-answer\""}},
		{"not-full-page without page_size", `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "GET", "next_page_termination_strategy": "not-full-page"}}}`,
			[]string{"/operations/op/next_page_termination_strategy: \"not-full-page\" needs the operation's \"page_size\""}},
		{"termination strategy string", `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "GET", "next_page_termination_strategy": "never"}}}`,
			[]string{"/operations/op/next_page_termination_strategy: unknown termination strategy \"never\""}},
		{"since location", `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "GET", "since_property_location": "body"}}}`,
			[]string{"/operations/op/since_property_location:"}},
		{"several in one operation", `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "FETCH", "payload-type": "yaml"}}}`,
			[]string{"/operations/op/method:", "/operations/op/payload-type:"}},
		{"operation without url and method", `{"url_pattern": "x", "operations": {"op": {}}}`,
			[]string{`/operations/op: missing required property "url"`, `/operations/op: missing required property "method"`}},
		{"basic without username", `{"url_pattern": "x", "authentication": "basic", "password": "p"}`,
			[]string{`system.json:1:1: username: "authentication": "basic" needs "username" and "password"`}},
		{"jwt without token", `{"url_pattern": "x", "authentication": "jwt"}`,
			[]string{`"authentication": "jwt" needs "jwt_token"`}},
		{"unsupported authentication", `{"url_pattern": "x", "authentication": "digest", "username": "u"}`,
			[]string{`/authentication: authentication "digest" is not supported`}},
		{"unknown authentication", `{"url_pattern": "x", "authentication": "magic"}`,
			[]string{`/authentication: authentication must be "basic", "jwt", "bearer" or "tripletex", not "magic"`}},
		{"tripletex without its setting", `{"url_pattern": "x", "authentication": "tripletex"}`,
			[]string{`/authentication: "authentication": "tripletex" needs the "tripletex" setting (consumer_token, employee_token, token_url)`}},
		{"oauth2 and authentication", `{"url_pattern": "x", "authentication": "basic", "username": "u",
  "oauth2": {"client_id": "c", "token_url": "http://t"}}`,
			[]string{`system.json:2:13: /oauth2: "oauth2" cannot be combined with "authentication"`}},
		{"oauth2 without token_url", `{"url_pattern": "x", "oauth2": {"client_id": "c"}}`,
			[]string{`/oauth2: missing required property "token_url"`}},
		{"url_pattern and base_url", `{"url_pattern": "x", "base_url": "y"}`,
			[]string{`exactly one of "url_pattern" and "base_url"`}},
		{"no url", `{"headers": {}}`,
			[]string{`exactly one of "url_pattern" and "base_url"`}},
		{"negative", `{"url_pattern": "x", "connection_retries": -1}`,
			[]string{"cannot be negative"}},
		{"unknown property", `{"url_pattern": "x", "rate_limiting_retrys": 3}`,
			[]string{`/rate_limiting_retrys: unknown property "rate_limiting_retrys" (did you mean "rate_limiting_retries"?)`}},
		{"unknown operation property", `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "GET", "payload_type": "json"}}}`,
			[]string{`/operations/op/payload_type: unknown property "payload_type" (did you mean "payload-type"?)`}},
		{"headers are strings", `{"url_pattern": "x", "headers": {"X": 1}}`,
			[]string{`/headers/X: expected a string`}},
	} {
		_, errs := systemConfig(t, c.js)
		if !errs.HasErrors() {
			t.Errorf("%s: decoded", c.name)
			continue
		}
		mustContain(t, c.name, errs.Error(), c.want...)
	}
}

func TestConfigValidOperations(t *testing.T) {
	_, errs := systemConfig(t, `{"base_url": "http://h/", "authentication": "basic", "username": "u",
	  "proxies": {"http": "x"},
	  "operations": {
	    "a": {"url": "x", "method": "GET", "payload-type": "json-transit", "next_page_termination_strategy": ["empty-result", "same-next-page-link", "next-page-link-empty", "same-next-page-request"], "since_property_location": "header"},
	    "b": {"url": "x", "method": "HEAD", "payload-type": "form", "since_property_location": "query"},
	    "c": {"url": "x", "method": "OPTIONS", "payload-type": "text", "allowed_status_codes": "200-299,404", "rate_limiting_retries": 2, "rate_limiting_delay": 0.5}
	  }}`)
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	if len(errs) != 1 || !errs[0].Warning || !strings.Contains(errs[0].Error(), `"proxies" is accepted for Sesam compatibility but has no effect`) {
		t.Errorf("warnings %v", errs)
	}
}

func TestNewSystemCustomCA(t *testing.T) {
	cfg, errs := systemConfig(t, `{"url_pattern": "https://h/%s", "custom_ca_pem_chain": "not a certificate"}`)
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	if _, err := NewSystem(cfg); err == nil || !strings.Contains(err.Error(), "custom_ca_pem_chain") {
		t.Errorf("err %v", err)
	}
}

func TestComponentConfigValidation(t *testing.T) {
	sys := newSystem(t, `{"url_pattern": "http://127.0.0.1:1/%s", "operations": {"op": {"url": "x", "method": "GET"}}}`)
	for js, want := range map[string]string{
		`{"system": "api", "operation": "op", "next_page_link": "{{ x"}`:                              "/next_page_link: bad template",
		`{"system": "api", "operation": "op", "operations": {"own": {"url": "x", "method": "YANK"}}}`: "/operations/own/method: method must be one of",
		`{"system": "api", "operation": "op", "allowed_status_codes": "ok"}`:                          "/allowed_status_codes:",
		`{"system": "api", "operation": "op", "trigger_on": {"keyz": "a"}}`:                           "trigger_on",
		`{"system": "api", "operation": "op", "replace_entity": "yes"}`:                               "/replace_entity: expected a boolean",
	} {
		_, err := buildComponent[any](t, "transform", sys, js)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", js, err, want)
		}
	}
	// "trace" is accepted (with a warning) for Sesam compatibility.
	if _, err := buildComponent[any](t, "transform", sys, `{"system": "api", "operation": "op", "trace": true}`); err != nil {
		t.Errorf("trace: %v", err)
	}
}
