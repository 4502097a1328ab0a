package bbolt

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

var _ store.Pushes = (*Store)(nil)

// Buckets of the MQTT lane's pushes. They are created by the first write
// (the layout's schema list belongs to the core store), and a read finds
// them missing until then.
var (
	// mqttpushes: push ID -> push JSON (with its counts). IDs sort by
	// creation time.
	bPushes = []byte("mqttpushes")
	// mqttdeliv: push NUL device -> delivery JSON.
	bDeliveries = []byte("mqttdeliv")
	// mqttpending: device NUL push -> 1, pending deliveries only.
	bPendingDeliveries = []byte("mqttpending")
)

// newPushID sorts by creation: 16 hex digits of Unix nanoseconds, then
// random ones so two pushes in one nanosecond differ.
func newPushID(t time.Time) string {
	var r [4]byte
	rand.Read(r[:])
	return fmt.Sprintf("%016x", uint64(t.UnixNano())) + hex.EncodeToString(r[:])
}

func deliveryKey(push, device string) []byte {
	k := make([]byte, 0, len(push)+1+len(device))
	k = append(k, push...)
	k = append(k, 0)
	return append(k, device...)
}

func (s *Store) CreatePush(ctx context.Context, p *store.Push) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	np := *p
	if np.Created.IsZero() {
		np.Created = time.Now().UTC()
	}
	if np.ID == "" {
		np.ID = newPushID(np.Created)
	}
	if err := checkID("push ID", np.ID); err != nil {
		return err
	}
	np.Counts = map[string]int{}
	enc, err := json.Marshal(&np)
	if err != nil {
		return fmt.Errorf("encode push: %w", err)
	}
	err = s.w.do(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bPushes)
		if err != nil {
			return err
		}
		if b.Get([]byte(np.ID)) != nil {
			return reject(fmt.Errorf("push %s: %w", np.ID, store.ErrConflict))
		}
		return b.Put([]byte(np.ID), enc)
	})
	if err != nil {
		return fmt.Errorf("create push: %w", err)
	}
	*p = np
	return nil
}

func getPush(tx *bolt.Tx, id string) (store.Push, error) {
	b := tx.Bucket(bPushes)
	var raw []byte
	if b != nil {
		raw = b.Get([]byte(id))
	}
	if raw == nil {
		return store.Push{}, fmt.Errorf("push %s: %w", id, store.ErrNotFound)
	}
	var p store.Push
	if err := json.Unmarshal(raw, &p); err != nil {
		return store.Push{}, fmt.Errorf("push %s: %w", id, err)
	}
	if p.Counts == nil {
		p.Counts = map[string]int{}
	}
	return p, nil
}

func putPush(tx *bolt.Tx, p *store.Push) error {
	enc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return tx.Bucket(bPushes).Put([]byte(p.ID), enc)
}

func (s *Store) AddDeliveries(ctx context.Context, push string, devices []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, d := range devices {
		if err := checkID("device ID", d); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	err := s.w.do(func(tx *bolt.Tx) error {
		p, err := getPush(tx, push)
		if err != nil {
			return reject(err)
		}
		del, err := tx.CreateBucketIfNotExists(bDeliveries)
		if err != nil {
			return err
		}
		pend, err := tx.CreateBucketIfNotExists(bPendingDeliveries)
		if err != nil {
			return err
		}
		added := 0
		for _, dev := range devices {
			k := deliveryKey(push, dev)
			if del.Get(k) != nil {
				continue
			}
			enc, err := json.Marshal(store.Delivery{Push: push, Device: dev, Status: store.DeliveryPending, Updated: now})
			if err != nil {
				return err
			}
			if err := del.Put(k, enc); err != nil {
				return err
			}
			if err := pend.Put(deliveryKey(dev, push), one); err != nil {
				return err
			}
			added++
		}
		if added == 0 {
			return reject(nil)
		}
		p.Counts[store.DeliveryPending] += added
		return putPush(tx, &p)
	})
	if err != nil {
		return fmt.Errorf("add deliveries: %w", err)
	}
	return nil
}

func (s *Store) SettleDelivery(ctx context.Context, d store.Delivery) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	switch d.Status {
	case store.DeliveryApplied, store.DeliveryUnchanged, store.DeliveryFault, store.DeliveryRejected, store.DeliveryConverged:
	default:
		return false, fmt.Errorf("settle delivery: status %q: %w", d.Status, store.ErrInvalid)
	}
	if d.Updated.IsZero() {
		d.Updated = time.Now().UTC()
	}
	var changed bool
	err := s.w.do(func(tx *bolt.Tx) error {
		changed = false
		del := tx.Bucket(bDeliveries)
		k := deliveryKey(d.Push, d.Device)
		var raw []byte
		if del != nil {
			raw = del.Get(k)
		}
		if raw == nil {
			return reject(fmt.Errorf("delivery of push %s to %s: %w", d.Push, d.Device, store.ErrNotFound))
		}
		var cur store.Delivery
		if err := json.Unmarshal(raw, &cur); err != nil {
			return reject(fmt.Errorf("delivery of push %s to %s: %w", d.Push, d.Device, err))
		}
		if cur.Status != store.DeliveryPending {
			return reject(nil)
		}
		p, err := getPush(tx, d.Push)
		if err != nil {
			return reject(err)
		}
		enc, err := json.Marshal(&d)
		if err != nil {
			return reject(err)
		}
		if err := del.Put(k, enc); err != nil {
			return err
		}
		if err := tx.Bucket(bPendingDeliveries).Delete(deliveryKey(d.Device, d.Push)); err != nil {
			return err
		}
		p.Counts[store.DeliveryPending]--
		p.Counts[d.Status]++
		changed = true
		return putPush(tx, &p)
	})
	if err != nil {
		return false, fmt.Errorf("settle delivery: %w", err)
	}
	return changed, nil
}

func (s *Store) Push(ctx context.Context, id string) (store.Push, error) {
	if err := ctx.Err(); err != nil {
		return store.Push{}, err
	}
	var p store.Push
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		p, err = getPush(tx, id)
		return err
	})
	return p, err
}

func (s *Store) ListPushes(ctx context.Context, preset string, limit int) ([]store.Push, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []store.Push
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPushes)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var p store.Push
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("push %s: %w", k, err)
			}
			if preset == "" || p.Preset == preset {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

func (s *Store) Deliveries(ctx context.Context, push, after string, limit int) ([]store.Delivery, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var (
		out  []store.Delivery
		next string
	)
	prefix := deliveryKey(push, "")
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := getPush(tx, push); err != nil {
			return err
		}
		b := tx.Bucket(bDeliveries)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.Seek(deliveryKey(push, after))
		if after != "" && k != nil && bytes.Equal(k, deliveryKey(push, after)) {
			k, v = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(out) == limit {
				next = out[len(out)-1].Device
				return nil
			}
			var d store.Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("delivery %q: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, next, err
}

func (s *Store) PendingDeliveries(ctx context.Context, device string) ([]store.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Delivery
	prefix := devicePrefix(device)
	err := s.db.View(func(tx *bolt.Tx) error {
		pend, del := tx.Bucket(bPendingDeliveries), tx.Bucket(bDeliveries)
		if pend == nil || del == nil {
			return nil
		}
		c := pend.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			push := string(k[len(prefix):])
			raw := del.Get(deliveryKey(push, device))
			if raw == nil {
				continue
			}
			var d store.Delivery
			if err := json.Unmarshal(raw, &d); err != nil {
				return fmt.Errorf("delivery of %s to %s: %w", push, device, err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func (s *Store) PendingPushes(ctx context.Context, limit int) ([]store.Push, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []store.Push
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPushes)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(out) == limit {
				return nil
			}
			var p store.Push
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("push %s: %w", k, err)
			}
			if p.Counts[store.DeliveryPending] > 0 {
				out = append(out, p)
			}
			return nil
		})
	})
	return out, err
}

// prunePushBatch bounds one pruning transaction (deliveries included).
const prunePushBatch = 1000

func (s *Store) PrunePushes(ctx context.Context, before time.Time) (int, error) {
	cut := []byte(fmt.Sprintf("%016x", uint64(before.UnixNano())))
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, more := 0, false
		err := s.w.do(func(tx *bolt.Tx) error {
			n, more = 0, false
			b := tx.Bucket(bPushes)
			if b == nil {
				return reject(nil)
			}
			c := b.Cursor()
			k, _ := c.First()
			if k == nil || bytes.Compare(k, cut) >= 0 {
				return reject(nil)
			}
			id := string(k)
			del, pend := tx.Bucket(bDeliveries), tx.Bucket(bPendingDeliveries)
			if del != nil {
				prefix := deliveryKey(id, "")
				dc := del.Cursor()
				for dk, _ := dc.Seek(prefix); dk != nil && bytes.HasPrefix(dk, prefix); dk, _ = dc.Seek(prefix) {
					if n == prunePushBatch {
						more = true
						return nil
					}
					dev := string(dk[len(prefix):])
					if err := del.Delete(dk); err != nil {
						return err
					}
					if pend != nil {
						if err := pend.Delete(deliveryKey(dev, id)); err != nil {
							return err
						}
					}
					n++
				}
			}
			more = true
			n++
			return b.Delete([]byte(id))
		})
		if err != nil {
			return total, fmt.Errorf("prune pushes: %w", err)
		}
		total += n
		if !more {
			return total, nil
		}
	}
}
