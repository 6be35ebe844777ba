package integration

import (
	"fmt"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// TestSCIMProjectMemberList: a member the directory manages shows in a
// project's member list as managedByDirectory and not manageable (the
// API refuses their project role change and removal with 409
// managed_by_directory), like in the organization's list; once an owner
// detaches them the project row is manageable again and the change goes
// through.
func TestSCIMProjectMemberList(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "scimproj", "member")
	var web struct{ ID string }
	env.Must(t, 201, "POST", "/orgs/"+d.orgID+"/projects", d.owner.Token, map[string]string{"name": "Web"}, &web)
	carol := env.SignIn(t, testenv.Email("carol"))
	env.Must(t, 200, "GET", "/me", carol.Token, nil, nil)
	r := d.do(t, "POST", "/Users", oktaUser(carol.Email, "Carol", "C", "00u1carol")).want(t, 201, "create")
	carolID := resource(t, r.Body, "User", scimUser)
	r = d.do(t, "POST", "/Groups", `{"schemas":["`+scimGroup+`"],"displayName":"Web team","members":[]}`).want(t, 201, "create group")
	gid := resource(t, r.Body, "Group", scimGroup)
	env.Must(t, 200, "PUT", "/orgs/"+d.orgID+"/scim-groups/"+gid+"/grants", d.owner.Token,
		map[string]any{"projects": []map[string]string{{"id": web.ID, "role": "viewer"}}}, nil)
	d.do(t, "PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["%s"],"Operations":[{"op":"add","path":"members","value":[{"value":%q}]}]}`,
		scimPatch, carolID)).want(t, 204, "add member")

	projectRow := func(what string) *member {
		t.Helper()
		m := findMember(listMembers(t, env, d.owner.Token, "/orgs/"+d.orgID+"/projects/"+web.ID+"/members"), carol.Email)
		if m == nil {
			t.Fatalf("%s: carol is not in the project's member list", what)
		}
		return m
	}
	if m := projectRow("managed"); !m.ManagedByDirectory || m.CanManage || m.Role != "viewer" {
		t.Fatalf("managed carol's project row %+v: want managedByDirectory, not manageable, viewer", m)
	}
	if m := d.member(t, carol.Email); m == nil || !m.ManagedByDirectory || m.CanManage {
		t.Fatalf("managed carol's organization row %+v", m)
	}
	path := "/orgs/" + d.orgID + "/projects/" + web.ID + "/members/" + carol.ID
	if p := env.Do(t, "PATCH", path, d.owner.Token, map[string]string{"role": "member"}); p.Status != 409 || p.Problem(t).Code != "managed_by_directory" {
		t.Fatalf("project role change of a managed member: %d %s", p.Status, p.Body)
	}
	if p := env.Do(t, "DELETE", path, d.owner.Token, nil); p.Status != 409 || p.Problem(t).Code != "managed_by_directory" {
		t.Fatalf("project removal of a managed member: %d %s", p.Status, p.Body)
	}

	env.Must(t, 200, "POST", "/orgs/"+d.orgID+"/members/"+carol.ID+"/detach", d.owner.Token, nil, nil)
	if m := projectRow("detached"); m.ManagedByDirectory || !m.CanManage {
		t.Fatalf("detached carol's project row %+v: want manageable, not managedByDirectory", m)
	}
	env.Must(t, 200, "PATCH", path, d.owner.Token, map[string]string{"role": "member"}, nil)
	if m := projectRow("after the role change"); m.Role != "member" || m.ManagedByDirectory || !m.CanManage {
		t.Fatalf("carol's project row after the role change: %+v", m)
	}
}
