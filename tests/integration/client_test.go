package integration

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/members-saas/members/client"
	"github.com/members-saas/members/tests/testenv"
)

// got holds a client call's results; ok fails the test on its error.
type got[T any] struct {
	v   T
	err error
}

func result[T any](v T, err error) got[T] { return got[T]{v, err} }

func (g got[T]) ok(t *testing.T) T {
	t.Helper()
	if g.err != nil {
		t.Fatal(g.err)
	}
	return g.v
}

func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	p, ok := err.(*client.Problem)
	if !ok || p.Status != status || p.Code != code {
		t.Fatalf("error %v, want a %d %s problem", err, status, code)
	}
}

// TestClientMainStory drives the main story through the Go client package
// (every call also passes the openapi.yaml contract check): an owner sets
// up an organization, invites, the invitee previews and accepts from the
// mail, both list members with the iterator, a backend's access checks
// answer per project, the owner edits, resends and revokes invites and
// manages roles, and refusals come back as typed problems.
func TestClientMainStory(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	ownerU := env.SignIn(t, testenv.Email("owner"))
	owner := env.Client(t, ownerU)
	if err := env.Client(t, testenv.User{}).Healthz(ctx); err != nil {
		t.Fatal(err)
	}
	result(owner.GetMe(ctx)).ok(t)
	org := result(owner.CreateOrg(ctx, "Acme")).ok(t)
	web := result(owner.CreateProject(ctx, org.Id, "Web")).ok(t)
	docs := result(owner.CreateProject(ctx, org.Id, "Docs")).ok(t)

	// Invite → edit (same link) → mail → preview → accept.
	invitee := testenv.Email("ada")
	pids := []string{web.Id}
	role := client.ProjectMember
	res := result(owner.CreateInvites(ctx, org.Id, client.InviteRequest{Emails: []string{invitee}, ProjectIds: &pids, ProjectRole: &role})).ok(t)
	if len(res) != 1 || res[0].Status != "invited" || res[0].InviteId == nil {
		t.Fatalf("results %+v", res)
	}
	token := env.LastInviteToken(t, invitee)
	edit := []client.ProjectInput{{Id: web.Id, Role: client.ProjectMember}, {Id: docs.Id, Role: client.ProjectViewer}}
	ed := result(owner.UpdateInvite(ctx, org.Id, *res[0].InviteId, client.InviteEdit{Projects: &edit})).ok(t)
	if len(ed.Projects) != 2 || ed.Projects[1] != (client.InviteProject{Id: docs.Id, Name: "Docs", Role: client.ProjectViewer}) || !ed.CanManage {
		t.Fatalf("edited invite %+v", ed)
	}
	pv := result(env.Client(t, testenv.User{}).PreviewInvite(ctx, token)).ok(t)
	if pv.OrgName != "Acme" || pv.Email != invitee || len(pv.Projects) != 2 {
		t.Fatalf("preview %+v", pv)
	}
	adaU := env.SignIn(t, invitee)
	ada := env.Client(t, adaU)
	acc := result(ada.AcceptInvite(ctx, token)).ok(t)
	if acc.OrgId != org.Id || acc.OrgRole != client.OrgMember || len(acc.Projects) != 2 ||
		acc.Projects[0].Role != client.ProjectMember || acc.Projects[1].Role != client.ProjectViewer {
		t.Fatalf("accepted %+v", acc)
	}
	_, err := owner.UpdateInvite(ctx, org.Id, *res[0].InviteId, client.InviteEdit{ExpiresInDays: new(3)})
	wantCode(t, err, 409, "invite_not_pending")

	// A backend authorizing requests: the access routes.
	if a := result(ada.GetOrgAccess(ctx, org.Id)).ok(t); a.Role != "member" || a.Via != client.ViaOrg ||
		!client.Allows(a, client.PermOrgMembersRead) || client.Allows(a, client.PermOrgInvitesManage) {
		t.Fatalf("ada's org access %+v", a)
	}
	if a := result(ada.GetProjectAccess(ctx, org.Id, docs.Id)).ok(t); a.Role != "viewer" || a.Via != client.ViaProject ||
		!client.Allows(a, client.PermProjectRead) || client.Allows(a, client.PermProjectWrite) {
		t.Fatalf("ada's Docs access %+v", a)
	}
	if a := result(owner.GetProjectAccess(ctx, org.Id, docs.Id)).ok(t); a.Role != "owner" || a.Via != client.ViaOrg ||
		!client.Allows(a, client.PermProjectMembersManage) {
		t.Fatalf("owner's Docs access %+v", a)
	}
	_, err = env.Client(t, env.SignIn(t, testenv.Email("stranger"))).GetProjectAccess(ctx, org.Id, web.Id)
	wantCode(t, err, 404, "org_not_found")

	// List with the iterator, one member per page.
	var emails []string
	for m, err := range ada.Members(ctx, org.Id, client.MemberListOptions{PageOptions: client.PageOptions{Limit: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		emails = append(emails, m.Email)
	}
	slices.Sort(emails)
	if want := []string{invitee, ownerU.Email}; !slices.Equal(emails, slices.Sorted(slices.Values(want))) {
		t.Fatalf("members %v, want %v", emails, want)
	}
	var inWeb int
	for _, err := range owner.ProjectMembers(ctx, org.Id, web.Id, client.MemberListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		inWeb++
	}
	if inWeb != 2 {
		t.Fatalf("%d members in Web, want 2", inWeb)
	}

	// Refusals as typed problems.
	_, err = ada.CreateInvites(ctx, org.Id, client.InviteRequest{Emails: []string{testenv.Email("x")}})
	wantCode(t, err, 403, "forbidden")
	_, err = env.Client(t, testenv.User{}).GetMe(ctx)
	wantCode(t, err, 401, "unauthorized")
	_, err = owner.CreateInvites(ctx, org.Id, client.InviteRequest{Emails: []string{}})
	wantCode(t, err, 400, "validation_failed")
	if p := err.(*client.Problem); len(p.Errors) == 0 || p.Errors[0].Field != "emails" {
		t.Fatalf("field errors %+v", p.Errors)
	}
	for _, err := range ada.ProjectMembers(ctx, org.Id, "prj_nope", client.MemberListOptions{}) {
		wantCode(t, err, 404, "project_not_found")
	}

	// Management: invites, roles, removal, audit.
	bob := testenv.Email("bob")
	r2 := result(owner.CreateInvites(ctx, org.Id, client.InviteRequest{Emails: []string{bob}})).ok(t)
	var open []string
	for inv, err := range owner.Invites(ctx, org.Id, client.InviteListOptions{Status: "all"}) {
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, inv.Email)
	}
	if !slices.Equal(open, []string{bob}) {
		t.Fatalf("open invites %v", open)
	}
	result(owner.ResendInvite(ctx, org.Id, *r2[0].InviteId)).ok(t)
	if err := owner.RevokeInvite(ctx, org.Id, *r2[0].InviteId); err != nil {
		t.Fatal(err)
	}
	_, err = env.Client(t, testenv.User{}).PreviewInvite(ctx, env.LastInviteToken(t, bob))
	wantCode(t, err, 404, "invite_not_found")
	if m := result(owner.SetOrgRole(ctx, org.Id, adaU.ID, client.OrgOwner)).ok(t); m.Role != "owner" {
		t.Fatalf("member %+v", m)
	}
	result(owner.SetProjectRole(ctx, org.Id, web.Id, adaU.ID, client.ProjectOwner)).ok(t)
	// Ends of access: set, then removed (null), in the organization and a project.
	end := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	if m := result(owner.SetProjectAccessExpiry(ctx, org.Id, web.Id, adaU.ID, end)).ok(t); m.AccessExpiresAt == nil || !m.AccessExpiresAt.Equal(end) {
		t.Fatalf("project end %+v", m)
	}
	if m := result(owner.SetProjectAccessExpiry(ctx, org.Id, web.Id, adaU.ID, time.Time{})).ok(t); m.AccessExpiresAt != nil {
		t.Fatalf("project end removed %+v", m)
	}
	// An owner's access cannot end.
	_, err = owner.SetOrgAccessExpiry(ctx, org.Id, adaU.ID, end)
	wantCode(t, err, 400, "validation_failed")
	if m := result(owner.SetOrgAccessExpiry(ctx, org.Id, adaU.ID, time.Time{})).ok(t); m.AccessExpiresAt != nil {
		t.Fatalf("org end %+v", m)
	}
	if err := ada.RemoveProjectMember(ctx, org.Id, web.Id, adaU.ID); err != nil {
		t.Fatal(err)
	}
	if err := owner.RemoveMember(ctx, org.Id, adaU.ID); err != nil {
		t.Fatal(err)
	}
	err = owner.RemoveMember(ctx, org.Id, ownerU.ID)
	wantCode(t, err, 409, "last_owner")
	ps := result(owner.ListProjects(ctx, org.Id)).ok(t)
	if len(ps) != 2 || ps[0].Role != "owner" || ps[0].Via != client.ViaOrg {
		t.Fatalf("projects %+v", ps)
	}
	var actions []string
	for ev, err := range owner.AuditEvents(ctx, org.Id, client.PageOptions{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		actions = append(actions, string(ev.Action))
	}
	if len(actions) < 8 || actions[0] != "member.removed" {
		t.Fatalf("audit %v", actions)
	}
}
