package cpeauth

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSecretCreatedOnceWithPrivateMode(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || len(a) != secretLen {
		t.Fatalf("secret changed between loads or has length %d", len(a))
	}
	st, err := os.Stat(filepath.Join(dir, SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
}

func TestSecretOfWrongLengthIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SecretFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecret(dir); err == nil {
		t.Fatal("a truncated secret was accepted")
	}
}

func TestPasswordDependsOnSecretAndSerial(t *testing.T) {
	s1 := bytes.Repeat([]byte{1}, secretLen)
	s2 := bytes.Repeat([]byte{2}, secretLen)
	p := Password(s1, "SN1")
	if p != Password(s1, "SN1") {
		t.Fatal("not deterministic")
	}
	if p == Password(s1, "SN2") || p == Password(s2, "SN1") {
		t.Fatal("password does not depend on both inputs")
	}
	if len(p) != 24 {
		t.Fatalf("length %d, want 24", len(p))
	}
}

func TestSerialFromUsername(t *testing.T) {
	for in, want := range map[string]string{
		"SN1":                 "SN1",
		"AB-12":               "AB-12", // a serial with a dash, not a device ID
		"0090F5-GW1-SN1":      "SN1",
		"0090F5-SN%2D7":       "SN-7",
		"0090F5-GW%201-A%2EB": "A.B",
	} {
		if got := SerialFromUsername(in); got != want {
			t.Errorf("SerialFromUsername(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeriverMatchesPassword(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	d := NewDeriver(secret)
	for _, serial := range []string{"", "SN1", "TB000001", "a-much-longer-serial-number-than-devices-use-0123456789", "ünï"} {
		for range 2 { // a reused state gives the same answer
			if got, want := d.Password(serial), Password(secret, serial); got != want {
				t.Fatalf("Deriver.Password(%q) = %q, want %q", serial, got, want)
			}
		}
	}
}
