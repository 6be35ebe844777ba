package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/routes"
)

// permissions is who may do what, from the domain's policy table.
func permissions(string) (string, error) { return domain.PermissionTableMarkdown(), nil }

// eventTypes is the membership events' detail-types (eventbus.DetailTypes),
// each with its JSON Schema's description. Returns an error for a
// detail-type without a schema, or a schema whose title is not its
// detail-type or that has no description.
func eventTypes(root string) (string, error) {
	var b strings.Builder
	b.WriteString("| detail-type | when | schema |\n|---|---|---|\n")
	for _, dt := range eventbus.DetailTypes {
		raw, err := os.ReadFile(filepath.Join(root, "docs", "events", dt+".schema.json"))
		if err != nil {
			return "", fmt.Errorf("%s has no schema: %w", dt, err)
		}
		var sch struct{ Title, Description string }
		if err := json.Unmarshal(raw, &sch); err != nil || sch.Title != dt || sch.Description == "" {
			return "", fmt.Errorf("docs/events/%s.schema.json: title %q, description %q, %v", dt, sch.Title, sch.Description, err)
		}
		b.WriteString("| `" + dt + "` | " + sch.Description + " | [schema](events/" + dt + ".schema.json) |\n")
	}
	return b.String(), nil
}

// routesTable is the HTTP API's routes, from routes.Table.
func routesTable(string) (string, error) {
	var b strings.Builder
	b.WriteString("| route | function | auth | what |\n|---|---|---|---|\n")
	for _, r := range routes.Table {
		auth := "–"
		if r.Auth {
			auth = "JWT"
		}
		fmt.Fprintf(&b, "| `%s %s` | %s | %s | %s |\n", r.Method, r.Path, r.Function, auth, r.Summary)
	}
	return b.String(), nil
}

// errorCodes is the error codes by HTTP status, from httpapi's table.
func errorCodes(string) (string, error) {
	var b strings.Builder
	b.WriteString("| status | codes |\n|---|---|\n")
	codes := httpapi.Codes()
	for i := 0; i < len(codes); {
		st := httpapi.Status(codes[i])
		var names []string
		for ; i < len(codes) && httpapi.Status(codes[i]) == st; i++ {
			names = append(names, "`"+string(codes[i])+"`")
		}
		fmt.Fprintf(&b, "| %d %s | %s |\n", st, http.StatusText(st), strings.Join(names, ", "))
	}
	return b.String(), nil
}

// configTable is the environment variables, from config.Variables.
func configTable(string) (string, error) {
	var b strings.Builder
	b.WriteString("| variable | used by | default (local) | meaning |\n|---|---|---|---|\n")
	for _, v := range config.Variables {
		var users []string
		for _, u := range v.UsedBy {
			if strings.Contains(u, " ") {
				u = "`" + u + "`"
			}
			users = append(users, u)
		}
		def := v.DocDefault
		if v.LocalDefault != "" {
			def = "`" + v.LocalDefault + "`"
		}
		if def == "" {
			def = "–"
		}
		meaning := v.Meaning
		if v.Required {
			meaning = "required: " + meaning
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", v.Name, strings.Join(users, ", "), def, meaning)
	}
	return b.String(), nil
}

// sharedPackages is one line per package under shared/: its path and the
// first sentence of its package comment ("Package x does y" becomes
// "`shared/x` does y").
func sharedPackages(root string) (string, error) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Doc}}", "./shared/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list ./shared/...: %w", err)
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		imp, doc, _ := strings.Cut(line, "\t")
		name := path.Base(imp)
		rest, ok := strings.CutPrefix(doc, "Package "+name+" ")
		if !ok {
			return "", fmt.Errorf("package %s: its comment does not start %q", imp, "Package "+name+" ")
		}
		fmt.Fprintf(&b, "  - `shared/%s` %s\n", name, rest)
	}
	return b.String(), nil
}
