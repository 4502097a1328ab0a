package datamodel

import (
	"cmp"
	"strconv"

	"gatewarden/protocol/datamodel/internal/dmformat"
)

// Access is what a CWMP client may do with a parameter or an object.
type Access uint8

const (
	// ReadOnly: a parameter cannot be set; a table cannot take AddObject
	// or DeleteObject.
	ReadOnly Access = dmformat.AccessReadOnly
	// ReadWrite: a parameter can be set; a table takes AddObject and
	// DeleteObject.
	ReadWrite Access = dmformat.AccessReadWrite
	// WriteOnceReadOnly: the parameter can be set once (Alias, in TR-181).
	WriteOnceReadOnly Access = dmformat.AccessWriteOnceReadOnly
)

// The enumerations' names are tables read by one shared function, not a
// switch per type: the router links every String method here (they are
// reachable through the tree's types), and each switch cost ~350 bytes.
var (
	accessNames = [...]string{ReadOnly: "readOnly", ReadWrite: "readWrite", WriteOnceReadOnly: "writeOnceReadOnly"}
	notifyNames = [...]string{NotifyNormal: "normal", NotifyForceEnabled: "forceEnabled",
		NotifyForceDefaultEnabled: "forceDefaultEnabled", NotifyCanDeny: "canDeny"}
	statusNames = [...]string{StatusCurrent: "current", StatusDeprecated: "deprecated",
		StatusObsoleted: "obsoleted", StatusDeleted: "deleted"}
	defaultKindNames = [...]string{DefaultObject: "object", DefaultFactory: "factory",
		DefaultImplementation: "implementation", DefaultParameter: "parameter"}
)

// enumName returns names[v], or typ(v) for a value without a name.
//
//go:noinline
func enumName(names []string, v uint8, typ string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

func (a Access) String() string { return enumName(accessNames[:], uint8(a), "Access") }

// ActiveNotify is the data model's constraint on a parameter's
// notification attribute.
type ActiveNotify uint8

const (
	// NotifyNormal: the ACS may turn active notification on or off.
	NotifyNormal ActiveNotify = dmformat.NotifyNormal
	// NotifyForceEnabled: active notification is always on.
	NotifyForceEnabled ActiveNotify = dmformat.NotifyForceEnabled
	// NotifyForceDefaultEnabled: active notification is on by default and
	// the ACS may turn it off.
	NotifyForceDefaultEnabled ActiveNotify = dmformat.NotifyForceDefaultEnabled
	// NotifyCanDeny: the CPE may refuse active notification (fault 9009).
	NotifyCanDeny ActiveNotify = dmformat.NotifyCanDeny
)

func (n ActiveNotify) String() string { return enumName(notifyNames[:], uint8(n), "ActiveNotify") }

// Status is the life-cycle state of a definition.
type Status uint8

const (
	StatusCurrent    Status = dmformat.StatusCurrent
	StatusDeprecated Status = dmformat.StatusDeprecated
	StatusObsoleted  Status = dmformat.StatusObsoleted
	// StatusDeleted items stay in the schema, as in the BBF full files, so
	// that counts match; CPEs should not implement them.
	StatusDeleted Status = dmformat.StatusDeleted
)

func (s Status) String() string { return enumName(statusNames[:], uint8(s), "Status") }

// DefaultKind says when a parameter's default value applies.
type DefaultKind uint8

const (
	// DefaultObject: the value of a new instance (AddObject) or object.
	DefaultObject DefaultKind = dmformat.DefaultObject
	// DefaultFactory: the value after a factory reset.
	DefaultFactory DefaultKind = dmformat.DefaultFactory
	// DefaultImplementation: a value the implementation is expected to use.
	DefaultImplementation DefaultKind = dmformat.DefaultImplementation
	// DefaultParameter: a default given for a parameter as a whole.
	DefaultParameter DefaultKind = dmformat.DefaultParameter
)

func (k DefaultKind) String() string {
	return enumName(defaultKindNames[:], uint8(k), "DefaultKind")
}

// Default is a parameter's default value.
type Default struct {
	Kind  DefaultKind
	Value string
}

// Version is a data-model version such as 2.17. The zero Version means
// unknown: the TR-098 full file records no versions.
type Version struct {
	Major, Minor uint16
}

// IsZero reports whether the version is unknown.
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	if c := cmp.Compare(v.Major, w.Major); c != 0 {
		return c
	}
	return cmp.Compare(v.Minor, w.Minor)
}

func (v Version) String() string {
	return strconv.Itoa(int(v.Major)) + "." + strconv.Itoa(int(v.Minor))
}

// UniqueKey is a set of parameters whose values identify an instance of a
// table. A functional key (the usual case) need only be unique among
// enabled instances when the table has an enableParameter; a non-functional
// one, such as Alias, must be unique among all instances.
type UniqueKey struct {
	Functional bool
	Parameters []string
}
