package model

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// notification returns a parameter's effective notification attribute:
// forceEnabled parameters are always active; forceDefaultEnabled ones are
// active until the ACS says otherwise.
func (t *Tree) notification(n *tnode, path string) cwmp.Notification {
	if n.notify == datamodel.NotifyForceEnabled {
		return cwmp.NotificationActive
	}
	if a, ok := t.attrs[path]; ok {
		return cwmp.Notification(a.notification)
	}
	if n.notify == datamodel.NotifyForceDefaultEnabled {
		return cwmp.NotificationActive
	}
	return cwmp.NotificationOff
}

// reportable reports whether a notification value asks for CWMP value
// change reports (passive or active; the lightweight-only values 3 and 5
// go over UDP, which this agent does not send).
func reportable(n cwmp.Notification) bool {
	switch n {
	case cwmp.NotificationPassive, cwmp.NotificationActive,
		cwmp.NotificationPassiveWithPassiveLightweight, cwmp.NotificationPassiveWithActiveLightweight:
		return true
	}
	return false
}

// watchedTargets returns every existing parameter whose changes are
// reported: non-default attributes plus the instances of forced-active
// templates. Called with t.mu held.
func (t *Tree) watchedTargets(ctx context.Context) []target {
	seen := map[string]bool{}
	var out []target
	paths := make([]string, 0, len(t.attrs))
	for p := range t.attrs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		out = append(out, target{})
		tg := &out[len(out)-1]
		if err := t.resolveParam(ctx, p, tg); err != nil || !reportable(t.notification(tg.n, p)) {
			out = out[:len(out)-1]
			continue
		}
		seen[p] = true
	}
	for _, n := range t.forcedAct {
		ts, err := t.resolve(ctx, wildcardOf(n.tmpl()), true)
		if err != nil {
			continue
		}
		for i := range ts {
			if tg := &ts[i]; !seen[tg.path] && reportable(t.notification(tg.n, tg.path)) {
				seen[tg.path] = true
				out = append(out, *tg)
			}
		}
	}
	return out
}

// wildcardOf turns a template path into the wildcard path matching all its
// instances.
func wildcardOf(tmpl string) string { return strings.ReplaceAll(tmpl, "{i}", "*") }

// Poll compares every notified parameter with the value the ACS last got
// and records the differences as pending changes; Run calls it
// periodically. Changes are announced through Options.OnValueChange.
func (t *Tree) Poll(ctx context.Context) error {
	t.mu.Lock()
	fire, err := t.detect(ctx, t.watchedTargets(ctx))
	t.mu.Unlock()
	t.notifyChanged(fire)
	return err
}

// Notify is how a provider reports that parameters changed (a full name,
// or a partial path for everything below it). Only those are compared;
// the rest waits for the poll. It must not be called from inside a
// provider callback the tree is running. Unknown paths are ignored.
func (t *Tree) Notify(ctx context.Context, paths ...string) error {
	t.mu.Lock()
	var check []target
	for _, p := range paths {
		ts, err := t.resolve(ctx, p, true)
		if err != nil {
			continue
		}
		for i := range ts {
			ps, err := t.params(ctx, &ts[i])
			if err != nil {
				t.mu.Unlock()
				return err
			}
			for j := range ps {
				if pt := &ps[j]; reportable(t.notification(pt.n, pt.path)) {
					check = append(check, *pt)
				}
			}
		}
	}
	fire, err := t.detect(ctx, check)
	t.mu.Unlock()
	t.notifyChanged(fire)
	return err
}

// detect reads each target, compares it with the value last observed
// (the baseline) and persists the new pending paths. A target without a baseline gets one (a new
// instance, a newly watched parameter): nothing to report yet. Called
// with t.mu held.
func (t *Tree) detect(ctx context.Context, ts []target) ([]fired, error) {
	if t.closed {
		return nil, ErrNoTree
	}
	var fire []fired
	var add, prev []string
	var firstErr error
	for i := range ts {
		tg := &ts[i]
		v, err := t.rawValue(ctx, tg.n, &tg.ix, tg.path)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		base, ok := t.baseline[tg.path]
		t.baseline[tg.path] = v
		if !ok || base == v {
			continue
		}
		f := fired{path: tg.path, value: v, watched: true, active: t.notification(tg.n, tg.path) == cwmp.NotificationActive}
		if _, pending := t.pending[tg.path]; !pending {
			add = append(add, tg.path)
			prev = append(prev, base)
		} else if _, inFlight := t.reported[tg.path]; !inFlight {
			// Already queued for the next Inform, which sends the value
			// current then: nothing new to announce, but watchers still
			// learn the value. A change while an Inform carrying the old
			// value is in flight is news: that Inform will not report it.
			f.watched = false
		}
		fire = append(fire, f)
	}
	if len(add) > 0 {
		if err := update(t.st, func(b batch) error { return b.addPending(add...) }); err != nil {
			// Restore what was known so the next look finds it again.
			for i, p := range add {
				t.baseline[p] = prev[i]
			}
			return nil, fmt.Errorf("model: recording changed parameters: %w", err)
		}
		for _, p := range add {
			t.pending[p] = struct{}{}
		}
	}
	return fire, firstErr
}

// notifyChanged runs watchers and OnValueChange for what an operation
// changed. It must be called without t.mu held.
func (t *Tree) notifyChanged(fire []fired) {
	if len(fire) == 0 {
		return
	}
	changed, active := false, false
	t.mu.Lock()
	type call struct {
		fns   []func(string)
		value string
	}
	var calls []call
	for _, f := range fire {
		if fns := t.watchers[f.path]; len(fns) > 0 {
			calls = append(calls, call{fns: fns, value: f.value})
		}
		if f.watched {
			changed = true
			active = active || f.active
		}
	}
	t.mu.Unlock()
	for _, c := range calls {
		for _, fn := range c.fns {
			fn(c.value)
		}
	}
	if changed && t.opts.OnValueChange != nil {
		t.opts.OnValueChange(active)
	}
}

// Watch registers fn to run, outside the tree's lock, after every
// committed change of the parameter at path, whoever made it (ACS, agent,
// local UI, or a provider change the tree detected).
func (t *Tree) Watch(path string, fn func(value string)) {
	t.mu.Lock()
	t.watchers[path] = append(t.watchers[path], fn)
	t.mu.Unlock()
}

// Run polls for value changes every Options.PollInterval on the tree's
// clock until ctx ends.
func (t *Tree) Run(ctx context.Context) error {
	timer := t.clk.NewTimer(t.opts.PollInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C():
		}
		if err := t.Poll(ctx); err != nil {
			t.log.Warn("value-change poll", "err", err)
		}
		timer.Reset(t.opts.PollInterval)
	}
}

// Notify forwards to the tree, if it exists.
func (h *Handle) Notify(ctx context.Context, paths ...string) error {
	t := h.t.Load()
	if t == nil {
		return ErrNoTree
	}
	return t.Notify(ctx, paths...)
}

// SetLocal forwards to the tree, if it exists.
func (h *Handle) SetLocal(ctx context.Context, values map[string]string) error {
	t := h.t.Load()
	if t == nil {
		return ErrNoTree
	}
	return t.SetLocal(ctx, values)
}

// Value forwards to the tree, if it exists.
func (h *Handle) Value(ctx context.Context, path string) (string, error) {
	t := h.t.Load()
	if t == nil {
		return "", ErrNoTree
	}
	return t.Value(ctx, path)
}
