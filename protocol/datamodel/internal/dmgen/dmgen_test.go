package dmgen

import "testing"

func TestParseEntities(t *testing.T) {
	got := parseEntities(`DOCTYPE x [
  <!ENTITY dot "\.">
  <!ENTITY octet '(25[0-5]|[01]?[0-9]?[0-9])'>
  <!ENTITY quad "(&octet;&dot;){3}&octet;">
]`)
	want := map[string]string{
		"dot":   `\.`,
		"octet": `(25[0-5]|[01]?[0-9]?[0-9])`,
		"quad":  `((25[0-5]|[01]?[0-9]?[0-9])\.){3}(25[0-5]|[01]?[0-9]?[0-9])`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("entity %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestSplitObjectName(t *testing.T) {
	tests := []struct {
		in, seg, parent string
		table           bool
	}{
		{"Device.", "Device", "", false},
		{"Device.IP.", "IP", "Device.", false},
		{"Device.IP.Interface.{i}.", "Interface", "Device.IP.", true},
		{"Device.IP.Interface.{i}.IPv4Address.{i}.", "IPv4Address", "Device.IP.Interface.{i}.", true},
		{"Device.IP.Interface.{i}.Stats.", "Stats", "Device.IP.Interface.{i}.", false},
	}
	for _, tt := range tests {
		seg, table, parent, err := splitObjectName(tt.in)
		if err != nil || seg != tt.seg || table != tt.table || parent != tt.parent {
			t.Errorf("splitObjectName(%q) = %q %v %q %v", tt.in, seg, table, parent, err)
		}
	}
	for _, bad := range []string{"Device", "Device..", "Device.{i}.{i}.", ".", "{i}."} {
		if _, _, _, err := splitObjectName(bad); err == nil {
			t.Errorf("splitObjectName(%q) succeeded", bad)
		}
	}
}
