package urlsys

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/httpretry"
	"github.com/sluice-sync/sluice/pipes"
)

// SystemConfig is the config of "system:url": Sesam's URL system.
type SystemConfig struct {
	URLPattern       string            `json:"url_pattern" default:"required, or base_url" doc:"the URL a component's relative url goes into, at the \"%s\" in it (or appended when it has none)"`
	BaseURL          string            `json:"base_url" default:"required, or url_pattern" doc:"deprecated in Sesam, in favour of url_pattern: relative URLs are resolved against it as a browser would, so end it with \"/\" to keep its last segment"`
	VerifySSL        bool              `json:"verify_ssl" doc:"check the server's TLS certificate (off by default, as in Sesam)"`
	CustomCAPEMChain string            `json:"custom_ca_pem_chain" doc:"with verify_ssl: the PEM certificates of the authorities to trust, instead of the operating system's"`
	Username         optString         `json:"username" doc:"with basic or digest authentication"`
	Password         optString         `json:"password" doc:"with basic or digest authentication; required with username"`
	JWTToken         optString         `json:"jwt_token" doc:"with \"authentication\": \"jwt\" (or without authentication): sent as a bearer token, replacing any Authorization header in headers"`
	Headers          map[string]string `json:"headers" doc:"sent with every request unless the component sets the same header; may hold $SECRET(...)"`
	Authentication   string            `json:"authentication" type:"\"basic\", \"digest\" or \"jwt\"" doc:"opt-in: \"basic\" and \"digest\" use username and password, \"jwt\" sends jwt_token; Sesam's \"ntlm\" and \"tripletex\" are refused"`
	OAuth2           *OAuth2Config     `json:"oauth2" doc:"instead of authentication: OAuth2 access tokens, by the client-credentials grant, or the refresh-token grant when refresh_token is set"`
	Proxies          map[string]string `json:"proxies" doc:"proxies by URL prefix: \"http\", \"https\", \"http://host\", \"all\" (the most specific wins), each an http://, https:// or socks5:// URL that may hold user:password@; without it, the HTTP_PROXY, HTTPS_PROXY and NO_PROXY environment variables apply"`
	ConnectTimeout   float64           `json:"connect_timeout" type:"number of seconds" doc:"the most connecting (and the TLS handshake) may take"`
	ReadTimeout      float64           `json:"read_timeout" type:"number of seconds" doc:"the longest wait for the server: for its answer once the request is sent, and between any two reads of the answer"`
	// Retries is a sluice addition: Sesam retries through pump settings.
	Retries int `json:"retries" doc:"sluice: a request safe to repeat (the json source's and sink's) that failed to connect, or got 408, 429, 500, 502, 503, 504 or 507, is sent again this many times, after Retry-After or a backoff from 0.5 s"`
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

// optString is a string that may be written null, as Sesam's prototype
// writes username, password and jwt_token.
type optString string

// DecodeNode reads a string, or null as "".
func (s *optString) DecodeNode(n *pipes.Node) pipes.Errors {
	switch n.Kind {
	case pipes.Null:
		*s = ""
	case pipes.String:
		*s = optString(n.Str)
	default:
		return pipes.Errors{pipes.Errorf(n, "expected a string or null, got %s", n.Describe())}
	}
	return nil
}

// ConfigType names the shape in the configuration reference.
func (optString) ConfigType() string { return "string or null" }

// Authentication schemes.
const (
	AuthBasic  = "basic"
	AuthDigest = "digest"
	AuthJWT    = "jwt"
)

// Validate checks what belongs together, so that a bad system is
// reported at its place before anything is built.
func (c *SystemConfig) Validate() error {
	var errs []error
	field := func(name, format string, args ...any) {
		errs = append(errs, &pipes.FieldError{Field: name, Err: fmt.Errorf(format, args...)})
	}
	switch {
	case c.URLPattern == "" && c.BaseURL == "":
		errs = append(errs, errors.New(`a URL system needs "url_pattern" (or the deprecated "base_url")`))
	case c.URLPattern != "" && c.BaseURL != "":
		field("base_url", `give "url_pattern" or "base_url", not both`)
	case c.URLPattern != "":
		if err := checkHTTPURL(strings.Replace(c.URLPattern, "%s", "", 1)); err != nil {
			field("url_pattern", "url_pattern: %v", err)
		}
	default:
		if err := checkHTTPURL(c.BaseURL); err != nil {
			field("base_url", "base_url: %v", err)
		}
	}
	switch c.Authentication {
	case "":
	case AuthBasic, AuthDigest:
		if c.Username == "" {
			field("authentication", "%q authentication needs \"username\" and \"password\"", c.Authentication)
		} else if c.Password == "" {
			field("password", "%q authentication needs \"password\" with \"username\"", c.Authentication)
		}
	case AuthJWT:
		if c.JWTToken == "" {
			field("authentication", `"jwt" authentication needs "jwt_token"`)
		}
	case "ntlm", "tripletex":
		field("authentication", "authentication %q is not supported by sluice; use \"basic\", \"digest\", \"jwt\" or \"oauth2\"", c.Authentication)
	default:
		field("authentication", `authentication must be "basic", "digest" or "jwt", not %q`, c.Authentication)
	}
	if c.OAuth2 != nil && (c.Authentication != "" || c.JWTToken != "") {
		field("oauth2", `"oauth2" cannot be combined with "authentication" or "jwt_token"`)
	}
	if c.CustomCAPEMChain != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.CustomCAPEMChain)) {
		field("custom_ca_pem_chain", "custom_ca_pem_chain holds no PEM certificate")
	}
	for prefix, p := range c.Proxies {
		u, err := url.Parse(p)
		if err != nil || u.Host == "" {
			field("proxies", "proxy %q for %q is not a URL such as socks5://host:1080", redactURL(p), prefix)
			continue
		}
		switch u.Scheme {
		case "http", "https", "socks5", "socks5h":
		default:
			field("proxies", "proxy %q for %q: the scheme must be http, https or socks5, not %q", redactURL(p), prefix, u.Scheme)
		}
	}
	if c.ConnectTimeout < 0 || c.ReadTimeout < 0 || c.Retries < 0 {
		errs = append(errs, errors.New("connect_timeout, read_timeout and retries cannot be negative"))
	}
	return errors.Join(errs...)
}

// checkHTTPURL accepts an absolute http or https URL.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not an http:// or https:// URL", redactURL(s))
	case u.Host == "":
		return fmt.Errorf("%q has no host", redactURL(s))
	}
	return nil
}

// SesamKeys lists the Sesam properties SystemConfig accepts without effect.
func (*SystemConfig) SesamKeys() []string {
	return []string{"tripletex", "retry_strategy", "ignore_invalid_content_length_response_header"}
}

// ConfigSecrets lists what the system holds that the config's redaction
// must hide, however it was written: the password (and the Basic
// credentials made of it), the JWT, the OAuth2 secrets, credential
// headers, and credentials in its URLs and proxies.
func (c *SystemConfig) ConfigSecrets() []string {
	out := []string{string(c.Password), string(c.JWTToken)}
	if c.Password != "" {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(string(c.Username)+":"+string(c.Password))))
	}
	if o := c.OAuth2; o != nil {
		out = append(out, o.ClientSecret, o.AccessToken, o.RefreshToken)
		for k, v := range o.Extra {
			if pipes.IsSecretName(k) {
				out = append(out, v)
			}
		}
	}
	out = append(out, pipes.HeaderSecrets(c.Headers)...)
	out = append(out, pipes.URLSecrets(c.URLPattern)...)
	out = append(out, pipes.URLSecrets(c.BaseURL)...)
	for _, p := range c.Proxies {
		out = append(out, pipes.URLSecrets(p)...)
	}
	return out
}

// SystemSpec is "system:url".
var SystemSpec = component.Typed(component.KindSystem, "url",
	"Sesam's URL system: one HTTP client — TLS, proxies, timeouts, default headers, authentication — shared by "+
		"the components that name it, such as the [`json` source](sources.md#json) and [sink](sinks.md#json). "+
		"A component's `url` goes into `url_pattern` at its `%s` (or is appended), or is resolved against "+
		"`base_url`; an absolute `http://` or `https://` URL is used as it is.\n\n"+
		"Authentication is opt-in: `basic` and `digest` (RFC 7616: MD5 or SHA-256, answering the server's "+
		"challenge) send `username` and `password`; `jwt` sends `jwt_token` as a bearer token; `oauth2` "+
		"fetches and renews access tokens. Credentials and credential headers (such as `X-Api-Key`) go only "+
		"to the host the request was made for, not to another host it is redirected to.",
	func() *SystemConfig { return &SystemConfig{ConnectTimeout: 60, ReadTimeout: 1800, Retries: 5} },
	func(c *SystemConfig, _ component.Env) (any, error) { return NewSystem(c) }).
	WithExample(`{
  "_id": "other-sluice",
  "type": "system:url",
  "url_pattern": "https://sluice.example.com/api/%s",
  "verify_ssl": true,
  "authentication": "jwt",
  "jwt_token": "$SECRET(other_sluice_token)",
  "headers": {"X-Client": "sluice"},
  "read_timeout": 300
}`)

// System is a built system:url. Components find it through
// component.Env.System (assert *System) and send their requests through
// Do, DoRetry or Client, which add the system's headers and
// authentication.
type System struct {
	cfg       *SystemConfig
	base      *url.URL // base_url, parsed
	transport *http.Transport
	client    *http.Client
}

// NewSystem builds the HTTP client of a config (which Validate accepted).
func NewSystem(c *SystemConfig) (*System, error) {
	tlsCfg := &tls.Config{InsecureSkipVerify: !c.VerifySSL} //nolint:gosec // Sesam's default; verify_ssl turns checking on
	if c.CustomCAPEMChain != "" && c.VerifySSL {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.CustomCAPEMChain)) {
			return nil, errors.New("custom_ca_pem_chain holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	s := &System{cfg: c}
	if c.BaseURL != "" {
		var err error
		if s.base, err = url.Parse(c.BaseURL); err != nil {
			return nil, fmt.Errorf("base_url: %w", err)
		}
	}
	proxy := http.ProxyFromEnvironment
	if len(c.Proxies) > 0 {
		proxies, err := parseProxies(c.Proxies)
		if err != nil {
			return nil, err
		}
		proxy = proxies.forRequest
	}
	dialer := &net.Dialer{Timeout: seconds(c.ConnectTimeout), KeepAlive: 30 * time.Second}
	read := seconds(c.ReadTimeout)
	s.transport = &http.Transport{
		Proxy: proxy,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil || read <= 0 {
				return conn, err
			}
			return &readTimeoutConn{Conn: conn, timeout: read}, nil
		},
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   seconds(c.ConnectTimeout),
		ResponseHeaderTimeout: read,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	auth, err := newAuth(c, s.transport)
	if err != nil {
		return nil, err
	}
	s.client = &http.Client{Transport: &systemTransport{cfg: c, auth: auth, next: s.transport}}
	return s, nil
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// Client is the system's HTTP client: requests sent with it get the
// system's headers and authentication.
func (s *System) Client() *http.Client { return s.client }

// URL makes the URL a component names absolute: an http:// or https://
// URL as it is, otherwise put into url_pattern at its "%s" (or appended),
// or resolved against base_url.
func (s *System) URL(rel string) (string, error) {
	if isAbsolute(rel) {
		return rel, nil
	}
	switch {
	case s.cfg.URLPattern != "":
		if strings.Contains(s.cfg.URLPattern, "%s") {
			return strings.Replace(s.cfg.URLPattern, "%s", rel, 1), nil
		}
		return s.cfg.URLPattern + rel, nil
	case s.base != nil:
		r, err := url.Parse(rel)
		if err != nil {
			return "", fmt.Errorf("url %q: %w", rel, err)
		}
		return s.base.ResolveReference(r).String(), nil
	}
	return "", fmt.Errorf("url %q is not an absolute http:// or https:// URL, and the system has no url_pattern", rel)
}

func isAbsolute(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// Do sends req once, with ctx, the system's headers and authentication.
// The caller closes the answer's body.
func (s *System) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	return s.client.Do(req.WithContext(ctx))
}

// Retries is how often DoRetry sends a request again.
func (s *System) Retries() int { return s.cfg.Retries }

// Answers worth sending a request again for: the server says it is busy,
// or failed on its side in a way that may pass.
var retryStatus = map[int]bool{
	http.StatusRequestTimeout: true, http.StatusTooManyRequests: true,
	http.StatusInternalServerError: true, http.StatusBadGateway: true, http.StatusServiceUnavailable: true,
	http.StatusGatewayTimeout: true, http.StatusInsufficientStorage: true,
}

// Backoff bounds for DoRetry; a Retry-After longer than maxRetryAfter is
// not waited for (the answer is returned instead).
var (
	firstBackoff  = 500 * time.Millisecond
	maxBackoff    = 30 * time.Second
	maxRetryAfter = 5 * time.Minute
)

// DoRetry sends the request newReq makes, and makes and sends it again,
// up to Retries times, after a connection failure or an answer of 408,
// 429, 500, 502, 503, 504 or 507: after the answer's Retry-After, else a
// backoff from 0.5 s doubling to 30 s. Use it only for requests that are
// safe to repeat. The last answer is returned whatever its status; the
// caller closes its body.
func (s *System) DoRetry(ctx context.Context, newReq func() (*http.Request, error)) (*http.Response, error) {
	backoff := firstBackoff
	for attempt := 0; ; attempt++ {
		req, err := newReq()
		if err != nil {
			return nil, err
		}
		resp, err := s.Do(ctx, req)
		last := attempt >= s.cfg.Retries || ctx.Err() != nil
		var wait time.Duration
		switch {
		case err != nil:
			if last || !retryableError(err) {
				return nil, err
			}
			wait = backoff
		case !retryStatus[resp.StatusCode] || last:
			return resp, nil
		default:
			wait = backoff
			if d, ok := httpretry.RetryAfter(resp.Header.Get("Retry-After")); ok {
				if d > maxRetryAfter {
					return resp, nil
				}
				wait = d
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
			resp.Body.Close()
		}
		if err := httpretry.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// retryableError reports a failure of the connection, or a timeout of
// the server's answer; not one of the URL or of the caller's context.
func retryableError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var op *net.OpError
	var timeout interface{ Timeout() bool }
	return errors.As(err, &op) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		(errors.As(err, &timeout) && timeout.Timeout())
}

// Close closes the system's idle connections; the engine calls it once no
// pipe uses the system any more (after a reload, at stop).
func (s *System) Close(context.Context) error {
	s.transport.CloseIdleConnections()
	return nil
}

// readTimeoutConn fails a read that waits longer than read_timeout, as
// Sesam's client does between any two reads of an answer.
type readTimeoutConn struct {
	net.Conn
	timeout time.Duration
}

func (c *readTimeoutConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

// systemTransport adds the system's headers and authentication to each
// request. Credentials (authentication, and headers whose names say they
// hold one) go only to the host the request was first made for: a
// redirect to another host gets the other headers only.
type systemTransport struct {
	cfg  *SystemConfig
	auth authenticator
	next http.RoundTripper
}

func (t *systemTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context()) // a RoundTripper must not change the request
	trusted := sameHost(req)
	for k, v := range t.cfg.Headers {
		if len(r.Header.Values(k)) > 0 || (!trusted && pipes.IsSecretHeader(k)) {
			continue
		}
		r.Header.Set(k, v)
	}
	next := t.next
	if trusted {
		var err error
		if next, err = t.auth.authorize(r, next); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, fmt.Errorf("authentication: %w", err)
		}
	}
	return next.RoundTrip(r)
}

// sameHost reports whether req goes to the host the first request of its
// redirect chain went to.
func sameHost(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return strings.EqualFold(first.URL.Host, req.URL.Host)
}

// redactURL hides a password written into a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// systemFor finds the system:url a component names. A component that
// names none gets a system of its own with Sesam's defaults, which takes
// absolute URLs only; owned says so, and the component closes it.
func systemFor(env component.Env, id string) (sys *System, owned bool, err error) {
	if id == "" {
		s, err := NewSystem(SystemSpec.NewConfig().(*SystemConfig))
		return s, true, err
	}
	if env.System == nil {
		return nil, false, fmt.Errorf("system %q: no systems are available here", id)
	}
	s, ok := env.System(id)
	if !ok {
		return nil, false, fmt.Errorf("system %q is not defined", id)
	}
	if sys, ok = s.(*System); !ok {
		return nil, false, fmt.Errorf("system %q is not a URL system (\"type\": \"system:url\")", id)
	}
	return sys, false, nil
}
