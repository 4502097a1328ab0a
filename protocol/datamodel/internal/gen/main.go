// Command gen regenerates the schema files that package datamodel embeds
// from the BBF data-model XML. `go generate ./protocol/datamodel` runs it in
// the package folder; by default it reads ../shared/datamodels beside the
// repository root (the folder holding go.mod).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gatewarden/protocol/datamodel/internal/dmformat"
	"gatewarden/protocol/datamodel/internal/dmgen"
)

// The models datamodel embeds: output file name and model XML file.
var models = []struct{ out, xml string }{
	{"tr-181-2-17-0.gwdm", "tr-181-2-17-0-cwmp-full.xml"},
	{"tr-098-1-8-0.gwdm", "tr-098-1-8-0-full.xml"},
}

const typesFile = "tr-106-types.xml"

func main() {
	shared := flag.String("shared", "", "folder of the BBF XML files (default: ../shared/datamodels beside the repository root)")
	out := flag.String("out", "data", "folder to write the schema files to")
	flag.Parse()
	if err := run(*shared, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(shared, out string) error {
	if shared == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		shared = filepath.Join(root, "..", "shared", "datamodels")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	for _, m := range models {
		payload, st, err := dmgen.Generate(filepath.Join(shared, m.xml), filepath.Join(shared, typesFile), os.Stderr)
		if err != nil {
			return err
		}
		file, err := dmformat.Pack(payload)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, m.out), file, 0o644); err != nil {
			return fmt.Errorf("write schema: %w", err)
		}
		fmt.Fprintf(os.Stderr, "%s: %d objects, %d parameters, %d types (%d named), %d patterns, %d strings; payload %d bytes, file %d bytes\n",
			st.Model, st.Objects, st.Parameters, st.Types, st.DataTypes, st.Patterns, st.Strings, st.Payload, len(file))
	}
	return nil
}

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}
