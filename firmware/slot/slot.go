// Package slot gives the agent A/B firmware slots: write the inactive
// one, mark it bad before writing and bootable-once after verifying, and
// commit it once the new image proved healthy. The bootloader counts the
// boots of a slot on trial and falls back to the other slot when the
// count passes its limit without a commit.
//
// Two backends: Files (a directory; its simulated bootloader is what
// tests, the sim platform and the testbench run) and UBoot (fw_printenv /
// fw_setenv behind a command runner, images written to UBI volumes).
package slot

import (
	"errors"
	"fmt"
	"io"
)

// Name is a slot: "a" or "b".
type Name string

// The two slots.
const (
	A Name = "a"
	B Name = "b"
)

// Other is the other slot.
func (n Name) Other() Name {
	if n == A {
		return B
	}
	return A
}

// Valid reports whether n is a or b.
func (n Name) Valid() bool { return n == A || n == B }

// State is what the bootloader may do with a slot.
type State string

// Slot states.
const (
	// StateGood: committed; the bootloader boots it.
	StateGood State = "good"
	// StateBad: never boot it (being written, or failed its trial).
	StateBad State = "bad"
	// StateTrying: bootable on trial, with a limited boot count.
	StateTrying State = "trying"
)

// Info describes one slot (Device.DeviceInfo.FirmwareImage.{i}).
type Info struct {
	_       [0]func() // not comparable: spares the binary an equality function
	Name    Name
	Version string // "" when the slot holds no known image
	State   State
	Booted  bool // the running image
	Next    bool // the slot the next boot starts
}

// Writer receives one payload for a slot target.
type Writer interface {
	io.Writer
	// Sync makes what was written durable (it must survive a power cut).
	Sync() error
	Close() error
}

// Slots is what the installer needs from a device's firmware slots.
type Slots interface {
	// Booted is the slot the running image came from.
	Booted() (Name, error)
	// Status lists both slots.
	Status() ([]Info, error)
	// MarkBad makes slot s unbootable; call it before writing s. The
	// booted slot cannot be marked bad.
	MarkBad(s Name) error
	// OpenTarget opens target of slot s for a payload of size bytes,
	// continuing at off (bytes before off are already written and synced).
	// Backends that cannot continue return ErrNoResume for off > 0.
	OpenTarget(s Name, target string, size, off int64) (Writer, error)
	// MarkBootOnce arms s, verified, for a trial boot with a limited
	// count, recording the version it holds.
	MarkBootOnce(s Name, version string) error
	// MarkGood commits the booted slot: no more counting, no fallback.
	MarkGood() error
	// BootCount is how many times the slot on trial has been booted
	// (0 when none is on trial).
	BootCount() (int, error)
}

// Errors.
var (
	ErrNoResume      = errors.New("slot: this backend cannot continue a partial write")
	ErrBootedSlot    = errors.New("slot: the booted slot cannot be written or marked bad")
	ErrUnknownTarget = errors.New("slot: unknown target")
)

// validTarget: 1-32 of [a-z0-9_-], starting with a letter or digit (no
// path separators, no dots: a target names a file or a volume).
func validTarget(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] == '_' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkTarget(s Name, target string) error {
	if !s.Valid() {
		return fmt.Errorf("slot: %q is not a slot (a or b)", s)
	}
	if !validTarget(target) {
		return fmt.Errorf("%w %q (lowercase letters, digits, _ and -)", ErrUnknownTarget, target)
	}
	return nil
}

// DefaultBootLimit is how many boots a slot on trial gets before the
// bootloader falls back.
const DefaultBootLimit = 2
