package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/webhook"
)

// Validate names each field at fault, so a config loader can point at it.
func TestRetryValidateNamesFields(t *testing.T) {
	r := webhook.DefaultRetry()
	if err := r.Validate(); err != nil {
		t.Fatalf("the default schedule: %v", err)
	}
	r.MaxAttempts, r.Timeout, r.MaxDelay = 0, 0, -1
	err := r.Validate()
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *webhook.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a FieldError", e)
		}
		fields = append(fields, fe.Field)
	}
	if want := []string{"max_attempts", "max_delay", "timeout"}; len(fields) != len(want) || fields[0] != want[0] || fields[1] != want[1] || fields[2] != want[2] {
		t.Errorf("fields at fault: %v, want %v (%v)", fields, want, err)
	}
}

// CloseIdleConnections leaves no connection open to the endpoint.
func TestCloseIdleConnections(t *testing.T) {
	srv := testkit.NewAPI(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(http.StatusNoContent) })
	count := srv.Conns.Open
	signer, err := webhook.NewSigner(webhook.GenerateSecret())
	if err != nil {
		t.Fatal(err)
	}
	c := webhook.NewClient(signer, webhook.DefaultRetry())
	m := &webhook.Message{ID: "msg_1", Method: http.MethodPost, URL: srv.URL, Body: []byte(`{}`)}
	if err := c.Deliver(context.Background(), m, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d connections open after a delivery, want the one kept alive", n)
	}
	c.CloseIdleConnections()
	for deadline := time.Now().Add(5 * time.Second); count() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open", count())
		}
	}
}
