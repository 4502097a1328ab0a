package bbolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

var statusByte = map[string]byte{
	store.StatusQueued:  'q',
	store.StatusRunning: 'r',
	store.StatusDone:    'd',
	store.StatusFault:   'f',
}

func finished(status string) bool {
	return status == store.StatusDone || status == store.StatusFault
}

// AddTask queues a task for a known device.
func (s *Store) AddTask(ctx context.Context, t *store.Task) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now().UTC()
	nt := *t
	if nt.ID == "" {
		nt.ID = newID(now)
	}
	if nt.Created.IsZero() {
		nt.Created = now
	}
	nt.Status = store.StatusQueued
	nt.Completed = time.Time{}
	if err := checkTask(&nt); err != nil {
		return err
	}
	enc, err := json.Marshal(&nt)
	if err != nil {
		return fmt.Errorf("encode task: %w", err)
	}
	id := []byte(nt.ID)
	err = s.w.do(func(tx *bolt.Tx) error {
		if tx.Bucket(bDevices).Get([]byte(nt.Device)) == nil {
			return reject(fmt.Errorf("device %q: %w", nt.Device, store.ErrNotFound))
		}
		tasks := tx.Bucket(bTasks)
		if tasks.Get(id) != nil {
			return reject(fmt.Errorf("task %s: %w", nt.ID, store.ErrConflict))
		}
		if nt.Key != "" {
			if other := tx.Bucket(bTaskKey).Get(taskKeyKey(nt.Device, nt.Key)); other != nil {
				return reject(fmt.Errorf("key %q is taken by task %s: %w", nt.Key, other, store.ErrConflict))
			}
		}
		if err := tasks.Put(id, enc); err != nil {
			return err
		}
		return indexTask(tx, &nt)
	})
	if err != nil {
		return fmt.Errorf("add task: %w", err)
	}
	*t = nt
	return nil
}

func checkTask(t *store.Task) error {
	if err := checkID("task id", t.ID); err != nil {
		return err
	}
	if err := checkID("device id", t.Device); err != nil {
		return err
	}
	if t.Key != "" {
		if err := checkID("task key", t.Key); err != nil {
			return err
		}
	}
	if _, ok := statusByte[t.Status]; !ok {
		return fmt.Errorf("task status %q: %w", t.Status, store.ErrInvalid)
	}
	return nil
}

// indexTask adds t's index entries; unindexTask removes them. Together they
// keep every index a function of the stored task.
func indexTask(tx *bolt.Tx, t *store.Task) error {
	if err := tx.Bucket(bTaskDev).Put(taskDevKey(t), []byte{statusByte[t.Status]}); err != nil {
		return err
	}
	if t.Status == store.StatusQueued {
		nb := binary.BigEndian.AppendUint64(nil, timeKey(t.NotBefore))
		if err := tx.Bucket(bQueue).Put(queueKey(t), nb); err != nil {
			return err
		}
	}
	if finished(t.Status) {
		if err := tx.Bucket(bFinished).Put(finishedKey(t), one); err != nil {
			return err
		}
	}
	if t.Key != "" {
		if err := tx.Bucket(bTaskKey).Put(taskKeyKey(t.Device, t.Key), []byte(t.ID)); err != nil {
			return err
		}
	}
	return nil
}

func unindexTask(tx *bolt.Tx, t *store.Task) error {
	if err := tx.Bucket(bTaskDev).Delete(taskDevKey(t)); err != nil {
		return err
	}
	if err := tx.Bucket(bQueue).Delete(queueKey(t)); err != nil {
		return err
	}
	if err := tx.Bucket(bFinished).Delete(finishedKey(t)); err != nil {
		return err
	}
	if t.Key != "" {
		kb := tx.Bucket(bTaskKey)
		kk := taskKeyKey(t.Device, t.Key)
		// The key entry is only this task's if it still points here.
		if string(kb.Get(kk)) == t.ID {
			if err := kb.Delete(kk); err != nil {
				return err
			}
		}
	}
	return nil
}

func getTask(tx *bolt.Tx, id []byte) (store.Task, error) {
	var t store.Task
	raw := tx.Bucket(bTasks).Get(id)
	if raw == nil {
		return t, fmt.Errorf("task %s: %w", id, store.ErrNotFound)
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, fmt.Errorf("task %s: %w", id, err)
	}
	return t, nil
}

// Task returns one task.
func (s *Store) Task(ctx context.Context, id string) (store.Task, error) {
	if err := ctx.Err(); err != nil {
		return store.Task{}, err
	}
	var t store.Task
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = getTask(tx, []byte(id))
		return err
	})
	return t, err
}

// UpdateTask replaces a task and moves its index entries with it.
func (s *Store) UpdateTask(ctx context.Context, t store.Task) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if finished(t.Status) && t.Completed.IsZero() {
		t.Completed = time.Now().UTC()
	}
	if _, ok := statusByte[t.Status]; !ok {
		return fmt.Errorf("update task %s: status %q: %w", t.ID, t.Status, store.ErrInvalid)
	}
	if t.Key != "" {
		if err := checkID("task key", t.Key); err != nil {
			return err
		}
	}
	id := []byte(t.ID)
	err := s.w.do(func(tx *bolt.Tx) error {
		old, err := getTask(tx, id)
		if err != nil {
			return reject(err)
		}
		nt := t
		nt.Device, nt.Created = old.Device, old.Created
		if nt.Key != "" && nt.Key != old.Key {
			if other := tx.Bucket(bTaskKey).Get(taskKeyKey(nt.Device, nt.Key)); other != nil {
				return reject(fmt.Errorf("key %q is taken by task %s: %w", nt.Key, other, store.ErrConflict))
			}
		}
		enc, err := json.Marshal(&nt)
		if err != nil {
			return reject(fmt.Errorf("encode task: %w", err))
		}
		if err := unindexTask(tx, &old); err != nil {
			return err
		}
		if err := tx.Bucket(bTasks).Put(id, enc); err != nil {
			return err
		}
		return indexTask(tx, &nt)
	})
	if err != nil {
		return fmt.Errorf("update task %s: %w", t.ID, err)
	}
	return nil
}

// NextTask seeks the device's queue; entries not yet due are skipped.
func (s *Store) NextTask(ctx context.Context, device string, now time.Time) (store.Task, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Task{}, false, err
	}
	var (
		t     store.Task
		found bool
	)
	due := timeKey(now)
	err := s.db.View(func(tx *bolt.Tx) error {
		pfx := devicePrefix(device)
		c := tx.Bucket(bQueue).Cursor()
		for k, v := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx); k, v = c.Next() {
			if len(v) == 8 && binary.BigEndian.Uint64(v) > due {
				continue
			}
			id := k[len(pfx)+4+8:]
			var err error
			if t, err = getTask(tx, id); err != nil {
				return fmt.Errorf("queue entry of %s: %w", device, err)
			}
			found = true
			return nil
		}
		return nil
	})
	return t, found, err
}

// OpenTasks lists the device's queued and running tasks in hand-out order.
func (s *Store) OpenTasks(ctx context.Context, device string) ([]store.Task, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Task
	err := s.db.View(func(tx *bolt.Tx) error {
		pfx := devicePrefix(device)
		c := tx.Bucket(bTaskDev).Cursor()
		for k, v := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx); k, v = c.Next() {
			if len(v) != 1 || (v[0] != 'q' && v[0] != 'r') {
				continue
			}
			t, err := getTask(tx, k[len(pfx):])
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b store.Task) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return a.Created.Compare(b.Created)
	})
	return out, err
}

// TaskByKey follows the key index.
func (s *Store) TaskByKey(ctx context.Context, device, key string) (store.Task, error) {
	if err := ctx.Err(); err != nil {
		return store.Task{}, err
	}
	var t store.Task
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bTaskKey).Get(taskKeyKey(device, key))
		if id == nil {
			return fmt.Errorf("task with key %q on %s: %w", key, device, store.ErrNotFound)
		}
		var err error
		t, err = getTask(tx, id)
		return err
	})
	return t, err
}

// deleteDeviceTasks removes every task of a device with its index entries.
func deleteDeviceTasks(tx *bolt.Tx, device string) error {
	pfx := devicePrefix(device)
	for _, k := range prefixKeys(tx.Bucket(bTaskDev), pfx, 0) {
		id := k[len(pfx):]
		t, err := getTask(tx, id)
		if err != nil {
			return err
		}
		if err := unindexTask(tx, &t); err != nil {
			return err
		}
		if err := tx.Bucket(bTasks).Delete(id); err != nil {
			return err
		}
	}
	// Leftovers would only come from a damaged index; sweep them too.
	for _, b := range [][]byte{bQueue, bTaskKey} {
		bk := tx.Bucket(b)
		for _, k := range prefixKeys(bk, pfx, 0) {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}
