package update

import (
	"context"
	"fmt"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/firmware/slot"
)

// BindFirmwareImages binds Device.DeviceInfo.FirmwareImage.{i} to the
// slots: one instance per slot (keys "a" and "b"), with the version the
// slot holds and a Status from its state, overlaid by what an update in
// progress says (u may be nil). It is platform-independent: any device
// with slot.Slots has it.
func BindFirmwareImages(r *model.Registry, slots slot.Slots, u *Updater) {
	const fi = "Device.DeviceInfo.FirmwareImage.{i}."
	r.Table(fi, func(context.Context, model.Index) ([]string, error) {
		return []string{string(slot.A), string(slot.B)}, nil
	})
	info := func(ix model.Index) (slot.Info, error) {
		st, err := slots.Status()
		if err != nil {
			return slot.Info{}, err
		}
		for _, i := range st {
			if string(i.Name) == ix.LastKey() {
				return i, nil
			}
		}
		return slot.Info{}, fmt.Errorf("update: no slot %q", ix.LastKey())
	}
	r.Param(fi+"Alias", model.StoredFunc(func(ix model.Index) string { return "cpe-slot-" + ix.LastKey() }))
	r.Param(fi+"Name", model.Get(func(_ context.Context, ix model.Index) (string, error) {
		return "slot-" + ix.LastKey(), nil
	}))
	r.Param(fi+"Version", model.Get(func(_ context.Context, ix model.Index) (string, error) {
		i, err := info(ix)
		return i.Version, err
	}))
	r.Param(fi+"Available", model.GetBool(func(_ context.Context, ix model.Index) (bool, error) {
		i, err := info(ix)
		return i.State != slot.StateBad, err
	}))
	r.Param(fi+"Status", model.Get(func(_ context.Context, ix model.Index) (string, error) {
		i, err := info(ix)
		if err != nil {
			return "", err
		}
		if u != nil {
			if s := u.SlotStatus(i.Name); s != "" {
				return s, nil
			}
		}
		return imageStatus(i), nil
	}))
	r.Param(fi+"BootFailureLog", model.Const(""))
}

// imageStatus maps a slot's state to the TR-181 Status enumeration.
func imageStatus(i slot.Info) string {
	switch {
	case i.Booted:
		return "Active"
	case i.State == slot.StateBad && i.Version == "":
		return "NoImage"
	case i.State == slot.StateBad:
		return "ActivationFailed"
	}
	return "Available"
}
