package uci

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Format writes f in the canonical form uci itself writes: a `package` line
// if f has a package name, then each section preceded by a blank line,
// options indented by a tab, names bare, values in single quotes (see
// quote for a single quote inside a value). Parsing the output gives back f.
//
// Format refuses what the syntax cannot carry: invalid names, values with a
// newline or NUL byte, two sections with the same name.
func Format(w io.Writer, f *File) error {
	if err := check(f); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if f.Package != "" {
		fmt.Fprintf(bw, "package %s\n", f.Package)
	}
	for _, s := range f.sections {
		bw.WriteString("\nconfig ")
		bw.WriteString(quoteType(s.Type))
		if s.Name != "" {
			bw.WriteString(" ")
			bw.WriteString(quote(s.Name))
		}
		bw.WriteString("\n")
		for _, o := range s.options {
			cmd := "option"
			if o.List {
				cmd = "list"
			}
			for _, v := range o.Values {
				fmt.Fprintf(bw, "\t%s %s %s\n", cmd, o.Name, quote(v))
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("uci: writing config: %w", err)
	}
	return nil
}

func check(f *File) error {
	if f.Package != "" && !validPackage(f.Package) {
		return fmt.Errorf("uci: invalid package name %q", f.Package)
	}
	names := make(map[string]bool)
	for _, s := range f.sections {
		if !validType(s.Type) {
			return fmt.Errorf("uci: invalid section type %q", s.Type)
		}
		if s.Name != "" {
			if !validName(s.Name) {
				return fmt.Errorf("uci: invalid section name %q", s.Name)
			}
			if names[s.Name] {
				return fmt.Errorf("uci: two sections named %q", s.Name)
			}
			names[s.Name] = true
		}
		for _, o := range s.options {
			if !validName(o.Name) {
				return fmt.Errorf("uci: section %s: invalid option name %q", sectionLabel(s), o.Name)
			}
			if !o.List && len(o.Values) != 1 {
				return fmt.Errorf("uci: section %s: option %q has %d values, want 1", sectionLabel(s), o.Name, len(o.Values))
			}
			for _, v := range o.Values {
				// Values are not quoted in the message: they may be secrets.
				if strings.ContainsAny(v, "\n\x00") {
					return fmt.Errorf("uci: section %s: option %q: a value cannot hold a newline or NUL byte", sectionLabel(s), o.Name)
				}
			}
		}
	}
	return nil
}

func sectionLabel(s *Section) string {
	if s.Name != "" {
		return fmt.Sprintf("%s %q", s.Type, s.Name)
	}
	return s.Type + " (anonymous)"
}

// quote single-quotes v. A single quote inside v closes the quoting, is
// written escaped by a backslash, and the quoting reopens: the shell idiom
// uci uses, so it's becomes
//
//	'it'\''s'
func quote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// quoteType leaves ordinary types bare, as uci writes them, and quotes the
// rare type whose characters would otherwise read differently.
func quoteType(t string) string {
	for i := 0; i < len(t); i++ {
		if !isNameByte(t[i]) && t[i] != '-' {
			return quote(t)
		}
	}
	return t
}
