package integration

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/members-saas/members/tests/testenv"
)

type orgResp struct {
	ID, Name  string
	CreatedAt time.Time
}

type projectResp struct {
	ID, OrgID, Name string
}

// fixture: an owner with an organization and two projects.
type fixture struct {
	env      *testenv.Env
	owner    testenv.User
	org      orgResp
	web, api projectResp
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.New(t)
	f := &fixture{env: env, owner: env.SignIn(t, testenv.Email("owner"))}
	env.Must(t, 201, "POST", "/orgs", f.owner.Token, map[string]string{"name": "Acme"}, &f.org)
	env.Must(t, 201, "POST", "/orgs/"+f.org.ID+"/projects", f.owner.Token, map[string]string{"name": "Web"}, &f.web)
	env.Must(t, 201, "POST", "/orgs/"+f.org.ID+"/projects", f.owner.Token, map[string]string{"name": "API"}, &f.api)
	return f
}

func (f *fixture) invite(t *testing.T, token string, body map[string]any) []inviteResult {
	t.Helper()
	var out struct{ Results []inviteResult }
	f.env.Must(t, 201, "POST", "/orgs/"+f.org.ID+"/invites", token, body, &out)
	return out.Results
}

func (f *fixture) members(t *testing.T, token string) []member {
	t.Helper()
	return listMembers(t, f.env, token, "/orgs/"+f.org.ID+"/members")
}

func findMember(ms []member, email string) *member {
	for i := range ms {
		if ms[i].Email == email {
			return &ms[i]
		}
	}
	return nil
}

// The whole story for a new invitee: invite → email → preview → sign in →
// accept → listed as a member of the organization and both projects.
func TestStoryNewInvitee(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	invitee := testenv.Email("newbie")
	res := f.invite(t, f.owner.Token, map[string]any{
		"emails": []string{"  " + strings.ToUpper(invitee) + " "}, "projectIds": []string{f.web.ID, f.api.ID}, "projectRole": "member",
	})
	if len(res) != 1 || res[0].Status != "invited" || res[0].Email != invitee || res[0].InviteID == "" || res[0].ExpiresAt == nil || res[0].Delivery != "sent" {
		t.Fatalf("results %+v", res)
	}
	if d := time.Until(*res[0].ExpiresAt); d < 6*24*time.Hour || d > 8*24*time.Hour {
		t.Fatalf("default expiry %v, want 7 days", d)
	}

	mails, err := env.SES.Mails(invitee)
	if err != nil || len(mails) != 1 {
		t.Fatalf("mails %v %v", mails, err)
	}
	m := mails[0]
	for _, part := range []string{m.Body.Text, m.Body.HTML} {
		for _, want := range []string{"Acme", f.owner.Email, "Web", "API", "http://console.test/accept#token=", "expires"} {
			if !strings.Contains(part, want) {
				t.Errorf("mail part lacks %q:\n%s", want, part)
			}
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") || !strings.Contains(m.Subject, "Acme") {
		t.Errorf("subject %q", m.Subject)
	}
	token := env.LastInviteToken(t, invitee)

	var prev struct {
		OrgID, OrgName, InvitedBy, Email, OrgRole string
		Projects                                  []inviteProject
		ExpiresAt                                 time.Time
	}
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": token}, &prev)
	if prev.OrgID != f.org.ID || prev.OrgName != "Acme" || prev.InvitedBy != f.owner.Email || prev.Email != invitee ||
		prev.OrgRole != "member" || len(prev.Projects) != 2 || prev.Projects[0].Name != "Web" ||
		prev.Projects[0].Role != "member" || prev.Projects[1].Role != "member" {
		t.Fatalf("preview %+v", prev)
	}

	u := env.SignIn(t, invitee)
	var acc struct {
		OrgID, OrgRole string
		Projects       []struct{ ID, Role string }
	}
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": token}, &acc)
	if acc.OrgID != f.org.ID || acc.OrgRole != "member" || len(acc.Projects) != 2 || acc.Projects[0].Role != "member" {
		t.Fatalf("accept %+v", acc)
	}

	ms := f.members(t, u.Token)
	if len(ms) != 2 || findMember(ms, invitee) == nil || findMember(ms, invitee).Role != "member" || findMember(ms, f.owner.Email).Role != "owner" {
		t.Fatalf("members %+v", ms)
	}
	for _, p := range []projectResp{f.web, f.api} {
		var pm memberPage
		env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/projects/"+p.ID+"/members", u.Token, nil, &pm)
		if mm := findMember(pm.Members, invitee); mm == nil || mm.Role != "member" {
			t.Fatalf("project %s members %+v", p.Name, pm.Members)
		}
	}
	var me meResp
	env.Must(t, 200, "GET", "/me", u.Token, nil, &me)
	if me.User.Email != invitee || len(me.Orgs) != 1 || me.Orgs[0].Name != "Acme" || me.Orgs[0].Role != "member" || len(me.Projects) != 2 {
		t.Fatalf("me %+v", me)
	}
	var projects struct {
		Projects []struct {
			ID, Name string
			Role     *string
		}
	}
	env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/projects", u.Token, nil, &projects)
	if len(projects.Projects) != 2 {
		t.Fatalf("projects %+v", projects)
	}

	// Accepting again (a double click or retry) answers the same.
	var again struct {
		OrgID, OrgRole string
		Projects       []struct{ ID, Role string }
	}
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": token}, &again)
	if fmt.Sprint(again) != fmt.Sprint(acc) {
		t.Fatalf("second accept %+v, first %+v", again, acc)
	}
	if n := len(f.members(t, u.Token)); n != 2 {
		t.Fatalf("%d members after second accept", n)
	}
}

// Someone who already has an account gets access at once, and an email.
func TestExistingAccountIsAddedAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	u := env.SignIn(t, testenv.Email("known"))
	env.Must(t, 200, "GET", "/me", u.Token, nil, nil) // registers

	res := f.invite(t, f.owner.Token, map[string]any{"emails": []string{u.Email}, "projectIds": []string{f.web.ID}, "projectRole": "owner"})
	if res[0].Status != "added" || res[0].InviteID != "" {
		t.Fatalf("results %+v", res)
	}
	if mm := findMember(f.members(t, f.owner.Token), u.Email); mm == nil || mm.Role != "member" {
		t.Fatalf("not a member at once")
	}
	mails, _ := env.SES.Mails(u.Email)
	if len(mails) != 1 || !strings.Contains(mails[0].Body.Text, "http://console.test/") || !strings.Contains(mails[0].Body.HTML, "Acme") {
		t.Fatalf("added mail %+v", mails)
	}
	var me meResp
	env.Must(t, 200, "GET", "/me", u.Token, nil, &me)
	if len(me.Projects) != 1 || me.Projects[0].Role != "owner" || me.Projects[0].Name != "Web" {
		t.Fatalf("me %+v", me)
	}

	// The same again changes nothing; a lower role never downgrades.
	res = f.invite(t, f.owner.Token, map[string]any{"emails": []string{u.Email}, "projectIds": []string{f.web.ID}, "projectRole": "member"})
	if res[0].Status != "already_member" {
		t.Fatalf("re-invite with lower role: %+v", res)
	}
	var pm memberPage
	env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/projects/"+f.web.ID+"/members", f.owner.Token, nil, &pm)
	if mm := findMember(pm.Members, u.Email); mm == nil || mm.Role != "owner" {
		t.Fatalf("downgraded: %+v", pm.Members)
	}
	// A higher organization role is merged in.
	res = f.invite(t, f.owner.Token, map[string]any{"emails": []string{u.Email}, "orgRole": "owner"})
	if res[0].Status != "added" || findMember(f.members(t, f.owner.Token), u.Email).Role != "owner" {
		t.Fatalf("upgrade: %+v", res)
	}
	// The organization owner inviting themself changes nothing.
	res = f.invite(t, f.owner.Token, map[string]any{"emails": []string{f.owner.Email}})
	if res[0].Status != "already_member" {
		t.Fatalf("self: %+v", res)
	}
}

// One result per distinct address, both kinds in one request.
func TestInviteManyAddresses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	known := f.env.SignIn(t, testenv.Email("known"))
	f.env.Must(t, 200, "GET", "/me", known.Token, nil, nil)
	a, b := testenv.Email("a"), testenv.Email("b")
	res := f.invite(t, f.owner.Token, map[string]any{"emails": []string{a, strings.ToUpper(a), b, known.Email}, "expiresInDays": 1})
	if len(res) != 3 {
		t.Fatalf("want one result per distinct address: %+v", res)
	}
	got := map[string]string{}
	for _, r := range res {
		got[r.Email] = r.Status
	}
	if got[a] != "invited" || got[b] != "invited" || got[known.Email] != "added" {
		t.Fatalf("results %v", got)
	}
	if d := time.Until(*res[0].ExpiresAt); d > 25*time.Hour {
		t.Fatalf("expiresInDays ignored: %v", d)
	}
}

// At most one pending invite per organization and address: inviting again
// refreshes it, and the earlier link stops working.
func TestPendingInviteIsRefreshed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	addr := testenv.Email("twice")
	r1 := f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}, "projectIds": []string{f.web.ID}, "projectRole": "member"})
	t1 := env.LastInviteToken(t, addr)
	r2 := f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}, "projectIds": []string{f.api.ID}, "projectRole": "owner"})
	t2 := env.LastInviteToken(t, addr)
	if r1[0].InviteID != r2[0].InviteID || t1 == t2 {
		t.Fatalf("want the same invite with a new token: %+v %+v", r1, r2)
	}
	wantProblem(t, env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": t1}), 404, "invite_not_found")
	u := env.SignIn(t, addr)
	var acc struct {
		OrgRole  string
		Projects []struct{ ID, Role string }
	}
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": t2}, &acc)
	if len(acc.Projects) != 2 {
		t.Fatalf("refreshed invite should merge projects: %+v", acc)
	}
	wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": t1}), 404, "invite_not_found")
}

func TestAcceptErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	addr := testenv.Email("invitee")
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}})
	token := env.LastInviteToken(t, addr)
	body := map[string]string{"token": token}

	t.Run("no bearer token", func(t *testing.T) {
		wantProblem(t, env.Do(t, "POST", "/invites/accept", "", body), 401, "unauthorized")
	})
	t.Run("garbage bearer token", func(t *testing.T) {
		wantProblem(t, env.Do(t, "POST", "/invites/accept", "not-a-jwt", body), 401, "unauthorized")
	})
	t.Run("alg none", func(t *testing.T) {
		wantProblem(t, env.Do(t, "POST", "/invites/accept", algNone(addr), body), 401, "unauthorized")
	})
	t.Run("altered claims", func(t *testing.T) {
		good := env.SignIn(t, "someone-else@example.com").Token
		wantProblem(t, env.Do(t, "POST", "/invites/accept", swapPayload(good, addr), body), 401, "unauthorized")
	})
	t.Run("expired token", func(t *testing.T) {
		wantProblem(t, env.Do(t, "POST", "/invites/accept", expiredToken(t, env, addr), body), 401, "unauthorized")
	})
	t.Run("forwarded link", func(t *testing.T) {
		other := env.SignIn(t, testenv.Email("forwardee"))
		wantProblem(t, env.Do(t, "POST", "/invites/accept", other.Token, body), 403, "invite_email_mismatch")
	})
	t.Run("unverified email", func(t *testing.T) {
		unv := env.SignIn(t, addr, false)
		wantProblem(t, env.Do(t, "POST", "/invites/accept", unv.Token, body), 403, "invite_email_mismatch")
	})
	t.Run("unknown and malformed tokens", func(t *testing.T) {
		u := env.SignIn(t, addr)
		wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": strings.Repeat("A", 43)}), 404, "invite_not_found")
		wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": "short"}), 404, "invite_not_found")
		wantProblem(t, env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": "../../etc"}), 404, "invite_not_found")
		p := wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{}), 400, "validation_failed")
		if len(p.Errors) != 1 || p.Errors[0].Field != "token" {
			t.Fatalf("errors %+v", p.Errors)
		}
	})
	// After all that, the invite still works for its owner.
	u := env.SignIn(t, addr)
	env.Must(t, 200, "POST", "/invites/accept", u.Token, body, nil)
	// And nobody else can take it afterwards.
	other := env.SignIn(t, testenv.Email("late"))
	if r := env.Do(t, "POST", "/invites/accept", other.Token, body); r.Status != 403 && r.Status != 409 {
		t.Fatalf("accepted invite taken by another account: %d %s", r.Status, r.Body)
	}
}

func TestInviteExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	addr := testenv.Email("late")
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}, "expiresInDays": 1})
	token := env.LastInviteToken(t, addr)
	env.Advance(t, "25h")
	r := env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": token})
	wantProblem(t, r, 410, "invite_expired")
	var ext struct{ InvitedBy, OrgName string }
	r.JSON(t, &ext)
	if ext.InvitedBy != f.owner.Email || ext.OrgName != "Acme" {
		t.Fatalf("expired problem should say whom to ask: %s", r.Body)
	}
	u := env.SignIn(t, addr)
	wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": token}), 410, "invite_expired")
	if findMember(f.members(t, f.owner.Token), addr) != nil {
		t.Fatal("expired invite made a member")
	}
}

// Concurrent accepts of one token by its owner never create a membership twice.
func TestConcurrentAccepts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	addr := testenv.Email("racer")
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}, "projectIds": []string{f.web.ID}, "projectRole": "member"})
	token := env.LastInviteToken(t, addr)
	u := env.SignIn(t, addr)
	var wg sync.WaitGroup
	bodies := make([]string, 12)
	statuses := make([]int, 12)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": token})
			statuses[i], bodies[i] = r.Status, string(r.Body)
		}()
	}
	wg.Wait()
	for i := range bodies {
		if statuses[i] != 200 || bodies[i] != bodies[0] {
			t.Fatalf("accept %d: %d %s (first: %s)", i, statuses[i], bodies[i], bodies[0])
		}
	}
	n := 0
	for _, m := range f.members(t, f.owner.Token) {
		if m.Email == addr {
			n++
		}
	}
	var pm memberPage
	env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/projects/"+f.web.ID+"/members", f.owner.Token, nil, &pm)
	if n != 1 || len(pm.Members) != 2 {
		t.Fatalf("%d org memberships, project members %+v", n, pm.Members)
	}
}

func TestInvitePermissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	// A project owner (org user) and a plain org user.
	po := env.SignIn(t, testenv.Email("projowner"))
	env.Must(t, 200, "GET", "/me", po.Token, nil, nil)
	plain := env.SignIn(t, testenv.Email("plain"))
	env.Must(t, 200, "GET", "/me", plain.Token, nil, nil)
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{po.Email}, "projectIds": []string{f.web.ID}, "projectRole": "owner"})
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{plain.Email}})
	path := "/orgs/" + f.org.ID + "/invites"
	newAddr := func() []string { return []string{testenv.Email("x")} }

	env.Must(t, 201, "POST", path, po.Token, map[string]any{"emails": newAddr(), "projectIds": []string{f.web.ID}, "projectRole": "member"}, nil)
	wantProblem(t, env.Do(t, "POST", path, po.Token, map[string]any{"emails": newAddr(), "projectIds": []string{f.web.ID, f.api.ID}, "projectRole": "member"}), 403, "forbidden")
	wantProblem(t, env.Do(t, "POST", path, po.Token, map[string]any{"emails": newAddr(), "orgRole": "owner", "projectIds": []string{f.web.ID}, "projectRole": "member"}), 403, "forbidden")
	wantProblem(t, env.Do(t, "POST", path, po.Token, map[string]any{"emails": newAddr()}), 403, "forbidden")
	wantProblem(t, env.Do(t, "POST", path, plain.Token, map[string]any{"emails": newAddr()}), 403, "forbidden")
	stranger := env.SignIn(t, testenv.Email("stranger"))
	wantProblem(t, env.Do(t, "POST", path, stranger.Token, map[string]any{"emails": newAddr()}), 404, "org_not_found")
	wantProblem(t, env.Do(t, "POST", path, "", map[string]any{"emails": newAddr()}), 401, "unauthorized")
	// A member lists; a stranger does not.
	env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/members", plain.Token, nil, nil)
	r := env.Do(t, "GET", "/orgs/"+f.org.ID+"/members", stranger.Token, nil)
	wantProblem(t, r, 404, "org_not_found")
	if strings.Contains(string(r.Body), f.owner.Email) {
		t.Fatal("leak")
	}
	// Project members: project member or org owner; plain org user → 403.
	wantProblem(t, env.Do(t, "GET", "/orgs/"+f.org.ID+"/projects/"+f.web.ID+"/members", plain.Token, nil), 403, "forbidden")
	env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/projects/"+f.web.ID+"/members", po.Token, nil, nil)
	wantProblem(t, env.Do(t, "GET", "/orgs/"+f.org.ID+"/projects/prj_nope/members", f.owner.Token, nil), 404, "project_not_found")
	// Projects: owners see all, users see theirs.
	var ps struct{ Projects []struct{ ID string } }
	env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/projects", po.Token, nil, &ps)
	if len(ps.Projects) != 1 || ps.Projects[0].ID != f.web.ID {
		t.Fatalf("project owner sees %+v", ps)
	}
	env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/projects", f.owner.Token, nil, &ps)
	if len(ps.Projects) != 2 {
		t.Fatalf("org owner sees %+v", ps)
	}
	// A project owner cannot take over an org owner's open invite by
	// inviting the same address to their project: it fails alone, and the
	// org owner's link keeps working.
	target := testenv.Email("orgonly")
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{target}})
	firstLink := env.LastInviteToken(t, target)
	var takeover struct{ Results []inviteResult }
	env.Must(t, 201, "POST", path, po.Token, map[string]any{"emails": []string{target}, "projectIds": []string{f.web.ID}, "projectRole": "member"}, &takeover)
	if r := takeover.Results[0]; r.Status != "failed" || r.Error == nil || r.Error.Code != "forbidden" {
		t.Fatalf("project owner refreshed an org owner's invite: %+v", takeover.Results)
	}
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": firstLink}, nil)
	// Only org owners create projects.
	wantProblem(t, env.Do(t, "POST", "/orgs/"+f.org.ID+"/projects", po.Token, map[string]string{"name": "X"}), 403, "forbidden")
}

func TestInviteValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	other := env.SignIn(t, testenv.Email("otherowner"))
	var otherOrg orgResp
	var otherProject projectResp
	env.Must(t, 201, "POST", "/orgs", other.Token, map[string]string{"name": "Other"}, &otherOrg)
	env.Must(t, 201, "POST", "/orgs/"+otherOrg.ID+"/projects", other.Token, map[string]string{"name": "Theirs"}, &otherProject)
	path := "/orgs/" + f.org.ID + "/invites"
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("u%d@example.com", i)
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"no emails", map[string]any{"emails": []string{}}, "emails"},
		{"missing emails", map[string]any{}, "emails"},
		{"51 emails", map[string]any{"emails": many}, "emails"},
		{"no at", map[string]any{"emails": []string{"nobody"}}, "emails[0]"},
		{"no dot", map[string]any{"emails": []string{"a@localhost"}}, "emails[0]"},
		{"space inside", map[string]any{"emails": []string{"a b@example.com"}}, "emails[0]"},
		{"control char", map[string]any{"emails": []string{"a\u0007@example.com"}}, "emails[0]"},
		{"too long", map[string]any{"emails": []string{strings.Repeat("a", 250) + "@example.com"}}, "emails[0]"},
		{"bad org role", map[string]any{"emails": []string{"a@example.com"}, "orgRole": "admin"}, "orgRole"},
		{"project of another org", map[string]any{"emails": []string{"a@example.com"}, "projectIds": []string{otherProject.ID}, "projectRole": "member"}, "projectIds[0]"},
		{"no project role", map[string]any{"emails": []string{"a@example.com"}, "projectIds": []string{f.web.ID}}, "projectRole"},
		{"bad project role", map[string]any{"emails": []string{"a@example.com"}, "projectIds": []string{f.web.ID}, "projectRole": "admin"}, "projectRole"},
		{"expiry 0", map[string]any{"emails": []string{"a@example.com"}, "expiresInDays": 0}, "expiresInDays"},
		{"expiry 31", map[string]any{"emails": []string{"a@example.com"}, "expiresInDays": 31}, "expiresInDays"},
		{"wrong type", map[string]any{"emails": "a@example.com"}, "emails"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := wantProblem(t, env.Do(t, "POST", path, f.owner.Token, c.body), 400, "validation_failed")
			found := false
			for _, e := range p.Errors {
				found = found || (e.Field == c.field && e.Message != "")
			}
			if !found {
				t.Fatalf("errors %+v lack field %s", p.Errors, c.field)
			}
		})
	}
	// A malformed address among good ones fails alone; the others are invited.
	var mixed struct{ Results []inviteResult }
	env.Must(t, 201, "POST", path, f.owner.Token, map[string]any{"emails": []string{"ok@example.com", "a b@example.com", "ok@example.com"}}, &mixed)
	if len(mixed.Results) != 2 || mixed.Results[0].Status != "invited" || mixed.Results[1].Status != "failed" ||
		mixed.Results[1].Email != "a b@example.com" || mixed.Results[1].Error == nil || mixed.Results[1].Error.Code != "validation_failed" ||
		mixed.Results[1].Error.Status != 400 || len(mixed.Results[1].Error.Errors) != 1 || mixed.Results[1].Error.Errors[0].Field != "emails[1]" {
		t.Fatalf("mixed results %+v", mixed.Results)
	}
	auth := map[string]string{"Authorization": "Bearer " + f.owner.Token, "Content-Type": "application/json"}
	raw := func(body string, h map[string]string) testenv.Resp { return env.Raw(t, "POST", path, []byte(body), h) }
	wantProblem(t, raw(`{"emails":["a@example.com"],"extra":1}`, auth), 400, "invalid_request")
	wantProblem(t, raw(`{"emails":["a@example.com"]`, auth), 400, "invalid_request")
	wantProblem(t, raw(`{"emails":["a@example.com"]} {}`, auth), 400, "invalid_request")
	wantProblem(t, raw(`[]`, auth), 400, "invalid_request")
	wantProblem(t, raw(``, auth), 400, "invalid_request")
	wantProblem(t, raw(`{"emails":["`+strings.Repeat("a", 70<<10)+`"]}`, auth), 413, "payload_too_large")
	wantProblem(t, raw(`{"emails":["a@example.com"]}`, map[string]string{"Authorization": "Bearer " + f.owner.Token, "Content-Type": "text/plain"}), 415, "unsupported_media_type")
	// Names.
	wantProblem(t, env.Do(t, "POST", "/orgs", f.owner.Token, map[string]string{"name": " "}), 400, "validation_failed")
	wantProblem(t, env.Do(t, "POST", "/orgs", f.owner.Token, map[string]string{"name": strings.Repeat("x", 101)}), 400, "validation_failed")
	wantProblem(t, env.Do(t, "POST", "/orgs", f.owner.Token, map[string]string{"name": "a\nb"}), 400, "validation_failed")
	env.Must(t, 201, "POST", "/orgs", f.owner.Token, map[string]string{"name": strings.Repeat("é", 100)}, nil)
	// Nothing but the one good address was invited by any of these.
	var list struct{ Invites []any }
	env.Must(t, 200, "GET", path+"?status=all", f.owner.Token, nil, &list)
	if len(list.Invites) != 1 {
		t.Fatalf("bad requests created invites: %+v", list.Invites)
	}
}

func TestListMembersPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	var emails []string
	for range 7 {
		u := env.SignIn(t, testenv.Email("m"))
		env.Must(t, 200, "GET", "/me", u.Token, nil, nil)
		emails = append(emails, u.Email)
	}
	f.invite(t, f.owner.Token, map[string]any{"emails": emails})
	pages := walkPages(t, "members", 3, func(cursor string) ([]member, *string) {
		var p memberPage
		env.Must(t, 200, "GET", "/orgs/"+f.org.ID+"/members?"+pageQuery(3, cursor, nil), f.owner.Token, nil, &p)
		return p.Members, p.NextCursor
	})
	all := allItems(pages)
	if len(all) != 8 || len(pages) != 3 {
		t.Fatalf("%d members in %d pages", len(all), len(pages))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].UserID >= all[i].UserID {
			t.Fatalf("unstable order at %d: %s then %s", i, all[i-1].UserID, all[i].UserID)
		}
	}
	cursor := *pages[len(pages)-2].Next // the last cursor followed
	base := "/orgs/" + f.org.ID + "/members"
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=abc"} {
		wantProblem(t, env.Do(t, "GET", base+q, f.owner.Token, nil), 400, "validation_failed")
	}
	for _, q := range []string{"?cursor=garbage", "?cursor=" + cursor + "x"} {
		wantProblem(t, env.Do(t, "GET", base+q, f.owner.Token, nil), 400, "invalid_cursor")
	}
	// A cursor from one organization is refused by another's list.
	var p memberPage
	env.Must(t, 200, "GET", base+"?limit=1", f.owner.Token, nil, &p)
	var o2 orgResp
	env.Must(t, 201, "POST", "/orgs", f.owner.Token, map[string]string{"name": "Second"}, &o2)
	wantProblem(t, env.Do(t, "GET", "/orgs/"+o2.ID+"/members?cursor="+*p.NextCursor, f.owner.Token, nil), 400, "invalid_cursor")
}

func TestRoutingAndRegistration(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	var h map[string]string
	env.Must(t, 200, "GET", "/healthz", "", nil, &h)
	if h["status"] != "ok" {
		t.Fatalf("healthz %v", h)
	}
	wantProblem(t, env.Do(t, "GET", "/nope/nope", "", nil), 404, "not_found")
	wantProblem(t, env.Do(t, "PUT", "/orgs", "", nil), 405, "method_not_allowed")
	wantProblem(t, env.Do(t, "GET", "/me", "", nil), 401, "unauthorized")

	// An unverified address can sign in but cannot create organizations.
	unv := env.SignIn(t, testenv.Email("unverified"), false)
	var me meResp
	env.Must(t, 200, "GET", "/me", unv.Token, nil, &me)
	if me.User.ID != unv.ID {
		t.Fatalf("me %+v", me)
	}
	wantProblem(t, env.Do(t, "POST", "/orgs", unv.Token, map[string]string{"name": "X"}), 403, "email_not_verified")
	// An unverified sign-in does not make the address "registered".
	owner := env.SignIn(t, testenv.Email("owner"))
	var org orgResp
	env.Must(t, 201, "POST", "/orgs", owner.Token, map[string]string{"name": "Org"}, &org)
	var out struct{ Results []inviteResult }
	env.Must(t, 201, "POST", "/orgs/"+org.ID+"/invites", owner.Token, map[string]any{"emails": []string{unv.Email}}, &out)
	if out.Results[0].Status != "invited" {
		t.Fatalf("unverified address counted as an account: %+v", out.Results)
	}
	// Same email gives the same user id.
	if again := env.SignIn(t, owner.Email); again.ID != owner.ID {
		t.Fatal("user id not stable per email")
	}
	// Responses never cache and 5xx never happened.
	r := env.Do(t, "GET", "/me", owner.Token, nil)
	if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", r.Header)
	}
	if strings.Contains(env.LogText(), `"status":5`) {
		t.Fatalf("a 5xx was logged:\n%s", env.LogText())
	}
}

func TestMailIsEscaped(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.SignIn(t, testenv.Email("owner"))
	var org orgResp
	env.Must(t, 201, "POST", "/orgs", owner.Token, map[string]string{"name": `<script>alert(1)</script> & "Co"`}, &org)
	addr := testenv.Email("target")
	env.Must(t, 201, "POST", "/orgs/"+org.ID+"/invites", owner.Token, map[string]any{"emails": []string{addr}}, nil)
	ms, _ := env.SES.Mails(addr)
	if len(ms) != 1 || strings.Contains(ms[0].Body.HTML, "<script>") || !strings.Contains(ms[0].Body.HTML, "&lt;script&gt;") {
		t.Fatalf("html not escaped: %s", ms[0].Body.HTML)
	}
	if r := env.Do(t, "GET", "/healthz", "", nil); r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
}

// An invite accepted by someone who became a member meanwhile merges into
// their membership (the optimistic new-member accept falls back).
func TestAcceptByExistingMemberMerges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := f.env
	addr := testenv.Email("later")
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}, "projectIds": []string{f.api.ID}, "projectRole": "owner"})
	token := env.LastInviteToken(t, addr)
	u := env.SignIn(t, addr)
	env.Must(t, 200, "GET", "/me", u.Token, nil, nil)
	res := f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}, "projectIds": []string{f.web.ID}, "projectRole": "member"})
	if res[0].Status != "added" {
		t.Fatalf("%+v", res)
	}
	var acc struct {
		OrgRole  string
		Projects []struct{ ID, Role string }
	}
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": token}, &acc)
	if len(acc.Projects) != 1 || acc.Projects[0].ID != f.api.ID || acc.Projects[0].Role != "owner" {
		t.Fatalf("accept %+v", acc)
	}
	var me meResp
	env.Must(t, 200, "GET", "/me", u.Token, nil, &me)
	if len(me.Orgs) != 1 || len(me.Projects) != 2 {
		t.Fatalf("me %+v", me)
	}
	n := 0
	for _, m := range f.members(t, f.owner.Token) {
		if m.Email == addr {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d memberships", n)
	}
}

// Inviting an address again at once with the same terms (a double submit)
// reuses the invite just mailed: one mail, one working link.
func TestDoubleSubmitMailsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	addr := testenv.Email("double")
	body := map[string]any{"emails": []string{addr}, "projectIds": []string{f.web.ID}, "projectRole": "member"}
	r1 := f.invite(t, f.owner.Token, body)
	r2 := f.invite(t, f.owner.Token, body)
	if r1[0].InviteID != r2[0].InviteID || r2[0].Status != "invited" {
		t.Fatalf("%+v %+v", r1, r2)
	}
	if links := f.env.InviteLinks(t, addr); len(links) != 1 {
		t.Fatalf("%d mails for a double submit", len(links))
	}
	// Wider terms are not a double submit: the invite is refreshed and mailed.
	f.invite(t, f.owner.Token, map[string]any{"emails": []string{addr}, "projectIds": []string{f.web.ID}, "projectRole": "owner"})
	if links := f.env.InviteLinks(t, addr); len(links) != 2 {
		t.Fatalf("%d mails after widening the invite", len(links))
	}
}
