package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const defaultURL = "http://127.0.0.1:7557"

// fileConfig is what acsctl.conf may hold: "key = value" lines, "#"
// comments. Keys: url, token, token_file.
type fileConfig struct {
	url, token, tokenFile string
}

// configPath is ~/.config/gatewarden/acsctl.conf, honouring
// XDG_CONFIG_HOME.
func configPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "gatewarden", "acsctl.conf")
}

// loadConfig reads the config file; a missing default file is no error,
// a missing file named by --config is.
func loadConfig(path string, explicit bool) (fileConfig, []string, error) {
	var cfg fileConfig
	if path == "" {
		return cfg, nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return cfg, nil, nil
	}
	if err != nil {
		return cfg, nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	warnings := permissionWarning(f, path)
	cfg, err = parseConfig(f, path)
	return cfg, warnings, err
}

// parseConfig reads "key = value" lines; values may be quoted.
func parseConfig(r io.Reader, path string) (fileConfig, error) {
	var cfg fileConfig
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return cfg, fmt.Errorf("%s:%d: want key = value", path, n)
		}
		key, val = strings.TrimSpace(key), unquote(strings.TrimSpace(val))
		switch key {
		case "url":
			cfg.url = val
		case "token":
			cfg.token = val
		case "token_file":
			cfg.tokenFile = val
		default:
			return cfg, fmt.Errorf("%s:%d: unknown key %q (known: url, token, token_file)", path, n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return cfg, fmt.Errorf("config file %s: %w", path, err)
	}
	return cfg, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// readTokenFile reads a file holding just the token (DATA/admin.token).
func readTokenFile(path string) (string, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	warnings := permissionWarning(f, path)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", nil, fmt.Errorf("token file %s is empty", path)
	}
	return tok, warnings, nil
}

// permissionWarning: a token others can read is a token others can use.
func permissionWarning(f *os.File, path string) []string {
	st, err := f.Stat()
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s is readable by other users and holds a token; run: chmod 600 %s", path, path)}
}

// resolve decides URL and token: flags, then environment, then the
// config file.
func resolve(g *globals, getenv func(string) string) (url, token string, warnings []string, err error) {
	path, explicit := g.config, g.config != ""
	if !explicit {
		path = configPath(getenv)
	}
	cfg, warnings, err := loadConfig(path, explicit)
	if err != nil {
		return "", "", nil, err
	}
	url = firstOf(g.url, getenv("GATEWARDEN_URL"), cfg.url, defaultURL)
	switch {
	case g.tokenFile != "":
		var w []string
		token, w, err = readTokenFile(g.tokenFile)
		warnings = append(warnings, w...)
	case getenv("GATEWARDEN_TOKEN") != "":
		token = strings.TrimSpace(getenv("GATEWARDEN_TOKEN"))
	case cfg.token != "":
		token = cfg.token
	case cfg.tokenFile != "":
		var w []string
		token, w, err = readTokenFile(cfg.tokenFile)
		warnings = append(warnings, w...)
	}
	return url, token, warnings, err
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
