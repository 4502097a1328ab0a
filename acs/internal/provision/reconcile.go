package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// AttributeSource tells the reconciler which notification attributes a
// device last confirmed. The parameter cache holds values only; until the
// store keeps attributes, a Reconciler without a source treats every
// desired attribute as unknown and so always includes it.
type AttributeSource interface {
	// Notifications returns the confirmed notification of each of names
	// the ACS knows; names it does not know are absent from the map.
	Notifications(ctx context.Context, device string, names []string) (map[string]int, error)
}

// ReconcilerOptions configure a Reconciler. The zero value is usable.
type ReconcilerOptions struct {
	// Filter is what preset filters match with (online test, clock).
	Filter Options
	// Refresh is how long a loaded preset list is trusted before the store
	// is asked again; it bounds how late another node's preset change is
	// seen. Invalidate makes the next Plan reload at once. Default 5 s.
	Refresh time.Duration
	// Attributes reads confirmed notification attributes; see
	// AttributeSource.
	Attributes AttributeSource
	// Invalid hears of a stored preset that no longer validates (the schema
	// changed under it); the preset is skipped until it is fixed.
	Invalid func(name string, err error)
}

// Reconciler turns presets into the changes one device needs: at each
// Inform the session asks Plan (or Diff), which sends only what differs from the
// last known state. It caches the compiled preset list in memory and is
// safe for concurrent use.
type Reconciler struct {
	presets store.Presets
	params  store.Params
	opts    ReconcilerOptions

	mu    sync.Mutex // one reload at a time
	snap  atomic.Pointer[snapshot]
	dirty atomic.Bool
}

// snapshot is one loaded preset list.
type snapshot struct {
	loaded  time.Time
	presets []*compiledPreset // by name: the merge order
	params  []string          // every parameter the filters read
}

// NewReconciler returns a Reconciler over the store's presets and
// parameter cache.
func NewReconciler(presets store.Presets, params store.Params, opts ReconcilerOptions) *Reconciler {
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Second
	}
	if opts.Filter.Online == nil {
		opts.Filter.Online = OnlineWithin(DefaultOnlineWindow, opts.Filter.Now)
	}
	return &Reconciler{presets: presets, params: params, opts: opts}
}

// Invalidate makes the next Plan reload the preset list: call it after
// saving or deleting a preset on this node.
func (r *Reconciler) Invalidate() { r.dirty.Store(true) }

func (r *Reconciler) now() time.Time { return r.opts.Filter.now() }

func (r *Reconciler) fresh(s *snapshot) bool {
	return s != nil && !r.dirty.Load() && r.now().Sub(s.loaded) < r.opts.Refresh
}

// current returns the preset list, reloading it when it is stale. While
// one caller reloads, the others go on with the previous list.
func (r *Reconciler) current(ctx context.Context) (*snapshot, error) {
	s := r.snap.Load()
	if r.fresh(s) {
		return s, nil
	}
	if s != nil {
		if !r.mu.TryLock() {
			return s, nil
		}
	} else {
		r.mu.Lock()
	}
	defer r.mu.Unlock()
	if s = r.snap.Load(); r.fresh(s) {
		return s, nil
	}
	// Cleared before reading, so an Invalidate during the read forces the
	// next reload.
	r.dirty.Store(false)
	loadedAt := r.now()
	list, err := r.presets.Presets(ctx)
	if err != nil {
		r.dirty.Store(true)
		return nil, fmt.Errorf("load presets: %w", err)
	}
	old := map[string]*compiledPreset{}
	if s != nil {
		for _, cp := range s.presets {
			old[cp.name] = cp
		}
	}
	next := &snapshot{loaded: loadedAt}
	for i := range list {
		p := &list[i]
		if cp, ok := old[p.Name]; ok && cp.version == p.Version && cp.updated.Equal(p.Updated) {
			next.presets = append(next.presets, cp)
			continue
		}
		cp, err := compilePreset(p, r.opts.Filter)
		if err != nil {
			if r.opts.Invalid != nil {
				r.opts.Invalid(p.Name, err)
			}
			continue
		}
		next.presets = append(next.presets, cp)
	}
	slices.SortFunc(next.presets, func(a, b *compiledPreset) int { return strings.Compare(a.name, b.name) })
	for _, cp := range next.presets {
		for _, n := range cp.filter.params {
			if !slices.Contains(next.params, n) {
				next.params = append(next.params, n)
			}
		}
	}
	r.snap.Store(next)
	return next, nil
}

// AppliedPreset names a preset and the version a plan comes from.
type AppliedPreset struct {
	Name    string
	Version int64
}

// Plan is what a device needs to reach the desired state of its presets.
type Plan struct {
	// Matched lists every preset whose filter matches, in merge order.
	Matched []AppliedPreset
	// Presets lists the presets that contribute to Values or Attributes.
	Presets []AppliedPreset
	// Values to set with one SetParameterValues, sorted by name.
	Values []cwmp.ParameterValueStruct
	// Attributes to set with one SetParameterAttributes, sorted by name.
	Attributes []cwmp.SetParameterAttributesStruct
	// Key is the ParameterKey for the SetParameterValues ("" when Values
	// is empty). It is a function of the presets, their versions and the
	// values, so after a crash the same plan gets the same key and the
	// device's next Inform tells whether it already took effect.
	Key string
}

// Empty reports whether the device is already in its desired state.
func (p *Plan) Empty() bool { return len(p.Values) == 0 && len(p.Attributes) == 0 }

// AppliedParams returns Values as cache entries, to record as the last
// known state once the device acknowledged them (or its Inform reported
// Key as its ParameterKey).
func (p *Plan) AppliedParams(at time.Time) []store.Param {
	out := make([]store.Param, len(p.Values))
	for i, v := range p.Values {
		out[i] = store.Param{Name: v.Name, Value: v.Value, Type: v.Type, Updated: at}
	}
	return out
}

// want is the winning desired value or attribute of one parameter.
type want struct {
	from  *compiledPreset
	value *desiredValue
}

// Diff is Plan reduced to what one SetParameterValues needs: the values to
// set and their ParameterKey (the tasks package's Reconciler seam). A
// device already in its desired state gets no values and no key.
func (r *Reconciler) Diff(ctx context.Context, d store.Device) ([]cwmp.ParameterValueStruct, string, error) {
	plan, err := r.Plan(ctx, &d)
	if err != nil {
		return nil, "", err
	}
	return plan.Values, plan.Key, nil
}

// Plan returns the changes the device needs. Presets are merged in name
// order and a later name overrides an earlier one for the same parameter
// ("10-base" then "50-region" then "90-site"), so an operator orders
// presets by naming them. Only values under the device's root ("Device."
// or "InternetGatewayDevice."; "Device." when unknown) apply. A value is
// left out when the last known value is equal to it in the parameter's
// canonical form ("1" and "true", "007" and "7", dateTimes in any zone);
// one the cache does not hold is included.
func (r *Reconciler) Plan(ctx context.Context, d *store.Device) (Plan, error) {
	snap, err := r.current(ctx)
	if err != nil {
		return Plan{}, err
	}
	if len(snap.presets) == 0 {
		return Plan{}, nil
	}
	known, err := r.fetch(ctx, d.ID, snap.params, nil)
	if err != nil {
		return Plan{}, err
	}
	lookup := func(name string) (store.Param, bool) {
		p, ok := known[name]
		return p, ok
	}
	root := d.Root
	if root == "" {
		root = "Device."
	}
	var plan Plan
	values := map[string]want{}
	attrs := map[string]desiredAttr{}
	attrFrom := map[string]*compiledPreset{}
	for _, cp := range snap.presets {
		if !cp.filter.Match(d, lookup) {
			continue
		}
		plan.Matched = append(plan.Matched, AppliedPreset{Name: cp.name, Version: cp.version})
		for i := range cp.values {
			if dv := &cp.values[i]; strings.HasPrefix(dv.name, root) {
				values[dv.name] = want{from: cp, value: dv}
			}
		}
		for _, a := range cp.attrs {
			if strings.HasPrefix(a.name, root) {
				attrs[a.name], attrFrom[a.name] = a, cp
			}
		}
	}
	if len(values) == 0 && len(attrs) == 0 {
		return plan, nil
	}
	if known, err = r.fetch(ctx, d.ID, sortedKeys(values), known); err != nil {
		return Plan{}, err
	}
	contrib := map[*compiledPreset]bool{}
	for _, name := range sortedKeys(values) {
		w := values[name]
		if cur, ok := known[name]; ok {
			if c, ok := w.value.canonical(cur.Value); ok && c == w.value.canon {
				continue
			}
		}
		plan.Values = append(plan.Values, cwmp.ParameterValueStruct{Name: name, Value: w.value.value, Type: w.value.typ})
		contrib[w.from] = true
	}
	if err := r.diffAttributes(ctx, d.ID, attrs, attrFrom, contrib, &plan); err != nil {
		return Plan{}, err
	}
	for _, cp := range snap.presets {
		if contrib[cp] {
			plan.Presets = append(plan.Presets, AppliedPreset{Name: cp.name, Version: cp.version})
		}
	}
	if len(plan.Values) > 0 {
		plan.Key = parameterKey(plan.Presets, plan.Values, func(name string) bool {
			return values[name].value.secret()
		})
	}
	return plan, nil
}

func (r *Reconciler) diffAttributes(ctx context.Context, device string, attrs map[string]desiredAttr,
	from map[string]*compiledPreset, contrib map[*compiledPreset]bool, plan *Plan) error {
	if len(attrs) == 0 {
		return nil
	}
	names := sortedKeys(attrs)
	var confirmed map[string]int
	if r.opts.Attributes != nil {
		var err error
		if confirmed, err = r.opts.Attributes.Notifications(ctx, device, names); err != nil {
			return fmt.Errorf("read notification attributes of %s: %w", device, err)
		}
	}
	for _, name := range names {
		a := attrs[name]
		if n, ok := confirmed[name]; ok && n == a.notification {
			continue
		}
		plan.Attributes = append(plan.Attributes, cwmp.SetParameterAttributesStruct{
			Name: name, NotificationChange: true, Notification: cwmp.Notification(a.notification),
		})
		contrib[from[name]] = true
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fetch reads the named parameters from the cache into known (allocated
// when nil), skipping names already there. The store reads by prefix, so
// names are grouped by their object: one read per object, not per name,
// and never the whole device.
func (r *Reconciler) fetch(ctx context.Context, device string, names []string,
	known map[string]store.Param) (map[string]store.Param, error) {
	if known == nil {
		known = make(map[string]store.Param, len(names))
	}
	wanted := map[string]bool{}
	var objects []string
	for _, n := range names {
		if _, ok := known[n]; ok {
			continue
		}
		wanted[n] = true
		obj := n[:strings.LastIndexByte(n, '.')+1]
		if strings.Count(obj, ".") < 2 {
			obj = n // a parameter of the root object: its own prefix
		}
		if !slices.Contains(objects, obj) {
			objects = append(objects, obj)
		}
	}
	for _, obj := range objects {
		ps, err := r.params.Params(ctx, device, obj)
		if err != nil {
			return nil, fmt.Errorf("read cached parameters %s of %s: %w", obj, device, err)
		}
		for _, p := range ps {
			if wanted[p.Name] {
				known[p.Name] = p
			}
		}
	}
	return known, nil
}
