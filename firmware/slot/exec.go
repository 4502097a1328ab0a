package slot

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// The router agent runs a handful of commands (fw_printenv, fw_setenv,
// ubiupdatevol, reboot, firstboot) and nothing more; os.StartProcess and
// Wait do that without os/exec, which costs the mipsle binary about 20 KB
// of code for features (Cmd's environment handling, WaitDelay, process
// groups) no caller here uses.

// errNotFound is what LookPath returns for a command missing from PATH.
var errNotFound = errors.New("executable file not found in $PATH")

// LookPath finds an executable named name in the directories of PATH, as
// a shell would; a name holding a slash is only checked. Relative PATH
// entries are skipped: running a command from the working directory by
// accident is what os/exec refuses too (ErrDot).
func LookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		if err := executable(name); err != nil {
			return "", &fs.PathError{Op: "exec", Path: name, Err: err}
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if !filepath.IsAbs(dir) {
			continue
		}
		if p := filepath.Join(dir, name); executable(p) == nil {
			return p, nil
		}
	}
	return "", &fs.PathError{Op: "exec", Path: name, Err: errNotFound}
}

// executable reports why path is not a file this process may execute.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}

// Exec runs name with args (name is looked up in PATH unless it holds a
// slash) and waits for it and its output. stdin may be nil (the null
// device); stdout and stderr (nil: discarded) receive what the command
// writes, and the same writer for both gets the two streams interleaved
// as written, like a terminal. When ctx ends first the command is
// killed. A non-zero exit is an error reading like os/exec's ("exit
// status 1", "signal: killed").
func Exec(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, name string, args ...string) error {
	path, err := LookPath(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	combined := stdout == stderr
	// ours[i] is this process's end of the command's descriptor i (nil:
	// none), theirs[i] the command's.
	var ours, theirs [3]*os.File
	for i := 0; i < 3 && err == nil; i++ {
		switch {
		case i == 0 && stdin == nil:
			theirs[0], err = os.Open(os.DevNull)
		case i == 0:
			theirs[0], ours[0], err = os.Pipe()
		case i == 2 && combined:
			theirs[2] = theirs[1]
		default:
			ours[i], theirs[i], err = os.Pipe()
		}
	}
	var proc *os.Process
	if err == nil {
		proc, err = os.StartProcess(path, append([]string{name}, args...), &os.ProcAttr{Files: theirs[:]})
	}
	closeFiles(theirs[:])
	if err != nil {
		closeFiles(ours[:])
		return err
	}

	errs := make(chan error, 3)
	copies := 1
	if stdin != nil {
		copies++
		go func() { errs <- feed(ours[0], stdin) }()
	}
	go func() { errs <- drain(stdout, ours[1]) }()
	if !combined {
		copies++
		go func() { errs <- drain(stderr, ours[2]) }()
	}
	exited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			proc.Kill()
		case <-exited:
		}
	}()
	state, err := proc.Wait()
	close(exited)
	var copyErr error
	for range copies {
		if e := <-errs; copyErr == nil {
			copyErr = e
		}
	}
	closeFiles(ours[:])
	switch {
	case err != nil:
		return err
	case !state.Success():
		return errors.New(state.String())
	}
	return copyErr
}

// feed copies r to the command's standard input and closes it, so the
// command sees the end of its input.
func feed(w *os.File, r io.Reader) error {
	_, err := io.Copy(w, r)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	// A command that exits without reading all its input is judged by
	// its exit status, not by the broken pipe.
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}

// drain copies the command's output to w until the command and whatever
// it started close it.
func drain(w io.Writer, r *os.File) error {
	_, err := io.Copy(w, r)
	return err
}

// closeFiles closes the files that are there; closing one twice is
// harmless.
func closeFiles(fs []*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}
