package packaging

import (
	"os/exec"
	"testing"
)

func TestVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":                    "1.2.3",
		"1.2.3":                     "1.2.3",
		"v1.2.3-4-gabcdef0":         "1.2.3+4.gabcdef0",
		"v1.2.3-4-gabcdef0-dirty":   "1.2.3+4.gabcdef0.dirty",
		"v2.0.0-rc1":                "2.0.0~rc1",
		"v2.0.0-rc1-7-g1234567":     "2.0.0~rc1+7.g1234567",
		"b2c9cce":                   "0.0.0~b2c9cce",
		"b2c9cce-dirty":             "0.0.0~b2c9cce.dirty",
		"dev":                       "0.0.0~dev",
		"":                          "0.0.0~dev",
		"v1.0.0_beta/x":             "1.0.0.beta.x",
		"release-2026-01-02":        "0.0.0~release.2026.01.02",
		"v0.1.0-12-gdeadbeef-dirty": "0.1.0+12.gdeadbeef.dirty",
	} {
		if got := Version(in); got != want {
			t.Errorf("Version(%q) = %q, want %q", in, got, want)
		}
	}
}

// dpkg orders the derived versions as releases should be ordered.
func TestVersionOrder(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not installed")
	}
	order := []string{"b2c9cce", "v1.0.0-rc1", "v1.0.0", "v1.0.0-3-gabc1234", "v1.0.1"}
	for i := 1; i < len(order); i++ {
		a, b := Version(order[i-1]), Version(order[i])
		if err := exec.Command(dpkg, "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("dpkg does not order %s (%s) before %s (%s)", a, order[i-1], b, order[i])
		}
	}
}
