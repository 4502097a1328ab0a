package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"gatewarden/acs/internal/store"
)

// call is one authenticated request on its way through a route.
type call struct {
	a   *api
	w   http.ResponseWriter
	r   *http.Request
	rt  *route
	who principal
	// target and detail go to the audit entry; detail never holds a
	// parameter value or a token.
	target, detail string
}

// reply is what a handler answers when it succeeds.
type reply struct {
	status   int
	body     any // nil: no body (204)
	location string
}

func ok(body any) (reply, error) { return reply{status: http.StatusOK, body: body}, nil }

func (c *call) ctx() context.Context { return c.r.Context() }

// seesSecrets reports whether the caller may read hidden and secured
// values.
func (c *call) seesSecrets() bool { return c.who.role.Can(PermSecrets) }

func (c *call) decode(v any) error { return decodeBody(c.w, c.r, v) }

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// serveRoute runs the pipeline every route shares: authenticate,
// authorize, check the request's form, handle, audit, answer, count.
func (a *api) serveRoute(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		status := a.handle(w, r, rt)
		a.metrics.observe(rt.path, rt.method, status, time.Since(start))
	})
}

func (a *api) handle(w http.ResponseWriter, r *http.Request, rt *route) int {
	who, aerr := a.authenticate(r.Context(), r)
	if aerr != nil {
		if aerr.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", bearerChallenge)
		}
		writeError(w, aerr)
		return aerr.status
	}
	c := &call{a: a, w: w, r: r, rt: rt, who: who}
	// Handlers replace this with the checked value; a call refused before
	// its handler runs is still audited against what it named.
	c.target = r.PathValue("id") + r.PathValue("name")
	rep, err := a.run(c)
	var fail *apiError
	if err != nil {
		var internal bool
		fail, internal = classify(err)
		if internal {
			a.log.Error("api request failed", "route", rt.pattern(), "actor", who.name, "err", err)
		}
		rep = reply{status: fail.status}
		if c.detail == "" {
			c.detail = fail.code
		} else {
			c.detail = fail.code + ": " + c.detail
		}
	}
	if a.audited(c) {
		if err := a.appendAudit(c, rep.status); err != nil {
			a.log.Error("audit append", "route", rt.pattern(), "actor", who.name, "err", err)
			// A read that cannot be audited is not served; a change
			// already made is still reported truthfully.
			if !rt.mutating() && fail == nil {
				fail = errorf(http.StatusServiceUnavailable, codeUnavailable, "cannot write the audit log now; retry later")
			}
		}
	}
	if fail != nil {
		writeError(w, fail)
		return fail.status
	}
	if rep.location != "" {
		w.Header().Set("Location", rep.location)
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return rep.status
	}
	writeJSON(w, rep.status, rep.body)
	return rep.status
}

// run checks what the route demands of the request before its handler
// sees it.
func (a *api) run(c *call) (reply, error) {
	if !c.who.role.Can(c.rt.perm) {
		return reply{}, errorf(http.StatusForbidden, codeForbidden,
			"role %s may not %s %s; ask an admin for a token with a role that may", c.who.role, c.rt.method, c.rt.path)
	}
	for name := range c.r.URL.Query() {
		if !slices.ContainsFunc(c.rt.query, func(q queryParam) bool { return q.name == name }) {
			return reply{}, badRequest(codeInvalidQuery, "unknown query parameter %q", name)
		}
	}
	if c.rt.body != nil {
		if err := checkContentType(c.r); err != nil {
			return reply{}, err
		}
	}
	return c.rt.handle(c)
}

// audited: every change, whoever asks, and every read of device data by
// support staff (they act on a customer's behalf).
func (a *api) audited(c *call) bool {
	return c.rt.mutating() || c.rt.deviceRead && c.who.role == RoleSupport
}

func (a *api) appendAudit(c *call, status int) error {
	// The entry must be written even if the client went away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx()), 5*time.Second)
	defer cancel()
	return a.store.AppendAudit(ctx, &store.AuditEntry{
		Time:   a.now().UTC(),
		Actor:  c.who.name,
		Role:   string(c.who.role),
		Action: c.rt.pattern(),
		Target: c.target,
		Status: status,
		Detail: truncate(c.detail, 200),
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n] + "…"
}
