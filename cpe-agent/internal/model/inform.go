package model

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gatewarden/protocol/cwmp"
)

// Paths the Inform needs.
const (
	informParamTable = "Device.ManagementServer.InformParameter.{i}."
	eventValueChange = cwmp.EventCode("4 VALUE CHANGE")
)

// DeviceID returns the Inform's DeviceId from Device.DeviceInfo.
func (t *Tree) DeviceID(ctx context.Context) (cwmp.DeviceIdStruct, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var id cwmp.DeviceIdStruct
	for _, f := range []struct {
		path string
		dst  *string
	}{
		{"Device.DeviceInfo.Manufacturer", &id.Manufacturer},
		{"Device.DeviceInfo.ManufacturerOUI", &id.OUI},
		{"Device.DeviceInfo.ProductClass", &id.ProductClass},
		{"Device.DeviceInfo.SerialNumber", &id.SerialNumber},
	} {
		var tg target
		if err := t.resolveParam(ctx, f.path, &tg); err != nil {
			return id, fmt.Errorf("model: DeviceId needs %s: %w", f.path, err)
		}
		v, err := t.rawValue(ctx, tg.n, &tg.ix, tg.path)
		if err != nil {
			return id, err
		}
		*f.dst = v
	}
	return id, nil
}

// InformParameters builds an Inform's ParameterList: the forced-inform
// parameters the schema marks, then (when events holds "4 VALUE CHANGE")
// every pending changed parameter with its current value, then the
// matches of each enabled ManagementServer.InformParameter.{i} whose
// EventList names one of the events (empty: any event but 4 VALUE
// CHANGE). Each name appears once. The changed parameters it carries are
// cleared by InformDelivered.
func (t *Tree) InformParameters(ctx context.Context, events []cwmp.EventCode) ([]cwmp.ParameterValueStruct, error) {
	t.mu.Lock()
	out, err := t.informParameters(ctx, events)
	t.mu.Unlock()
	return out, err
}

// informParameters is InformParameters' body, called with t.mu held.
func (t *Tree) informParameters(ctx context.Context, events []cwmp.EventCode) ([]cwmp.ParameterValueStruct, error) {
	var out []cwmp.ParameterValueStruct
	seen := map[string]bool{}
	add := func(tg *target) error {
		if seen[tg.path] {
			return nil
		}
		v, err := t.acsValue(ctx, tg.n, &tg.ix, tg.path)
		if err != nil {
			return err
		}
		seen[tg.path] = true
		out = append(out, cwmp.ParameterValueStruct{Name: tg.path, Value: v, Type: tg.n.kind.String()})
		return nil
	}
	for _, n := range t.forcedInf {
		ts, err := t.resolve(ctx, wildcardOf(n.tmpl()), true)
		if err != nil {
			return nil, err
		}
		for i := range ts {
			if err := add(&ts[i]); err != nil {
				return nil, err
			}
		}
	}
	t.reported = map[string]string{}
	if hasEvent(events, eventValueChange) {
		paths := make([]string, 0, len(t.pending))
		for p := range t.pending {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			var tg target
			if err := t.resolveParam(ctx, p, &tg); err != nil {
				// Gone (its instance vanished): nothing left to report.
				t.reported[p] = ""
				continue
			}
			if err := add(&tg); err != nil {
				return nil, err
			}
			v, err := t.rawValue(ctx, tg.n, &tg.ix, tg.path)
			if err != nil {
				return nil, err
			}
			t.reported[p] = v
		}
	}
	if err := t.informParameterMatches(ctx, events, add); err != nil {
		return nil, err
	}
	return out, nil
}

// informParameterMatches adds the parameters the enabled
// ManagementServer.InformParameter.{i} entries ask for.
func (t *Tree) informParameterMatches(ctx context.Context, events []cwmp.EventCode, add func(*target) error) error {
	tn := t.reg.lookup(informParamTable)
	if tn == nil || tn.tbl == nil {
		return nil
	}
	s, table, err := t.instances(ctx, tn, &Index{t: t})
	if err != nil || s == nil {
		return err
	}
	for _, num := range s.nums {
		base := instancePath(table, num)
		if t.values[base+"Enable"] != "true" && t.values[base+"Enable"] != "1" {
			continue
		}
		if !eventListMatches(t.values[base+"EventList"], events) {
			continue
		}
		name := t.values[base+"ParameterName"]
		if name == "" {
			continue
		}
		ts, err := t.resolve(ctx, name, true)
		if err != nil {
			continue // matches nothing now: skipped, as the data model says
		}
		for i := range ts {
			ps, err := t.params(ctx, &ts[i])
			if err != nil {
				return err
			}
			for j := range ps {
				if err := add(&ps[j]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// eventListMatches applies an InformParameter EventList (a comma-separated
// list) to an Inform's events.
func eventListMatches(list string, events []cwmp.EventCode) bool {
	list = strings.TrimSpace(list)
	if list == "" {
		for _, e := range events {
			if e != eventValueChange {
				return true
			}
		}
		return false
	}
	// A slice loop, not strings.SplitSeq: range-over-func is a closure
	// and its state machine in the router build (no inlining).
	for _, item := range strings.Split(list, ",") {
		if hasEvent(events, cwmp.EventCode(strings.TrimSpace(item))) {
			return true
		}
	}
	return false
}

func hasEvent(events []cwmp.EventCode, code cwmp.EventCode) bool {
	for _, e := range events {
		if e == code {
			return true
		}
	}
	return false
}

// InformDelivered records that the ACS acknowledged the Inform built by the
// last InformParameters: the changed parameters it carried are no longer
// pending, unless they changed again since.
func (t *Tree) InformDelivered(ctx context.Context) error {
	t.mu.Lock()
	err := t.informDelivered()
	t.mu.Unlock()
	return err
}

// informDelivered is InformDelivered's body, called with t.mu held.
func (t *Tree) informDelivered() error {
	if len(t.reported) == 0 {
		return nil
	}
	var drop []string
	for p, v := range t.reported {
		if _, ok := t.pending[p]; !ok {
			continue
		}
		if cur, watched := t.baseline[p]; watched && cur != v {
			continue // changed after the Inform was built: still to report
		}
		drop = append(drop, p)
	}
	sort.Strings(drop)
	if err := update(t.st, func(b batch) error { return b.deletePending(drop...) }); err != nil {
		return fmt.Errorf("model: clearing reported changes: %w", err)
	}
	for _, p := range drop {
		delete(t.pending, p)
	}
	t.reported = nil
	return nil
}

// HasPendingChanges reports whether changes wait for an Inform with
// "4 VALUE CHANGE".
func (t *Tree) HasPendingChanges() bool {
	t.mu.Lock()
	n := len(t.pending)
	t.mu.Unlock()
	return n > 0
}

// DiscardPendingChanges drops every pending change (a new boot discards
// "4 VALUE CHANGE" with its values) and takes the current values as the
// new baseline.
func (t *Tree) DiscardPendingChanges(ctx context.Context) error {
	t.mu.Lock()
	drop := make([]string, 0, len(t.pending))
	for p := range t.pending {
		drop = append(drop, p)
	}
	sort.Strings(drop)
	if err := update(t.st, func(b batch) error { return b.deletePending(drop...) }); err != nil {
		t.mu.Unlock()
		return fmt.Errorf("model: discarding changes: %w", err)
	}
	clear(t.pending)
	t.reported = nil
	ws := t.watchedTargets(ctx)
	for i := range ws {
		w := &ws[i]
		v, err := t.rawValue(ctx, w.n, &w.ix, w.path)
		if err != nil {
			t.mu.Unlock()
			return err
		}
		t.baseline[w.path] = v
	}
	t.mu.Unlock()
	return nil
}
