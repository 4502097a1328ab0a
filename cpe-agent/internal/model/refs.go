package model

import (
	"strconv"
	"strings"
)

// Reference parameters (a route's Interface, "Device.IP.Interface.3")
// name instances by path, while a provider knows the system by its keys
// ("eth0"). KeyOf and PathOf translate between the two through the
// tree's latest listing of the table, without listing it again: they run
// inside provider calls, where listing (and the store writes it may
// cause) must not happen. Like Stored, they are only valid inside a
// Getter, Setter, Checker, Lister or hook call.

// KeyOf returns the provider's key of the listed instance an instance
// path names, with or without the trailing dot: "eth0" for
// "Device.IP.Interface.3". ok is false for a path that names no listed
// instance.
func (ix *Index) KeyOf(path string) (key string, ok bool) {
	if ix.t == nil {
		return "", false
	}
	p := strings.TrimSuffix(path, ".")
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return "", false
	}
	num, err := strconv.ParseUint(p[i+1:], 10, 32)
	if err != nil {
		return "", false
	}
	s := ix.t.inst[p[:i+1]]
	if s == nil || s.keys == nil {
		return "", false
	}
	j, found := indexIn(s, uint32(num))
	if !found {
		return "", false
	}
	return s.keys[j], true
}

// PathOf returns the path of the instance whose key is key in the listed
// table named by its concrete path ("Device.IP.Interface."), written as
// TR-181 writes references: without the trailing dot,
// "Device.IP.Interface.3". It is "" when no instance has that key.
func (ix *Index) PathOf(table, key string) string {
	if ix.t == nil || key == "" {
		return ""
	}
	s := ix.t.inst[table]
	if s == nil {
		return ""
	}
	for i, k := range s.keys {
		if k == key {
			return table + strconv.FormatUint(uint64(s.nums[i]), 10)
		}
	}
	return ""
}
