package packaging

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"gatewarden/cpe-agent/agent"
	"gatewarden/cross-build/matrix"
)

// agentOptions is every UCI option name the agent accepts, as the agent
// package lists them. The packaged config is checked against this list,
// so a new option cannot go undocumented.
func agentOptions(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, n := range agent.OptionNames() {
		names[n] = true
	}
	if len(names) < 10 {
		t.Fatalf("the agent lists only %d options", len(names))
	}
	return names
}

// agentConst evaluates an integer constant of the agent's main package
// (cpe-agent/cmd/cpe-agent), such as its memory defaults.
func agentConst(t *testing.T, name string) int64 {
	t.Helper()
	root, err := matrix.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "cpe-agent", "cmd", "cpe-agent", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var eval func(e ast.Expr) constant.Value
	eval = func(e ast.Expr) constant.Value {
		switch e := e.(type) {
		case *ast.BasicLit:
			return constant.MakeFromLiteral(e.Value, e.Kind, 0)
		case *ast.ParenExpr:
			return eval(e.X)
		case *ast.BinaryExpr:
			x, y := eval(e.X), eval(e.Y)
			if e.Op == token.SHL || e.Op == token.SHR {
				s, _ := constant.Uint64Val(y)
				return constant.Shift(x, e.Op, uint(s))
			}
			return constant.BinaryOp(x, e.Op, y)
		}
		t.Fatalf("%s: cannot evaluate %T", name, e)
		return nil
	}
	fset := token.NewFileSet()
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if id.Name == name && i < len(vs.Values) {
						v, ok := constant.Int64Val(eval(vs.Values[i]))
						if !ok {
							t.Fatalf("%s is not an int64", name)
						}
						return v
					}
				}
			}
		}
	}
	t.Fatalf("no constant %s in cpe-agent/cmd/cpe-agent", name)
	return 0
}
