package slot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
)

// Runner runs a command: the seam between the U-Boot backend and
// fw_printenv, fw_setenv and ubiupdatevol, so tests record and fake them.
type Runner interface {
	// Run runs name with args, feeding stdin (nil: none), and returns its
	// standard output. A non-zero exit is an error carrying stderr.
	Run(ctx context.Context, stdin io.Reader, name string, args ...string) ([]byte, error)
}

// ExecRunner runs real commands.
type ExecRunner struct{}

// Run implements Runner.
func (*ExecRunner) Run(ctx context.Context, stdin io.Reader, name string, args ...string) ([]byte, error) {
	var out, errb bytes.Buffer
	if err := Exec(ctx, stdin, &out, &errb, name, args...); err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return out.Bytes(), nil
}
