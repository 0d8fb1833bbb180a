// Package rest implements Sesam's REST support: the "system:rest" system
// (an HTTP client with authentication, rate limiting and retries, and named
// operations whose URLs, headers, params and payloads are Jinja templates,
// package jinja) and the "rest" source, transform and sink that run those
// operations.
package rest
