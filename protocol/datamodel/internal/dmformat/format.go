// Package dmformat is the binary form of a data-model schema that the
// generator writes and package datamodel embeds and decodes. It holds only
// what both sides must agree on: the framing, the field order (documented
// here) and the flag bits.
//
// A file is the magic "GWDM", a format version byte, the payload length as
// a uvarint, and the payload compressed as a raw DEFLATE stream. The
// payload is a sequence of uvarints, zig-zag varints, bytes and string
// references (a uvarint index into the string table):
//
//	strings:  count, then count × (length, bytes); index 0 is ""
//	model:    name ref, version major, version minor
//	patterns: count, then count × source ref (XSD pattern syntax)
//	types:    count, then count × type (see below)
//	nodes:    count, then the tree in pre-order (see below)
//	named:    count, then count × type index of a named data type, by name
//
// A type is: kind byte; flags uvarint (Type*); if TypeNamed the name ref; if
// TypeBase the base type index; if TypeUnits the units ref; if TypeList the
// item type index, minItems, maxItems+1 (0: unbounded), nestedBrackets
// byte and the list's sizes; then its sizes (count × (min, max+1)), ranges
// (count × (flags byte Range*, min varint, max varint, step uvarint)),
// enumerations (count × (value ref, flags byte Enum*)) and patterns
// (count × pattern index); if TypePathRef the refType byte, targetType byte
// and targetParent ref; if TypeEnumRef the targetParam ref, a byte telling
// whether a nullValue follows, and its ref. A type refers only to types
// before it.
//
// A node is: flags uvarint (Node*); name ref; version major and minor; for
// an object the number of children, minEntries, maxEntries+1 (0:
// unbounded), numEntriesParameter ref, enableParameter ref and the unique
// keys (count × (functional byte, count × parameter name ref)), then its
// children; for a parameter its type index and, with NodeHasDefault, the
// default's kind byte and value ref.
package dmformat

// Magic starts every file; Version changes whenever the payload layout does.
const (
	Magic   = "GWDM"
	Version = 1
)

// Kind is a TR-106 primitive type, stored as a byte.
type Kind uint8

// The primitive kinds, in the numbering the format stores.
const (
	KindString Kind = iota
	KindInt
	KindUnsignedInt
	KindLong
	KindUnsignedLong
	KindBoolean
	KindDateTime
	KindBase64
	KindHexBinary
	KindDecimal
	NumKinds
)

// Type flags.
const (
	TypeNamed = 1 << iota
	TypeBase
	TypeUnits
	TypeList
	TypePathRef
	TypeEnumRef
)

// Range flags.
const (
	RangeHasMin = 1 << iota
	RangeHasMax
)

// Enumeration flags; bits 2-3 hold the status.
const (
	EnumReadOnly = 1 << iota
	EnumOptional
	EnumStatusShift = 2
)

// Node flags. Access, activeNotify and status are small fields at the given
// shifts.
const (
	NodeObject = 1 << iota
	NodeTable
	_ // access, 2 bits
	_
	_ // activeNotify, 3 bits
	_
	_
	NodeForcedInform
	NodeHidden
	NodeSecured
	NodeCommand
	_ // status, 2 bits
	_
	NodeHasDefault

	NodeAccessShift = 2
	NodeNotifyShift = 4
	NodeStatusShift = 11
)

// Access values (parameters use all three, objects the first two).
const (
	AccessReadOnly = iota
	AccessReadWrite
	AccessWriteOnceReadOnly
)

// activeNotify values.
const (
	NotifyNormal = iota
	NotifyForceEnabled
	NotifyForceDefaultEnabled
	NotifyCanDeny
)

// Status values.
const (
	StatusCurrent = iota
	StatusDeprecated
	StatusObsoleted
	StatusDeleted
)

// Default kinds (the <default type=...> attribute).
const (
	DefaultObject = iota
	DefaultFactory
	DefaultImplementation
	DefaultParameter
)

// nestedBrackets values of a list.
const (
	NestedIllegal = iota
	NestedLegal
	NestedRequired
)

// pathRef refType values.
const (
	RefStrong = iota
	RefWeak
)

// pathRef targetType values.
const (
	TargetAny = iota
	TargetParameter
	TargetObject
	TargetSingle
	TargetRow
)
