// Package webhooksink is the "webhook" sink: it sends entities as signed,
// batched Standard Webhooks through package webhook's client, remembers
// what each endpoint has (sync_mode), and keeps a delivery log with dead
// letters, resend and replay, which callers reach as a
// webhook.DeliveryLog.
package webhooksink
