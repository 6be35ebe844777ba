package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRolesNeverDowngrade(t *testing.T) {
	for _, c := range []struct{ a, b, want OrgRole }{
		{"", OrgMember, OrgMember}, {"", OrgOwner, OrgOwner}, {OrgMember, OrgOwner, OrgOwner},
		{OrgOwner, OrgMember, OrgOwner}, {OrgMember, "", OrgMember}, {OrgMember, OrgMember, OrgMember},
		{OrgManager, OrgMember, OrgManager}, {OrgMember, OrgManager, OrgManager}, {OrgManager, OrgOwner, OrgOwner},
	} {
		if got := c.a.Max(c.b); got != c.want {
			t.Errorf("%q.Max(%q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct{ a, b, want ProjectRole }{
		{"", ProjectMemberRole, ProjectMemberRole}, {ProjectOwner, ProjectMemberRole, ProjectOwner},
		{ProjectMemberRole, ProjectOwner, ProjectOwner}, {ProjectMemberRole, "", ProjectMemberRole},
		{ProjectViewer, ProjectMemberRole, ProjectMemberRole}, {ProjectViewer, "", ProjectViewer},
	} {
		if got := c.a.Max(c.b); got != c.want {
			t.Errorf("%q.Max(%q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

// TestPermissionTable pins the table: every role's permissions.
func TestPermissionTable(t *testing.T) {
	org := map[OrgRole][]Permission{
		OrgOwner: {PermOrgMembersRead, PermOrgMembersManage, PermOrgOwnersManage, PermOrgProjectsCreate, PermOrgInvitesManage, PermOrgAuditRead,
			PermOrgSeatsManage, PermOrgDomainsManage, PermOrgJoinRequestsManage, PermOrgDirectoryManage},
		OrgManager: {PermOrgMembersRead, PermOrgMembersManage, PermOrgProjectsCreate, PermOrgInvitesManage, PermOrgAuditRead,
			PermOrgJoinRequestsManage},
		OrgMember: {PermOrgMembersRead},
	}
	for r, want := range org {
		if got := r.Permissions(); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", r, got, want)
		}
	}
	prj := map[ProjectRole][]Permission{
		ProjectOwner:      {PermProjectMembersRead, PermProjectMembersManage, PermProjectWrite, PermProjectRead},
		ProjectMemberRole: {PermProjectMembersRead, PermProjectWrite, PermProjectRead},
		ProjectViewer:     {PermProjectMembersRead, PermProjectRead},
	}
	for r, want := range prj {
		if got := r.Permissions(); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", r, got, want)
		}
	}
	if OrgRole("user").Valid() || OrgRole("").Valid() || ProjectRole("admin").Valid() {
		t.Error("unknown roles are valid")
	}
}

func TestEffectiveProjectAccess(t *testing.T) {
	for _, c := range []struct {
		m       Membership
		role    ProjectRole
		via     string
		canList bool
	}{
		{Membership{Role: OrgOwner}, ProjectOwner, ViaOrg, true},
		{Membership{Role: OrgManager, Projects: map[string]ProjectRole{"p": ProjectViewer}}, ProjectOwner, ViaOrg, true},
		{Membership{Role: OrgMember, Projects: map[string]ProjectRole{"p": ProjectViewer}}, ProjectViewer, ViaProject, true},
		{Membership{Role: OrgMember, Projects: map[string]ProjectRole{"p": ProjectOwner}}, ProjectOwner, ViaProject, true},
		{Membership{Role: OrgMember}, "", "", false},
	} {
		r, via := projectRoleOf(c.m, "p")
		if r != c.role || via != c.via || canReadProjectMembers(c.m, "p") != c.canList {
			t.Errorf("%+v: %q via %q, want %q via %q", c.m, r, via, c.role, c.via)
		}
	}
}

func TestCanGrant(t *testing.T) {
	owner := Membership{Role: OrgOwner}
	manager := Membership{Role: OrgManager}
	po := Membership{Role: OrgMember, Projects: map[string]ProjectRole{"a": ProjectOwner, "b": ProjectMemberRole, "v": ProjectViewer}}
	g := func(r OrgRole, ps ...string) Grant {
		out := Grant{OrgRole: r}
		for _, p := range ps {
			out.Projects = append(out.Projects, ProjectGrant{ID: p, Role: ProjectOwner})
		}
		return out
	}
	cases := []struct {
		m    Membership
		g    Grant
		want bool
	}{
		{owner, g(OrgOwner), true},
		{owner, g(OrgMember, "x"), true},
		{manager, g(OrgOwner), false},
		{manager, g(OrgManager, "x"), true},
		{manager, g(OrgMember), true},
		{po, g(OrgMember, "a"), true},
		{po, g(OrgMember, "a", "b"), false},
		{po, g(OrgMember, "v"), false},
		{po, g(OrgManager, "a"), false},
		{po, g(OrgOwner, "a"), false},
		{po, g(OrgMember), false},
		{Membership{Role: OrgMember}, g(OrgMember, "a"), false},
	}
	for i, c := range cases {
		if got := canGrant(c.m, c.g); got != c.want {
			t.Errorf("case %d: canGrant = %v, want %v", i, got, c.want)
		}
	}
}

func TestCanSetOrgRoleAndRemove(t *testing.T) {
	owner := Membership{UserID: "o", Role: OrgOwner}
	manager := Membership{UserID: "m", Role: OrgManager}
	member := Membership{UserID: "u", Role: OrgMember}
	for _, c := range []struct {
		m, t Membership
		to   OrgRole
		want bool
	}{
		{owner, member, OrgOwner, true},
		{owner, manager, OrgMember, true},
		{manager, member, OrgManager, true},
		{manager, Membership{UserID: "m2", Role: OrgManager}, OrgMember, true},
		{manager, member, OrgOwner, false},
		{manager, owner, OrgMember, false},
		{member, member, OrgManager, false},
	} {
		if got := canSetOrgRole(c.m, c.t, c.to); got != c.want {
			t.Errorf("%s sets %s to %s: %v, want %v", c.m.Role, c.t.Role, c.to, got, c.want)
		}
	}
	if !canRemoveMember(manager, member) || canRemoveMember(manager, owner) || !canRemoveMember(owner, owner) ||
		!canRemoveMember(member, member) || canRemoveMember(member, manager) {
		t.Error("canRemoveMember")
	}
}

func TestMergedIsPerProject(t *testing.T) {
	m := Membership{Role: OrgOwner, Projects: map[string]ProjectRole{"p1": ProjectOwner}, Rev: 3}
	got := m.merged(Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "p1", Role: ProjectViewer}, {ID: "p2", Role: ProjectMemberRole}}})
	if got.Role != OrgOwner || got.Projects["p1"] != ProjectOwner || got.Projects["p2"] != ProjectMemberRole {
		t.Fatalf("merged %+v", got)
	}
	if _, changed := m.Projects["p2"]; changed {
		t.Fatal("merged changed its receiver")
	}
	if m.sameAccess(got) || !got.sameAccess(got.merged(Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "p2", Role: ProjectViewer}}})) {
		t.Fatal("sameAccess")
	}
}

// TestMergeGrantsPerProject: each project keeps the higher of its two
// roles; a project only one side names keeps that side's role. The issue's
// case: owner of A and member of B stays member of B.
func TestMergeGrantsPerProject(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b Grant
		want Grant
	}{
		{"owner of A + member of B", Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectOwner}}}, Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "B", Role: ProjectMemberRole}}},
			Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectOwner}, {ID: "B", Role: ProjectMemberRole}}}},
		{"same project, higher wins", Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer}, {ID: "B", Role: ProjectOwner}}},
			Grant{OrgRole: OrgManager, Projects: []ProjectGrant{{ID: "A", Role: ProjectMemberRole}, {ID: "B", Role: ProjectViewer}}},
			Grant{OrgRole: OrgManager, Projects: []ProjectGrant{{ID: "A", Role: ProjectMemberRole}, {ID: "B", Role: ProjectOwner}}}},
		{"no projects on one side", Grant{OrgRole: OrgOwner, Projects: nil}, Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer}}},
			Grant{OrgRole: OrgOwner, Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer}}}},
	} {
		got := mergeGrants(c.a, c.b)
		if got.OrgRole != c.want.OrgRole || !slices.Equal(got.Projects, c.want.Projects) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		if !got.covers(c.a) || !got.covers(c.b) {
			t.Errorf("%s: merged grant does not cover its parts", c.name)
		}
	}
	if (Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer}}}).covers(Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectMemberRole}}}) {
		t.Error("a viewer grant covers a member grant")
	}
}

// TestOnlyThePolicyComparesRoles fails when a domain file other than
// policy.go compares a role constant (==, != or a switch case): the rules
// about roles live in the policy table and its can… functions.
func TestOnlyThePolicyComparesRoles(t *testing.T) {
	roleConsts := map[string]bool{}
	for _, n := range []string{"OrgOwner", "OrgManager", "OrgMember", "ProjectOwner", "ProjectMemberRole", "ProjectViewer"} {
		roleConsts[n] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	isRole := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && roleConsts[id.Name]
	}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if f == "policy.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BinaryExpr:
				if (x.Op == token.EQL || x.Op == token.NEQ) && (isRole(x.X) || isRole(x.Y)) {
					t.Errorf("%s: compares a role; ask a can… function of policy.go instead", fset.Position(x.Pos()))
				}
			case *ast.CaseClause:
				for _, e := range x.List {
					if isRole(e) {
						t.Errorf("%s: switches on a role; ask a can… function of policy.go instead", fset.Position(e.Pos()))
					}
				}
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("checked %d files: the test is not looking at the domain", checked)
	}
}

// TestGrantableRoles pins what GET /me tells the console each role may
// give: organization roles without naming a project, and project roles.
func TestGrantableRoles(t *testing.T) {
	po := Membership{Role: OrgMember, Projects: map[string]ProjectRole{"a": ProjectOwner, "b": ProjectMemberRole, "v": ProjectViewer}}
	for _, c := range []struct {
		m    Membership
		want []OrgRole
	}{
		{Membership{Role: OrgOwner}, []OrgRole{OrgOwner, OrgManager, OrgMember}},
		{Membership{Role: OrgManager}, []OrgRole{OrgManager, OrgMember}},
		{Membership{Role: OrgMember}, []OrgRole{}},
		{po, []OrgRole{}}, // only together with their projects: the invite dialog offers no org role
		{Membership{}, []OrgRole{}},
	} {
		if got := grantableOrgRoles(c.m); got == nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: grantableOrgRoles = %#v, want %v", c.m.Role, got, c.want)
		}
	}
	all := []ProjectRole{ProjectOwner, ProjectMemberRole, ProjectViewer}
	for _, c := range []struct {
		name string
		m    Membership
		pid  string
		want []ProjectRole
	}{
		{"org owner", Membership{Role: OrgOwner}, "x", all},
		{"org manager, viewer of p", Membership{Role: OrgManager, Projects: map[string]ProjectRole{"v": ProjectViewer}}, "v", all},
		{"project owner", po, "a", all},
		{"project member", po, "b", []ProjectRole{}},
		{"project viewer", po, "v", []ProjectRole{}},
		{"not in the project", po, "x", []ProjectRole{}},
	} {
		if got := grantableProjectRoles(c.m, c.pid); got == nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: grantableProjectRoles = %#v, want %v", c.name, got, c.want)
		}
	}
}

// TestCanManageMember: a member list row's canManage is exactly "the
// caller may give this member some other role and remove them", and the
// roles they may give such a member are grantableOrgRoles — the console
// offers those in the row's picker and needs no rule of its own.
func TestCanManageMember(t *testing.T) {
	roles := []OrgRole{OrgOwner, OrgManager, OrgMember}
	for _, cr := range roles {
		for _, tr := range roles {
			caller := Membership{UserID: "c", Role: cr}
			target := Membership{UserID: "t", Role: tr}
			var settable []OrgRole
			for _, r := range roles {
				// SetOrgRole's two checks.
				if hasOrg(caller, PermOrgMembersManage) && canSetOrgRole(caller, target, r) {
					settable = append(settable, r)
				}
			}
			// RemoveMember's two checks.
			removable := hasOrg(caller, PermOrgMembersManage) && canRemoveMember(caller, target)
			can := canManageMember(caller, target)
			if can != removable || can != (len(settable) > 0) {
				t.Errorf("%s on %s: canManage %v, may remove %v, may set %v", cr, tr, can, removable, settable)
			}
			if can && !slices.Equal(settable, grantableOrgRoles(caller)) {
				t.Errorf("%s on %s: may set %v, grantableOrgRoles %v", cr, tr, settable, grantableOrgRoles(caller))
			}
		}
	}
	owner, manager, member := Membership{UserID: "o", Role: OrgOwner}, Membership{UserID: "m", Role: OrgManager}, Membership{UserID: "u", Role: OrgMember}
	if !canManageMember(owner, owner) || !canManageMember(manager, manager) || canManageMember(member, member) ||
		canManageMember(manager, owner) || !canManageMember(owner, manager) {
		t.Error("canManageMember on the table's cases")
	}
}
