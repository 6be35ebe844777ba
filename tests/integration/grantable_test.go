package integration

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// TestGrantableRolesAndCanManage: what the API tells each caller they may
// assign, so that the console holds no copy of the rules. GET /me and the
// project list give every organization the org roles the caller may grant
// and every project the project roles they may grant there; every row of
// the member lists (and their searches) says whether the caller may
// change or remove that member, and a role change's answer whether they
// still may. Seen by an org owner, an org manager, a project owner (org
// member) and a project viewer (org member).
func TestGrantableRolesAndCanManage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Grantable")
	a, b := o.project(t, "A"), o.project(t, "B") // the owner owns both
	manager := o.member(t, "gr-manager", "manager", nil, "")
	po := o.member(t, "gr-powner", "member", []string{a}, "owner")
	viewer := o.member(t, "gr-viewer", "member", []string{a}, "viewer")

	allOrg := []string{"owner", "manager", "member"}
	allPrj := []string{"owner", "member", "viewer"}
	none := []string{}
	for _, c := range []struct {
		name    string
		who     testenv.User
		org     []string
		project map[string][]string // every project listed, with its grantable roles
	}{
		{"owner", o.Owner, allOrg, map[string][]string{a: allPrj, b: allPrj}},
		{"manager", manager, []string{"manager", "member"}, map[string][]string{a: allPrj, b: allPrj}},
		{"project owner", po, none, map[string][]string{a: allPrj}},
		{"project viewer", viewer, none, map[string][]string{a: none}},
	} {
		me := mgMeOf(t, env, c.who)
		if len(me.Orgs) != 1 || me.Orgs[0].ID != o.ID {
			t.Fatalf("%s: orgs %+v", c.name, me.Orgs)
		}
		if got := me.Orgs[0].GrantableOrgRoles; got == nil || !slices.Equal(got, c.org) {
			t.Errorf("%s: GET /me grantableOrgRoles %#v, want %v", c.name, got, c.org)
		}
		got := map[string][]string{}
		for _, p := range me.Projects {
			got[p.ID] = p.GrantableProjectRoles
		}
		var list struct {
			Projects []struct {
				ID                    string   `json:"id"`
				GrantableProjectRoles []string `json:"grantableProjectRoles"`
			} `json:"projects"`
		}
		env.Must(t, 200, "GET", o.path("/projects"), c.who.Token, nil, &list)
		listed := map[string][]string{}
		for _, p := range list.Projects {
			listed[p.ID] = p.GrantableProjectRoles
		}
		for what, m := range map[string]map[string][]string{"GET /me": got, "GET /orgs/{orgId}/projects": listed} {
			if len(m) != len(c.project) {
				t.Errorf("%s: %s lists %v, want %v", c.name, what, m, c.project)
			}
			for id, want := range c.project {
				if roles, ok := m[id]; !ok || roles == nil || !slices.Equal(roles, want) {
					t.Errorf("%s: %s project %s grantableProjectRoles %#v, want %v", c.name, what, id, roles, want)
				}
			}
		}
	}

	// canManage per row of the organization's list, per caller.
	ids := map[string]string{o.Owner.ID: "owner", manager.ID: "manager", po.ID: "project owner", viewer.ID: "viewer"}
	checkRows := func(what string, rows []member, want map[string]bool) {
		t.Helper()
		if len(rows) != len(want) {
			t.Errorf("%s: %d rows, want %d", what, len(rows), len(want))
		}
		for _, r := range rows {
			if w, ok := want[r.UserID]; !ok || r.CanManage != w {
				t.Errorf("%s: row of %s canManage %v, want %v", what, ids[r.UserID], r.CanManage, w)
			}
		}
	}
	everyone := func(can bool, except map[string]bool) map[string]bool {
		out := map[string]bool{}
		for id := range ids {
			out[id] = can
			if v, ok := except[id]; ok {
				out[id] = v
			}
		}
		return out
	}
	orgWant := map[string]map[string]bool{
		"owner":          everyone(true, nil),
		"manager":        everyone(true, map[string]bool{o.Owner.ID: false}), // not the owner's row
		"project owner":  everyone(false, nil),
		"project viewer": everyone(false, nil),
	}
	for name, who := range map[string]testenv.User{"owner": o.Owner, "manager": manager, "project owner": po, "project viewer": viewer} {
		checkRows(name+" lists the organization", o.members(t, who.Token), orgWant[name])
		q := url.Values{"email": {strings.SplitN(o.Owner.Email, "@", 2)[0]}}
		var found memberPage
		env.Must(t, 200, "GET", o.path("/members?"+q.Encode()), who.Token, nil, &found)
		if len(found.Members) != 1 || found.Members[0].CanManage != orgWant[name][o.Owner.ID] {
			t.Errorf("%s searches the owner: %+v, want canManage %v", name, found.Members, orgWant[name][o.Owner.ID])
		}
	}

	// canManage per row of project A's list (the owner, po, viewer), per caller.
	inA := func(can bool) map[string]bool {
		return map[string]bool{o.Owner.ID: can, po.ID: can, viewer.ID: can}
	}
	for name, c := range map[string]struct {
		who testenv.User
		can bool
	}{"owner": {o.Owner, true}, "manager": {manager, true}, "project owner": {po, true}, "project viewer": {viewer, false}} {
		checkRows(name+" lists project A", o.projectMembers(t, c.who.Token, a), inA(c.can))
		q := url.Values{"email": {strings.SplitN(viewer.Email, "@", 2)[0]}}
		var found memberPage
		env.Must(t, 200, "GET", o.path("/projects/"+a+"/members?"+q.Encode()), c.who.Token, nil, &found)
		if len(found.Members) != 1 || found.Members[0].CanManage != c.can {
			t.Errorf("%s searches project A: %+v, want canManage %v", name, found.Members, c.can)
		}
	}

	// A role change's answer says whether the caller still may manage the member.
	var m member
	env.Must(t, 200, "PATCH", o.path("/members/"+viewer.ID), manager.Token, map[string]string{"role": "manager"}, &m)
	if m.Role != "manager" || !m.CanManage {
		t.Errorf("manager makes the viewer a manager: %+v, want canManage", m)
	}
	env.Must(t, 200, "PATCH", o.path("/members/"+viewer.ID), o.Owner.Token, map[string]string{"role": "owner"}, &m)
	if m.Role != "owner" || !m.CanManage {
		t.Errorf("owner makes the viewer an owner: %+v, want canManage", m)
	}
	if rows := o.members(t, manager.Token); mgFind(rows, viewer.ID) == nil || mgFind(rows, viewer.ID).CanManage {
		t.Errorf("manager's row of an owner: %+v, want canManage false", mgFind(rows, viewer.ID))
	}
	env.Must(t, 200, "PATCH", o.path("/members/"+manager.ID), manager.Token, map[string]string{"role": "member"}, &m)
	if m.Role != "member" || m.CanManage {
		t.Errorf("manager makes themself a member: %+v, want canManage false", m)
	}
	env.Must(t, 200, "PATCH", o.path("/projects/"+a+"/members/"+o.Owner.ID), po.Token, map[string]string{"role": "member"}, &m)
	if m.Role != "member" || !m.CanManage {
		t.Errorf("project owner changes another's project role: %+v, want canManage", m)
	}
	env.Must(t, 200, "PATCH", o.path("/projects/"+a+"/members/"+po.ID), po.Token, map[string]string{"role": "viewer"}, &m)
	if m.Role != "viewer" || m.CanManage {
		t.Errorf("project owner makes themself a viewer: %+v, want canManage false", m)
	}
	if got := mgMeOf(t, env, po).Projects; len(got) != 1 || len(got[0].GrantableProjectRoles) != 0 {
		t.Errorf("after stepping down, GET /me projects %+v, want none grantable", got)
	}
}
