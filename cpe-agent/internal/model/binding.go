package model

import (
	"context"
	"strconv"
)

// Getter reads the current value of a parameter of instance ix (the zero
// Index outside tables). It runs with the tree locked and must not call
// back into the tree (Index.Stored is fine).
type Getter func(ctx context.Context, ix Index) (string, error)

// Setter applies a value the tree has already validated against the
// schema. It runs with the tree locked and must not call back into the
// tree. Returning a *cwmp.Fault with code 9006, 9007 or 9008 blames the
// parameter in SetParameterValues; any other error is an internal error.
// Either way the tree rolls back the parameters already applied.
type Setter func(ctx context.Context, ix Index, value string) error

// Lister returns the keys of the instances a provider-listed table has now
// under the parent instance (the zero Index for a top-level table). Keys
// are the provider's stable names for instances (an interface name, a MAC
// address); the tree maps each key to an instance number that is never
// reused and keeps the mapping in the store.
type Lister func(ctx context.Context, parent Index) ([]string, error)

// Checker vets a value beyond what the schema says (a reference that must
// name an existing object, a pattern the description asks for). A non-nil
// error rejects the value with fault 9007 unless it is a *cwmp.Fault.
type Checker func(ctx context.Context, ix Index, value string) error

// valueKind is the Go type a typed getter produces, checked against the
// schema at registration.
type valueKind uint8

const (
	kindAny valueKind = iota
	kindUnsigned
	kindSigned
	kindBool
)

func (k valueKind) String() string {
	switch k {
	case kindUnsigned:
		return "unsigned integer"
	case kindSigned:
		return "signed integer"
	case kindBool:
		return "boolean"
	}
	return "string"
}

// Binding says where a parameter's value comes from. Build one with Get,
// GetSet, Const, Stored, StoredFunc or Pinned, refine it with the methods,
// and hand it to Registry.Param.
//
// A Binding is one pointer: as a dozen fields it was copied twice at
// every Param call site (out of its constructor, into Param), code the
// router build carried once per site, across all the platforms.
type Binding struct {
	b *binding
}

// binding is what a Binding says; the tree keeps one per bound parameter.
type binding struct {
	get     Getter
	set     Setter
	check   Checker
	kind    valueKind
	stored  bool
	pinned  bool
	def     string
	hasDef  bool
	defFunc func(Index) string
	reboot  bool
	cmd     bool
}

// Get binds a read-only provider.
func Get(get Getter) Binding { return Binding{&binding{get: get}} }

// GetSet binds a provider that can also apply values. Binding a setter to a
// parameter the schema says is read-only fails at registration.
func GetSet(get Getter, set Setter) Binding { return Binding{&binding{get: get, set: set}} }

// The constructors that build a closure are kept out of line: inlined, the
// compiler would copy the closure's code into every caller, once per
// parameter bound, which cost the router binary tens of KB.

// Const binds a fixed value, e.g. a capability.
//
//go:noinline
func Const(v string) Binding {
	return Binding{&binding{get: func(context.Context, Index) (string, error) { return v, nil }}}
}

// GetUint binds a read-only unsigned counter or gauge; the schema type must
// be unsignedInt or unsignedLong.
//
//go:noinline
func GetUint(get func(ctx context.Context, ix Index) (uint64, error)) Binding {
	return Binding{&binding{kind: kindUnsigned, get: func(ctx context.Context, ix Index) (string, error) {
		v, err := get(ctx, ix)
		if err != nil {
			return "", err
		}
		return strconv.FormatUint(v, 10), nil
	}}}
}

// GetInt binds a read-only signed value; the schema type must be int or
// long.
//
//go:noinline
func GetInt(get func(ctx context.Context, ix Index) (int64, error)) Binding {
	return Binding{&binding{kind: kindSigned, get: func(ctx context.Context, ix Index) (string, error) {
		v, err := get(ctx, ix)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(v, 10), nil
	}}}
}

// GetBool binds a read-only boolean; the schema type must be boolean.
//
//go:noinline
func GetBool(get func(ctx context.Context, ix Index) (bool, error)) Binding {
	return Binding{&binding{kind: kindBool, get: func(ctx context.Context, ix Index) (string, error) {
		v, err := get(ctx, ix)
		if err != nil {
			return "", err
		}
		return strconv.FormatBool(v), nil
	}}}
}

// Stored binds a parameter whose value the tree keeps in the store: set by
// the ACS (when the schema says writable) or by the agent (SetLocal), read
// back from memory. def is the value until the first set and after a
// factory reset; "" means the schema's default, or the type's null value
// when the schema has none. def must be valid for the schema type.
func Stored(def string) Binding {
	return Binding{&binding{stored: true, def: def, hasDef: def != ""}}
}

// StoredFunc is Stored with a default that depends on the instance, e.g.
// an SSID derived from the serial number.
func StoredFunc(def func(ix Index) string) Binding {
	return Binding{&binding{stored: true, defFunc: def}}
}

// Pinned binds a read-only value the platform dictates (an identity field,
// the firmware version) and that the tree also persists: when the value
// differs from the one persisted by the previous run, the tree records the
// change like any other local change, so a firmware upgrade raises the
// value change the data model asks for on SoftwareVersion.
func Pinned(v string) Binding {
	return Binding{&binding{stored: true, pinned: true, def: v, hasDef: true}}
}

// Command binds a command parameter (command="true" in the schema, e.g.
// WiFi.AccessPoint.{i}.Security.Reset): writing true runs the action,
// writing false does nothing, and it always reads back as false.
//
//go:noinline
func Command(run func(ctx context.Context, ix Index) error) Binding {
	return Binding{&binding{cmd: true, set: func(ctx context.Context, ix Index, v string) error {
		if v == "true" || v == "1" {
			return run(ctx, ix)
		}
		return nil
	}}}
}

// Check adds a value check that runs after schema validation.
func (b Binding) Check(fn Checker) Binding {
	c := b.clone()
	c.check = fn
	return Binding{c}
}

// RebootRequired marks a parameter whose new value takes effect only after
// a reboot: SetParameterValues then answers Status 1.
func (b Binding) RebootRequired() Binding {
	c := b.clone()
	c.reboot = true
	return Binding{c}
}

// clone copies what b says, so that refining or registering a Binding
// never changes another one built from the same value. The zero Binding
// says nothing.
func (b Binding) clone() *binding {
	if b.b == nil {
		return &binding{}
	}
	c := *b.b
	return &c
}

// writable reports whether the binding can take a value at all.
func (b *binding) writable() bool { return b.set != nil || (b.stored && !b.pinned) }
