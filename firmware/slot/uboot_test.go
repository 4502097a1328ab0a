package slot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// fakeBoard plays fw_printenv, fw_setenv and ubiupdatevol over an
// in-memory environment and volume set, and logs every command.
type fakeBoard struct {
	mu      sync.Mutex
	env     map[string]string
	volumes map[string][]byte
	log     []string
	failSet bool
}

func (b *fakeBoard) Run(ctx context.Context, stdin io.Reader, name string, args ...string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log = append(b.log, strings.TrimSpace(name+" "+strings.Join(args, " ")))
	switch name {
	case "fw_printenv":
		var names []string
		for n := range b.env {
			names = append(names, n)
		}
		sort.Strings(names)
		var out strings.Builder
		for _, n := range names {
			fmt.Fprintf(&out, "%s=%s\n", n, b.env[n])
		}
		return []byte(out.String()), nil
	case "fw_setenv":
		if b.failSet {
			return nil, errors.New("exit status 1")
		}
		if len(args) != 2 || args[0] != "-s" || args[1] != "-" {
			return nil, fmt.Errorf("unexpected fw_setenv args %q", args)
		}
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), " ")
			if v == "" {
				delete(b.env, k)
			} else {
				b.env[k] = v
			}
			b.log = append(b.log, "  "+sc.Text())
		}
		return nil, nil
	case "ubiupdatevol":
		b.mu.Unlock()
		data, err := io.ReadAll(stdin)
		b.mu.Lock()
		if err != nil {
			return nil, err
		}
		if fmt.Sprint(len(data)) != args[2] {
			return nil, errors.New("short input")
		}
		b.volumes[args[0]] = data
		return nil, nil
	}
	return nil, fmt.Errorf("unknown command %s", name)
}

// bootloader plays U-Boot's bootcount logic with the documented script.
func (b *fakeBoard) boot() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.env[envUpgrade] == "1" {
		n := 0
		fmt.Sscan(b.env[envBootCount], &n)
		n++
		b.env[envBootCount] = fmt.Sprint(n)
		limit := 0
		fmt.Sscan(b.env[envBootLimit], &limit)
		if n > limit { // altbootcmd
			s := Name(b.env[envBootSlot])
			b.env[envState(s)] = string(StateBad)
			b.env[envBootSlot] = string(s.Other())
			b.env[envUpgrade] = "0"
		}
	}
}

func newUBoot(t *testing.T) (*UBoot, *fakeBoard) {
	dir := t.TempDir()
	sys := filepath.Join(dir, "sys")
	for i, name := range []string{"kernel_a", "rootfs_a", "kernel_b", "rootfs_b"} {
		d := filepath.Join(sys, "class", "ubi", fmt.Sprintf("ubi0_%d", i))
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "name"), []byte(name+"\n"), 0o644)
	}
	fb := &fakeBoard{env: map[string]string{envBootSlot: "a", "bootcmd": "run gw_boot"}, volumes: map[string][]byte{}}
	u := NewUBoot(UBootOptions{Runner: fb, SysRoot: sys, DevRoot: "/dev", Cmdline: filepath.Join(dir, "none"), BootLimit: 1})
	return u, fb
}

func TestUBootUpgradeAndCommit(t *testing.T) {
	u, fb := newUBoot(t)
	st, err := u.Status()
	if err != nil || st[0].State != StateGood || !st[0].Booted || st[1].State != StateBad {
		t.Fatalf("factory status %+v %v", st, err)
	}
	writeImage(t, u, B, []byte("rootfs bytes"))
	if got := string(fb.volumes["/dev/ubi0_3"]); got != "rootfs bytes" {
		t.Fatalf("volume rootfs_b holds %q", got)
	}
	if err := u.MarkBootOnce(B, "2.0"); err != nil {
		t.Fatal(err)
	}
	fb.boot()
	if booted(t, u) != B {
		t.Fatal("trial boot")
	}
	if n, _ := u.BootCount(); n != 1 {
		t.Fatalf("boot count %d", n)
	}
	if err := u.MarkGood(); err != nil {
		t.Fatal(err)
	}
	fb.boot()
	st, _ = u.Status()
	if !st[1].Booted || st[1].State != StateGood || st[1].Version != "2.0" {
		t.Fatalf("after commit %+v", st)
	}
	want := []string{"fw_setenv -s -", "  bootcount 0", "  gw_boot_slot b", "  gw_slot_b_state good", "  upgrade_available 0"}
	if got := fb.log[len(fb.log)-len(want)-2 : len(fb.log)-2]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commit commands:\n%s", strings.Join(fb.log, "\n"))
	}
}

func TestUBootFallback(t *testing.T) {
	u, fb := newUBoot(t)
	writeImage(t, u, B, []byte("bad"))
	u.MarkBootOnce(B, "2.0")
	fb.boot() // trial 1 of 1
	fb.boot() // past the limit: altbootcmd
	if booted(t, u) != A {
		t.Fatal("no fallback")
	}
	st, _ := u.Status()
	if st[1].State != StateBad {
		t.Fatalf("failed slot %+v", st[1])
	}
}

func TestUBootGuards(t *testing.T) {
	u, fb := newUBoot(t)
	if err := u.MarkBad(A); !errors.Is(err, ErrBootedSlot) {
		t.Fatal(err)
	}
	if _, err := u.OpenTarget(B, "rootfs", 5, 3); !errors.Is(err, ErrNoResume) {
		t.Fatal(err)
	}
	if _, err := u.OpenTarget(B, "nvram", 5, 0); !errors.Is(err, ErrUnknownTarget) {
		t.Fatal(err)
	}
	w, err := u.OpenTarget(B, "rootfs", 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("ab"))
	if err := w.Close(); err == nil {
		t.Fatal("short volume update succeeded")
	}
	fb.failSet = true
	if err := u.MarkBootOnce(B, "2"); err == nil {
		t.Fatal("fw_setenv failure hidden")
	}
	// The kernel command line wins over the environment.
	os.WriteFile(u.opts.Cmdline, []byte("console=ttyS0 gw.slot=b root=ubi0:rootfs_b"), 0o644)
	if booted(t, u) != B {
		t.Fatal("cmdline ignored")
	}
}

func TestParseEnv(t *testing.T) {
	env := parseEnv([]byte("a=1\nbootcmd=run x; run y=z\ngarbage\n=novalue\n"))
	if env["a"] != "1" || env["bootcmd"] != "run x; run y=z" || len(env) != 2 {
		t.Fatalf("%v", env)
	}
}

func TestUBootRefusesArmedSlot(t *testing.T) {
	u, _ := newUBoot(t)
	writeImage(t, u, B, []byte("img"))
	if err := u.MarkBootOnce(B, "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.OpenTarget(B, "rootfs", 3, 0); err == nil {
		t.Fatal("wrote a slot armed for trial without marking it bad")
	}
}
