package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// multiFlag collects a repeatable flag (--board).
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// parse parses flags wherever they appear among the positional arguments
// (people type `fwtool verify FILE --pub K` as often as the other order).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fwtool "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func errorf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "fwtool: "+format+"\n", args...)
}
