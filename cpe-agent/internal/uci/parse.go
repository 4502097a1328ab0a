package uci

import (
	"fmt"
	"io"
)

// SyntaxError reports a malformed file. Its message starts with the line
// number and leaves the file name to the caller, which knows it:
// "line 7: option outside a section".
type SyntaxError struct {
	_    incomparable
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parse reads one uci file. A malformed file gives a *SyntaxError.
func Parse(r io.Reader) (*File, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("uci: reading config: %w", err)
	}
	p := parser{lex: lexer{src: src, line: 1}, file: &File{}}
	if err := p.run(); err != nil {
		return nil, err
	}
	return p.file, nil
}

type parser struct {
	lex  lexer
	file *File
	cur  *Section
	// declared remembers where each named section was first declared, to
	// point at it when a redeclaration changes the type.
	declared map[string]int
}

func (p *parser) run() error {
	for {
		line := p.lex.line
		args, err := p.lex.statement()
		if err != nil {
			return err
		}
		if args == nil {
			if p.lex.eof() {
				return nil
			}
			continue
		}
		if err := p.apply(line, args); err != nil {
			return err
		}
	}
}

// syntaxError is kept out of line: apply's local fail closure was inlined
// at each of its dozen uses, with the Sprintf call and the allocation.
//
//go:noinline
func syntaxError(line int, format string, a ...any) error {
	return &SyntaxError{Line: line, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) apply(line int, args []string) error {
	// Report errors at the line the statement starts on, even when a
	// continuation carried it further.
	fail := func(format string, a ...any) error { return syntaxError(line, format, a...) }
	cmd, args := args[0], args[1:]
	switch cmd {
	case "package", "p":
		if len(args) != 1 {
			return fail("package wants one name, got %d arguments", len(args))
		}
		if p.file.Package != "" || len(p.file.sections) > 0 {
			return fail("package must come once, before the first section")
		}
		if !validPackage(args[0]) {
			return fail("invalid package name %q (letters, digits, '_' and '-' only)", args[0])
		}
		p.file.Package = args[0]
	case "config", "c":
		if len(args) < 1 || len(args) > 2 {
			return fail("config wants a type and an optional name, got %d arguments", len(args))
		}
		typ, name := args[0], ""
		if len(args) == 2 {
			name = args[1]
		}
		if !validType(typ) {
			return fail("invalid section type %q", typ)
		}
		if name == "" {
			p.cur = &Section{Type: typ, Line: line}
			p.file.sections = append(p.file.sections, p.cur)
			return nil
		}
		if !validName(name) {
			return fail("invalid section name %q (letters, digits and '_' only)", name)
		}
		if s := p.file.Section("", name); s != nil {
			if s.Type != typ {
				return fail("section %q redeclared as type %q; line %d declared it as %q", name, typ, p.declared[name], s.Type)
			}
			p.cur = s
			return nil
		}
		if p.declared == nil {
			p.declared = make(map[string]int)
		}
		p.declared[name] = line
		p.cur = &Section{Type: typ, Name: name, Line: line}
		p.file.sections = append(p.file.sections, p.cur)
	case "option", "o", "list", "l":
		isList := cmd[0] == 'l'
		word := "option"
		if isList {
			word = "list"
		}
		if p.cur == nil {
			return fail("%s outside a section", word)
		}
		if len(args) != 2 {
			if len(args) > 2 {
				return fail("%s wants a name and one value, got %d arguments (quote a value that contains spaces)", word, len(args))
			}
			return fail("%s wants a name and a value, got %d arguments", word, len(args))
		}
		if !validName(args[0]) {
			return fail("invalid %s name %q (letters, digits and '_' only)", word, args[0])
		}
		if isList {
			p.cur.add(args[0], args[1], line)
		} else {
			p.cur.set(args[0], args[1], line)
		}
	default:
		return fail("unknown command %q (want package, config, option or list)", cmd)
	}
	return nil
}
