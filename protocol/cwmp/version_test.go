package cwmp

import (
	"slices"
	"testing"
)

func TestVersions(t *testing.T) {
	if got := ParseVersionList(" 1.0, 1.1,1.2 ,1.3,1.4,,x,2, 1.2, 1.10"); !slices.Equal(got, []Version{CWMP10, CWMP11, CWMP12, CWMP13, CWMP14, 1<<8 | 10}) {
		t.Errorf("ParseVersionList: %v", got)
	}
	if s := FormatVersionList(Versions()); s != "1.0,1.1,1.2,1.3,1.4" {
		t.Errorf("FormatVersionList: %q", s)
	}
	for _, bad := range []string{"", "1", "1.", ".1", "0.9", "1.x", "1.2.3", "300.1"} {
		if v, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want error", bad, v)
		}
	}
	if v, ok := HighestCommon(ParseVersionList("1.0,1.1,1.2,1.3,1.4"), ParseVersionList("1.0, 1.2, 1.3")); !ok || v != CWMP13 {
		t.Errorf("HighestCommon = %v %v", v, ok)
	}
	if _, ok := HighestCommon([]Version{CWMP14}, []Version{CWMP10}); ok {
		t.Error("HighestCommon found a version in disjoint lists")
	}
	for ns, v := range map[string]Version{NamespaceCWMP10: CWMP10, NamespaceCWMP11: CWMP11, NamespaceCWMP12: CWMP12, NamespaceCWMP13: CWMP13, NamespaceCWMP14: CWMP14} {
		if got, ok := VersionOfNamespace(ns); !ok || got != v {
			t.Errorf("VersionOfNamespace(%s) = %v %v", ns, got, ok)
		}
	}
	if _, ok := VersionOfNamespace("urn:dslforum-org:cwmp-1-5"); ok {
		t.Error("cwmp-1-5 accepted")
	}
	for v, ns := range map[Version]string{CWMP10: NamespaceCWMP10, CWMP11: NamespaceCWMP11, CWMP12: NamespaceCWMP12, CWMP13: NamespaceCWMP12, CWMP14: NamespaceCWMP12} {
		if got := NamespaceOf(v); got != ns {
			t.Errorf("NamespaceOf(%v) = %s, want %s", v, got, ns)
		}
	}
}

func TestImpliedVersion(t *testing.T) {
	tests := []struct {
		name string
		env  Envelope
		want Version
	}{
		{"cwmp-1-0", Envelope{Namespace: NamespaceCWMP10}, CWMP10},
		{"cwmp-1-2 plain", Envelope{Namespace: NamespaceCWMP12}, CWMP12},
		{"cwmp-1-2 with SessionTimeout", Envelope{Namespace: NamespaceCWMP12, Header: Header{SessionTimeout: ptr(uint32(30))}}, CWMP13},
		{"cwmp-1-2 with SupportedCWMPVersions", Envelope{Namespace: NamespaceCWMP12, Header: Header{SupportedCWMPVersions: "1.0, 1.4", SessionTimeout: ptr(uint32(30))}}, CWMP14},
		{"UseCWMPVersion wins", Envelope{Namespace: NamespaceCWMP12, Header: Header{UseCWMPVersion: "1.3"}}, CWMP13},
		{"cwmp-1-3 urn", Envelope{Namespace: NamespaceCWMP13}, CWMP13},
		{"no namespace", Envelope{}, 0},
	}
	for _, tc := range tests {
		if got := tc.env.ImpliedVersion(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
