package model

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// attr is a parameter's non-default attributes.
type attr struct {
	notification uint8
	access       []string
}

// defaultAttr is what a parameter has until the ACS changes it.
func defaultAttr(n *tnode) attr {
	if n.notify == datamodel.NotifyForceEnabled || n.notify == datamodel.NotifyForceDefaultEnabled {
		return attr{notification: uint8(cwmp.NotificationActive)}
	}
	return attr{}
}

func (a attr) equal(b attr) bool {
	return a.notification == b.notification && slices.Equal(a.access, b.access)
}

// SetParameterAttributes applies the whole list or nothing and persists
// it. A partial path covers every parameter below it. Active notification
// (2, or the active lightweight 5 and 6) on a canDeny parameter is
// refused with 9009, and so is anything but active on a forceEnabled
// parameter, whose active notification the ACS cannot turn off. Named
// through a partial path, such parameters keep their notification instead
// and the rest of the subtree is changed: refusing a whole subtree for
// the sake of its counters would make subtree requests useless.
func (t *Tree) SetParameterAttributes(ctx context.Context, list []cwmp.SetParameterAttributesStruct) error {
	t.mu.Lock()
	err := t.setParameterAttributes(ctx, list)
	t.mu.Unlock()
	return err
}

// setParameterAttributes is SetParameterAttributes' body, called with
// t.mu held.
func (t *Tree) setParameterAttributes(ctx context.Context, list []cwmp.SetParameterAttributesStruct) error {
	if t.closed {
		return ErrNoTree
	}
	// One map of pointers rather than separate maps of attributes and
	// targets: each extra map of structs costs its own out-of-line access
	// and assignment code in the router build.
	type entry struct {
		tg target
		a  attr
	}
	seen := map[string]*entry{}
	var order []*entry
	for _, s := range list {
		if s.NotificationChange && (s.Notification < cwmp.NotificationOff || s.Notification > cwmp.NotificationPassiveWithActiveLightweight) {
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "notification "+strconv.Itoa(int(s.Notification))+" for "+s.Name+" is outside 0-6")
		}
		ts, err := t.resolve(ctx, s.Name, false)
		if err != nil {
			return nameFault(s.Name, err)
		}
		ps, err := t.params(ctx, &ts[0])
		if err != nil {
			return err
		}
		whole := ts[0].at == atParam
		for i := range ps {
			p := &ps[i]
			e := seen[p.path]
			if e == nil {
				e = &entry{tg: *p, a: t.attrOf(p.n, p.path)}
				seen[p.path] = e
				order = append(order, e)
			}
			if s.NotificationChange {
				if refused(p.n, s.Notification) {
					if whole {
						return cwmp.NewFault(cwmp.FaultNotificationRejected, "notification "+strconv.Itoa(int(s.Notification))+" refused for "+p.path+" ("+p.n.notify.String()+")")
					}
				} else {
					e.a.notification = uint8(s.Notification)
				}
			}
			if s.AccessListChange {
				e.a.access = slices.Clone(s.AccessList)
				if len(e.a.access) == 0 {
					e.a.access = nil
				}
			}
		}
	}
	save := map[string]attr{}
	var drop []string
	for _, e := range order {
		p := e.tg.path
		if e.a.equal(defaultAttr(e.tg.n)) {
			if _, ok := t.attrs[p]; ok {
				drop = append(drop, p)
			}
			continue
		}
		save[p] = e.a
	}
	err := update(t.st, func(b batch) error {
		if err := b.saveAttrs(save); err != nil {
			return err
		}
		return b.deleteAttrs(drop...)
	})
	if err != nil {
		return fmt.Errorf("model: persisting attributes: %w", err)
	}
	for p, a := range save {
		t.attrs[p] = a
	}
	for _, p := range drop {
		delete(t.attrs, p)
	}
	// Newly watched parameters start from their current value; parameters
	// no longer watched stop being compared.
	for _, e := range order {
		p := e.tg.path
		if !reportable(t.notification(e.tg.n, p)) {
			delete(t.baseline, p)
			continue
		}
		if _, ok := t.baseline[p]; ok {
			continue
		}
		v, err := t.rawValue(ctx, e.tg.n, &e.tg.ix, p)
		if err != nil {
			return err
		}
		t.baseline[p] = v
	}
	return nil
}

// refused reports whether the data model lets the CPE refuse notification
// value v on n.
func refused(n *tnode, v cwmp.Notification) bool {
	switch n.notify {
	case datamodel.NotifyCanDeny:
		return v == cwmp.NotificationActive || v == cwmp.NotificationActiveLightweight || v == cwmp.NotificationPassiveWithActiveLightweight
	case datamodel.NotifyForceEnabled:
		return v != cwmp.NotificationActive
	}
	return false
}

// attrOf returns the effective attributes of a parameter.
func (t *Tree) attrOf(n *tnode, path string) attr {
	a, ok := t.attrs[path]
	if !ok {
		a = defaultAttr(n)
	}
	if n.notify == datamodel.NotifyForceEnabled {
		a.notification = uint8(cwmp.NotificationActive)
	}
	return a
}

// GetParameterAttributes returns the notification and access list of
// every parameter the names cover (full names, partial paths, instance
// wildcards).
func (t *Tree) GetParameterAttributes(ctx context.Context, names []string) ([]cwmp.ParameterAttributeStruct, error) {
	t.mu.Lock()
	var out []cwmp.ParameterAttributeStruct
	for _, name := range names {
		ts, err := t.resolve(ctx, name, true)
		if err != nil {
			t.mu.Unlock()
			return nil, nameFault(name, err)
		}
		for i := range ts {
			ps, err := t.params(ctx, &ts[i])
			if err != nil {
				t.mu.Unlock()
				return nil, err
			}
			for j := range ps {
				p := &ps[j]
				a := t.attrOf(p.n, p.path)
				out = append(out, cwmp.ParameterAttributeStruct{Name: p.path, Notification: cwmp.Notification(a.notification), AccessList: slices.Clone(a.access)})
			}
		}
	}
	t.mu.Unlock()
	return out, nil
}
