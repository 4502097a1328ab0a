package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"-targets", "sparc"},
		{"-no-such-flag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}

// A missing or broken budgets file stops the build before anything is
// compiled.
func TestRunNeedsBudgets(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "budgets.txt")
	if err := os.WriteFile(broken, []byte("mipsle 9000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "missing.txt"), broken} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"-budgets", p, "-out", filepath.Join(dir, "dist")}, &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), p) {
			t.Errorf("budgets %s: exit %d, stderr %q", p, code, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output written despite the budgets error: %v", err)
	}
}

// A failed package build leaves nothing under the final name.
func TestWriteFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "x.ipk")
	boom := errors.New("boom")
	if err := writeFile(p, func(w io.Writer) error { w.Write([]byte("half")); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "sub")); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if err := writeFile(p, func(w io.Writer) error { _, err := w.Write([]byte("whole")); return err }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if err != nil || string(b) != "whole" || fi.Mode().Perm() != 0o644 {
		t.Fatalf("got %q, mode %v, err %v", b, fi.Mode(), err)
	}
}

func TestSourceDate(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	if got := sourceDate(t.TempDir()); !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("SOURCE_DATE_EPOCH ignored: %v", got)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	// Outside a git checkout: the current time.
	if got := sourceDate(t.TempDir()); time.Since(got) > time.Minute {
		t.Errorf("fallback %v", got)
	}
}
