package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fw(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestWorkflow(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(p("kernel.bin"), []byte("kernel"), 0o644)
	os.WriteFile(p("root.squashfs"), bytes.Repeat([]byte("r"), 100_000), 0o644)

	if code, _, e := fw(t, "keygen", "-o", p("key")); code != 0 {
		t.Fatalf("keygen: %s", e)
	}
	if code, _, e := fw(t, "keygen", "-o", p("key")); code != 1 || !strings.Contains(e, "exists") {
		t.Fatalf("keygen over an existing key: %d %s", code, e)
	}
	fw(t, "keygen", "-o", p("other"))
	if st, _ := os.Stat(p("key")); st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v", st.Mode())
	}
	code, _, e := fw(t, "pack", "--board", "gw-1", "--board", "gw-2", "--version", "3.1", "--key", p("key"),
		"-o", p("pkg"), p("kernel.bin"), "rootfs="+p("root.squashfs"))
	if code != 0 {
		t.Fatalf("pack: %s", e)
	}
	code, out, _ := fw(t, "inspect", p("pkg"))
	var info struct {
		Version string
		Boards  []string
		Entries []struct{ Name, Target string }
		Signed  bool
	}
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil || info.Version != "3.1" || len(info.Boards) != 2 ||
		info.Entries[0].Target != "kernel" || info.Entries[1].Target != "rootfs" || !info.Signed {
		t.Fatalf("inspect: %d %s", code, out)
	}
	verify := func(want int, wantErr string, args ...string) {
		t.Helper()
		code, _, e := fw(t, append([]string{"verify"}, args...)...)
		if code != want || !strings.Contains(e, wantErr) {
			t.Fatalf("verify %v: %d %q, want %d %q", args, code, e, want, wantErr)
		}
	}
	verify(0, "", "--pub", p("key.pub"), "--board", "gw-2", p("pkg"))
	verify(0, "", p("pkg"), "--pub", p("key.pub"))
	verify(1, "untrusted key", "--pub", p("other.pub"), p("pkg"))
	verify(1, "does not fit this board", "--pub", p("key.pub"), "--board", "gw-3", p("pkg"))
	verify(1, "PUBLIC KEY", "--pub", p("key"), p("pkg"))
	verify(2, "usage", p("pkg"))

	data, _ := os.ReadFile(p("pkg"))
	os.WriteFile(p("trailing"), append(bytes.Clone(data), 0), 0o644)
	verify(1, "after the end", "--pub", p("key.pub"), p("trailing"))
	os.WriteFile(p("short"), data[:len(data)-1], 0o644)
	verify(1, "truncated", "--pub", p("key.pub"), p("short"))
	flipped := bytes.Clone(data)
	flipped[len(flipped)-500] ^= 4
	os.WriteFile(p("flipped"), flipped, 0o644)
	verify(1, "hash mismatch", "--pub", p("key.pub"), p("flipped"))

	if code, _, e := fw(t, "sign", "--key", p("other"), "-o", p("resigned"), p("pkg")); code != 0 {
		t.Fatalf("sign: %s", e)
	}
	verify(0, "", "--pub", p("other.pub"), p("resigned"))
	if code, _, _ := fw(t, "sign", "--key", p("other"), "-o", p("bad"), p("trailing")); code != 1 {
		t.Fatal("signed a package with trailing bytes")
	}
	if _, err := os.Stat(p("bad")); err == nil {
		t.Fatal("failed sign left an output file")
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"frobnicate"},
		{"pack", "--version", "1", "--key", "k", "-o", "x", "f"},
		{"pack", "--board", "b", "--key", "k", "-o", "x", "f"},
		{"pack", "--board", "b", "--version", "1", "-o", "x", "f"},
		{"pack", "--board", "b", "--version", "1", "--key", "k", "f"},
		{"pack", "--board", "b", "--version", "1", "--key", "k", "-o", "x"},
		{"keygen"},
		{"inspect"},
		{"sign", "--key", "k", "f"},
		{"verify", "--pub", "k"},
	}
	for _, args := range cases {
		if code, _, e := fw(t, args...); code != 2 || e == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, e)
		}
	}
	if code, out, _ := fw(t, "version"); code != 0 || !strings.HasPrefix(out, "fwtool ") {
		t.Fatalf("version: %q", out)
	}
}
