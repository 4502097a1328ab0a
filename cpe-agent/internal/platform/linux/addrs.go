//go:build linux

package linux

import (
	"fmt"
	"net/netip"
	"strconv"
	"sync"
)

// An addrRecord is one row of IP.Interface.{i}.IPv4Address or
// IPv6Address. The kernel is the truth for addresses that are on a link;
// a record adds what the kernel cannot hold: a stable identity (its
// instance key, so writing IPAddress changes the row instead of making a
// new one) and disabled addresses the ACS wants kept but not configured.
type addrRecord struct {
	_       [0]func() // not comparable: spares the binary an equality function
	ID      uint64    `json:"id"`
	Family  int       `json:"family"` // 4 or 6
	IP      string    `json:"ip"`
	Prefix  int       `json:"prefix"`
	Enable  bool      `json:"enable"`
	Dynamic bool      `json:"dynamic,omitempty"` // finite lifetime: DHCP, SLAAC
	// Flags are the kernel's IFA_F_* flags at the last listing
	// (tentative, deprecated); not persisted.
	Flags int `json:"-"`
}

func (r addrRecord) key() string { return "a" + strconv.FormatUint(r.ID, 10) }

// kernelAddr is an address the kernel has on a link.
type kernelAddr struct {
	_       [0]func() // not comparable: spares the binary an equality function
	IP      netip.Addr
	Prefix  int
	Dynamic bool
	Flags   int
}

// reconcile brings one link's records of one family in line with the
// kernel's addresses: an enabled record whose address is gone (removed by
// DHCP, by hand) goes with it; a disabled or incomplete record (no
// address yet) stays; an address with
// no record is adopted under a new id from next. The records keep their
// order, adopted ones follow in the kernel's order.
func reconcile(recs []addrRecord, kern []kernelAddr, fam int, next *uint64) ([]addrRecord, bool) {
	matched := make([]bool, len(kern))
	find := func(r addrRecord) int {
		for i, k := range kern {
			if !matched[i] && k.IP.String() == r.IP && k.Prefix == r.Prefix {
				return i
			}
		}
		return -1
	}
	var out []addrRecord
	changed := false
	for _, r := range recs {
		if r.Family != fam {
			continue
		}
		if !r.Enable || r.IP == "" {
			out = append(out, r)
			continue
		}
		i := find(r)
		if i < 0 {
			changed = true
			continue
		}
		matched[i] = true
		if r.Dynamic != kern[i].Dynamic {
			changed = true
		}
		r.Dynamic, r.Flags = kern[i].Dynamic, kern[i].Flags
		out = append(out, r)
	}
	for i, k := range kern {
		if matched[i] {
			continue
		}
		*next++
		out = append(out, addrRecord{ID: *next, Family: fam, IP: k.IP.String(), Prefix: k.Prefix, Enable: true, Dynamic: k.Dynamic, Flags: k.Flags})
		changed = true
	}
	return out, changed
}

// addrBook keeps the records of every link, persisted in the data
// directory so instance numbers and disabled addresses survive restarts.
// Its methods unlock by hand rather than defer (~150 bytes of router code
// a function; nothing on these paths recovers a panic).
type addrBook struct {
	mu    sync.Mutex
	file  string                  // "" keeps them in memory only
	Next  uint64                  `json:"next"`
	Links map[string][]addrRecord `json:"links"`
}

func loadAddrBook(file string) (*addrBook, error) {
	b := &addrBook{file: file, Links: map[string][]addrRecord{}}
	if file == "" {
		return b, nil
	}
	if err := readJSON(file, b); err != nil {
		return nil, fmt.Errorf("address records: %w", err)
	}
	if b.Links == nil {
		b.Links = map[string][]addrRecord{}
	}
	return b, nil
}

// save writes the book atomically. Called with b.mu held.
func (b *addrBook) save() error {
	if b.file == "" {
		return nil
	}
	if err := writeJSON(b.file, b); err != nil {
		return fmt.Errorf("address records: %w", err)
	}
	return nil
}

// sync reconciles a link's records of one family with the kernel's and
// returns the instance keys.
func (b *addrBook) sync(link string, fam int, kern []kernelAddr) ([]string, error) {
	b.mu.Lock()
	all := b.Links[link]
	mine, changed := reconcile(all, kern, fam, &b.Next)
	if changed {
		others := make([]addrRecord, 0, len(all)+len(mine))
		for _, r := range all {
			if r.Family != fam {
				others = append(others, r)
			}
		}
		b.Links[link] = append(others, mine...)
		if err := b.save(); err != nil {
			b.mu.Unlock()
			return nil, err
		}
	} else {
		// Refresh the volatile flags.
		for _, m := range mine {
			for i := range all {
				if all[i].ID == m.ID {
					all[i].Flags = m.Flags
				}
			}
		}
	}
	b.mu.Unlock()
	keys := make([]string, len(mine))
	for i, r := range mine {
		keys[i] = r.key()
	}
	return keys, nil
}

// get returns the record with key on link.
func (b *addrBook) get(link, key string) (addrRecord, bool) {
	b.mu.Lock()
	for _, r := range b.Links[link] {
		if r.key() == key {
			b.mu.Unlock()
			return r, true
		}
	}
	b.mu.Unlock()
	return addrRecord{}, false
}

// update applies fn to the record with key on link and saves; apply runs
// first with the old and new record and may refuse (the kernel said no),
// in which case nothing changes.
func (b *addrBook) update(link, key string, fn func(*addrRecord) error, apply func(old, cur addrRecord) error) error {
	b.mu.Lock()
	recs := b.Links[link]
	for i := range recs {
		if recs[i].key() != key {
			continue
		}
		cur := recs[i]
		err := fn(&cur)
		if err == nil {
			err = apply(recs[i], cur)
		}
		if err == nil {
			recs[i] = cur
			err = b.save()
		}
		b.mu.Unlock()
		return err
	}
	b.mu.Unlock()
	return fmt.Errorf("address %s of %s: %w", key, link, errGone)
}

// create adds a disabled record without an address to link: the row an
// AddObject makes. The kernel gets nothing until the row is enabled with
// an address.
func (b *addrBook) create(link string, fam int) (addrRecord, error) {
	b.mu.Lock()
	b.Next++
	r := addrRecord{ID: b.Next, Family: fam}
	b.Links[link] = append(b.Links[link], r)
	err := b.save()
	if err != nil {
		b.Links[link] = b.Links[link][:len(b.Links[link])-1]
		r = addrRecord{}
	}
	b.mu.Unlock()
	return r, err
}

// remove drops the record with key on link after apply (which takes the
// address off the kernel) has succeeded. A record that is already gone
// is not an error: the row has nothing left to remove.
func (b *addrBook) remove(link, key string, apply func(addrRecord) error) error {
	b.mu.Lock()
	recs := b.Links[link]
	i := len(recs) - 1
	for i >= 0 && recs[i].key() != key {
		i--
	}
	if i < 0 {
		b.mu.Unlock()
		return nil
	}
	err := apply(recs[i])
	if err == nil {
		b.Links[link] = withoutRecord(recs, i)
		if err = b.save(); err != nil {
			// The kernel no longer has the address; the record says so.
			recs[i].Enable = false
			b.Links[link] = recs
		}
	}
	b.mu.Unlock()
	return err
}

// prune drops the records of links that no longer exist.
func (b *addrBook) prune(present map[string]linkInfo) {
	b.mu.Lock()
	changed := false
	for name := range b.Links {
		if _, ok := present[name]; !ok {
			delete(b.Links, name)
			changed = true
		}
	}
	if changed {
		_ = b.save() // best effort: stale records only cost a few bytes
	}
	b.mu.Unlock()
}

// withoutRecord is recs less its i-th record, in a new array so that recs
// stays whole for a rollback. (A plain copy: slices.Delete and Insert
// would each compile a copy of their code for the record's shape.)
func withoutRecord(recs []addrRecord, i int) []addrRecord {
	out := make([]addrRecord, 0, len(recs)-1)
	return append(append(out, recs[:i]...), recs[i+1:]...)
}
