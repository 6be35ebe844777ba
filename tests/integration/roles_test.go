package integration

// Roles and permissions: invites with a role per project (merging per
// project), editing a pending invite under its mailed link, invites dying
// with their sender's authority (also racing an accept), and items stored
// before manager and viewer roles existed.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/tests/testenv"
)

type accessResp struct {
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
	Via         string   `json:"via"`
}

type acceptResp struct {
	OrgID    string          `json:"orgId"`
	OrgRole  string          `json:"orgRole"`
	Projects []inviteProject `json:"projects"`
}

func projectRoles(ps []inviteProject) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		out[p.ID] = p.Role
	}
	return out
}

// rlStatus reads the stored status of one invite of the organization
// (revoked and accepted invites are not listed by the API).
func (o *mgOrg) rlStatus(t *testing.T, id string) string {
	t.Helper()
	return storedInviteStatus(t, o.env, o.ID, id)
}

// rlInvite finds one open invite of the organization by id.
func (o *mgOrg) rlInvite(t *testing.T, id string) inviteView {
	t.Helper()
	for _, inv := range listInvites(t, o.env, o.Owner.Token, o.ID, "all") {
		if inv.ID == id {
			return inv
		}
	}
	t.Fatalf("invite %s not listed", id)
	return inviteView{}
}

// TestInviteMergesPerProject: a second invite of the same address merges
// into the open one project by project (the higher role per project, each
// side's own projects kept), and accepting grants exactly that; adding a
// registered member merges the same way into their membership.
func TestInviteMergesPerProject(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Merge")
	a, b, c := o.project(t, "A"), o.project(t, "B"), o.project(t, "C")

	addr := testenv.Email("merge")
	r1 := o.invite(t, o.Owner, map[string]any{"emails": []string{addr}, "projects": []map[string]string{{"id": a, "role": "owner"}, {"id": c, "role": "viewer"}}})
	r2 := o.invite(t, o.Owner, map[string]any{"emails": []string{addr}, "projectIds": []string{b, c}, "projectRole": "member"})
	if r1.InviteID == "" || r2.InviteID != r1.InviteID {
		t.Fatalf("second invite did not merge into the first: %+v %+v", r1, r2)
	}
	want := map[string]string{a: "owner", b: "member", c: "member"}
	if got := o.rlInvite(t, r1.InviteID).roles(); !mapsEqual(got, want) {
		t.Fatalf("merged invite roles %v, want %v (owner of A must not make B owner)", got, want)
	}
	u := env.SignIn(t, addr)
	var acc acceptResp
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": env.LastInviteToken(t, addr)}, &acc)
	if acc.OrgRole != "member" || !mapsEqual(projectRoles(acc.Projects), want) {
		t.Fatalf("accept %+v, want member with %v", acc, want)
	}
	for p, r := range want {
		if m := mgFind(o.projectMembers(t, o.Owner.Token, p), u.ID); m == nil || m.Role != r {
			t.Errorf("project %s: %+v, want %s", p, m, r)
		}
	}

	// A registered member: owner of A stays owner, viewer of B becomes
	// member, C is added as viewer.
	v := o.member(t, "vic", "member", []string{a}, "owner")
	o.invite(t, o.Owner, map[string]any{"emails": []string{v.Email}, "projects": []map[string]string{{"id": b, "role": "viewer"}}})
	res := o.invite(t, o.Owner, map[string]any{"emails": []string{v.Email}, "orgRole": "manager",
		"projects": []map[string]string{{"id": a, "role": "viewer"}, {"id": b, "role": "member"}, {"id": c, "role": "viewer"}}})
	if res.Status != "added" {
		t.Fatalf("re-invite of a member: %+v", res)
	}
	for p, r := range map[string]string{a: "owner", b: "member", c: "viewer"} {
		if m := mgFind(o.projectMembers(t, o.Owner.Token, p), v.ID); m == nil || m.Role != r {
			t.Errorf("member's project %s: %+v, want %s", p, m, r)
		}
	}
	if m := mgFind(o.members(t, o.Owner.Token), v.ID); m == nil || m.Role != "manager" {
		t.Errorf("member's org role %+v, want manager", m)
	}
	// The added mail names each project with its role.
	ms, err := testenv.Parts(t).SES.Mails(v.Email)
	if err != nil || len(ms) == 0 {
		t.Fatalf("mails to %s: %v", v.Email, err)
	}
	last := ms[len(ms)-1].Body.Text
	for _, want := range []string{"— an owner", "— a member", "— a viewer"} {
		if !strings.Contains(last, want) {
			t.Errorf("added mail lacks %q:\n%s", want, last)
		}
	}
	invariants(t, env)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestEditInviteKeepsTheMailedLink: PATCH changes a pending invite's org
// role, projects and expiry without a new token or email; the link mailed
// before grants the edited terms (both through the optimistic accept that
// reads the token's snapshot and through the full one). Editing needs the
// same authority as inviting, and a finished invite answers 409
// invite_not_pending.
func TestEditInviteKeepsTheMailedLink(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Edit")
	web, api := o.project(t, "Web"), o.project(t, "API")
	po := o.member(t, "po", "member", []string{web}, "owner")

	addr, id := o.pending(t, "edited", map[string]any{"projectIds": []string{web}, "projectRole": "member"})
	token := env.LastInviteToken(t, addr)
	mails := len(env.InviteLinks(t, addr))

	// A project owner may not make it an org manager's invite.
	wantProblem(t, env.Do(t, "PATCH", o.path("/invites/"+id), po.Token, map[string]any{"orgRole": "manager"}), 403, "forbidden")
	wantProblem(t, env.Do(t, "PATCH", o.path("/invites/"+id), po.Token, map[string]any{"projects": []map[string]string{{"id": api, "role": "viewer"}}}), 403, "forbidden")
	// Bad bodies.
	mgWantField(t, env.Do(t, "PATCH", o.path("/invites/"+id), o.Owner.Token, map[string]any{"orgRole": "user"}), "orgRole")
	mgWantField(t, env.Do(t, "PATCH", o.path("/invites/"+id), o.Owner.Token, map[string]any{"projects": []map[string]string{{"id": "prj_nope", "role": "viewer"}}}), "projects[0].id")
	mgWantField(t, env.Do(t, "PATCH", o.path("/invites/"+id), o.Owner.Token, map[string]any{"expiresInDays": 0}), "expiresInDays")
	mgWantField(t, env.Do(t, "PATCH", o.path("/invites/"+id), o.Owner.Token, map[string]any{"projectIds": []string{web}, "projects": []map[string]string{}}), "projects")

	// The project owner may change the role within their project.
	var v inviteView
	env.Must(t, 200, "PATCH", o.path("/invites/"+id), po.Token, map[string]any{"projectRole": "viewer"}, &v)
	if !mapsEqual(v.roles(), map[string]string{web: "viewer"}) {
		t.Fatalf("edited by the project owner: %+v", v)
	}
	env.Must(t, 200, "PATCH", o.path("/invites/"+id), o.Owner.Token, map[string]any{"orgRole": "manager",
		"projects": []map[string]string{{"id": web, "role": "owner"}, {"id": api, "role": "viewer"}}, "expiresInDays": 20}, &v)
	want := map[string]string{web: "owner", api: "viewer"}
	if v.OrgRole != "manager" || !mapsEqual(v.roles(), want) || v.Status != "pending" {
		t.Fatalf("edited invite %+v", v)
	}
	if n := len(env.InviteLinks(t, addr)); n != mails {
		t.Errorf("editing mailed the invitee (%d mails, had %d)", n, mails)
	}
	var prev struct {
		OrgRole  string          `json:"orgRole"`
		Projects []inviteProject `json:"projects"`
	}
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": token}, &prev)
	if prev.OrgRole != "manager" || !mapsEqual(projectRoles(prev.Projects), want) {
		t.Fatalf("preview of the mailed link after the edit: %+v", prev)
	}
	ev := o.audit(t, o.Owner.Token, 5)
	if ev[0].Action != "invite.updated" || ev[0].Target != id || ev[0].Before["orgRole"] != "member" || ev[0].After["orgRole"] != "manager" {
		t.Errorf("audit %+v, want invite.updated with before and after", ev[0])
	}
	invariants(t, env)

	// A new account accepts through the token's snapshot (the optimistic path).
	u := env.SignIn(t, addr)
	var acc acceptResp
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": token}, &acc)
	if acc.OrgRole != "manager" || !mapsEqual(projectRoles(acc.Projects), want) {
		t.Fatalf("accept with the mailed link: %+v, want manager with %v", acc, want)
	}
	wantProblem(t, env.Do(t, "PATCH", o.path("/invites/"+id), o.Owner.Token, map[string]any{"orgRole": "member"}), 409, "invite_not_pending")

	// A registered account accepts through the full path.
	other := mgNewOrg(t, env, "Other")
	otherPrj := other.project(t, "X")
	addr2, id2 := other.pending(t, "reg2", map[string]any{"projectIds": []string{otherPrj}, "projectRole": "viewer"})
	tok2 := env.LastInviteToken(t, addr2)
	env.Must(t, 200, "PATCH", other.path("/invites/"+id2), other.Owner.Token, map[string]any{"projectRole": "owner"}, nil)
	u2 := env.SignIn(t, addr2)
	env.Must(t, 200, "GET", "/me", u2.Token, nil, nil) // registered before accepting
	env.Must(t, 200, "POST", "/invites/accept", u2.Token, map[string]string{"token": tok2}, &acc)
	if !mapsEqual(projectRoles(acc.Projects), map[string]string{otherPrj: "owner"}) {
		t.Fatalf("accept after edit by a registered account: %+v", acc)
	}
	invariants(t, env)
}

// TestInvitesDieWithTheirSendersAuthority: removing a member, their leaving,
// or a role change that takes away what their pending invites grant
// revokes those invites in the same request (audit reason
// sender_lost_access); accepting one then answers what accepting any
// revoked invite answers.
func TestInvitesDieWithTheirSendersAuthority(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Lost")
	web, api := o.project(t, "Web"), o.project(t, "API")
	po := o.member(t, "po", "member", []string{web}, "owner")
	mg := o.member(t, "mg", "manager", nil, "")

	send := func(by testenv.User, name string, body map[string]any) (string, string) {
		email := testenv.Email(name)
		body["emails"] = []string{email}
		r := o.invite(t, by, body)
		return r.InviteID, env.LastInviteToken(t, email)
	}
	// The manager sends a manager invite and a plain one; demoted to
	// member they can grant neither.
	mgInv, mgTok := send(mg, "bymanager", map[string]any{"orgRole": "manager"})
	mgInv2, _ := send(mg, "bymanager2", map[string]any{"projects": []map[string]string{{"id": api, "role": "viewer"}}})
	// The project owner's invite to Web survives their promotion to
	// manager, and dies with their removal.
	poInv, poTok := send(po, "byprojowner", map[string]any{"projects": []map[string]string{{"id": web, "role": "member"}}})
	ownInv, _ := send(o.Owner, "byowner", map[string]any{"orgRole": "manager"})

	env.Must(t, 200, "PATCH", o.path("/members/"+mg.ID), o.Owner.Token, map[string]string{"role": "member"}, nil)
	for _, id := range []string{mgInv, mgInv2} {
		if st := o.rlStatus(t, id); st != "revoked" {
			t.Errorf("invite %s of the demoted manager: %s, want revoked", id, st)
		}
	}
	u := env.SignIn(t, testenv.Email("bymanager"))
	wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": mgTok}), 404, "invite_not_found")

	env.Must(t, 200, "PATCH", o.path("/members/"+po.ID), o.Owner.Token, map[string]string{"role": "manager"}, nil)
	if st := o.rlStatus(t, poInv); st != "pending" {
		t.Fatalf("invite of a promoted sender: %s, want pending", st)
	}
	env.Must(t, 204, "DELETE", o.path("/members/"+po.ID), o.Owner.Token, nil, nil)
	if st := o.rlStatus(t, poInv); st != "revoked" {
		t.Errorf("invite of a removed sender: %s, want revoked", st)
	}
	u = env.SignIn(t, testenv.Email("byprojowner"))
	wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": poTok}), 404, "invite_not_found")
	if st := o.rlStatus(t, ownInv); st != "pending" {
		t.Errorf("the owner's invite: %s, want pending", st)
	}

	// A project owner demoted in their project, and one who leaves it.
	p2 := o.member(t, "p2", "member", []string{web, api}, "owner")
	webInv, _ := send(p2, "byp2web", map[string]any{"projects": []map[string]string{{"id": web, "role": "viewer"}}})
	apiInv, _ := send(p2, "byp2api", map[string]any{"projects": []map[string]string{{"id": api, "role": "viewer"}}})
	env.Must(t, 200, "PATCH", o.path("/projects/"+web+"/members/"+p2.ID), o.Owner.Token, map[string]string{"role": "member"}, nil)
	if o.rlStatus(t, webInv) != "revoked" || o.rlStatus(t, apiInv) != "pending" {
		t.Errorf("after demotion in Web: Web invite %s, API invite %s; want revoked, pending",
			o.rlStatus(t, webInv), o.rlStatus(t, apiInv))
	}
	env.Must(t, 204, "DELETE", o.path("/projects/"+api+"/members/"+p2.ID), p2.Token, nil, nil)
	if st := o.rlStatus(t, apiInv); st != "revoked" {
		t.Errorf("after leaving API: %s, want revoked", st)
	}

	// More invites than one transaction holds: all of them die.
	p3 := o.member(t, "p3", "member", []string{web}, "owner")
	var many []string
	for i := range 30 {
		many = append(many, testenv.Email(fmt.Sprintf("many%d", i)))
	}
	var out struct{ Results []inviteResult }
	env.Must(t, 201, "POST", o.path("/invites"), p3.Token, map[string]any{"emails": many, "projects": []map[string]string{{"id": web, "role": "viewer"}}}, &out)
	env.Must(t, 204, "DELETE", o.path("/members/"+p3.ID), o.Owner.Token, nil, nil)
	for _, r := range out.Results {
		if st := o.rlStatus(t, r.InviteID); st != "revoked" {
			t.Errorf("invite %s of a sender with 30 invites, removed: %s, want revoked", r.Email, st)
		}
	}

	revoked := 0
	for _, pg := range walkPages(t, "audit", 100, func(cursor string) ([]mgEvent, *string) {
		var p mgAuditPage
		env.Must(t, 200, "GET", o.path("/audit?"+pageQuery(100, cursor, nil)), o.Owner.Token, nil, &p)
		return p.Events, p.NextCursor
	}) {
		for _, e := range pg.Items {
			if e.Action == "invite.revoked" && e.After["reason"] == "sender_lost_access" {
				revoked++
			}
		}
	}
	if revoked != 35 {
		t.Errorf("%d invite.revoked events with reason sender_lost_access, want 35", revoked)
	}
	invariants(t, env)
}

// TestSenderRemovalRacesAccept: a project owner is removed while the
// address they invited accepts. Whichever write lands first, the outcome
// is consistent: either the accept succeeded (and the invite is accepted,
// not revoked) or it answers invite_not_found and the invite is revoked;
// the table's invariants hold.
func TestSenderRemovalRacesAccept(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Race")
	web := o.project(t, "Web")
	accepted, revoked := 0, 0
	for i := range 10 {
		po := o.member(t, "racer"+randHex(2), "member", []string{web}, "owner")
		email := testenv.Email("raced" + randHex(2))
		r := o.invite(t, po, map[string]any{"emails": []string{email}, "projects": []map[string]string{{"id": web, "role": "member"}}})
		tok := env.LastInviteToken(t, email)
		u := env.SignIn(t, email)
		if i%2 == 0 {
			env.Must(t, 200, "GET", "/me", u.Token, nil, nil) // registered: the full accept path
		}
		var wg sync.WaitGroup
		var acc, rem testenv.Resp
		var accErr, remErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			// Later and later starts spread the interleavings: from the
			// accept landing first to the removal landing first.
			time.Sleep(time.Duration(i*i) * time.Millisecond)
			acc, accErr = call(env, "POST", "/invites/accept", u.Token, map[string]string{"token": tok})
		}()
		go func() {
			defer wg.Done()
			rem, remErr = call(env, "DELETE", o.path("/members/"+po.ID), o.Owner.Token, nil)
		}()
		wg.Wait()
		if accErr != nil || remErr != nil {
			t.Fatal(accErr, remErr)
		}
		if rem.Status != 204 {
			t.Fatalf("removal: %d %s", rem.Status, rem.Body)
		}
		st := o.rlStatus(t, r.InviteID)
		switch {
		case acc.Status == 200 && st == "accepted":
			accepted++
			if mgFind(o.members(t, o.Owner.Token), u.ID) == nil {
				t.Errorf("accepted, but %s is not a member", email)
			}
		case acc.Status == 404 && st == "revoked":
			revoked++
			wantProblem(t, acc, 404, "invite_not_found")
			if mgFind(o.members(t, o.Owner.Token), u.ID) != nil {
				t.Errorf("revoked, but %s became a member", email)
			}
		default:
			t.Errorf("round %d: accept %d (%s), invite %s: inconsistent", i, acc.Status, acc.Body, st)
		}
	}
	t.Logf("%d accepts landed first, %d revocations", accepted, revoked)
	invariants(t, env)
}

// TestItemsOfTheCurrentVersionStillRead: members stored with org role
// "user" and invites stored with one projectRole for all their projects
// (as the version before roles per project wrote them) read as org role
// member and a role per project, and keep working: access checks, lists,
// preview, accept of the mailed link, role changes.
func TestItemsOfTheCurrentVersionStillRead(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Legacy")
	web, api := o.project(t, "Web"), o.project(t, "API")
	old := o.member(t, "old", "member", []string{web}, "viewer")
	addr, id := o.pending(t, "oldinv", map[string]any{"projectIds": []string{web, api}, "projectRole": "owner"})
	token := env.LastInviteToken(t, addr)

	db, table := env.Stack.Clients.DynamoDB, env.Stack.Config.TableName
	ctx := context.Background()
	key := func(pk, sk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}
	}
	update := func(k map[string]types.AttributeValue, expr string, vals map[string]types.AttributeValue) {
		t.Helper()
		in := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: k, UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals}
		if strings.Contains(expr, "#role") {
			in.ExpressionAttributeNames = map[string]string{"#role": "role"}
		}
		_, err := db.UpdateItem(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
	}
	user, owner := &types.AttributeValueMemberS{Value: "user"}, &types.AttributeValueMemberS{Value: "owner"}
	// The member item as the previous version wrote it.
	update(key("ORG#"+o.ID, "MEMBER#"+old.ID), "SET #role = :u", map[string]types.AttributeValue{":u": user})
	// The invite item and its token's snapshot: org role "user", one projectRole.
	var inv item
	for _, it := range queryPK(t, db, table, "ORG#"+o.ID) {
		if it.str("sk") == "INVITE#"+id {
			inv = it
		}
	}
	update(key("ORG#"+o.ID, "INVITE#"+id), "SET orgRole = :u, projectRole = :r REMOVE projectRoles, rev",
		map[string]types.AttributeValue{":u": user, ":r": owner})
	update(key("TOKEN#"+inv.str("tokenHash"), "TOKEN"), "SET invite.orgRole = :u, invite.projectRole = :r REMOVE invite.projectRoles, invite.rev",
		map[string]types.AttributeValue{":u": user, ":r": owner})
	for _, it := range scanTable(t, db, table) {
		if it.str("role") == "member" && it.str("sk") == "MEMBER#"+old.ID && it.str("pk") == "ORG#"+o.ID {
			t.Fatal("the member item was not rewritten to the old shape")
		}
	}

	me := mgMeOf(t, env, old)
	if len(me.Orgs) != 1 || me.Orgs[0].Role != "member" {
		t.Errorf("/me of an old member: %+v", me.Orgs)
	}
	var a accessResp
	env.Must(t, 200, "GET", o.path("/access"), old.Token, nil, &a)
	if a.Role != "member" || !slices.Equal(a.Permissions, []string{"org:members:read"}) {
		t.Errorf("org access of an old member: %+v", a)
	}
	env.Must(t, 200, "GET", o.path("/projects/"+web+"/access"), old.Token, nil, &a)
	if a.Role != "viewer" || a.Via != "project" {
		t.Errorf("project access of an old member: %+v", a)
	}
	if m := mgFind(o.members(t, o.Owner.Token), old.ID); m == nil || m.Role != "member" {
		t.Errorf("member list shows the old member as %+v", m)
	}
	got := o.rlInvite(t, id)
	if got.OrgRole != "member" || !mapsEqual(got.roles(), map[string]string{web: "owner", api: "owner"}) {
		t.Errorf("old invite reads as %+v", got)
	}
	env.Must(t, 200, "PATCH", o.path("/members/"+old.ID), o.Owner.Token, map[string]string{"role": "manager"}, nil)
	if m := mgFind(o.members(t, o.Owner.Token), old.ID); m == nil || m.Role != "manager" {
		t.Errorf("old member after a role change: %+v", m)
	}
	var acc acceptResp
	u := env.SignIn(t, addr)
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": token}, &acc)
	if acc.OrgRole != "member" || !mapsEqual(projectRoles(acc.Projects), map[string]string{web: "owner", api: "owner"}) {
		t.Errorf("accepting an old invite: %+v", acc)
	}
	invariants(t, env)
}

// TestMeShowsEffectiveAccess: GET /me gives each organization and project
// the caller's effective role and permissions; an org manager (in no
// project) sees every project as owner via the organization, a viewer
// their project as viewer, and the access routes answer the same.
func TestMeShowsEffectiveAccess(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Effective")
	web, api := o.project(t, "Web"), o.project(t, "API")
	mg := o.member(t, "mg", "manager", nil, "")
	vw := o.member(t, "vw", "member", []string{web}, "viewer")

	type meView struct {
		Orgs []struct {
			ID, Role    string
			Permissions []string
		}
		Projects []struct {
			ID, Name, Role, Via string
			Permissions         []string
		}
	}
	var me meView
	env.Must(t, 200, "GET", "/me", mg.Token, nil, &me)
	if len(me.Orgs) != 1 || me.Orgs[0].Role != "manager" || slices.Contains(me.Orgs[0].Permissions, "org:owners:manage") ||
		!slices.Contains(me.Orgs[0].Permissions, "org:invites:manage") {
		t.Errorf("manager's orgs %+v", me.Orgs)
	}
	got := map[string]string{}
	for _, p := range me.Projects {
		got[p.ID] = p.Role + " via " + p.Via
		if !slices.Contains(p.Permissions, "project:members:manage") {
			t.Errorf("manager's project %+v lacks project:members:manage", p)
		}
	}
	if !mapsEqual(got, map[string]string{web: "owner via org", api: "owner via org"}) {
		t.Errorf("manager's projects %v, want both as owner via org", got)
	}
	env.Must(t, 200, "GET", "/me", vw.Token, nil, &me)
	if len(me.Projects) != 1 || me.Projects[0].ID != web || me.Projects[0].Role != "viewer" || me.Projects[0].Via != "project" ||
		!slices.Equal(me.Projects[0].Permissions, []string{"project:members:read", "project:read"}) {
		t.Errorf("viewer's projects %+v", me.Projects)
	}
	var a accessResp
	env.Must(t, 200, "GET", o.path("/projects/"+api+"/access"), mg.Token, nil, &a)
	if a.Role != "owner" || a.Via != "org" {
		t.Errorf("manager's access to API: %+v", a)
	}
	wantProblem(t, env.Do(t, "GET", o.path("/projects/"+api+"/access"), vw.Token, nil), 404, "project_not_found")
	wantProblem(t, env.Do(t, "GET", o.path("/projects/prj_nope/access"), mg.Token, nil), 404, "project_not_found")
	// Managers are not listed as members of projects they only act on.
	if m := mgFind(o.projectMembers(t, o.Owner.Token, api), mg.ID); m != nil {
		t.Errorf("manager listed as a member of API: %+v", m)
	}
}
