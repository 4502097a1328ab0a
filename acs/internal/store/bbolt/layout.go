package bbolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// Buckets. Keys that start with a device ID end the ID with a NUL byte
// (devicePrefix), which device IDs never contain, so one seek lists one
// device's entries. Times in keys are sortable (timeKey).
var (
	// devices: ID -> device record (binary, devcodec.go; JSON records of
	// older stores still read). Key order is ListDevices' page order.
	bDevices = []byte("devices")
	// params: ID -> nested bucket {parameter name -> encoded param}.
	bParams = []byte("params")
	// events: ID -> nested bucket {sequence -> encoded event}; a ring.
	bEvents = []byte("events")
	// tasks: task ID -> task JSON.
	bTasks = []byte("tasks")
	// taskdev: device NUL task ID -> status byte. Every task of a device,
	// for OpenTasks and DeleteDevice without decoding finished tasks.
	bTaskDev = []byte("taskdev")
	// queue: device NUL priority(desc) created task ID -> NotBefore.
	// Holds queued tasks only; the first due entry is NextTask.
	bQueue = []byte("queue")
	// taskkey: device NUL ParameterKey/CommandKey -> task ID.
	bTaskKey = []byte("taskkey")
	// finished: completed task ID -> status byte. Prune walks it from the
	// oldest.
	bFinished = []byte("finished")
	// faults: time fault ID -> fault JSON. Newest first is a reverse walk.
	bFaults = []byte("faults")
	// devfaults: device NUL time fault ID -> 1; the part after NUL is the
	// key in faults.
	bDevFaults = []byte("devfaults")
	bPresets   = []byte("presets") // name -> preset JSON
	bAudit     = []byte("audit")   // sequence -> entry JSON
	bTokens    = []byte("tokens")  // SHA-256 -> token JSON
	bMeta      = []byte("meta")    // "schema" -> layout version

	allBuckets = [][]byte{bDevices, bParams, bEvents, bTasks, bTaskDev, bQueue, bTaskKey,
		bFinished, bFaults, bDevFaults, bPresets, bAudit, bTokens, bMeta}
)

// schemaVersion changes when the layout does; Open refuses a file it does
// not know rather than misreading it.
const schemaVersion = "1"

var keySchema = []byte("schema")

// one is the value of index entries whose key says everything.
var one = []byte{1}

func initBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bMeta)
	switch v := meta.Get(keySchema); {
	case v == nil:
		return meta.Put(keySchema, []byte(schemaVersion))
	case string(v) != schemaVersion:
		return fmt.Errorf("store layout version %q, this acs understands %q", v, schemaVersion)
	}
	return nil
}

// maxIDLen bounds device IDs, task IDs and keys: far above anything a CPE
// sends, far below bbolt's key limit.
const maxIDLen = 1024

func checkID(kind, id string) error {
	if id == "" || len(id) > maxIDLen || strings.IndexByte(id, 0) >= 0 {
		return fmt.Errorf("%s %q: %w", kind, id, store.ErrInvalid)
	}
	return nil
}

// devicePrefix is the key prefix of one device's index entries.
func devicePrefix(device string) []byte {
	k := make([]byte, 0, len(device)+1+32)
	k = append(k, device...)
	return append(k, 0)
}

// timeKey encodes t so that byte order is time order. The zero time sorts
// first; times outside int64 nanoseconds are clamped.
func timeKey(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	var n int64
	switch {
	case t.Before(minNano):
		n = math.MinInt64 + 1
	case t.After(maxNano):
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	return uint64(n) ^ (1 << 63)
}

func timeFromKey(k uint64) time.Time {
	if k == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(k^(1<<63))).UTC()
}

var (
	minNano = time.Unix(0, math.MinInt64+1)
	maxNano = time.Unix(0, math.MaxInt64)
)

// priorityKey makes higher priorities sort first.
func priorityKey(p int) uint32 {
	p = max(min(p, math.MaxInt32), math.MinInt32)
	return ^uint32(int64(p) - math.MinInt32)
}

func queueKey(t *store.Task) []byte {
	k := devicePrefix(t.Device)
	k = binary.BigEndian.AppendUint32(k, priorityKey(t.Priority))
	k = binary.BigEndian.AppendUint64(k, timeKey(t.Created))
	return append(k, t.ID...)
}

func taskDevKey(t *store.Task) []byte { return append(devicePrefix(t.Device), t.ID...) }

func taskKeyKey(device, key string) []byte { return append(devicePrefix(device), key...) }

func finishedKey(t *store.Task) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(t.ID)), timeKey(t.Completed))
	return append(k, t.ID...)
}

func faultKey(f *store.Fault) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(f.ID)), timeKey(f.Time))
	return append(k, f.ID...)
}

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n) }

// prefixKeys returns copies of the keys in b that start with prefix, at
// most limit of them (limit <= 0: all). Deleting while a bbolt cursor walks
// skips entries, so deletions collect first.
func prefixKeys(b *bolt.Bucket, prefix []byte, limit int) [][]byte {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
		if limit > 0 && len(keys) == limit {
			break
		}
	}
	return keys
}
