package api

import (
	"fmt"

	"gatewarden/acs/internal/store"
)

// faultView is one fault recorded against a device.
type faultView struct {
	ID      string   `json:"id"`
	Device  string   `json:"device"`
	Task    string   `json:"task,omitempty" doc:"the task that failed, if a task did"`
	RPC     string   `json:"rpc" doc:"the CWMP method that failed"`
	Code    int      `json:"code"`
	Message string   `json:"message"`
	Time    jsonTime `json:"time"`
}

type faultList struct {
	Faults []faultView `json:"faults"`
}

func (a *api) listFaults(c *call) (reply, error) {
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	device := c.query("device")
	if device != "" {
		if _, err := checkDeviceID(device); err != nil {
			return reply{}, err
		}
		c.target = device
	}
	fs, err := a.store.Faults(c.ctx(), device, limit)
	if err != nil {
		return reply{}, fmt.Errorf("faults: %w", err)
	}
	out := faultList{Faults: make([]faultView, 0, len(fs))}
	for i := range fs {
		out.Faults = append(out.Faults, viewFault(&fs[i]))
	}
	c.detail = fmt.Sprintf("%d faults", len(fs))
	return ok(out)
}

func viewFault(f *store.Fault) faultView {
	return faultView{ID: f.ID, Device: f.Device, Task: f.Task, RPC: f.RPC, Code: f.Code, Message: f.Message, Time: jsonTime(f.Time)}
}
