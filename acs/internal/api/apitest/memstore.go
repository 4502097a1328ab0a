package apitest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// MemStore keeps devices, parameters, tasks, faults, presets, the audit
// log and tokens in maps. It implements the methods of store.Store the
// API uses, with the same sentinel errors.
type MemStore struct {
	mu       sync.Mutex
	devices  map[string]store.Device
	params   map[string]map[string]store.Param
	tasks    map[string]store.Task
	faults   []store.Fault
	presets  map[string]store.Preset
	audit    []store.AuditEntry
	tokens   []store.Token
	taskSeq  int
	faultSeq int

	// AuditErr, when set, fails AppendAudit.
	AuditErr error
	// ListErr, when set, fails ListDevices.
	ListErr error
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{
		devices: map[string]store.Device{},
		params:  map[string]map[string]store.Param{},
		tasks:   map[string]store.Task{},
		presets: map[string]store.Preset{},
	}
}

// PutDevice adds or replaces a device with some parameters.
func (m *MemStore) PutDevice(d store.Device, params ...store.Param) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.devices[d.ID] = d
	if m.params[d.ID] == nil {
		m.params[d.ID] = map[string]store.Param{}
	}
	for _, p := range params {
		m.params[d.ID][p.Name] = p
	}
}

func (m *MemStore) Device(_ context.Context, id string) (store.Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.devices[id]
	if !ok {
		return store.Device{}, fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	d.Tags = slices.Clone(d.Tags)
	return d, nil
}

func (m *MemStore) UpdateDevice(_ context.Context, id string, fn func(d *store.Device) error) (store.Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.devices[id]
	if !ok {
		return store.Device{}, fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	d.Tags = slices.Clone(d.Tags)
	if err := fn(&d); err != nil {
		return store.Device{}, err
	}
	m.devices[id] = d
	return d, nil
}

func (m *MemStore) DeleteDevice(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.devices[id]; !ok {
		return fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	delete(m.devices, id)
	delete(m.params, id)
	return nil
}

func (m *MemStore) ListDevices(_ context.Context, q store.DeviceQuery) ([]store.Device, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ListErr != nil {
		return nil, "", m.ListErr
	}
	ids := make([]string, 0, len(m.devices))
	for id := range m.devices {
		if id > q.After {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []store.Device
	for _, id := range ids {
		d := m.devices[id]
		if q.Match != nil {
			ps := m.params[id]
			if !q.Match(&d, func(name string) (store.Param, bool) { p, ok := ps[name]; return p, ok }) {
				continue
			}
		}
		if len(out) == q.Limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, d)
	}
	return out, "", nil
}

func (m *MemStore) SaveParams(_ context.Context, device string, params []store.Param) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.params[device] == nil {
		m.params[device] = map[string]store.Param{}
	}
	for _, p := range params {
		m.params[device][p.Name] = p
	}
	return nil
}

func (m *MemStore) Params(_ context.Context, device, prefix string) ([]store.Param, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Param
	for name, p := range m.params[device] {
		if strings.HasPrefix(name, prefix) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b store.Param) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *MemStore) AddTask(_ context.Context, t *store.Task) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.taskSeq++
	t.ID = "t" + strconv.Itoa(m.taskSeq)
	t.Created = time.Now().UTC()
	t.Status = store.StatusQueued
	m.tasks[t.ID] = *t
	return nil
}

func (m *MemStore) Task(_ context.Context, id string) (store.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok {
		return store.Task{}, fmt.Errorf("task %s: %w", id, store.ErrNotFound)
	}
	return t, nil
}

func (m *MemStore) UpdateTask(_ context.Context, t store.Task) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tasks[t.ID]; !ok {
		return fmt.Errorf("task %s: %w", t.ID, store.ErrNotFound)
	}
	m.tasks[t.ID] = t
	return nil
}

// Tasks returns every task, oldest first.
func (m *MemStore) Tasks() []store.Task {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]store.Task, 0, len(m.tasks))
	for _, t := range m.tasks {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b store.Task) int {
		ai, _ := strconv.Atoi(a.ID[1:])
		bi, _ := strconv.Atoi(b.ID[1:])
		return ai - bi
	})
	return out
}

func (m *MemStore) AddFault(_ context.Context, f *store.Fault) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faultSeq++
	f.ID = "f" + strconv.Itoa(m.faultSeq)
	m.faults = append(m.faults, *f)
	return nil
}

func (m *MemStore) Faults(_ context.Context, device string, limit int) ([]store.Fault, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Fault
	for i := len(m.faults) - 1; i >= 0 && len(out) < limit; i-- {
		if device == "" || m.faults[i].Device == device {
			out = append(out, m.faults[i])
		}
	}
	return out, nil
}

func (m *MemStore) PutPreset(_ context.Context, p *store.Preset) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p.Version = m.presets[p.Name].Version + 1
	m.presets[p.Name] = *p
	return nil
}

func (m *MemStore) Preset(_ context.Context, name string) (store.Preset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.presets[name]
	if !ok {
		return store.Preset{}, fmt.Errorf("preset %s: %w", name, store.ErrNotFound)
	}
	return p, nil
}

func (m *MemStore) Presets(_ context.Context) ([]store.Preset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]store.Preset, 0, len(m.presets))
	for _, p := range m.presets {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b store.Preset) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *MemStore) AppendAudit(_ context.Context, e *store.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.AuditErr != nil {
		return m.AuditErr
	}
	e.Seq = uint64(len(m.audit) + 1)
	m.audit = append(m.audit, *e)
	return nil
}

func (m *MemStore) AuditLog(_ context.Context, after uint64, limit int) ([]store.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.AuditEntry
	for _, e := range m.audit {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// Audit returns the whole audit log.
func (m *MemStore) Audit() []store.AuditEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.audit)
}

func (m *MemStore) PutToken(_ context.Context, t store.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, old := range m.tokens {
		if old.Name == t.Name {
			return fmt.Errorf("token %s: %w", t.Name, store.ErrConflict)
		}
	}
	m.tokens = append(m.tokens, t)
	return nil
}

func (m *MemStore) TokenByHash(_ context.Context, hash []byte) (store.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.tokens {
		if bytes.Equal(t.Hash, hash) {
			return t, nil
		}
	}
	return store.Token{}, store.ErrNotFound
}

// Tokens returns the stored tokens.
func (m *MemStore) Tokens() []store.Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.tokens)
}
