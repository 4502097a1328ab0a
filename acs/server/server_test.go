package server

import (
	"os"
	"path/filepath"
	"testing"
)

// The first start writes an admin token even when an operator created
// another role's token beforehand; a later start does not mint a second
// admin after the file was removed on purpose.
func TestFirstAdminToken(t *testing.T) {
	dir := t.TempDir()
	if _, err := CreateToken(dir, "viewer", "readonly"); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.st.Close()
	file := filepath.Join(dir, AdminTokenFile)
	st, err := os.Stat(file)
	if err != nil {
		t.Fatalf("no admin token file after first start: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("admin token mode %v, want 0600", st.Mode().Perm())
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	s, err = New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.st.Close()
	if _, err := os.Stat(file); err == nil {
		t.Fatal("a second admin token was minted after the file was removed")
	}
}
