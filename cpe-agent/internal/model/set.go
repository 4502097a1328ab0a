package model

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// origin says who asks for a change: it decides what may be written and
// whether the change is reported back to the ACS.
type origin uint8

const (
	byACS origin = iota + 1
	byLocal
)

// ParameterKeyPath is the parameter a successful SetParameterValues,
// AddObject or DeleteObject sets to the request's ParameterKey.
const ParameterKeyPath = "Device.ManagementServer.ParameterKey"

// change is one validated parameter write.
type change struct {
	_       incomparable
	tg      target
	value   string
	old     string
	applied bool
}

// fired is what an operation must announce once the lock is released.
type fired struct {
	_           incomparable
	path, value string
	watched     bool // a value change to report (OnValueChange)
	active      bool
}

// SetParameterValues applies all of list or nothing. Every entry is
// checked first (name 9005, writability 9008, xsi:type and value 9006 or
// 9007, the binding's own check); problems come back together as 9003
// with one SetParameterValuesFault each. Then providers apply their values
// in order; if one fails, those already applied get their old values back
// in reverse order. Stored values and the new ParameterKey are persisted
// in one transaction. Status is 1 when a binding says a reboot is needed.
// The ACS's own changes never raise a value-change notification.
func (t *Tree) SetParameterValues(ctx context.Context, list []cwmp.ParameterValueStruct, parameterKey string) (int32, error) {
	t.mu.Lock()
	status, fire, err := t.set(ctx, list, &parameterKey, byACS)
	t.mu.Unlock()
	t.notifyChanged(fire)
	return status, err
}

// SetLocal applies values on behalf of the agent or the local UI: the
// same validation and all-or-nothing application as SetParameterValues,
// but the schema's read-only access does not stop it (the agent sets
// ConnectionRequestURL), ParameterKey is untouched, and the changes are
// reported to the ACS like any change it did not make.
func (t *Tree) SetLocal(ctx context.Context, values map[string]string) error {
	// Names sorted as plain strings: sort.Slice over the structs would
	// link a sort family and reflect's swapper for this one call.
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	list := make([]cwmp.ParameterValueStruct, len(names))
	for i, name := range names {
		list[i] = cwmp.ParameterValueStruct{Name: name, Value: values[name]}
	}
	t.mu.Lock()
	_, fire, err := t.set(ctx, list, nil, byLocal)
	t.mu.Unlock()
	t.notifyChanged(fire)
	return err
}

// set is the shared body of SetParameterValues and SetLocal. key is nil
// for local changes. Called with t.mu held.
func (t *Tree) set(ctx context.Context, list []cwmp.ParameterValueStruct, key *string, who origin) (int32, []fired, error) {
	if t.closed {
		return 0, nil, ErrNoTree
	}
	seen := make(map[string]bool, len(list))
	for _, pv := range list {
		if seen[pv.Name] {
			return 0, nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "parameter "+pv.Name+" appears more than once")
		}
		seen[pv.Name] = true
	}
	keyNode := t.reg.lookup(ParameterKeyPath)
	if key != nil && keyNode != nil && keyNode.bind != nil {
		if err := validate(keyNode.sch, "", *key, false); err != nil {
			return 0, nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "ParameterKey: "+err.Error())
		}
	}
	changes := make([]change, 0, len(list))
	var faults []cwmp.SetParameterValuesFault
	for _, pv := range list {
		changes = append(changes, change{})
		if code, msg := t.check(ctx, pv, who, &changes[len(changes)-1]); code != 0 {
			changes = changes[:len(changes)-1]
			faults = append(faults, cwmp.SetParameterValuesFault{ParameterName: pv.Name, FaultCode: code, FaultString: msg})
		}
	}
	if len(faults) > 0 {
		f := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
		f.SetParameterValuesFault = faults
		return 0, nil, f
	}
	if err := t.apply(ctx, changes); err != nil {
		return 0, nil, err
	}

	// Persist stored values, the ParameterKey and the pending-set changes
	// together.
	save := map[string]string{}
	var status int32
	for i := range changes {
		c := &changes[i]
		if c.tg.n.bind.stored {
			save[c.tg.path] = c.value
		}
		if c.tg.n.bind.reboot {
			status = 1
		}
	}
	if key != nil && keyNode != nil && keyNode.bind != nil && keyNode.bind.stored {
		save[ParameterKeyPath] = *key
	}
	var fire []fired
	var addPending, dropPending []string
	for i := range changes {
		c := &changes[i]
		f := fired{path: c.tg.path, value: c.value}
		base, watched := t.baseline[c.tg.path]
		switch {
		case who == byACS:
			if _, ok := t.pending[c.tg.path]; ok {
				dropPending = append(dropPending, c.tg.path)
			}
		case watched && base != c.value:
			// Announce only what is newly pending: an Inform is already
			// owed for the rest, and it carries the value current then.
			if _, ok := t.pending[c.tg.path]; !ok {
				addPending = append(addPending, c.tg.path)
				f.watched = true
				f.active = t.notification(c.tg.n, c.tg.path) == cwmp.NotificationActive
			}
		}
		fire = append(fire, f)
	}
	var err error
	if len(save)+len(addPending)+len(dropPending) > 0 {
		err = update(t.st, func(b batch) error {
			if err := b.saveValues(save); err != nil {
				return err
			}
			if err := b.addPending(addPending...); err != nil {
				return err
			}
			return b.deletePending(dropPending...)
		})
	}
	if err != nil {
		t.rollback(ctx, changes)
		return 0, nil, fmt.Errorf("model: persisting values: %w", err)
	}
	for p, v := range save {
		t.values[p] = v
	}
	for i := range changes {
		c := &changes[i]
		if _, ok := t.baseline[c.tg.path]; ok {
			t.baseline[c.tg.path] = c.value
		}
	}
	for _, p := range dropPending {
		delete(t.pending, p)
		delete(t.reported, p)
	}
	for _, p := range addPending {
		t.pending[p] = struct{}{}
	}
	if key != nil && keyNode != nil && keyNode.bind != nil && keyNode.bind.stored {
		fire = append(fire, fired{path: ParameterKeyPath, value: *key})
	}
	return status, fire, nil
}

// check validates one entry into c, a zero change. It returns a fault code
// (0 when fine) and a message for the SetParameterValuesFault. c is filled
// in place rather than returned: a change is over 100 bytes, and each
// failing return would zero one.
func (t *Tree) check(ctx context.Context, pv cwmp.ParameterValueStruct, who origin, c *change) (cwmp.FaultCode, string) {
	tg := &c.tg
	if err := t.resolveParam(ctx, pv.Name, tg); err != nil {
		if errors.Is(err, errNotFound) {
			return cwmp.FaultInvalidParameterName, "unknown parameter"
		}
		return cwmp.FaultInternalError, err.Error()
	}
	n := tg.n
	switch {
	case n.bind == nil || !n.bind.writable():
		return cwmp.FaultNonWritableParameter, "parameter is not writable"
	case who == byACS && n.access == datamodel.ReadOnly:
		return cwmp.FaultNonWritableParameter, "parameter is read-only"
	case who == byACS && n.access == datamodel.WriteOnceReadOnly:
		// Once the ACS has named the instance, the name stays: only an
		// empty value or one the CPE chose ("cpe-...") may be replaced.
		cur, err := t.rawValue(ctx, n, &tg.ix, tg.path)
		if err != nil {
			return cwmp.FaultInternalError, err.Error()
		}
		if cur != "" && !strings.HasPrefix(cur, "cpe-") {
			return cwmp.FaultNonWritableParameter, "parameter can be set only once"
		}
	}
	if err := validate(n.sch, pv.Type, pv.Value, who == byACS); err != nil {
		code := cwmp.FaultCode(datamodel.FaultCode(err))
		if code == 0 {
			code = cwmp.FaultInvalidParameterValue
		}
		return code, valueMessage(n, err)
	}
	if n.bind.check != nil {
		if err := n.bind.check(ctx, tg.ix, pv.Value); err != nil {
			var f *cwmp.Fault
			if errors.As(err, &f) {
				return f.FaultCode, f.FaultString
			}
			return cwmp.FaultInvalidParameterValue, err.Error()
		}
	}
	c.value = pv.Value
	return 0, ""
}

// valueMessage words a validation error without echoing a secret.
func valueMessage(n *tnode, err error) string {
	var ve *datamodel.ValueError
	if (n.hidden || n.secured) && errors.As(err, &ve) {
		c := *ve
		c.Value = ""
		return c.Error()
	}
	return err.Error()
}

// apply hands provider-backed values to their setters in request order,
// command parameters last (an action cannot be taken back, so it runs only
// once everything else is in), and rolls back on the first failure.
func (t *Tree) apply(ctx context.Context, changes []change) error {
	order := make([]int, 0, len(changes))
	for i := range changes {
		if !changes[i].tg.n.command {
			order = append(order, i)
		}
	}
	for i := range changes {
		if changes[i].tg.n.command {
			order = append(order, i)
		}
	}
	for _, i := range order {
		c := &changes[i]
		b := c.tg.n.bind
		if b.set == nil {
			continue
		}
		if b.get != nil && !c.tg.n.command {
			old, err := b.get(ctx, c.tg.ix)
			if err != nil {
				t.rollback(ctx, changes)
				return fmt.Errorf("model: reading %s before setting it: %w", c.tg.path, err)
			}
			c.old = old
		}
		if err := b.set(ctx, c.tg.ix, c.value); err != nil {
			t.rollback(ctx, changes)
			var f *cwmp.Fault
			if errors.As(err, &f) {
				switch f.FaultCode {
				case cwmp.FaultInvalidParameterType, cwmp.FaultInvalidParameterValue, cwmp.FaultNonWritableParameter:
					out := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
					out.SetParameterValuesFault = []cwmp.SetParameterValuesFault{{ParameterName: c.tg.path, FaultCode: f.FaultCode, FaultString: f.FaultString}}
					return out
				}
				return f
			}
			return fmt.Errorf("model: setting %s: %w", c.tg.path, err)
		}
		c.applied = true
	}
	return nil
}

// rollback restores, newest first, the old values of applied provider
// writes. Command parameters cannot be undone and are skipped.
func (t *Tree) rollback(ctx context.Context, changes []change) {
	for i := len(changes) - 1; i >= 0; i-- {
		c := &changes[i]
		if !c.applied || c.tg.n.command || c.tg.n.bind.get == nil {
			continue
		}
		if err := c.tg.n.bind.set(ctx, c.tg.ix, c.old); err != nil {
			t.log.Error("rollback failed; the system may disagree with the tree", "parameter", c.tg.path, "err", err)
		}
		c.applied = false
	}
}
