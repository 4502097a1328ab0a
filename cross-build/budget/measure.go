package budget

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// XZArgs compress the way OpenWrt's squashfs stores a file: LZMA2 at the
// strongest preset, in independent 256 KiB blocks (squashfs's block size),
// so the figure is what the binary costs in a firmware image rather than
// the smaller size of one continuous stream.
var XZArgs = []string{"--format=xz", "-9e", "--block-size=256KiB", "--threads=1", "--stdout"}

// Measure reports the size of the binary at path and of its xz form. It
// fails on a binary that still carries a symbol table or DWARF, since the
// budgets are for release builds.
func Measure(ctx context.Context, target, path string) (Size, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Size{}, fmt.Errorf("measure %s: %w", target, err)
	}
	if err := checkStripped(path); err != nil {
		return Size{}, fmt.Errorf("measure %s: %w", target, err)
	}
	xz, err := xzSize(ctx, path)
	if err != nil {
		return Size{}, fmt.Errorf("measure %s: %w", target, err)
	}
	return Size{Target: target, Stripped: fi.Size(), XZ: xz}, nil
}

func checkStripped(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("not an ELF binary: %w", err)
	}
	defer f.Close()
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			return fmt.Errorf("%s has section %s: build with -ldflags \"-s -w\"", path, s.Name)
		}
	}
	return nil
}

// countingWriter counts what xz writes instead of keeping it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func xzSize(ctx context.Context, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var out countingWriter
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, "xz", XZArgs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, &out, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("xz (Debian package xz-utils): %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out.n, nil
}
