package rest

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// authenticator adds credentials to a request.
type authenticator interface {
	authorize(ctx context.Context, req *http.Request) error
}

type noAuth struct{}

func (noAuth) authorize(context.Context, *http.Request) error { return nil }

type basicAuth struct{ user, password string }

func (a basicAuth) authorize(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(a.user, a.password)
	return nil
}

type bearerAuth struct{ token string }

func (a bearerAuth) authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+a.token)
	return nil
}

// oauth2Auth fetches access tokens (client credentials, or refresh token
// when one is configured) and renews them refresh_window seconds before
// they expire.
type oauth2Auth struct {
	mu  sync.Mutex
	src oauth2.TokenSource
}

func (a *oauth2Auth) authorize(_ context.Context, req *http.Request) error {
	a.mu.Lock()
	tok, err := a.src.Token()
	a.mu.Unlock()
	if err != nil {
		return err
	}
	tok.SetAuthHeader(req)
	return nil
}

func newAuthenticator(c *SystemConfig, client *http.Client) (authenticator, error) {
	switch {
	case c.OAuth2 != nil:
		o := c.OAuth2
		window := 30 * time.Second
		if o.RefreshWindow != nil {
			window = seconds(*o.RefreshWindow)
		}
		// Token requests go through the system's own client (timeouts, TLS).
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
		var src oauth2.TokenSource
		if o.RefreshToken != "" {
			conf := &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: oauth2.Endpoint{TokenURL: o.TokenURL}, Scopes: o.Scope}
			src = conf.TokenSource(ctx, &oauth2.Token{AccessToken: o.AccessToken, RefreshToken: o.RefreshToken})
		} else {
			conf := &clientcredentials.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, TokenURL: o.TokenURL, Scopes: o.Scope}
			if len(o.Extra) > 0 {
				conf.EndpointParams = map[string][]string{}
				for k, v := range o.Extra {
					conf.EndpointParams[k] = []string{v}
				}
			}
			src = conf.TokenSource(ctx)
		}
		return &oauth2Auth{src: oauth2.ReuseTokenSourceWithExpiry(nil, src, window)}, nil
	case c.Authentication == AuthTripletex:
		return &tripletexAuth{cfg: c.Tripletex, client: client, now: time.Now}, nil
	case c.Authentication == AuthBasic:
		return basicAuth{c.Username, c.Password}, nil
	case c.Authentication == AuthJWT || c.Authentication == AuthBearer:
		return bearerAuth{c.JWTToken}, nil
	}
	return noAuth{}, nil
}
