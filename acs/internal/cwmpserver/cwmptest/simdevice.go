package cwmptest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gatewarden/protocol/cwmp"
)

// ErrDropped is returned by RunSession when Intercept dropped an answer,
// i.e. the device vanished mid-session.
var ErrDropped = errors.New("cwmptest: device dropped the session")

// SimDevice is a tiny CPE: a flat parameter map that answers the ACS's
// requests as TR-069 says, remembers what it was asked, and performs
// Reboot, FactoryReset and Download after the session, reporting them in
// its next Inform as a real device does.
type SimDevice struct {
	*CPE
	Root string // "Device." or "InternetGatewayDevice."

	// Intercept, when set, sees each ACS request first. It may return an
	// answer to send instead of the device's own (handled=true), or drop
	// the session: the device stops talking, as if it lost power. A drop
	// with handled=false happens after the device applied the request (the
	// answer is lost); with handled=true, before.
	Intercept func(req cwmp.Body) (resp cwmp.Body, handled, drop bool)

	mu         sync.Mutex
	retryCount uint32 // failed sessions in a row (the Inform's RetryCount)
	values     map[string]cwmp.ParameterValueStruct
	readOnly   map[string]bool
	attrs      map[string]cwmp.Notification
	nextInst   map[string]uint32
	events     []cwmp.EventStruct
	pendingTC  []*cwmp.TransferComplete
	afterwards []func()
	received   []cwmp.Body
	applied    []cwmp.Body
}

// NewSimDevice returns a device with the forced-inform parameters of its
// data model root set, ParameterKey empty, and a first Inform queued with
// 0 BOOTSTRAP and 1 BOOT.
func NewSimDevice(acsURL string, id cwmp.DeviceIdStruct, username, password, root string) *SimDevice {
	d := &SimDevice{
		CPE:      NewCPE(acsURL, id, username, password),
		Root:     root,
		values:   map[string]cwmp.ParameterValueStruct{},
		readOnly: map[string]bool{},
		attrs:    map[string]cwmp.Notification{},
		nextInst: map[string]uint32{},
		events:   []cwmp.EventStruct{{EventCode: cwmp.EventBootstrap}, {EventCode: cwmp.EventBoot}},
	}
	d.Set(root+"DeviceInfo.SoftwareVersion", "1.0", "string")
	d.Set(root+"DeviceInfo.HardwareVersion", "hw1", "string")
	d.Set(root+"DeviceInfo.ProvisioningCode", "", "string")
	d.Set(root+"ManagementServer.ParameterKey", "", "string")
	d.Set(root+"ManagementServer.ConnectionRequestURL", "http://127.0.0.1:1/cr", "string")
	d.Set(root+"ManagementServer.ConnectionRequestUsername", "", "string")
	d.Set(root+"ManagementServer.ConnectionRequestPassword", "", "string")
	d.Set(root+"ManagementServer.PeriodicInformInterval", "3600", "unsignedInt")
	for _, n := range []string{"DeviceInfo.SoftwareVersion", "DeviceInfo.HardwareVersion", "ManagementServer.ParameterKey", "ManagementServer.ConnectionRequestURL"} {
		d.readOnly[root+n] = true
	}
	return d
}

// Set sets a parameter (creating it) as a local change would.
func (d *SimDevice) Set(name, value, typ string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.values[name] = cwmp.ParameterValueStruct{Name: name, Value: value, Type: typ}
}

// Value returns a parameter's value.
func (d *SimDevice) Value(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.values[name]
	return p.Value, ok
}

// Names returns every parameter name below prefix, sorted.
func (d *SimDevice) Names(prefix string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for n := range d.values {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Attribute returns a parameter's notification attribute.
func (d *SimDevice) Attribute(name string) cwmp.Notification {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.attrs[name]
}

// QueueEvent adds an event to the next Inform.
func (d *SimDevice) QueueEvent(code cwmp.EventCode, commandKey string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, cwmp.EventStruct{EventCode: code, CommandKey: commandKey})
}

// Received returns the ACS requests received so far.
func (d *SimDevice) Received() []cwmp.Body {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.received)
}

// Applied returns the ACS requests the device handled itself (not those
// Intercept answered or dropped unapplied).
func (d *SimDevice) Applied() []cwmp.Body {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.applied)
}

// ReceivedMethods returns the methods of the ACS requests received so far.
func (d *SimDevice) ReceivedMethods() []string {
	var out []string
	for _, b := range d.Received() {
		out = append(out, b.Method())
	}
	return out
}

// RunSession runs one session: Inform (with the queued events, or
// 2 PERIODIC), pending TransferCompletes, the empty POST, then answers
// until the ACS sends 204. Deferred actions (reboot, factory reset,
// downloads) happen when it ends, successfully or not. A failed session
// raises the next Inform's RetryCount, as TR-069 §3.2.1.1 has it.
func (d *SimDevice) RunSession(ctx context.Context) (err error) {
	d.EndSession()
	defer d.runAfterwards()
	defer func() {
		d.mu.Lock()
		if err != nil {
			d.retryCount++
		} else {
			d.retryCount = 0
		}
		d.mu.Unlock()
	}()
	d.mu.Lock()
	events := d.events
	if len(events) == 0 {
		events = []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}
	}
	d.CPE.Params = d.informParams()
	tcs := d.pendingTC
	retry := d.retryCount
	d.mu.Unlock()

	env := d.Inform(events...)
	env.Body.(*cwmp.Inform).RetryCount = retry
	r, err := d.Send(ctx, env)
	if err != nil {
		return err
	}
	if r.Method() != "InformResponse" {
		return fmt.Errorf("inform answered %d %s", r.Status, r.Method())
	}
	d.mu.Lock()
	d.events = nil
	d.mu.Unlock()
	for _, tc := range tcs {
		if r, err = d.Send(ctx, &cwmp.Envelope{Body: tc}); err != nil {
			return err
		}
		if r.Method() != "TransferCompleteResponse" {
			return fmt.Errorf("TransferComplete answered %d %s", r.Status, r.Method())
		}
		d.mu.Lock()
		d.pendingTC = slices.DeleteFunc(d.pendingTC, func(p *cwmp.TransferComplete) bool { return p == tc })
		d.mu.Unlock()
	}
	if r, err = d.SendEmpty(ctx); err != nil {
		return err
	}
	for {
		switch {
		case r.Status == http.StatusNoContent:
			return nil
		case r.Status != http.StatusOK || r.Env == nil:
			return fmt.Errorf("ACS answered %d %q", r.Status, r.Body)
		}
		req := r.Env.Body
		d.mu.Lock()
		d.received = append(d.received, req)
		d.mu.Unlock()
		var resp cwmp.Body
		handled, drop := false, false
		if d.Intercept != nil {
			resp, handled, drop = d.Intercept(req)
		}
		if drop {
			if !handled {
				d.answer(req) // applied, but the answer never leaves
			}
			return ErrDropped
		}
		if !handled {
			resp = d.answer(req)
		}
		if r, err = d.Answer(ctx, r, resp); err != nil {
			return err
		}
	}
}

func (d *SimDevice) runAfterwards() {
	d.mu.Lock()
	fns := d.afterwards
	d.afterwards = nil
	d.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// informParams are the forced-inform parameters present on the device.
func (d *SimDevice) informParams() []cwmp.ParameterValueStruct {
	var out []cwmp.ParameterValueStruct
	for _, n := range []string{"DeviceInfo.HardwareVersion", "DeviceInfo.SoftwareVersion", "DeviceInfo.ProvisioningCode",
		"ManagementServer.ParameterKey", "ManagementServer.ConnectionRequestURL"} {
		if p, ok := d.values[d.Root+n]; ok {
			out = append(out, p)
		}
	}
	return out
}

func fault(code cwmp.FaultCode) *cwmp.Fault { return cwmp.NewFault(code, "") }

// answer handles one ACS request as a conforming CPE would.
func (d *SimDevice) answer(req cwmp.Body) cwmp.Body {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.applied = append(d.applied, req)
	switch r := req.(type) {
	case *cwmp.GetParameterValues:
		var out []cwmp.ParameterValueStruct
		for _, n := range r.ParameterNames {
			found := false
			for _, name := range d.sortedNames() {
				if name == n || strings.HasSuffix(n, ".") && strings.HasPrefix(name, n) {
					out = append(out, d.values[name])
					found = true
				}
			}
			if !found {
				return fault(cwmp.FaultInvalidParameterName)
			}
		}
		return &cwmp.GetParameterValuesResponse{ParameterList: out}
	case *cwmp.GetParameterNames:
		return d.names(r)
	case *cwmp.SetParameterValues:
		f := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
		seen := map[string]bool{}
		for _, p := range r.ParameterList {
			_, exists := d.values[p.Name]
			switch {
			case !exists:
				f.SetParameterValuesFault = append(f.SetParameterValuesFault, cwmp.SetParameterValuesFault{ParameterName: p.Name, FaultCode: cwmp.FaultInvalidParameterName})
			case d.readOnly[p.Name]:
				f.SetParameterValuesFault = append(f.SetParameterValuesFault, cwmp.SetParameterValuesFault{ParameterName: p.Name, FaultCode: cwmp.FaultNonWritableParameter})
			case seen[p.Name]:
				return f
			}
			seen[p.Name] = true
		}
		if len(f.SetParameterValuesFault) > 0 {
			return f
		}
		for _, p := range r.ParameterList {
			d.values[p.Name] = cwmp.ParameterValueStruct{Name: p.Name, Value: p.Value, Type: p.Type}
		}
		d.setKey(r.ParameterKey)
		return &cwmp.SetParameterValuesResponse{Status: 0}
	case *cwmp.SetParameterAttributes:
		for _, a := range r.ParameterList {
			if len(d.below(a.Name)) == 0 {
				return fault(cwmp.FaultInvalidParameterName)
			}
		}
		for _, a := range r.ParameterList {
			if a.NotificationChange {
				for _, n := range d.below(a.Name) {
					d.attrs[n] = a.Notification
				}
			}
		}
		return &cwmp.SetParameterAttributesResponse{}
	case *cwmp.AddObject:
		if !strings.HasSuffix(r.ObjectName, ".") {
			return fault(cwmp.FaultInvalidParameterName)
		}
		n := d.nextInst[r.ObjectName]
		for _, name := range d.sortedNames() {
			if rest, ok := strings.CutPrefix(name, r.ObjectName); ok {
				if i, err := strconv.ParseUint(strings.SplitN(rest, ".", 2)[0], 10, 32); err == nil && uint32(i) > n {
					n = uint32(i)
				}
			}
		}
		n++
		d.nextInst[r.ObjectName] = n
		inst := r.ObjectName + strconv.FormatUint(uint64(n), 10) + "."
		d.values[inst+"Enable"] = cwmp.ParameterValueStruct{Name: inst + "Enable", Value: "0", Type: "boolean"}
		d.values[inst+"Alias"] = cwmp.ParameterValueStruct{Name: inst + "Alias", Value: "cpe-" + strconv.Itoa(int(n)), Type: "string"}
		d.setKey(r.ParameterKey)
		return &cwmp.AddObjectResponse{InstanceNumber: n, Status: 0}
	case *cwmp.DeleteObject:
		names := d.below(r.ObjectName)
		if len(names) == 0 || !strings.HasSuffix(r.ObjectName, ".") {
			return fault(cwmp.FaultInvalidParameterName)
		}
		for _, n := range names {
			delete(d.values, n)
		}
		d.setKey(r.ParameterKey)
		return &cwmp.DeleteObjectResponse{Status: 0}
	case *cwmp.Reboot:
		key := r.CommandKey
		d.afterwards = append(d.afterwards, func() {
			d.QueueEvent(cwmp.EventBoot, "")
			d.QueueEvent(cwmp.EventMReboot, key)
		})
		return &cwmp.RebootResponse{}
	case *cwmp.FactoryReset:
		d.afterwards = append(d.afterwards, func() {
			d.mu.Lock()
			d.setKey("")
			d.values[d.Root+"ManagementServer.ConnectionRequestUsername"] = cwmp.ParameterValueStruct{Name: d.Root + "ManagementServer.ConnectionRequestUsername", Type: "string"}
			d.values[d.Root+"ManagementServer.ConnectionRequestPassword"] = cwmp.ParameterValueStruct{Name: d.Root + "ManagementServer.ConnectionRequestPassword", Type: "string"}
			d.mu.Unlock()
			d.QueueEvent(cwmp.EventBootstrap, "")
			d.QueueEvent(cwmp.EventBoot, "")
		})
		return &cwmp.FactoryResetResponse{}
	case *cwmp.Download:
		key := r.CommandKey
		d.afterwards = append(d.afterwards, func() {
			d.mu.Lock()
			d.pendingTC = append(d.pendingTC, &cwmp.TransferComplete{
				CommandKey: key, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime,
			})
			d.mu.Unlock()
			d.QueueEvent(cwmp.EventTransferComplete, "")
			d.QueueEvent(cwmp.EventMDownload, key)
		})
		return &cwmp.DownloadResponse{Status: 1, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}
	case *cwmp.ScheduleInform:
		return &cwmp.ScheduleInformResponse{}
	case *cwmp.GetRPCMethods:
		return &cwmp.GetRPCMethodsResponse{MethodList: []string{"GetRPCMethods", "GetParameterValues", "SetParameterValues"}}
	}
	return fault(cwmp.FaultMethodNotSupported)
}

func (d *SimDevice) setKey(k string) {
	name := d.Root + "ManagementServer.ParameterKey"
	d.values[name] = cwmp.ParameterValueStruct{Name: name, Value: k, Type: "string"}
}

func (d *SimDevice) sortedNames() []string {
	out := make([]string, 0, len(d.values))
	for n := range d.values {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// below lists the parameters a name or partial path covers.
func (d *SimDevice) below(path string) []string {
	var out []string
	for _, n := range d.sortedNames() {
		if n == path || strings.HasSuffix(path, ".") && strings.HasPrefix(n, path) {
			out = append(out, n)
		}
	}
	return out
}

// names answers GetParameterNames from the flat map, deriving the objects.
func (d *SimDevice) names(r *cwmp.GetParameterNames) cwmp.Body {
	path := r.ParameterPath
	if path == "" {
		path = d.Root
	}
	if !strings.HasSuffix(path, ".") {
		if _, ok := d.values[path]; !ok {
			return fault(cwmp.FaultInvalidParameterName)
		}
		if r.NextLevel {
			return fault(cwmp.FaultInvalidArguments)
		}
		return &cwmp.GetParameterNamesResponse{ParameterList: []cwmp.ParameterInfoStruct{{Name: path, Writable: !d.readOnly[path]}}}
	}
	seen := map[string]bool{}
	var out []cwmp.ParameterInfoStruct
	add := func(name string, w bool) {
		if !seen[name] {
			seen[name] = true
			out = append(out, cwmp.ParameterInfoStruct{Name: name, Writable: w})
		}
	}
	found := false
	for _, n := range d.sortedNames() {
		rest, ok := strings.CutPrefix(n, path)
		if !ok {
			continue
		}
		found = true
		if !r.NextLevel {
			add(path, false)
		}
		segs := strings.Split(rest, ".")
		for i := 1; i < len(segs); i++ { // the objects between path and n
			if r.NextLevel && i > 1 {
				break
			}
			add(path+strings.Join(segs[:i], ".")+".", false)
		}
		if !r.NextLevel || len(segs) == 1 {
			add(n, !d.readOnly[n])
		}
	}
	if !found {
		return fault(cwmp.FaultInvalidParameterName)
	}
	return &cwmp.GetParameterNamesResponse{ParameterList: out}
}
