// Package testkit holds what sluice's tests share: a webhook receiver that
// checks signatures with the Standard Webhooks reference library, a fake
// API, the built binary, a buffer to read logs from, a temporary store and
// config files. Only tests import it.
package testkit
