package model

import (
	"fmt"
	"sort"
	"strings"

	"gatewarden/cpe-agent/internal/store"
)

// The store keeps values, attributes and instance numbers; three things
// the tree needs have no record of their own there yet, so they ride in
// the values bucket under names no parameter can have (a parameter name
// never contains '#'):
//
//   - "#pending:<path>": the changed-path set not yet reported;
//   - "#seeded:<table>": the factory instances of this table were created
//     once (an empty table after the ACS deleted them stays empty);
//   - "<instance path>#key": the provider's key of a listed instance. It
//     sits under the instance path, so the store's DeleteObject removes it
//     with the instance.
//
// Only this file knows the encoding.
const (
	pendingPrefix = "#pending:"
	seededPrefix  = "#seeded:"
	keySuffix     = "#key"
)

// snapshot is everything the tree loads at start.
type snapshot struct {
	values    map[string]string
	attrs     map[string]attr
	instances map[string][]uint32
	keys      map[string]string // instance path -> provider key
	seeded    map[string]bool
	pending   []string
}

// batch is one atomic store transaction as the tree sees it.
type batch struct {
	tx *store.Tx
}

func load(st *store.Store) (*snapshot, error) {
	s := &snapshot{attrs: map[string]attr{}, keys: map[string]string{}, seeded: map[string]bool{}}
	err := st.View(func(tx *store.Tx) error {
		vals, err := tx.Values()
		if err != nil {
			return err
		}
		s.values = make(map[string]string, len(vals))
		for k, v := range vals {
			switch {
			case strings.HasPrefix(k, pendingPrefix):
				s.pending = append(s.pending, k[len(pendingPrefix):])
			case strings.HasPrefix(k, seededPrefix):
				s.seeded[k[len(seededPrefix):]] = true
			case strings.HasSuffix(k, keySuffix):
				s.keys[k[:len(k)-len(keySuffix)]] = v
			default:
				s.values[k] = v
			}
		}
		attrs, err := tx.Attributes()
		if err != nil {
			return err
		}
		for k, a := range attrs {
			s.attrs[k] = attr{notification: uint8(a.Notification), access: a.AccessList}
		}
		s.instances, err = tx.Instances()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("model: loading state: %w", err)
	}
	sort.Strings(s.pending)
	return s, nil
}

func update(st *store.Store, fn func(b batch) error) error {
	return st.Update(func(tx *store.Tx) error { return fn(batch{tx: tx}) })
}

func (b batch) saveValues(v map[string]string) error {
	if len(v) == 0 {
		return nil
	}
	return b.tx.SaveValues(v)
}

func (b batch) deleteValues(paths ...string) error {
	if len(paths) == 0 {
		return nil
	}
	return b.tx.DeleteValues(paths...)
}

func (b batch) saveAttrs(a map[string]attr) error {
	if len(a) == 0 {
		return nil
	}
	out := make(map[string]store.Attributes, len(a))
	for k, v := range a {
		out[k] = store.Attributes{Notification: int(v.notification), AccessList: v.access}
	}
	return b.tx.SaveAttributes(out)
}

func (b batch) deleteAttrs(paths ...string) error {
	if len(paths) == 0 {
		return nil
	}
	return b.tx.DeleteAttributes(paths...)
}

// addInstance allocates the next number of table and records it, with the
// provider's key for listed tables.
func (b batch) addInstance(table, key string) (uint32, error) {
	n, err := b.tx.NextInstance(table)
	if err != nil {
		return 0, err
	}
	if err := b.tx.PutInstance(table, n); err != nil {
		return 0, err
	}
	if key != "" {
		if err := b.saveKey(table, n, key); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// saveKey records the provider's key of instance n of a listed table.
func (b batch) saveKey(table string, n uint32, key string) error {
	return b.tx.SaveValues(map[string]string{instancePath(table, n) + keySuffix: key})
}

// nextInstance allocates the next number of table without recording an
// instance: the caller records it once the system has its row.
func (b batch) nextInstance(table string) (uint32, error) { return b.tx.NextInstance(table) }

// putInstance records an instance whose number the tree chose (factory
// instances) or allocated with nextInstance.
func (b batch) putInstance(table string, n uint32) error { return b.tx.PutInstance(table, n) }

// deleteObject removes an instance with everything persisted beneath it.
func (b batch) deleteObject(path string) error { return b.tx.DeleteObject(path) }

func (b batch) markSeeded(table string) error {
	return b.tx.SaveValues(map[string]string{seededPrefix + table: "1"})
}

func (b batch) addPending(paths ...string) error {
	if len(paths) == 0 {
		return nil
	}
	m := make(map[string]string, len(paths))
	for _, p := range paths {
		m[pendingPrefix+p] = ""
	}
	return b.tx.SaveValues(m)
}

func (b batch) deletePending(paths ...string) error {
	if len(paths) == 0 {
		return nil
	}
	keys := make([]string, len(paths))
	for i, p := range paths {
		keys[i] = pendingPrefix + p
	}
	return b.tx.DeleteValues(keys...)
}
