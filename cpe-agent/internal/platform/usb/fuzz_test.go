package usb

import "testing"

// FuzzParseDevice: arbitrary names and attribute contents never panic,
// and what parses is consistent with its name.
func FuzzParseDevice(f *testing.F) {
	f.Add("1-1.4", "1", "5", " 2.00", "0781", "e0", "480")
	f.Add("1-1", "1", "", "", "", "", "")
	f.Add("12-3.4.5", "12", "18446744073709551616", "3.2", "fffff", "-1", "1.5")
	f.Add("usb1", "1", "1", "2.00", "1d6b", "", "")
	f.Add("1-1:1.0", "1", "1", "", "", "", "")
	f.Fuzz(func(t *testing.T, name, bus, devnum, version, vendor, attrs, speed string) {
		d, ok := ParseDevice(name, map[string]string{"busnum": bus, "devnum": devnum, "version": version,
			"idVendor": vendor, "bmAttributes": attrs, "speed": speed})
		if !ok {
			return
		}
		if d.Key != name || d.Bus <= 0 {
			t.Fatalf("ParseDevice(%q) = %+v", name, d)
		}
		if r := rateOf(speed); d.Rate != r {
			t.Fatalf("rate %q for speed %q", d.Rate, speed)
		}
	})
}
