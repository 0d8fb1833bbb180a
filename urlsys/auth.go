package urlsys

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// authenticator adds credentials to a request, and says which transport
// sends it (digest authentication answers the server's challenge there).
type authenticator interface {
	authorize(req *http.Request, next http.RoundTripper) (http.RoundTripper, error)
}

type noAuth struct{}

func (noAuth) authorize(_ *http.Request, next http.RoundTripper) (http.RoundTripper, error) {
	return next, nil
}

type basicAuth struct{ user, password string }

func (a basicAuth) authorize(req *http.Request, next http.RoundTripper) (http.RoundTripper, error) {
	req.SetBasicAuth(a.user, a.password)
	return next, nil
}

type bearerAuth struct{ token string }

func (a bearerAuth) authorize(req *http.Request, next http.RoundTripper) (http.RoundTripper, error) {
	req.Header.Set("Authorization", "Bearer "+a.token)
	return next, nil
}

// digestAuth sends requests through a digest transport, which answers a
// 401 challenge (and reuses it for later requests to the host).
type digestAuth struct{ t *digest.Transport }

func (a digestAuth) authorize(req *http.Request, _ http.RoundTripper) (http.RoundTripper, error) {
	req.Header.Del("Authorization") // the transport makes its own
	return a.t, nil
}

// oauth2Auth fetches access tokens and renews them refresh_window seconds
// before they expire.
type oauth2Auth struct {
	mu  sync.Mutex
	src oauth2.TokenSource
}

func (a *oauth2Auth) authorize(req *http.Request, next http.RoundTripper) (http.RoundTripper, error) {
	a.mu.Lock()
	tok, err := a.src.Token()
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	tok.SetAuthHeader(req)
	return next, nil
}

func newAuth(c *SystemConfig, base http.RoundTripper) (authenticator, error) {
	switch {
	case c.OAuth2 != nil:
		o := c.OAuth2
		window := 30 * time.Second
		if o.RefreshWindow != nil {
			window = seconds(*o.RefreshWindow)
		}
		// Token requests go through the system's transport (TLS, proxies,
		// timeouts), without its headers.
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: base})
		var src oauth2.TokenSource
		if o.RefreshToken != "" {
			conf := &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: oauth2.Endpoint{TokenURL: o.TokenURL}, Scopes: o.Scope}
			src = conf.TokenSource(ctx, &oauth2.Token{AccessToken: o.AccessToken, RefreshToken: o.RefreshToken})
		} else {
			conf := &clientcredentials.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, TokenURL: o.TokenURL, Scopes: o.Scope}
			if len(o.Extra) > 0 {
				conf.EndpointParams = url.Values{}
				for k, v := range o.Extra {
					conf.EndpointParams.Set(k, v)
				}
			}
			src = conf.TokenSource(ctx)
		}
		return &oauth2Auth{src: oauth2.ReuseTokenSourceWithExpiry(nil, src, window)}, nil
	case c.Authentication == AuthBasic:
		return basicAuth{string(c.Username), string(c.Password)}, nil
	case c.Authentication == AuthDigest:
		return digestAuth{&digest.Transport{Username: string(c.Username), Password: string(c.Password), Transport: base}}, nil
	case c.Authentication == AuthJWT, c.Authentication == "" && c.JWTToken != "":
		return bearerAuth{string(c.JWTToken)}, nil
	case c.Authentication == "":
		return noAuth{}, nil
	}
	return nil, fmt.Errorf("authentication %q is not supported", c.Authentication)
}

// proxies are the proxies config: URL prefixes and their proxy URLs.
type proxies map[string]*url.URL

func parseProxies(m map[string]string) (proxies, error) {
	out := proxies{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		u, err := url.Parse(m[k])
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("proxies: %q is not a proxy URL", redactURL(m[k]))
		}
		out[strings.ToLower(k)] = u
	}
	return out, nil
}

// forRequest picks a request's proxy as Python's requests does: the most
// specific of "scheme://host", "scheme", "all://host" and "all".
func (p proxies) forRequest(req *http.Request) (*url.URL, error) {
	scheme, host := strings.ToLower(req.URL.Scheme), strings.ToLower(req.URL.Hostname())
	for _, k := range []string{scheme + "://" + host, scheme, "all://" + host, "all"} {
		if u, ok := p[k]; ok {
			return u, nil
		}
	}
	return nil, nil
}
