package provision

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"gatewarden/acs/internal/store"
)

// memStore is an in-memory store.Presets and store.Params that counts the
// calls the reconciler makes.
type memStore struct {
	mu          sync.Mutex
	presets     map[string]store.Preset
	params      map[string]map[string]store.Param // device -> name -> param
	presetLoads int
	prefixes    []string // every Params prefix asked
	failPresets error
}

func newMemStore() *memStore {
	return &memStore{presets: map[string]store.Preset{}, params: map[string]map[string]store.Param{}}
}

func (m *memStore) PutPreset(_ context.Context, p *store.Preset) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p.Version = m.presets[p.Name].Version + 1
	m.presets[p.Name] = *p
	return nil
}

func (m *memStore) Preset(_ context.Context, name string) (store.Preset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.presets[name]
	if !ok {
		return store.Preset{}, store.ErrNotFound
	}
	return p, nil
}

func (m *memStore) Presets(context.Context) ([]store.Preset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.presetLoads++
	if m.failPresets != nil {
		return nil, m.failPresets
	}
	var out []store.Preset
	for _, p := range m.presets {
		out = append(out, p)
	}
	// Deliberately not sorted: the reconciler must order them itself.
	return out, nil
}

func (m *memStore) DeletePreset(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.presets[name]; !ok {
		return store.ErrNotFound
	}
	delete(m.presets, name)
	return nil
}

func (m *memStore) SaveParams(_ context.Context, device string, params []store.Param) error {
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

func (m *memStore) Params(_ context.Context, device, prefix string) ([]store.Param, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prefixes = append(m.prefixes, prefix)
	var out []store.Param
	for name, p := range m.params[device] {
		if strings.HasPrefix(name, prefix) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b store.Param) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *memStore) DeleteParams(_ context.Context, device, prefix string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name := range m.params[device] {
		if strings.HasPrefix(name, prefix) {
			delete(m.params[device], name)
		}
	}
	return nil
}

func (m *memStore) setParams(device string, kv ...string) {
	var ps []store.Param
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, store.Param{Name: kv[i], Value: kv[i+1]})
	}
	_ = m.SaveParams(context.Background(), device, ps)
}

func (m *memStore) askedPrefixes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.prefixes
	m.prefixes = nil
	return out
}

var (
	_ store.Presets = (*memStore)(nil)
	_ store.Params  = (*memStore)(nil)
)

// attrSource is a fixed AttributeSource.
type attrSource map[string]int

func (a attrSource) Notifications(_ context.Context, _ string, names []string) (map[string]int, error) {
	out := map[string]int{}
	for _, n := range names {
		if v, ok := a[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

var errBoom = errors.New("boom")
