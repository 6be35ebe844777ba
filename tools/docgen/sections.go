package main

import (
	"fmt"
	"net/http"
	"os/exec"
	"path"
	"strings"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/routes"
)

// permissions is who may do what, from the domain's policy table.
func permissions(string) (string, error) { return domain.PermissionTableMarkdown(), nil }

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
