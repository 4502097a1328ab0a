package sim

import (
	"context"
	"math/rand/v2"

	"gatewarden/cpe-agent/internal/model"
)

// registerWiFi binds one 2.4 GHz radio with one SSID and its access point.
func (s *Sim) registerWiFi(r *model.Registry) {
	const rd = "Device.WiFi.Radio.{i}."
	r.Table(rd, keys("wifi0"))
	s.fixedSettings(r, rd, wifiRadioSettings[:])
	consts(r, rd, wifiRadioConsts[:])
	radioUp := func(model.Index) bool { return s.enabled("Device.WiFi.Radio.1.Enable", "true") }
	r.Param(rd+"Status", text(func(ix model.Index) string { return upDown(radioUp(ix)) }))
	r.Param(rd+"Name", text(instanceName))
	r.Param(rd+"LastChange", counter(func(model.Index) uint64 { return s.uptime() }))
	r.Param(rd+"Upstream", flag(func(model.Index) bool { return false }))
	r.Param(rd+"ChannelsInUse", text(func(ix model.Index) string { return s.settingValue(ix.Path(rd+"Channel"), "6") }))
	r.Param(rd+"AutoChannelSupported", flag(func(model.Index) bool { return true }))
	r.Param(rd+"CurrentOperatingChannelBandwidth", text(func(ix model.Index) string {
		if v := s.settingValue(ix.Path(rd+"OperatingChannelBandwidth"), "20MHz"); v == "40MHz" {
			return v
		}
		return "20MHz"
	}))

	const sd = "Device.WiFi.SSID.{i}."
	r.Table(sd, keys("wl0"))
	s.setting(r, sd+"Enable", fixed("true"))
	ssidUp := func(ix model.Index) bool { return radioUp(ix) && s.enabled(ix.Path(sd+"Enable"), "true") }
	r.Param(sd+"Status", text(func(ix model.Index) string { return upDown(ssidUp(ix)) }))
	r.Param(sd+"Name", text(instanceName))
	r.Param(sd+"LastChange", counter(func(model.Index) uint64 { return s.uptime() }))
	s.setting(r, sd+"LowerLayers", fixed("Device.WiFi.Radio.1."))
	mac := text(func(model.Index) string { return s.props.macAt(8) })
	r.Param(sd+"BSSID", mac)
	r.Param(sd+"MACAddress", mac)
	s.setting(r, sd+"SSID", fixed(s.defaultSSID()))
	r.Param(sd+"Upstream", flag(func(model.Index) bool { return false }))
	wifiBytes := func(tx bool) func(model.Index) uint64 {
		return func(ix model.Index) uint64 {
			if !ssidUp(ix) {
				return 0
			}
			if tx {
				return s.props.wifiTx * s.uptime()
			}
			return s.props.wifiRx * s.uptime()
		}
	}
	bindTraffic(r, sd+"Stats.", wifiBytes(true), wifiBytes(false))

	const ap = "Device.WiFi.AccessPoint.{i}."
	r.Table(ap, keys("ap0"))
	s.fixedSettings(r, ap, wifiAPSettings[:])
	r.Param(ap+"Status", text(func(ix model.Index) string {
		if s.enabled(ix.Path(ap+"Enable"), "true") && ssidUp(ix) {
			return "Enabled"
		}
		return "Disabled"
	}))
	r.Param(ap+"WMMCapability", flag(func(model.Index) bool { return true }))
	r.Param(ap+"UAPSDCapability", flag(func(model.Index) bool { return true }))

	const sec = ap + "Security."
	r.Param(sec+"ModesSupported", model.Const("None,WPA2-Personal,WPA3-Personal,WPA3-Personal-Transition"))
	s.fixedSettings(r, sec, wifiSecuritySettings[:])
	s.setting(r, sec+"KeyPassphrase", fixed(s.defaultPassphrase()))
	r.Param(sec+"Reset", model.Command(func(_ context.Context, ix model.Index) error {
		return s.resetSecurity(ix.Path(sec))
	}))
}

// Fixed values and factory settings, as name/value pairs bound in a loop
// (see registerDSL).

var wifiRadioConsts = [...]string{
	"MaxBitRate", "574",
	"SupportedFrequencyBands", "2.4GHz",
	"SupportedStandards", "b,g,n,ax",
	"PossibleChannels", "1-13",
	"SupportedOperatingChannelBandwidths", "20MHz,40MHz,Auto",
	"TransmitPowerSupported", "25,50,75,100",
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
	defer s.mu.Unlock()
	for k := range s.st.Settings {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(s.st.Settings, k)
		}
	}
	return s.save()
}
