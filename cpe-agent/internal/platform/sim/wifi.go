package sim

import (
	"context"
	"math/rand/v2"

	"gatewarden/cpe-agent/internal/model"
)

const (
	wifiRadio = "Device.WiFi.Radio.{i}."
	wifiSSID  = "Device.WiFi.SSID.{i}."
	wifiAP    = "Device.WiFi.AccessPoint.{i}."
)

// registerWiFi binds one 2.4 GHz radio with one SSID and its access point.
func (s *Sim) registerWiFi(r *model.Registry) {
	r.Table(wifiRadio, keys("wifi0"))
	s.fixedSettings(r, wifiRadio, wifiRadioSettings[:])
	consts(r, wifiRadio, wifiRadioConsts[:])
	s.params(r, wifiRadio, wifiRadioParams[:])

	r.Table(wifiSSID, keys("wl0"))
	s.setting(r, wifiSSID+"Enable", fixed("true"))
	s.setting(r, wifiSSID+"LowerLayers", fixed("Device.WiFi.Radio.1."))
	s.setting(r, wifiSSID+"SSID", fixed(s.defaultSSID()))
	consts(r, wifiSSID, wifiSSIDConsts[:])
	s.params(r, wifiSSID, wifiSSIDParams[:])
	wifiBytes := func(tx bool) func(model.Index) uint64 {
		return func(ix model.Index) uint64 {
			if !s.ssidUp(ix) {
				return 0
			}
			if tx {
				return s.props.wifiTx * s.uptime()
			}
			return s.props.wifiRx * s.uptime()
		}
	}
	bindTraffic(r, wifiSSID+"Stats.", wifiBytes(true), wifiBytes(false))

	r.Table(wifiAP, keys("ap0"))
	s.fixedSettings(r, wifiAP, wifiAPSettings[:])
	consts(r, wifiAP, wifiAPConsts[:])
	s.params(r, wifiAP, wifiAPParams[:])

	const sec = wifiAP + "Security."
	r.Param(sec+"ModesSupported", model.Const("None,WPA2-Personal,WPA3-Personal,WPA3-Personal-Transition"))
	s.fixedSettings(r, sec, wifiSecuritySettings[:])
	s.setting(r, sec+"KeyPassphrase", fixed(s.defaultPassphrase()))
	r.Param(sec+"Reset", model.Command(func(_ context.Context, ix model.Index) error {
		return s.resetSecurity(ix.Path(sec))
	}))
}

func (s *Sim) radioUp() bool { return s.enabled("Device.WiFi.Radio.1.Enable", "true") }

func (s *Sim) ssidUp(ix model.Index) bool {
	return s.radioUp() && s.enabled(ix.Path(wifiSSID+"Enable"), "true")
}

var wifiRadioParams = [...]simParam{
	{name: "Status", text: func(s *Sim, _ model.Index) string { return upDown(s.radioUp()) }},
	{name: "Name", text: nameOf},
	{name: "LastChange", count: uptimeOf},
	{name: "ChannelsInUse", text: func(s *Sim, ix model.Index) string { return s.settingValue(ix.Path(wifiRadio+"Channel"), "6") }},
	{name: "CurrentOperatingChannelBandwidth", text: func(s *Sim, ix model.Index) string {
		if v := s.settingValue(ix.Path(wifiRadio+"OperatingChannelBandwidth"), "20MHz"); v == "40MHz" {
			return v
		}
		return "20MHz"
	}},
}

var wifiSSIDParams = [...]simParam{
	{name: "Status", text: func(s *Sim, ix model.Index) string { return upDown(s.ssidUp(ix)) }},
	{name: "Name", text: nameOf},
	{name: "LastChange", count: uptimeOf},
	{name: "BSSID", text: ssidMAC},
	{name: "MACAddress", text: ssidMAC},
}

func ssidMAC(s *Sim, _ model.Index) string { return s.props.macAt(8) }

var wifiAPParams = [...]simParam{
	{name: "Status", text: func(s *Sim, ix model.Index) string {
		if s.enabled(ix.Path(wifiAP+"Enable"), "true") && s.ssidUp(ix) {
			return "Enabled"
		}
		return "Disabled"
	}},
}

// Fixed values and factory settings, as name/value pairs bound in a loop
// (see registerDSL).

var wifiRadioConsts = [...]string{
	"Upstream", "false",
	"AutoChannelSupported", "true",
	"MaxBitRate", "574",
	"SupportedFrequencyBands", "2.4GHz",
	"SupportedStandards", "b,g,n,ax",
	"PossibleChannels", "1-13",
	"SupportedOperatingChannelBandwidths", "20MHz,40MHz,Auto",
	"TransmitPowerSupported", "25,50,75,100",
}

var wifiSSIDConsts = [...]string{
	"Upstream", "false",
}

var wifiAPConsts = [...]string{
	"WMMCapability", "true",
	"UAPSDCapability", "true",
}

var wifiRadioSettings = [...]string{
	"Enable", "true",
	"OperatingFrequencyBand", "2.4GHz",
	"OperatingStandards", "g,n,ax",
	"Channel", "6",
	"AutoChannelEnable", "false",
	"OperatingChannelBandwidth", "20MHz",
	"TransmitPower", "100",
	"RegulatoryDomain", "DE ",
}

var wifiAPSettings = [...]string{
	"Enable", "true",
	"SSIDReference", "Device.WiFi.SSID.1.",
	"SSIDAdvertisementEnabled", "true",
	"WMMEnable", "true",
	"UAPSDEnable", "false",
	"IsolationEnable", "false",
	"MaxAllowedAssociations", "32",
}

var wifiSecuritySettings = [...]string{
	"ModeEnabled", "WPA2-Personal",
	"RekeyingInterval", "3600",
	"MFPConfig", "Disabled",
}

// defaultSSID is the factory SSID printed on the device's label.
func (s *Sim) defaultSSID() string {
	sn := s.id.SerialNumber
	if len(sn) > 4 {
		sn = sn[len(sn)-4:]
	}
	return "Gatewarden-" + sn
}

// defaultPassphrase is the factory Wi-Fi key, random per device.
func (s *Sim) defaultPassphrase() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	r := rand.New(rand.NewPCG(s.seed, 0x9a55))
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// resetSecurity is Security.Reset: the access point's security settings
// go back to their factory values.
func (s *Sim) resetSecurity(prefix string) error {
	s.mu.Lock()
	for k := range s.st.Settings {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(s.st.Settings, k)
		}
	}
	err := s.save()
	s.mu.Unlock()
	return err
}
