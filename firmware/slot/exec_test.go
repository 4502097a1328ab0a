package slot

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExecOutputAndInput(t *testing.T) {
	var out, errb bytes.Buffer
	err := Exec(context.Background(), strings.NewReader("in put"), &out, &errb, "sh", "-c", "tr ' ' _; echo oops >&2")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "in_put" || errb.String() != "oops\n" {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
}

func TestExecCombinedKeepsOrder(t *testing.T) {
	var out bytes.Buffer
	if err := Exec(context.Background(), nil, &out, &out, "sh", "-c", "echo 1; echo 2 >&2; echo 3"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n2\n3\n" {
		t.Fatalf("combined output %q", out.String())
	}
}

func TestExecExitStatus(t *testing.T) {
	var out bytes.Buffer
	err := Exec(context.Background(), nil, &out, nil, "sh", "-c", "cat; echo done; exit 3")
	if err == nil || err.Error() != "exit status 3" {
		t.Fatalf("err %v", err)
	}
	if out.String() != "done\n" { // stdin is the null device: cat ends at once
		t.Fatalf("stdout %q", out.String())
	}
}

func TestExecUnreadInputIsNoError(t *testing.T) {
	big := strings.NewReader(strings.Repeat("x", 1<<20))
	var out bytes.Buffer
	if err := Exec(context.Background(), big, &out, nil, "head", "-c", "3"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "xxx" {
		t.Fatalf("stdout %q", out.String())
	}
}

func TestExecContextKills(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Exec(ctx, nil, nil, nil, "sleep", "10")
	if err == nil || err.Error() != "signal: killed" {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	if err := Exec(ctx, nil, nil, nil, "true"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ended context: err %v", err)
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "gw-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gw-data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "relative:"+dir)
	if p, err := LookPath("gw-tool"); err != nil || p != tool {
		t.Fatalf("LookPath = %q, %v", p, err)
	}
	if _, err := LookPath("gw-data"); err == nil {
		t.Fatal("a file without execute permission was found")
	}
	if _, err := LookPath("gw-missing"); !errors.Is(err, errNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := LookPath(filepath.Join(dir, "gw-nothing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing path: %v", err)
	}
	var out bytes.Buffer
	if err := Exec(context.Background(), nil, &out, nil, "gw-tool"); err != nil || out.String() != "hi\n" {
		t.Fatalf("Exec through PATH: %q, %v", out.String(), err)
	}
}
