package xsdgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCamel(t *testing.T) {
	for in, want := range map[string]string{
		"VALUE CHANGE": "ValueChange", "AUTONOMOUS DU STATE CHANGE COMPLETE": "AutonomousDUStateChangeComplete",
		"Firmware Upgrade Image": "FirmwareUpgradeImage", "At Any Time": "AtAnyTime", "Installed": "Installed",
	} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnnamedCodeStopsTheGenerator: a schema revision that documents a new
// fault code must not produce constants nobody named.
func TestUnnamedCodeStopsTheGenerator(t *testing.T) {
	src, err := SharedDir(".", "datamodels")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"cwmp-1-2.xsd", "cwmp-1-4.xsd"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "cwmp-1-2.xsd" {
			data = []byte(strings.Replace(string(data), "* 9032 -", "* 9033 - Invented fault\n          * 9032 -", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = Generate(dir)
	if err == nil || !strings.Contains(err.Error(), "9033") {
		t.Fatalf("error %v, want one naming fault 9033", err)
	}
	if _, err := Generate(t.TempDir()); err == nil {
		t.Fatal("generated from an empty directory")
	}
}
