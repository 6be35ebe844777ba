package domain

import (
	"slices"
	"strings"
)

// PermissionTableMarkdown renders the policy table for the docs: one row
// per permission, one column per role, and what each role is for. README.md
// and docs/managing-members.md embed it between
// <!-- BEGIN generated:permissions --> and <!-- END generated:permissions -->.
func PermissionTableMarkdown() string {
	row := func(cells []string) string { return "| " + strings.Join(cells, " | ") + " |\n" }
	head := []string{"permission", "allows"}
	var cols [][]Permission
	for _, p := range orgPolicies {
		head = append(head, "org "+string(p.Role))
		cols = append(cols, p.Permissions)
	}
	for _, p := range projectPolicies {
		head = append(head, "project "+string(p.Role))
		cols = append(cols, p.Permissions)
	}
	var b strings.Builder
	b.WriteString(row(head))
	b.WriteString("|" + strings.Repeat("---|", len(head)) + "\n")
	for _, p := range permissionDocs {
		cells := []string{"`" + string(p.Name) + "`", p.Summary}
		for _, c := range cols {
			mark := "–"
			if slices.Contains(c, p.Name) {
				mark = "✓"
			}
			cells = append(cells, mark)
		}
		b.WriteString(row(cells))
	}
	b.WriteString("\n")
	for _, p := range orgPolicies {
		b.WriteString("- org `" + string(p.Role) + "`: " + p.Summary)
		if p.ProjectRole != "" {
			b.WriteString("; acts as project `" + string(p.ProjectRole) + "` of every project (`\"via\": \"org\"`) without being listed as its member")
		}
		b.WriteString(".\n")
	}
	for _, p := range projectPolicies {
		b.WriteString("- project `" + string(p.Role) + "`: " + p.Summary + ".\n")
	}
	b.WriteString("- Anyone may leave an organization or a project, except an organization's last owner.\n")
	return b.String()
}
