// Command fwtool makes and checks Gatewarden firmware packages:
//
//	fwtool keygen -o KEY
//	fwtool pack --board B [--board B2 ...] --version V --key KEY -o OUT PAYLOAD...
//	fwtool sign --key KEY -o OUT FILE
//	fwtool inspect FILE
//	fwtool verify --pub KEY.pub [--board B] FILE
//	fwtool version
//
// The package format is described in firmware/README.md.
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the exit status: 0 success, 1 the
// operation failed (a package that does not verify), 2 a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			usage(stdout)
			return 0
		}
		errorf(stderr, "unknown command %q", args[0])
		usage(stderr)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

var commands map[string]func(args []string, stdout, stderr io.Writer) int

func init() {
	commands = map[string]func([]string, io.Writer, io.Writer) int{
		"keygen":  cmdKeygen,
		"pack":    cmdPack,
		"sign":    cmdSign,
		"inspect": cmdInspect,
		"verify":  cmdVerify,
		"version": cmdVersion,
	}
}

func usage(w io.Writer) {
	io.WriteString(w, `usage:
  fwtool keygen -o KEY                    write KEY (ed25519, PKCS#8 PEM) and KEY.pub (PKIX PEM)
  fwtool pack --board B [--board B2 ...] --version V --key KEY -o OUT PAYLOAD...
                                          PAYLOAD is [TARGET=]FILE; TARGET defaults to FILE's
                                          base name without extension
  fwtool sign --key KEY -o OUT FILE       (re)sign a package with KEY
  fwtool inspect FILE                     print the header as JSON (nothing verified)
  fwtool verify --pub KEY.pub [--board B] FILE
                                          exit 0 only for an intact package signed by KEY,
                                          fitting board B, with nothing after its end
  fwtool version
`)
}
