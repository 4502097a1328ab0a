// Package cwmptest helps test the CWMP endpoint and the code behind it: an
// in-memory store with failure injection, a scripted CPE speaking HTTP
// with Digest and cookies, and a small simulated device that answers the
// ACS's requests from a parameter map.
//
// MemStore keeps nothing on disk and exists for tests and benchmarks only.
package cwmptest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// MemStore implements the store methods the CWMP endpoint and the task
// runner use, in memory. Fail, when set, is asked before every operation
// (by method name, e.g. "RecordInform") and its error is returned instead.
type MemStore struct {
	Fail func(op string) error
	Now  func() time.Time

	mu      sync.Mutex
	devices map[string]*store.Device
	events  map[string][]store.Event
	params  map[string]map[string]store.Param
	tasks   map[string]*store.Task
	byDev   map[string][]string // device -> task IDs, in creation order
	faults  []store.Fault
	leases  map[string]lease
	seq     int
	calls   map[string]int
}

type lease struct {
	holder  string
	expires time.Time
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{
		devices: map[string]*store.Device{},
		events:  map[string][]store.Event{},
		params:  map[string]map[string]store.Param{},
		tasks:   map[string]*store.Task{},
		byDev:   map[string][]string{},
		leases:  map[string]lease{},
		calls:   map[string]int{},
	}
}

func (m *MemStore) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// enter locks the store and runs the failure hook.
func (m *MemStore) enter(op string) error {
	m.mu.Lock()
	m.calls[op]++
	if m.Fail != nil {
		if err := m.Fail(op); err != nil {
			m.mu.Unlock()
			return err
		}
	}
	return nil
}

// Calls returns how often op was called.
func (m *MemStore) Calls(op string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[op]
}

// RecordInform implements store.Devices.
func (m *MemStore) RecordInform(_ context.Context, in store.Inform) (store.Device, error) {
	if err := m.enter("RecordInform"); err != nil {
		return store.Device{}, err
	}
	defer m.mu.Unlock()
	nd := in.Device
	d, ok := m.devices[nd.ID]
	if !ok {
		d = &store.Device{ID: nd.ID, FirstSeen: in.Time}
		m.devices[nd.ID] = d
	}
	d.OUI, d.ProductClass, d.SerialNumber, d.Manufacturer = nd.OUI, nd.ProductClass, nd.SerialNumber, nd.Manufacturer
	d.LastInform, d.IP, d.CWMPVersion = nd.LastInform, nd.IP, nd.CWMPVersion
	d.SoftwareVersion, d.HardwareVersion = keep(d.SoftwareVersion, nd.SoftwareVersion), keep(d.HardwareVersion, nd.HardwareVersion)
	d.ConnectionRequestURL = keep(d.ConnectionRequestURL, nd.ConnectionRequestURL)
	d.Root = keep(d.Root, nd.Root)
	d.ParameterKey = nd.ParameterKey
	if in.Boot {
		d.LastBoot = in.Time
	}
	m.events[nd.ID] = append(m.events[nd.ID], in.Events...)
	m.saveParams(nd.ID, in.Params)
	return clone(*d), nil
}

func keep(old, new string) string {
	if new == "" {
		return old
	}
	return new
}

func clone(d store.Device) store.Device {
	d.Tags = slices.Clone(d.Tags)
	return d
}

// Device implements store.Devices.
func (m *MemStore) Device(_ context.Context, id string) (store.Device, error) {
	if err := m.enter("Device"); err != nil {
		return store.Device{}, err
	}
	defer m.mu.Unlock()
	d, ok := m.devices[id]
	if !ok {
		return store.Device{}, store.ErrNotFound
	}
	return clone(*d), nil
}

// UpdateDevice implements store.Devices.
func (m *MemStore) UpdateDevice(_ context.Context, id string, fn func(d *store.Device) error) (store.Device, error) {
	if err := m.enter("UpdateDevice"); err != nil {
		return store.Device{}, err
	}
	defer m.mu.Unlock()
	d, ok := m.devices[id]
	if !ok {
		return store.Device{}, store.ErrNotFound
	}
	c := clone(*d)
	if err := fn(&c); err != nil {
		return store.Device{}, err
	}
	*d = c
	return clone(c), nil
}

// Events returns every event recorded for a device, oldest first.
func (m *MemStore) Events(device string) []store.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.events[device])
}

// SaveParams implements store.Params.
func (m *MemStore) SaveParams(_ context.Context, device string, params []store.Param) error {
	if err := m.enter("SaveParams"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.saveParams(device, params)
	return nil
}

func (m *MemStore) saveParams(device string, params []store.Param) {
	pm := m.params[device]
	if pm == nil {
		pm = map[string]store.Param{}
		m.params[device] = pm
	}
	for _, p := range params {
		if old, ok := pm[p.Name]; ok && p.Writable == nil {
			p.Writable = old.Writable
		}
		pm[p.Name] = p
	}
}

// Params implements store.Params.
func (m *MemStore) Params(_ context.Context, device, prefix string) ([]store.Param, error) {
	if err := m.enter("Params"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var out []store.Param
	for name, p := range m.params[device] {
		if strings.HasPrefix(name, prefix) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteParams implements store.Params.
func (m *MemStore) DeleteParams(_ context.Context, device, prefix string) error {
	if err := m.enter("DeleteParams"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	for name := range m.params[device] {
		if strings.HasPrefix(name, prefix) {
			delete(m.params[device], name)
		}
	}
	return nil
}

// AddTask implements store.Tasks.
func (m *MemStore) AddTask(_ context.Context, t *store.Task) error {
	if err := m.enter("AddTask"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.seq++
	t.ID = "t" + strconv.Itoa(m.seq)
	t.Created = m.now()
	t.Status = store.StatusQueued
	c := *t
	m.tasks[t.ID] = &c
	m.byDev[t.Device] = append(m.byDev[t.Device], t.ID)
	return nil
}

// Task implements store.Tasks.
func (m *MemStore) Task(_ context.Context, id string) (store.Task, error) {
	if err := m.enter("Task"); err != nil {
		return store.Task{}, err
	}
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok {
		return store.Task{}, store.ErrNotFound
	}
	return *t, nil
}

// UpdateTask implements store.Tasks.
func (m *MemStore) UpdateTask(_ context.Context, t store.Task) error {
	if err := m.enter("UpdateTask"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, ok := m.tasks[t.ID]; !ok {
		return store.ErrNotFound
	}
	m.tasks[t.ID] = &t
	return nil
}

// NextTask implements store.Tasks.
func (m *MemStore) NextTask(_ context.Context, device string, now time.Time) (store.Task, bool, error) {
	if err := m.enter("NextTask"); err != nil {
		return store.Task{}, false, err
	}
	defer m.mu.Unlock()
	var best *store.Task
	for _, id := range m.byDev[device] {
		t := m.tasks[id]
		if t.Status != store.StatusQueued || t.NotBefore.After(now) {
			continue
		}
		if best == nil || t.Priority > best.Priority {
			best = t
		}
	}
	if best == nil {
		return store.Task{}, false, nil
	}
	return *best, true, nil
}

// OpenTasks implements store.Tasks.
func (m *MemStore) OpenTasks(_ context.Context, device string) ([]store.Task, error) {
	if err := m.enter("OpenTasks"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var out []store.Task
	for _, id := range m.byDev[device] {
		if t := m.tasks[id]; t.Status == store.StatusQueued || t.Status == store.StatusRunning {
			out = append(out, *t)
		}
	}
	return out, nil
}

// TaskByKey implements store.Tasks.
func (m *MemStore) TaskByKey(_ context.Context, device, key string) (store.Task, error) {
	if err := m.enter("TaskByKey"); err != nil {
		return store.Task{}, err
	}
	defer m.mu.Unlock()
	for _, id := range m.byDev[device] {
		if t := m.tasks[id]; key != "" && t.Key == key {
			return *t, nil
		}
	}
	return store.Task{}, store.ErrNotFound
}

// AddFault implements store.Faults.
func (m *MemStore) AddFault(_ context.Context, f *store.Fault) error {
	if err := m.enter("AddFault"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.seq++
	f.ID = "f" + strconv.Itoa(m.seq)
	m.faults = append(m.faults, *f)
	return nil
}

// Faults implements store.Faults.
func (m *MemStore) Faults(_ context.Context, device string, limit int) ([]store.Fault, error) {
	if err := m.enter("Faults"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var out []store.Fault
	for i := len(m.faults) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		if f := m.faults[i]; device == "" || f.Device == device {
			out = append(out, f)
		}
	}
	return out, nil
}

// AcquireLease implements store.Leases.
func (m *MemStore) AcquireLease(_ context.Context, device, holder string, ttl time.Duration) error {
	if err := m.enter("AcquireLease"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	now := m.now()
	if l, ok := m.leases[device]; ok && l.holder != holder && now.Before(l.expires) {
		return store.ErrLeaseHeld
	}
	m.leases[device] = lease{holder: holder, expires: now.Add(ttl)}
	return nil
}

// ReleaseLease implements store.Leases.
func (m *MemStore) ReleaseLease(_ context.Context, device, holder string) error {
	if err := m.enter("ReleaseLease"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if l, ok := m.leases[device]; ok && l.holder == holder {
		delete(m.leases, device)
	}
	return nil
}

// LeaseHolder returns who holds a live lease on the device ("" if nobody).
func (m *MemStore) LeaseHolder(device string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[device]; ok && m.now().Before(l.expires) {
		return l.holder
	}
	return ""
}

// PutLease makes holder hold the device's lease until expires, as another
// node would.
func (m *MemStore) PutLease(device, holder string, expires time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.leases[device] = lease{holder: holder, expires: expires}
}

// AllFaults returns every recorded fault, oldest first.
func (m *MemStore) AllFaults() []store.Fault {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.faults)
}

// String summarises the store for failure messages.
func (m *MemStore) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fmt.Sprintf("MemStore{devices: %d, tasks: %d, faults: %d, leases: %d}", len(m.devices), len(m.tasks), len(m.faults), len(m.leases))
}
