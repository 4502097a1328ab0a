// Command cwmpdump decodes one captured CWMP SOAP message and prints it as
// indented JSON, for people reading captures and for scripts and tests.
//
//	cwmpdump [FILE|-]   decode FILE (standard input when absent or "-")
//	cwmpdump version    print "cwmpdump <version>"
//
// Output: {"namespace", "version", "header", "method", "body"}; header and
// body fields carry the XSD element names. A message that does not decode
// exits 1 with one line on stderr naming the error kind and the fault an
// ACS would answer with; a usage error exits 2.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gatewarden/protocol/buildinfo"
	"gatewarden/protocol/cwmp"
)

// maxMessage is generous: captures can hold whole data-model dumps.
const maxMessage = 64 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = "usage: cwmpdump [FILE|-] | cwmpdump version  (a file named \"version\": ./version)"

// run is the whole program; main only binds it to the process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	in, name := stdin, "stdin"
	switch {
	case len(args) > 1:
		fmt.Fprintln(stderr, usage)
		return 2
	case len(args) == 1 && args[0] == "version":
		fmt.Fprintln(stdout, "cwmpdump "+buildinfo.String())
		return 0
	case len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Fprintln(stdout, usage)
		return 0
	case len(args) == 1 && args[0] != "-" && strings.HasPrefix(args[0], "-"):
		fmt.Fprintf(stderr, "cwmpdump: unknown flag %s\n%s\n", args[0], usage)
		return 2
	case len(args) == 1 && args[0] != "-":
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintf(stderr, "cwmpdump: %v\n", err)
			return 1
		}
		defer f.Close()
		in, name = f, args[0]
	}

	env, err := cwmp.DecodeFrom(in, maxMessage)
	if err != nil {
		fmt.Fprintln(stderr, oneLine(describe(name, err)))
		return 1
	}
	out, err := json.MarshalIndent(dump(env), "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "cwmpdump: %s: render JSON: %v\n", name, err)
		return 1
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", out); err != nil {
		fmt.Fprintf(stderr, "cwmpdump: write output: %v\n", err)
		return 1
	}
	return 0
}

type header struct {
	ID                    string  `json:"ID,omitempty"`
	HoldRequests          *bool   `json:"HoldRequests,omitempty"`
	SessionTimeout        *uint32 `json:"SessionTimeout,omitempty"`
	SupportedCWMPVersions string  `json:"SupportedCWMPVersions,omitempty"`
	UseCWMPVersion        string  `json:"UseCWMPVersion,omitempty"`
	NoMoreRequests        bool    `json:"NoMoreRequests,omitempty"`
}

type document struct {
	Namespace string    `json:"namespace"`
	Version   string    `json:"version"`
	Header    header    `json:"header"`
	Method    string    `json:"method"`
	Body      cwmp.Body `json:"body"`
}

func dump(env *cwmp.Envelope) document {
	d := document{
		Namespace: env.Namespace,
		Header:    header(env.Header),
		Method:    env.Body.Method(),
		Body:      env.Body,
	}
	if v := env.ImpliedVersion(); v != 0 {
		d.Version = v.String()
	}
	return d
}

// describe names the decode error's kind and the fault an ACS (and a CPE)
// would answer the message with.
func describe(name string, err error) string {
	var de *cwmp.DecodeError
	if !errors.As(err, &de) {
		return fmt.Sprintf("cwmpdump: %s: %v", name, err)
	}
	msg := de.Msg
	if de.Err != nil {
		msg += ": " + de.Err.Error()
	}
	id := ""
	if de.ID != "" {
		id = fmt.Sprintf(", cwmp:ID %q", de.ID)
	}
	return fmt.Sprintf("cwmpdump: %s: %s: %s (an ACS answers fault %s, a CPE fault %s%s)",
		name, de.Kind, msg, de.ACSFault(), de.CPEFault(), id)
}

// oneLine keeps the diagnostic to a single line whatever the input held.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
