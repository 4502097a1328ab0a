package store

import (
	"fmt"
	"strings"
)

// Persisted parameter values: what must outlive a restart and the platform
// cannot read back from the system (Device.ManagementServer.*, the
// DeviceInfo identity, values the sim platform keeps). Keys are full
// parameter paths; ManagementServer.ParameterKey is a value like any other,
// so a SetParameterValues saves it in the same SaveValues call as the
// values it set.

// SaveValues writes every name/value pair. Inside one Update they land on
// disk together or not at all.
func (tx *Tx) SaveValues(values map[string]string) (err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketValues)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(values) {
		if name == "" {
			return fmt.Errorf("store: saving values: empty parameter name")
		}
		if err := b.Put([]byte(name), []byte(values[name])); err != nil {
			// The value is not quoted: it may be a password.
			return fmt.Errorf("store: saving value of %s: %w", name, err)
		}
	}
	return nil
}

// Values returns every persisted value.
func (tx *Tx) Values() (values map[string]string, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketValues)
	if err != nil {
		return nil, err
	}
	values = make(map[string]string)
	err = b.ForEach(func(k, v []byte) error {
		values[string(k)] = string(v)
		return nil
	})
	return values, err
}

// Value returns one persisted value.
func (tx *Tx) Value(name string) (value string, ok bool, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketValues)
	if err != nil {
		return "", false, err
	}
	v := b.Get([]byte(name))
	if v == nil {
		return "", false, nil
	}
	return string(v), true, nil
}

// DeleteValues forgets these values; missing names are ignored.
func (tx *Tx) DeleteValues(names ...string) error {
	return tx.deleteNames(bucketValues, "value of ", names)
}

// SaveValues persists values in one commit: a SetParameterValues is
// all-or-nothing on disk.
func (s *Store) SaveValues(values map[string]string) error {
	return s.Update(func(tx *Tx) error { return tx.SaveValues(values) })
}

// Values returns every persisted value.
func (s *Store) Values() (map[string]string, error) {
	return viewValue(s, (*Tx).Values)
}

// DeleteValues forgets these values in one commit.
func (s *Store) DeleteValues(names ...string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteValues(names...) })
}

// objectPrefix checks that path names an object (it ends in ".").
func objectPrefix(path string) error {
	if path == "" || !strings.HasSuffix(path, ".") {
		return fmt.Errorf("store: %q is not an object path (it must end in \".\")", path)
	}
	return nil
}
