package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestErrorCodeNamesSayWhatTheyAre holds every error-code constant to one
// naming rule: ECode followed by its wire value in CamelCase
// (project_not_found is ECodeProjectNotFound), so no name is shortened.
func TestErrorCodeNamesSayWhatTheyAre(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for i, name := range vs.Names {
				v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				want := "ECode"
				for _, w := range strings.Split(v, "_") {
					want += strings.ToUpper(w[:1]) + w[1:]
				}
				if name.Name != want {
					t.Errorf("%s = %q: name it %s", name.Name, v, want)
				}
				n++
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d error codes in errors.go", n)
	}
}
