// Package apitest provides in-memory stand-ins for what the API handler
// needs (store, task runner, connection-request waker, filter compiler),
// so the api package and acsctl can be tested against a real handler
// without a database or devices.
package apitest
