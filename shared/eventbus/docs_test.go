package eventbus_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/members-saas/members/shared/eventbus"
)

// docs/deploy.md's list of detail-types is generated from DetailTypes and
// the schemas' descriptions (MEMBERS_UPDATE_DOCS=1 rewrites it).
func TestDeployDocListsDetailTypes(t *testing.T) {
	root := filepath.Join("..", "..")
	var b strings.Builder
	b.WriteString("| detail-type | when | schema |\n|---|---|---|\n")
	for _, dt := range eventbus.DetailTypes {
		raw, err := os.ReadFile(filepath.Join(root, "docs", "events", dt+".schema.json"))
		if err != nil {
			t.Fatalf("%s has no schema: %v", dt, err)
		}
		var sch struct{ Title, Description string }
		if err := json.Unmarshal(raw, &sch); err != nil || sch.Title != dt || sch.Description == "" {
			t.Fatalf("docs/events/%s.schema.json: title %q, description %q, %v", dt, sch.Title, sch.Description, err)
		}
		b.WriteString("| `" + dt + "` | " + sch.Description + " | [schema](events/" + dt + ".schema.json) |\n")
	}
	want := b.String()

	path := filepath.Join(root, "docs", "deploy.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)(<!-- BEGIN generated:event-types -->\n)(.*?)(<!-- END generated:event-types -->)`)
	m := re.FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/deploy.md has no generated:event-types section")
	}
	if string(m[2]) == want {
		return
	}
	if os.Getenv("MEMBERS_UPDATE_DOCS") == "1" {
		out := re.ReplaceAllLiteral(doc, append(append(append([]byte{}, m[1]...), want...), m[3]...))
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/deploy.md's event-types section is out of date (MEMBERS_UPDATE_DOCS=1 go test ./shared/eventbus rewrites it); want\n%s", want)
}
