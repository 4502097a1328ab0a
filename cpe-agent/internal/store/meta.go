package store

import (
	"fmt"
	"time"
)

// Small records about the agent itself, in the meta bucket.
var (
	keyBootID      = []byte("boot_id")
	keyBootstrap   = []byte("bootstrap")
	keyRetryCount  = []byte("retry_count")
	keyConnReq     = []byte("connreq_credentials")
	keyLastSession = []byte("last_session")
)

// BootstrapState records whether "0 BOOTSTRAP" was delivered, and to which
// ACS: a different ManagementServer.URL needs a new bootstrap.
type BootstrapState struct {
	_      incomparable
	Done   bool   `json:"done"`
	ACSURL string `json:"acs_url"`
}

// SessionResult summarises the last session for the field engineer's page
// and `cpe-agent diag status`. It must hold no secrets.
type SessionResult struct {
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	ACSURL      string    `json:"acs_url"`
	Events      []string  `json:"events"`
	RetryCount  uint32    `json:"retry_count"`
	OK          bool      `json:"ok"`
	Error       string    `json:"error,omitempty"`
	FaultCode   uint32    `json:"fault_code,omitempty"`
	FaultString string    `json:"fault_string,omitempty"`
}

// BootID returns the kernel boot id recorded at the agent's last start,
// empty if none: the agent compares it with the current one to tell a new
// boot (queue "1 BOOT") from a restart of the agent alone.
func (tx *Tx) BootID() (id string, err error) {
	defer tx.catch(&err)
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return "", err
	}
	return string(meta.Get(keyBootID)), nil
}

// SetBootID records the current boot id.
func (tx *Tx) SetBootID(id string) (err error) {
	defer tx.catch(&err)
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(keyBootID, []byte(id)); err != nil {
		return fmt.Errorf("store: writing boot id: %w", err)
	}
	return nil
}

// Bootstrap returns the bootstrap record (zero: never bootstrapped).
func (tx *Tx) Bootstrap() (st BootstrapState, err error) {
	err = tx.getMeta(keyBootstrap, "bootstrap", &st)
	return st, err
}

// SetBootstrap records the bootstrap state.
func (tx *Tx) SetBootstrap(st BootstrapState) error {
	return tx.putMeta(keyBootstrap, "bootstrap", st)
}

// RetryCount returns the persisted session retry count (0 if none).
func (tx *Tx) RetryCount() (n uint32, err error) {
	defer tx.catch(&err)
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return 0, err
	}
	n, _, err = getUint32(meta, keyRetryCount)
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w: %v", tx.path, ErrCorrupt, err)
	}
	return n, nil
}

// SetRetryCount persists the retry count, so the backoff continues after
// a restart instead of hammering the ACS.
func (tx *Tx) SetRetryCount(n uint32) (err error) {
	defer tx.catch(&err)
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	return putUint32(meta, keyRetryCount, n)
}

// ConnReqCredentials returns the connection-request credentials the ACS
// set, and whether any were set.
func (tx *Tx) ConnReqCredentials() (c Credentials, ok bool, err error) {
	var r credentialsRecord
	ok, err = tx.getMetaOK(keyConnReq, "credentials", &r)
	return Credentials(r), ok, err
}

// SetConnReqCredentials stores the connection-request credentials.
func (tx *Tx) SetConnReqCredentials(c Credentials) error {
	return tx.putMeta(keyConnReq, "credentials", credentialsRecord(c))
}

// LastSession returns the last session's summary, and whether there is one.
func (tx *Tx) LastSession() (r SessionResult, ok bool, err error) {
	ok, err = tx.getMetaOK(keyLastSession, "last session", &r)
	return r, ok, err
}

// SetLastSession records the last session's summary.
func (tx *Tx) SetLastSession(r SessionResult) error {
	return tx.putMeta(keyLastSession, "last session", r)
}

func (tx *Tx) getMeta(key []byte, what string, v any) error {
	_, err := tx.getMetaOK(key, what, v)
	return err
}

func (tx *Tx) getMetaOK(key []byte, what string, v any) (ok bool, err error) {
	defer tx.catch(&err)
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return false, err
	}
	data := meta.Get(key)
	if data == nil {
		return false, nil
	}
	return true, decodeJSON(tx.path, what, data, v)
}

func (tx *Tx) putMeta(key []byte, what string, v any) (err error) {
	defer tx.catch(&err)
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	return putJSON(meta, key, what, v)
}

// BootID returns the recorded boot id.
func (s *Store) BootID() (id string, err error) {
	err = s.View(func(tx *Tx) (err error) {
		id, err = tx.BootID()
		return err
	})
	return id, err
}

// SetBootID records the boot id in its own commit.
func (s *Store) SetBootID(id string) error {
	return s.Update(func(tx *Tx) error { return tx.SetBootID(id) })
}

// Bootstrap returns the bootstrap record.
func (s *Store) Bootstrap() (st BootstrapState, err error) {
	err = s.View(func(tx *Tx) (err error) {
		st, err = tx.Bootstrap()
		return err
	})
	return st, err
}

// SetBootstrap records the bootstrap state in its own commit.
func (s *Store) SetBootstrap(st BootstrapState) error {
	return s.Update(func(tx *Tx) error { return tx.SetBootstrap(st) })
}

// RetryCount returns the persisted retry count.
func (s *Store) RetryCount() (n uint32, err error) {
	err = s.View(func(tx *Tx) (err error) {
		n, err = tx.RetryCount()
		return err
	})
	return n, err
}

// SetRetryCount persists the retry count in its own commit.
func (s *Store) SetRetryCount(n uint32) error {
	return s.Update(func(tx *Tx) error { return tx.SetRetryCount(n) })
}

// ConnReqCredentials returns the stored connection-request credentials.
func (s *Store) ConnReqCredentials() (c Credentials, ok bool, err error) {
	err = s.View(func(tx *Tx) (err error) {
		c, ok, err = tx.ConnReqCredentials()
		return err
	})
	return c, ok, err
}

// SetConnReqCredentials stores them in their own commit.
func (s *Store) SetConnReqCredentials(c Credentials) error {
	return s.Update(func(tx *Tx) error { return tx.SetConnReqCredentials(c) })
}

// LastSession returns the last session's summary, if any.
func (s *Store) LastSession() (r SessionResult, ok bool, err error) {
	err = s.View(func(tx *Tx) (err error) {
		r, ok, err = tx.LastSession()
		return err
	})
	return r, ok, err
}

// SetLastSession records the last session's summary in its own commit.
func (s *Store) SetLastSession(r SessionResult) error {
	return s.Update(func(tx *Tx) error { return tx.SetLastSession(r) })
}
