package domain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPermissionDocsAreGenerated fails when the permission table in
// README.md or docs/managing-members.md differs from
// PermissionTableMarkdown. UPDATE_DOCS=1 rewrites them.
func TestPermissionDocsAreGenerated(t *testing.T) {
	const begin, end = "<!-- BEGIN generated:permissions -->\n", "<!-- END generated:permissions -->"
	want := PermissionTableMarkdown()
	for _, f := range []string{"README.md", "docs/managing-members.md"} {
		path := filepath.Join("..", "..", f)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(raw)
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Errorf("%s has no %q … %q section", f, strings.TrimSpace(begin), end)
			continue
		}
		got := doc[i+len(begin) : j]
		if got == want {
			continue
		}
		if os.Getenv("UPDATE_DOCS") == "1" {
			if err := os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: the permission table differs from the policy (run UPDATE_DOCS=1 go test ./shared/domain/ -run TestPermissionDocs):\n%s", f, want)
	}
}
