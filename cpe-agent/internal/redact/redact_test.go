package redact

import (
	"strings"
	"testing"
)

func TestURLHidesUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"http://acs.example/cwmp":               "http://acs.example/cwmp",
		"https://u:secret@acs.example:443/cwmp": "https://%5Bredacted%5D@acs.example:443/cwmp",
		"http://onlyuser@acs.example/":          "http://%5Bredacted%5D@acs.example/",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	if strings.Contains(URL("http://u:p@[::1"), "p@") || strings.Contains(URL("http://[::1"), "::1") {
		t.Error("an unparseable URL was echoed")
	}
}
