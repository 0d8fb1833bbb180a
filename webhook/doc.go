// Package webhook sends entities and events out as Standard Webhooks:
// signed, batched HTTP requests with retries, a delivery log, a
// dead-letter dataset, resend and replay.
//
// The signing (Signer) and delivery (Client) halves are used by the
// "webhook" sink here and by run notifications (package notify).
package webhook
