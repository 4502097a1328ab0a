package xsdgen

import (
	"fmt"
	"os"
	"path/filepath"
)

// RepoRoot walks up from dir to the folder holding go.mod. The BBF files sit
// in ../shared beside that folder, both on developer machines and in CI.
func RepoRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("repo root: no go.mod above %s", abs)
		}
	}
}

// SharedDir returns ../shared/<elem...> relative to the repository root.
func SharedDir(dir string, elem ...string) (string, error) {
	root, err := RepoRoot(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{root, "..", "shared"}, elem...)...), nil
}
