package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// TripletexConfig is Sesam's "tripletex" system setting: Tripletex's
// session tokens, made from a consumer and an employee token and renewed
// before they expire.
type TripletexConfig struct {
	ConsumerToken string  `json:"consumer_token" cfg:"required" doc:"the application's consumer token"`
	EmployeeToken string  `json:"employee_token" cfg:"required" doc:"the employee token of the account"`
	TokenURL      string  `json:"token_url" cfg:"required" doc:"Tripletex's session-token endpoint (…/v2/token/session/:create)"`
	TTL           float64 `json:"ttl" type:"number of hours" default:"48" doc:"how long a session token is asked to stay valid"`
}

// tripletexAuth sends Tripletex's session token as the password of basic
// authentication with user "0" (the token's own company), creating the
// token with PUT token_url?consumerToken=…&employeeToken=…&expirationDate=…
// and renewing it an hour before the day it expires.
type tripletexAuth struct {
	cfg    *TripletexConfig
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

func (a *tripletexAuth) authorize(ctx context.Context, req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == "" || !a.now().Before(a.expires.Add(-time.Hour)) {
		if err := a.renew(ctx); err != nil {
			return fmt.Errorf("tripletex session token: %w", err)
		}
	}
	req.SetBasicAuth("0", a.token)
	return nil
}

func (a *tripletexAuth) renew(ctx context.Context) error {
	ttl := a.cfg.TTL
	if ttl <= 0 {
		ttl = 48
	}
	// Tripletex takes the expiry as a date; the token lasts until it starts.
	expires := a.now().Add(time.Duration(ttl * float64(time.Hour))).UTC()
	u, err := url.Parse(a.cfg.TokenURL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("consumerToken", a.cfg.ConsumerToken)
	q.Set("employeeToken", a.cfg.EmployeeToken)
	q.Set("expirationDate", expires.Format(time.DateOnly))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return errors.New("the token request failed: " + withoutURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the token endpoint answered %s", resp.Status)
	}
	var answer struct {
		Value struct {
			Token string `json:"token"`
		} `json:"value"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.Value.Token == "" {
		return errors.New(`the token endpoint's answer holds no "value": {"token": …}`)
	}
	a.token = answer.Value.Token
	a.expires = time.Date(expires.Year(), expires.Month(), expires.Day(), 0, 0, 0, 0, time.UTC)
	return nil
}

// withoutURL keeps the URL, whose query holds the tokens, out of a
// transport error.
func withoutURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
