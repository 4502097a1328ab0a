package datamodel

import (
	"errors"
	"testing"
	"unicode/utf8"
)

func TestDeviceIDString(t *testing.T) {
	tests := []struct {
		id   DeviceID
		want string
	}{
		{DeviceID{"00259E", "HG8245", "4857544312345678"}, "00259E-HG8245-4857544312345678"},
		{DeviceID{"00259E", "", "ABC123"}, "00259E-ABC123"},
		{DeviceID{"00259E", "Home Gateway", "SN 1"}, "00259E-Home%20Gateway-SN%201"},
		{DeviceID{"00259E", "HG-8245", "A-B"}, "00259E-HG%2D8245-A%2DB"},
		{DeviceID{"00259E", "v1.2", "a/b"}, "00259E-v1%2E2-a%2Fb"},
		{DeviceID{"00259E", "100%", "x_y"}, "00259E-100%25-x_y"},
		{DeviceID{"00259E", "Box", "Café"}, "00259E-Box-Caf%C3%A9"},
		{DeviceID{"00:25:9E", "", "1"}, "00%3A25%3A9E-1"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.id, got, tt.want)
		}
		back, err := ParseDeviceID(tt.want)
		if err != nil || back != tt.id {
			t.Errorf("ParseDeviceID(%q) = %+v, %v; want %+v", tt.want, back, err, tt.id)
		}
	}
}

func TestParseDeviceIDInvalid(t *testing.T) {
	for _, s := range []string{
		"", "00259E", "-SN", "00259E-", "00259E--SN", "a-b-c-d",
		"00259E-SN%2d", // lower-case hex
		"00259E-%41BC", // escaped letter
		"00259E-SN%2",  // truncated escape
		"00259E-SN%",   // truncated escape
		"00259E-SN%G0", // not hex
		"00259E-S.N",   // unescaped dot
		"00259E-S N",   // unescaped space
		"00259E-%FF",   // not UTF-8
		"00259E-Caf\u00e9",
	} {
		if id, err := ParseDeviceID(s); err == nil {
			t.Errorf("ParseDeviceID(%q) = %+v, want an error", s, id)
		} else if !errors.Is(err, ErrDeviceID) {
			t.Errorf("ParseDeviceID(%q) error %v does not wrap ErrDeviceID", s, err)
		}
	}
}

func TestDeviceIDURL(t *testing.T) {
	id := DeviceID{"00259E", "HG-8245", "SN%1"}
	if got, want := id.URLPath(), "00259E-HG%252D8245-SN%25251"; got != want {
		t.Errorf("URLPath() = %q, want %q", got, want)
	}
	back, err := URLUnescape(id.URLPath())
	if err != nil || back != id.String() {
		t.Errorf("URLUnescape = %q, %v", back, err)
	}
	for _, s := range []string{"00259E-A%2D", "%", "a%2", "%25%2"} {
		if _, err := URLUnescape(s); !errors.Is(err, ErrDeviceID) {
			t.Errorf("URLUnescape(%q) error %v", s, err)
		}
	}
}

func FuzzDeviceID(f *testing.F) {
	f.Add("00259E", "HG8245", "4857544312345678")
	f.Add("00259E", "", "SN-1.2 3%")
	f.Add("A", "é/x", "_")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, oui, class, serial string) {
		id := DeviceID{OUI: oui, ProductClass: class, SerialNumber: serial}
		s := id.String()
		back, err := ParseDeviceID(s)
		valid := oui != "" && serial != "" && utf8.ValidString(oui) && utf8.ValidString(class) && utf8.ValidString(serial)
		if valid && (err != nil || back != id) {
			t.Fatalf("round trip of %+v via %q: %+v, %v", id, s, back, err)
		}
		if !valid && err == nil {
			t.Fatalf("ParseDeviceID(%q) accepted the ID of invalid %+v", s, id)
		}
		u, err := URLUnescape(URLEscape(s))
		if err != nil || u != s {
			t.Fatalf("URL round trip of %q: %q, %v", s, u, err)
		}
		// Any string that parses is canonical.
		if p, err := ParseDeviceID(oui); err == nil && p.String() != oui {
			t.Fatalf("ParseDeviceID(%q) accepted a non-canonical form of %q", oui, p.String())
		}
	})
}
