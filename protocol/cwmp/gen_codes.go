//go:build ignore

// gen_codes writes codes_gen.go from the BBF schemas beside the repository
// (../shared/datamodels). Run it with `go generate ./protocol/cwmp`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"gatewarden/protocol/cwmp/internal/xsdgen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen_codes:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := xsdgen.RepoRoot(".")
	if err != nil {
		return err
	}
	src, err := xsdgen.Generate(filepath.Join(root, "..", "shared", "datamodels"))
	if err != nil {
		return err
	}
	return os.WriteFile("codes_gen.go", src, 0o644)
}
