package agent

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFirmwareOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatewarden")
	os.WriteFile(path, []byte(`config agent 'main'
	option acs_url 'http://acs.example.net:7547/cwmp'
	option firmware_keys '/etc/gatewarden/keys.pem'
	option board 'gw-9'
	option firmware_slots 'uboot'
	option firmware_health_timeout '120'
	option firmware_boot_limit '3'
`), 0o600)
	c := DefaultConfig()
	if err := LoadConfigFile(&c, path, true); err != nil {
		t.Fatal(err)
	}
	want := FirmwareConfig{KeysFile: "/etc/gatewarden/keys.pem", Board: "gw-9", Slots: "uboot", HealthTimeout: 2 * time.Minute, BootLimit: 3}
	if !reflect.DeepEqual(c.Firmware, want) {
		t.Fatalf("firmware config %+v, want %+v", c.Firmware, want)
	}
	for _, bad := range []string{"option firmware_slots 'nand'", "option firmware_health_timeout '0'", "option firmware_boot_limit 'x'"} {
		os.WriteFile(path, []byte("config agent 'main'\n\t"+bad+"\n"), 0o600)
		c := DefaultConfig()
		if err := LoadConfigFile(&c, path, true); err == nil || !strings.Contains(err.Error(), "firmware_") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestFirmwareKeysFile(t *testing.T) {
	if keys, err := loadFirmwareKeys(""); err != nil || len(keys) != 0 {
		// The default path is absent on a build machine: no keys, no error.
		if _, statErr := os.Stat(DefaultFirmwareKeys); statErr != nil {
			t.Fatalf("default keys file absent: %v %v", keys, err)
		}
	}
	if _, err := loadFirmwareKeys(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Fatal("a named keys file that does not exist was accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	if _, err := loadFirmwareKeys(bad); err == nil {
		t.Fatal("a keys file without keys was accepted")
	}
}
