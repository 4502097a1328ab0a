package model

import (
	"strconv"
	"strings"
)

// maxLevels bounds how many tables a path can cross. TR-181 2.17 nests at
// most four ({i} four times, under WiFi.MultiAP); the margin costs a few
// bytes per Index.
const maxLevels = 6

// Index names one instance of a template path: the instance number of each
// {i}, outermost first, and for tables a provider lists, the key the
// provider gave the instance. The zero Index addresses parameters outside
// any table.
//
// Providers receive an Index by value; it stays valid after the call. Its
// methods take a pointer all the same: an Index is about 80 bytes, and a
// value receiver copies it at every call, code the router build carries
// once per call site.
type Index struct {
	_    incomparable
	n    uint8
	nums [maxLevels]uint32
	keys [maxLevels]string
	t    *Tree
}

// Len returns how many instance levels the Index holds.
func (ix *Index) Len() int { return int(ix.n) }

// Num returns the instance number at level i (0 = outermost table).
func (ix *Index) Num(i int) uint32 {
	if i < 0 || i >= int(ix.n) {
		return 0
	}
	return ix.nums[i]
}

// Key returns the provider's key of the instance at level i: the string a
// Lister returned for it. Instances of managed tables have no key and
// return their number in decimal.
func (ix *Index) Key(i int) string {
	if i < 0 || i >= int(ix.n) {
		return ""
	}
	if ix.keys[i] == "" {
		return strconv.FormatUint(uint64(ix.nums[i]), 10)
	}
	return ix.keys[i]
}

// Last returns the innermost instance number, 0 for the zero Index.
func (ix *Index) Last() uint32 { return ix.Num(int(ix.n) - 1) }

// LastKey returns the innermost key.
func (ix *Index) LastKey() string { return ix.Key(int(ix.n) - 1) }

// Stored returns the value the tree keeps for a stored parameter of this
// instance, named by its template ("Device.IP.Interface.{i}.Enable"): the
// persisted value, or the binding's default. A provider uses it to derive
// read-only state (Status from Enable) from configuration the tree owns.
// It is only valid inside a Getter, Setter or Lister call, which run with
// the tree locked; it returns "" for anything that is not a stored
// parameter.
func (ix *Index) Stored(template string) string {
	if ix.t == nil {
		return ""
	}
	n := ix.t.reg.lookup(template)
	if n == nil || n.bind == nil || !n.bind.stored {
		return ""
	}
	path, ok := fill(template, ix)
	if !ok {
		return ""
	}
	return ix.t.storedValue(n, path, ix)
}

// Path fills the {i} of a template path with the instance numbers of ix:
// Path("Device.WiFi.SSID.{i}.SSID") is "Device.WiFi.SSID.1.SSID". A
// template with more {i} than ix has levels is returned unchanged.
func (ix *Index) Path(template string) string {
	p, ok := fill(template, ix)
	if !ok {
		return template
	}
	return p
}

// push returns ix with one more level. A pointer receiver: an Index is
// about 80 bytes, and copying it in costs code at every call.
func (ix *Index) push(num uint32, key string) Index {
	out := *ix
	if int(out.n) < maxLevels {
		out.nums[out.n] = num
		out.keys[out.n] = key
		out.n++
	}
	return out
}

// fill replaces the {i} of a template path with the numbers of ix, in
// order; ok is false when ix has too few levels.
func fill(template string, ix *Index) (string, bool) {
	const ph = "{i}"
	i := strings.Index(template, ph)
	if i < 0 {
		return template, true
	}
	buf := make([]byte, 0, len(template)+8)
	level := 0
	for i >= 0 {
		if level >= int(ix.n) {
			return "", false
		}
		buf = append(buf, template[:i]...)
		buf = strconv.AppendUint(buf, uint64(ix.nums[level]), 10)
		level++
		template = template[i+len(ph):]
		i = strings.Index(template, ph)
	}
	buf = append(buf, template...)
	return string(buf), true
}
