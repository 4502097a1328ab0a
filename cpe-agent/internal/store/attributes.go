package store

import "fmt"

// Attributes are what SetParameterAttributes set on one parameter. Only
// parameters whose attributes differ from the data model's defaults are
// stored; deleting them restores the defaults. They survive reboots and
// go on factory reset (Wipe).
type Attributes struct {
	// Notification: 0 off, 1 passive, 2 active, 3-6 the CWMP 1.4
	// lightweight variants.
	Notification int `json:"notification"`
	// AccessList holds entities besides the ACS that may write the value
	// ("Subscriber"); values the agent does not understand are kept too.
	AccessList []string `json:"access_list,omitempty"`
}

// MaxNotification is the highest Notification value (cwmp-1-4.xsd).
const MaxNotification = 6

// SaveAttributes stores attributes for each parameter path; inside one
// Update a whole SetParameterAttributes lands at once.
func (tx *Tx) SaveAttributes(attrs map[string]Attributes) (err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketAttributes)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		if name == "" {
			return fmt.Errorf("store: saving attributes: empty parameter name")
		}
		if a.Notification < 0 || a.Notification > MaxNotification {
			return fmt.Errorf("store: attributes of %s: notification %d outside 0-%d", name, a.Notification, MaxNotification)
		}
		if err := putJSON(b, []byte(name), "attributes", a); err != nil {
			return fmt.Errorf("store: attributes of %s: %w", name, err)
		}
	}
	return nil
}

// Attributes returns every stored attribute set by parameter path.
func (tx *Tx) Attributes() (attrs map[string]Attributes, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketAttributes)
	if err != nil {
		return nil, err
	}
	attrs = make(map[string]Attributes)
	err = b.ForEach(func(k, v []byte) error {
		var a Attributes
		if err := decodeJSON(tx.path, "attributes", v, &a); err != nil {
			return err
		}
		attrs[string(k)] = a
		return nil
	})
	return attrs, err
}

// DeleteAttributes restores the defaults of these parameters.
func (tx *Tx) DeleteAttributes(names ...string) error {
	return tx.deleteNames(bucketAttributes, "attributes of ", names)
}

// DeleteAttributesUnder restores the defaults of every parameter under the
// object path prefix (which ends in "."). DeleteObject does this itself.
func (tx *Tx) DeleteAttributesUnder(prefix string) (err error) {
	defer tx.catch(&err)
	if err := objectPrefix(prefix); err != nil {
		return err
	}
	b, err := tx.bucket(bucketAttributes)
	if err != nil {
		return err
	}
	return deletePrefix(b, []byte(prefix))
}

// SaveAttributes stores a batch of attributes in one commit.
func (s *Store) SaveAttributes(attrs map[string]Attributes) error {
	return s.Update(func(tx *Tx) error { return tx.SaveAttributes(attrs) })
}

// Attributes returns every stored attribute set.
func (s *Store) Attributes() (map[string]Attributes, error) {
	return viewValue(s, (*Tx).Attributes)
}

// DeleteAttributes restores defaults for these parameters in one commit.
func (s *Store) DeleteAttributes(names ...string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteAttributes(names...) })
}

// DeleteAttributesUnder restores defaults under an object path in one
// commit.
func (s *Store) DeleteAttributesUnder(prefix string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteAttributesUnder(prefix) })
}
