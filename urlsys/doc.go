// Package urlsys holds Sesam's URL system ("system:url") and the components
// that talk to one: the json source and sink (Sesam's JSON pull and push
// protocols). The system is one HTTP client — TLS, proxies, timeouts,
// default headers, authentication — that every pipe naming it shares.
package urlsys
