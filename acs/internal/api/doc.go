// Package api serves the ACS's REST API under /api/v1 (JSON, bearer
// tokens with roles, audit log, OpenAPI document), plus /healthz and
// /metrics, on the API port (7557).
//
// One route table (routes.go) drives everything a route is: its handler,
// the permission it needs, whether support reads of it are audited, its
// query parameters and body, and its OpenAPI description. Nothing else
// registers handlers, so no route can be served without authentication or
// be missing from the document.
//
// The package reaches the task engine, the connection-request dispatcher and
// the provisioning code only through the small interfaces of options.go,
// which the server package wires to the real implementations.
//
// # Serving
//
// The handler New returns answers every path: unknown paths get a JSON 404
// and known paths with another method a JSON 405. A parent mux that also
// serves the web UI mounts it on "/api/", "/healthz" and "/metrics".
// NewServer returns an http.Server with the timeouts this API needs: the
// write timeout must outlast the longest task wait (MaxWait).
package api
