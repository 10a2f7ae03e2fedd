// Package api is the explorer API (fiber): the chain as the indexer stored it in PostgreSQL,
// read-only, under /v1. One route table (routes.go) makes both the router and the OpenAPI 3.1
// document served at /v1/openapi.json, and every request's parameters are validated against
// that document's JSON Schemas before a handler runs. Errors are RFC 9457 problem details;
// answers carry ETags (If-None-Match answers 304) and Cache-Control; CORS is open; each client
// address is rate limited. Token amounts are u64 base units, so they are decimal strings.
package api
