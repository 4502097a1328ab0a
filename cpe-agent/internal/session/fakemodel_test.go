package session

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"gatewarden/protocol/cwmp"
)

// forcedInform are TR-181's forced-inform parameters (TR069-DIGEST §2.3).
var forcedInform = []string{
	"Device.RootDataModelVersion",
	"Device.DeviceInfo.HardwareVersion",
	"Device.DeviceInfo.SoftwareVersion",
	"Device.DeviceInfo.ProvisioningCode",
	"Device.ManagementServer.ParameterKey",
	"Device.ManagementServer.ConnectionRequestURL",
	"Device.ManagementServer.AliasBasedAddressing",
}

// informExtra is a ManagementServer.InformParameter.{i}.
type informExtra struct {
	name   string
	events []cwmp.EventCode // empty: every event but 4 VALUE CHANGE
}

// fakeModel is a flat parameter map with just enough behaviour for the
// session's tests: the real tree has its own tests.
type fakeModel struct {
	mu               sync.Mutex
	values           map[string]string
	writable         map[string]bool
	extras           []informExtra
	changed          map[string]bool // pending value changes
	watchers         map[string][]func(string)
	delivered        int
	lastInformEvents []cwmp.EventCode
	failNext         error // returned by the next RPC call
	nextInst         uint32
}

func newFakeModel(acsURL string) *fakeModel {
	m := &fakeModel{
		values: map[string]string{
			"Device.RootDataModelVersion":                               "2.17",
			"Device.DeviceInfo.Manufacturer":                            "Gatewarden",
			"Device.DeviceInfo.ManufacturerOUI":                         "00D09E",
			"Device.DeviceInfo.ProductClass":                            "GW1",
			"Device.DeviceInfo.SerialNumber":                            "SN0001",
			"Device.DeviceInfo.HardwareVersion":                         "hw1",
			"Device.DeviceInfo.SoftwareVersion":                         "1.0.0",
			"Device.DeviceInfo.ProvisioningCode":                        "",
			"Device.DeviceInfo.UpTime":                                  "42",
			"Device.ManagementServer.URL":                               acsURL,
			"Device.ManagementServer.Username":                          "cpe",
			"Device.ManagementServer.Password":                          "cpe-secret",
			"Device.ManagementServer.EnableCWMP":                        "true",
			"Device.ManagementServer.ParameterKey":                      "",
			"Device.ManagementServer.ConnectionRequestURL":              "http://192.0.2.1:7547/cr",
			"Device.ManagementServer.AliasBasedAddressing":              "false",
			"Device.ManagementServer.PeriodicInformEnable":              "false",
			"Device.ManagementServer.PeriodicInformInterval":            "3600",
			"Device.ManagementServer.PeriodicInformTime":                "0001-01-01T00:00:00Z",
			"Device.ManagementServer.CWMPRetryMinimumWaitInterval":      "5",
			"Device.ManagementServer.CWMPRetryIntervalMultiplier":       "2000",
			"Device.ManagementServer.DefaultActiveNotificationThrottle": "0",
			"Device.WiFi.SSID.1.SSID":                                   "home",
		},
		writable: map[string]bool{},
		changed:  map[string]bool{},
		watchers: map[string][]func(string){},
	}
	for k := range m.values {
		if strings.HasPrefix(k, "Device.ManagementServer.") || strings.HasPrefix(k, "Device.WiFi.") {
			m.writable[k] = true
		}
	}
	delete(m.writable, "Device.ManagementServer.ParameterKey")
	delete(m.writable, "Device.ManagementServer.ConnectionRequestURL")
	return m
}

func (m *fakeModel) takeFail() error {
	err := m.failNext
	m.failNext = nil
	return err
}

// set changes values as the ACS would (no notification), then runs the
// watchers outside the lock, as the real tree does.
func (m *fakeModel) set(values map[string]string, local bool) {
	m.mu.Lock()
	var run []func()
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		m.values[k] = v
		if local {
			m.changed[k] = true
		}
		for _, fn := range m.watchers[k] {
			run = append(run, func() { fn(v) })
		}
	}
	m.mu.Unlock()
	for _, f := range run {
		f()
	}
}

func (m *fakeModel) GetParameterValues(_ context.Context, names []string) ([]cwmp.ParameterValueStruct, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.takeFail(); err != nil {
		return nil, err
	}
	var out []cwmp.ParameterValueStruct
	for _, n := range names {
		matched := false
		for _, k := range slices.Sorted(maps.Keys(m.values)) {
			if k == n || (strings.HasSuffix(n, ".") && strings.HasPrefix(k, n)) {
				v := m.values[k]
				if strings.HasSuffix(k, "Password") {
					v = ""
				}
				out = append(out, cwmp.ParameterValueStruct{Name: k, Value: v, Type: "string"})
				matched = true
			}
		}
		if !matched {
			return nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, "")
		}
	}
	return out, nil
}

func (m *fakeModel) SetParameterValues(_ context.Context, list []cwmp.ParameterValueStruct, key string) (int32, error) {
	m.mu.Lock()
	if err := m.takeFail(); err != nil {
		m.mu.Unlock()
		return 0, err
	}
	f := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
	for _, p := range list {
		if _, ok := m.values[p.Name]; !ok {
			f.SetParameterValuesFault = append(f.SetParameterValuesFault, cwmp.SetParameterValuesFault{ParameterName: p.Name, FaultCode: cwmp.FaultInvalidParameterName})
		} else if !m.writable[p.Name] {
			f.SetParameterValuesFault = append(f.SetParameterValuesFault, cwmp.SetParameterValuesFault{ParameterName: p.Name, FaultCode: cwmp.FaultNonWritableParameter})
		}
	}
	m.mu.Unlock()
	if len(f.SetParameterValuesFault) > 0 {
		return 0, f
	}
	vals := map[string]string{"Device.ManagementServer.ParameterKey": key}
	for _, p := range list {
		vals[p.Name] = p.Value
	}
	m.set(vals, false)
	return 0, nil
}

func (m *fakeModel) GetParameterNames(_ context.Context, path string, nextLevel bool) ([]cwmp.ParameterInfoStruct, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.takeFail(); err != nil {
		return nil, err
	}
	var out []cwmp.ParameterInfoStruct
	for _, k := range slices.Sorted(maps.Keys(m.values)) {
		if strings.HasPrefix(k, path) {
			out = append(out, cwmp.ParameterInfoStruct{Name: k, Writable: m.writable[k]})
		}
	}
	if len(out) == 0 {
		return nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, "")
	}
	return out, nil
}

func (m *fakeModel) SetParameterAttributes(context.Context, []cwmp.SetParameterAttributesStruct) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.takeFail()
}

func (m *fakeModel) GetParameterAttributes(_ context.Context, names []string) ([]cwmp.ParameterAttributeStruct, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.takeFail(); err != nil {
		return nil, err
	}
	var out []cwmp.ParameterAttributeStruct
	for _, n := range names {
		out = append(out, cwmp.ParameterAttributeStruct{Name: n, AccessList: []string{}})
	}
	return out, nil
}

func (m *fakeModel) AddObject(_ context.Context, object, key string) (uint32, int32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.takeFail(); err != nil {
		return 0, 0, err
	}
	m.nextInst++
	return m.nextInst, 0, nil
}

func (m *fakeModel) DeleteObject(_ context.Context, object, key string) (int32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return 0, m.takeFail()
}

func (m *fakeModel) DeviceID(context.Context) (cwmp.DeviceIdStruct, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return cwmp.DeviceIdStruct{
		Manufacturer: m.values["Device.DeviceInfo.Manufacturer"],
		OUI:          m.values["Device.DeviceInfo.ManufacturerOUI"],
		ProductClass: m.values["Device.DeviceInfo.ProductClass"],
		SerialNumber: m.values["Device.DeviceInfo.SerialNumber"],
	}, nil
}

// InformParameters follows TR069-DIGEST §2.3 on the flat map: forced
// parameters, changed ones with 4 VALUE CHANGE, InformParameter extras
// whose EventList matches.
func (m *fakeModel) InformParameters(_ context.Context, events []cwmp.EventCode) ([]cwmp.ParameterValueStruct, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastInformEvents = slices.Clone(events)
	seen := map[string]bool{}
	var out []cwmp.ParameterValueStruct
	add := func(n string) {
		if v, ok := m.values[n]; ok && !seen[n] {
			seen[n] = true
			out = append(out, cwmp.ParameterValueStruct{Name: n, Value: v, Type: "string"})
		}
	}
	for _, n := range forcedInform {
		add(n)
	}
	if slices.Contains(events, cwmp.EventValueChange) {
		for _, n := range slices.Sorted(maps.Keys(m.changed)) {
			add(n)
		}
	}
	for _, x := range m.extras {
		match := false
		if len(x.events) == 0 {
			for _, e := range events {
				if e != cwmp.EventValueChange {
					match = true
				}
			}
		} else {
			for _, e := range x.events {
				if slices.Contains(events, e) {
					match = true
				}
			}
		}
		if match {
			add(x.name)
		}
	}
	return out, nil
}

func (m *fakeModel) InformDelivered(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delivered++
	clear(m.changed)
	return nil
}

func (m *fakeModel) HasPendingChanges() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.changed) > 0
}

func (m *fakeModel) Value(_ context.Context, path string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[path]
	if !ok {
		return "", fmt.Errorf("no parameter %s", path)
	}
	return v, nil
}

func (m *fakeModel) SetLocal(_ context.Context, values map[string]string) error {
	m.mu.Lock()
	for k := range values {
		if _, ok := m.values[k]; !ok {
			m.mu.Unlock()
			return errors.New("unknown parameter " + k)
		}
	}
	m.mu.Unlock()
	m.set(values, true)
	return nil
}

func (m *fakeModel) Watch(path string, fn func(string)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.watchers[path] = append(m.watchers[path], fn)
}

func (m *fakeModel) get(path string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.values[path]
}

var _ Model = (*fakeModel)(nil)

// fakePlatform records what the session asked for.
type fakePlatform struct {
	mu       sync.Mutex
	reboots  int
	resets   int
	err      error
	onReboot func()
}

func (p *fakePlatform) Reboot(context.Context) error {
	p.mu.Lock()
	p.reboots++
	f, err := p.onReboot, p.err
	p.mu.Unlock()
	if f != nil {
		f()
	}
	return err
}

func (p *fakePlatform) FactoryReset(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resets++
	return p.err
}

func (p *fakePlatform) counts() (reboots, resets int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reboots, p.resets
}
