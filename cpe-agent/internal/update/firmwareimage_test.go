package update

import (
	"testing"

	"gatewarden/firmware/slot"
)

func TestImageStatus(t *testing.T) {
	cases := []struct {
		in   slot.Info
		want string
	}{
		{slot.Info{Name: slot.A, State: slot.StateGood, Version: "1", Booted: true}, "Active"},
		{slot.Info{Name: slot.B, State: slot.StateBad}, "NoImage"},
		{slot.Info{Name: slot.B, State: slot.StateBad, Version: "2"}, "ActivationFailed"},
		{slot.Info{Name: slot.B, State: slot.StateTrying, Version: "2", Next: true}, "Available"},
		{slot.Info{Name: slot.B, State: slot.StateGood, Version: "2"}, "Available"},
	}
	for _, c := range cases {
		if got := imageStatus(c.in); got != c.want {
			t.Errorf("%+v: %q, want %q", c.in, got, c.want)
		}
	}
}
