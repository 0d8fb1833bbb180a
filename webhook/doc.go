// Package webhook sends messages out as Standard Webhooks: signed HTTP
// requests (Signer), delivered with retries (Client, Retry).
//
// It also holds the types through which the management API and the
// command line reach a webhook sink's delivery log (DeliveryLog), so that
// run notifications (package notify) and those callers do not depend on
// the sink itself, which lives in package webhooksink.
package webhook
