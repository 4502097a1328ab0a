package api

import (
	"fmt"
	"net/http"
	"time"

	"gatewarden/acs/internal/store"
)

// deviceView is the Device object of ARCHITECTURE.md.
type deviceView struct {
	ID                   string   `json:"id" doc:"OUI-ProductClass-SerialNumber, each part percent-escaped; escape % as %25 in URLs"`
	OUI                  string   `json:"oui"`
	ProductClass         string   `json:"productClass"`
	SerialNumber         string   `json:"serialNumber"`
	Manufacturer         string   `json:"manufacturer"`
	SoftwareVersion      string   `json:"softwareVersion"`
	HardwareVersion      string   `json:"hardwareVersion"`
	LastInform           jsonTime `json:"lastInform" doc:"null until the first Inform"`
	LastBoot             jsonTime `json:"lastBoot" doc:"time of the latest Inform with 1 BOOT; null if none seen"`
	Online               bool     `json:"online"`
	ConnectionRequestURL string   `json:"connectionRequestURL"`
	IP                   string   `json:"ip"`
	Tags                 []string `json:"tags"`
	// Admin only: the connection-request credentials the ACS set.
	ConnReqUsername string `json:"connReqUsername,omitempty" doc:"admin only"`
	ConnReqPassword string `json:"connReqPassword,omitempty" doc:"admin only"`
}

type deviceList struct {
	Devices []deviceView `json:"devices"`
	Next    string       `json:"next,omitempty" doc:"pass as after= for the next page; absent on the last page"`
}

func (a *api) viewDevice(d *store.Device, seesSecrets bool) deviceView {
	v := deviceView{
		ID:                   d.ID,
		OUI:                  d.OUI,
		ProductClass:         d.ProductClass,
		SerialNumber:         d.SerialNumber,
		Manufacturer:         d.Manufacturer,
		SoftwareVersion:      d.SoftwareVersion,
		HardwareVersion:      d.HardwareVersion,
		LastInform:           jsonTime(d.LastInform),
		LastBoot:             jsonTime(d.LastBoot),
		Online:               a.online(d),
		ConnectionRequestURL: d.ConnectionRequestURL,
		IP:                   d.IP,
		Tags:                 d.Tags,
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if seesSecrets {
		v.ConnReqUsername, v.ConnReqPassword = d.ConnReqUsername, d.ConnReqPassword
	}
	return v
}

func onlineRule(o Options, now func() time.Time) func(*store.Device) bool {
	if o.Online != nil {
		return o.Online
	}
	window := o.OnlineWindow
	if window <= 0 {
		window = DefaultOnlineWindow
	}
	return func(d *store.Device) bool {
		return !d.LastInform.IsZero() && now().Sub(d.LastInform) <= window
	}
}

func (a *api) listDevices(c *call) (reply, error) {
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	q := store.DeviceQuery{After: c.query("after"), Limit: limit}
	if expr := c.query("filter"); expr != "" {
		match, err := a.compileFilter(expr)
		if err != nil {
			return reply{}, badRequest(codeInvalidFilter, "%v", err)
		}
		q.Match = match
		if !c.seesSecrets() {
			// A filter must not become an oracle for secret values:
			// without PermSecrets it compares against masked values.
			q.Match = func(d *store.Device, params func(string) (store.Param, bool)) bool {
				return match(d, func(name string) (store.Param, bool) {
					p, ok := params(name)
					p.Value = maskValue(name, p.Value, false)
					return p, ok
				})
			}
		}
	}
	devs, next, err := a.store.ListDevices(c.ctx(), q)
	if err != nil {
		return reply{}, fmt.Errorf("list devices: %w", err)
	}
	out := deviceList{Devices: make([]deviceView, 0, len(devs)), Next: next}
	for i := range devs {
		out.Devices = append(out.Devices, a.viewDevice(&devs[i], c.seesSecrets()))
	}
	switch len(devs) {
	case 0:
		c.detail = "0 devices"
	default:
		c.detail = fmt.Sprintf("%d devices from %s to %s", len(devs), devs[0].ID, devs[len(devs)-1].ID)
	}
	return ok(out)
}

// deviceCall resolves the {id} of a route and notes it as the audit target.
func deviceCall(c *call) (string, error) {
	id, err := deviceIDFrom(c)
	if err != nil {
		c.target = c.r.PathValue("id")
		return "", err
	}
	c.target = id
	return id, nil
}

func (a *api) loadDevice(c *call, id string) (store.Device, error) {
	d, err := a.store.Device(c.ctx(), id)
	if err != nil {
		return store.Device{}, deviceErr(id, err)
	}
	return d, nil
}

func deviceErr(id string, err error) error {
	if isNotFound(err) {
		return notFound("device %s not found", id)
	}
	return fmt.Errorf("device %s: %w", id, err)
}

func (a *api) getDevice(c *call) (reply, error) {
	id, err := deviceCall(c)
	if err != nil {
		return reply{}, err
	}
	d, err := a.loadDevice(c, id)
	if err != nil {
		return reply{}, err
	}
	return ok(a.viewDevice(&d, c.seesSecrets()))
}

func (a *api) deleteDevice(c *call) (reply, error) {
	id, err := deviceCall(c)
	if err != nil {
		return reply{}, err
	}
	if err := a.store.DeleteDevice(c.ctx(), id); err != nil {
		return reply{}, deviceErr(id, err)
	}
	return reply{status: http.StatusNoContent}, nil
}
