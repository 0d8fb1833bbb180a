package rest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// SystemConfig is the config of "system:rest" (Sesam's URL system
// properties plus operations).
type SystemConfig struct {
	URLPattern          string                      `json:"url_pattern" default:"required, or base_url" doc:"the URL each operation's URL goes into, at the \"%s\" in it (or appended)"`
	BaseURL             string                      `json:"base_url" default:"required, or url_pattern" doc:"the URL each operation's URL is joined to"`
	VerifySSL           bool                        `json:"verify_ssl" doc:"check the server's TLS certificate (off by default, as in Sesam)"`
	CustomCAPEMChain    string                      `json:"custom_ca_pem_chain" doc:"with verify_ssl: the PEM certificates of the authorities to trust, instead of the operating system's"`
	Headers             map[string]string           `json:"headers" doc:"sent with every request; may hold $SECRET(...)"`
	Authentication      string                      `json:"authentication" type:"\"basic\", \"jwt\", \"bearer\" or \"tripletex\"" doc:"\"basic\" sends username and password; \"jwt\" and \"bearer\" send jwt_token as a bearer token; \"tripletex\" sends Tripletex session tokens made as the tripletex setting says"`
	Username            string                      `json:"username" doc:"with basic authentication"`
	Password            string                      `json:"password" doc:"with basic authentication"`
	JWTToken            string                      `json:"jwt_token" doc:"with jwt or bearer authentication: the token"`
	Tripletex           *TripletexConfig            `json:"tripletex" doc:"with \"authentication\": \"tripletex\": how to get Tripletex session tokens"`
	OAuth2              *OAuth2Config               `json:"oauth2" doc:"instead of authentication: OAuth2 access tokens, by the client-credentials grant, or the refresh-token grant when refresh_token is set"`
	ConnectTimeout      float64                     `json:"connect_timeout" type:"number of seconds" doc:"the most connecting (and the TLS handshake) may take"`
	ReadTimeout         float64                     `json:"read_timeout" type:"number of seconds" doc:"the longest wait for an answer once the request is sent"`
	RateLimitingRetries int                         `json:"rate_limiting_retries" doc:"a 429 or 503 answer is retried this many times; an operation or component may set its own"`
	RateLimitingDelay   float64                     `json:"rate_limiting_delay" type:"number of seconds" doc:"the wait before such a retry, unless the answer's Retry-After says"`
	JSONContentTypes    []string                    `json:"json_content_types" doc:"response content types parsed as JSON, besides \"application/json\""`
	Operations          map[string]*OperationConfig `json:"operations" type:"object of operations" doc:"the named requests the rest source, transform and sink run"`
	// ConnectionRetries (a sluice addition) retries a request whose
	// connection failed, with exponential backoff from 0.5 s.
	ConnectionRetries int `json:"connection_retries" doc:"sluice: a request whose connection failed is retried this many times, with backoff from 0.5 s; one that is not idempotent only when nothing reached the server"`
	// MaxConnections caps connections kept open to the server.
	MaxConnections int `json:"max_connections" doc:"sluice: the connections kept open to the server"`
}

// OAuth2Config gets access tokens with the client-credentials grant, or
// the refresh-token grant when a refresh_token is given.
type OAuth2Config struct {
	ClientID      string             `json:"client_id" cfg:"required" doc:"the client's id"`
	ClientSecret  string             `json:"client_secret" doc:"the client's secret"`
	TokenURL      string             `json:"token_url" cfg:"required" doc:"the token endpoint"`
	AccessToken   string             `json:"access_token" doc:"with refresh_token: the access token to use until it expires"`
	RefreshToken  string             `json:"refresh_token" doc:"get tokens by the refresh-token grant, starting from this token, instead of client credentials"`
	RefreshWindow *float64           `json:"refresh_window" type:"number of seconds" default:"30" doc:"a token is renewed this long before it expires"`
	Scope         pipes.StringOrList `json:"scope" doc:"the scopes to ask for"`
	Extra         map[string]string  `json:"extra" doc:"more form parameters for the client-credentials token request"`
}

// Authentication schemes.
const (
	AuthBasic  = "basic"
	AuthJWT    = "jwt"
	AuthBearer = "bearer"
	// AuthTripletex is Tripletex's session tokens.
	AuthTripletex = "tripletex"
)

// Validate checks what belongs together.
func (c *SystemConfig) Validate() error {
	var errs []error
	if (c.URLPattern == "") == (c.BaseURL == "") {
		errs = append(errs, errors.New(`a REST system needs exactly one of "url_pattern" and "base_url"`))
	}
	switch c.Authentication {
	case "":
	case AuthBasic:
		if c.Username == "" {
			errs = append(errs, &pipes.FieldError{Field: "username", Err: errors.New(`"authentication": "basic" needs "username" and "password"`)})
		}
	case AuthJWT, AuthBearer:
		if c.JWTToken == "" {
			errs = append(errs, &pipes.FieldError{Field: "jwt_token", Err: fmt.Errorf(`"authentication": %q needs "jwt_token"`, c.Authentication)})
		}
	case AuthTripletex:
		if c.Tripletex == nil {
			errs = append(errs, &pipes.FieldError{Field: "authentication", Err: errors.New(`"authentication": "tripletex" needs the "tripletex" setting (consumer_token, employee_token, token_url)`)})
		}
	case "digest", "ntlm":
		errs = append(errs, &pipes.FieldError{Field: "authentication", Err: fmt.Errorf("authentication %q is not supported by a REST system; use basic, jwt (bearer), tripletex or oauth2, or a system:url", c.Authentication)})
	default:
		errs = append(errs, &pipes.FieldError{Field: "authentication", Err: fmt.Errorf(`authentication must be "basic", "jwt", "bearer" or "tripletex", not %q`, c.Authentication)})
	}
	if c.OAuth2 != nil && c.Authentication != "" {
		errs = append(errs, &pipes.FieldError{Field: "oauth2", Err: errors.New(`"oauth2" cannot be combined with "authentication"`)})
	}
	if c.ConnectTimeout < 0 || c.ReadTimeout < 0 || c.RateLimitingDelay < 0 || c.RateLimitingRetries < 0 || c.ConnectionRetries < 0 {
		errs = append(errs, errors.New("timeouts, delays and retry counts cannot be negative"))
	}
	return errors.Join(errs...)
}

// System is a built REST system: one HTTP client and its operations.
type System struct {
	cfg      *SystemConfig
	client   *http.Client
	auth     authenticator
	jsonType map[string]bool
}

// SystemSpec is "system:rest".
var SystemSpec = component.Typed(component.KindSystem, "rest",
	"Sesam's REST system: one HTTP client (authentication, timeouts, TLS, rate limiting, retries) shared by the "+
		"[`rest` source](sources.md#rest), [transform](transforms.md#rest) and [sink](sinks.md#rest), and the named "+
		"**operations** they run.\n\n"+
		"An operation's `url`, `headers`, `params` and `payload`, and its `next_page_link`, `id_expression` and "+
		"`updated_expression`, are Jinja templates (gonja). They see the entity's members, `entity`, `properties` "+
		"(the entity's, else the configured ones), `since` (source), `page_size`, `url`, `params`, `headers`, and when "+
		"paging `body`, `response_headers`, `previous_body`, … In `headers`, `params` and `payload`, a value whose "+
		"rendering holds `sesam:markskip` leaves its member out, and one ending in `sesam:markjson` is parsed, "+
		"without the marker, as JSON. "+
		"An entity's own `payload` is data, not a template.",
	func() *SystemConfig {
		return &SystemConfig{ConnectTimeout: 60, ReadTimeout: 1800, RateLimitingDelay: 1, ConnectionRetries: 3, MaxConnections: 16}
	},
	func(c *SystemConfig, _ component.Env) (any, error) { return NewSystem(c) }).
	WithExample(`{
  "_id": "crm",
  "type": "system:rest",
  "base_url": "https://crm.example.com/api/",
  "authentication": "bearer",
  "jwt_token": "$SECRET(crm_token)",
  "rate_limiting_retries": 5,
  "operations": {
    "list-customers": {
      "url": "customers",
      "method": "GET",
      "params": {"limit": "{{ page_size }}"},
      "page_size": 100,
      "payload_property": "data",
      "next_page_link": "{{ body.links.next }}",
      "id_expression": "{{ id }}",
      "updated_expression": "{{ updated_at }}"
    },
    "put-customer": {"url": "customers/{{ _id }}", "method": "PUT"},
    "delete-customer": {"url": "customers/{{ _id }}", "method": "DELETE", "ignored_status_codes": "404"}
  }
}`)

// Close closes the system's idle connections; the engine calls it once no
// pipe uses the system any more (after a reload, at stop).
func (s *System) Close(context.Context) error {
	s.client.CloseIdleConnections()
	return nil
}

// NewSystem builds the HTTP client of a system config.
func NewSystem(c *SystemConfig) (*System, error) {
	tlsCfg := &tls.Config{InsecureSkipVerify: !c.VerifySSL} //nolint:gosec // Sesam's default; verify_ssl turns checking on
	if c.CustomCAPEMChain != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.CustomCAPEMChain)) {
			return nil, errors.New("custom_ca_pem_chain holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: seconds(c.ConnectTimeout), KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ResponseHeaderTimeout: seconds(c.ReadTimeout),
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   seconds(c.ConnectTimeout),
		MaxIdleConns:          c.MaxConnections * 2,
		MaxIdleConnsPerHost:   c.MaxConnections,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	s := &System{cfg: c, client: &http.Client{Transport: transport}, jsonType: map[string]bool{"application/json": true}}
	for _, t := range c.JSONContentTypes {
		s.jsonType[strings.ToLower(t)] = true
	}
	var err error
	if s.auth, err = newAuthenticator(c, s.client); err != nil {
		return nil, err
	}
	return s, nil
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// URL puts a rendered operation URL into the system's url_pattern (at
// %s, or appended), or joins it to base_url. An absolute URL is used as
// it is.
func (s *System) URL(rel string) string {
	if strings.HasPrefix(rel, "http://") || strings.HasPrefix(rel, "https://") {
		return rel
	}
	if s.cfg.URLPattern != "" {
		if strings.Contains(s.cfg.URLPattern, "%s") {
			return strings.Replace(s.cfg.URLPattern, "%s", rel, 1)
		}
		return s.cfg.URLPattern + rel
	}
	base := s.cfg.BaseURL
	if strings.HasSuffix(base, "/") && strings.HasPrefix(rel, "/") {
		rel = rel[1:]
	}
	return base + rel
}

// operation finds a named operation: the component's own operations first,
// then the system's.
func (s *System) operation(name string, own map[string]*OperationConfig) (*OperationConfig, error) {
	if op, ok := own[name]; ok {
		return op, nil
	}
	if op, ok := s.cfg.Operations[name]; ok {
		return op, nil
	}
	return nil, fmt.Errorf("no operation %q in the system or the component", name)
}

// SesamKeys lists the Sesam properties SystemConfig accepts without effect.
func (*SystemConfig) SesamKeys() []string {
	return []string{"proxies", "retry_strategy", "ignore_invalid_content_length_response_header",
		// Custom authentication flows (token operations and their
		// expiry), which sluice does not run: requests go out without
		// the token they would fetch.
		"custom_auth", "error_expression", "expires_at", "expiry_date", "refresh_token_expires_at", "refresh_token_expiry_date",
		"get_token_operation", "expires_at_expression", "expires_in_expression", "refresh_window", "initial_refresh_token",
		"get_refresh_token_operation", "refresh_token_expires_at_expression", "refresh_token_expires_in_expression",
		"access_token_property", "refresh_token_property"}
}
