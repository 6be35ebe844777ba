package integration

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/tests/testenv"
)

// The callers of the authorization matrix, in the column order of want.
type caller int

const (
	cOwner      caller = iota // owner of organization A (and of its projects P1, P2)
	cManager                  // manager of A, in no project (acts as owner of every project)
	cProjOwner                // member of A, owner of project P1
	cProjMember               // member of A, member of project P1
	cProjViewer               // member of A, viewer of project P1
	cOrgUser                  // member of A, in no project
	cOtherOrg                 // owner of organization B, not in A
	cStranger                 // signed in and registered, in no organization (holds an invite to A)
	cAnon                     // no bearer token
	cUnverified               // signed in with an unverified email (invited to A by that address)
	nCallers
)

var callerNames = [nCallers]string{"owner", "manager", "projOwner", "projMember", "projViewer", "orgMember", "otherOrg", "stranger", "anon", "unverified"}

// world is the fixture of one matrix run. Organization A: owner O (owns P1
// and P2), M (manager), PO (member, P1 owner), PM (member, P1 member), PV
// (member, P1 viewer), U (member), V (member, P1 member: the target of
// member routes), pending invites IA (P1), IA0 (no
// project), IS (to the stranger's address, P1) and IN (to the unverified
// caller's address). Organization B: OB (owner), BM (user, PB member),
// pending invite IB (PB).
type world struct {
	orgA, orgB          string
	p1, p2, pb          string
	ia, ia0, is, in, ib string
	tokS, tokN          string
	// la (P1 member) and la0 (no project) are invite links of A; tokL is
	// la0's token.
	la, la0, tokL      string
	users              [nCallers]testenv.User
	v, bm              testenv.User
	secretsA, secretsB []string // emails, ids and names of each organization
	domains            domainWorld
}

func (w *world) token(c caller) string { return w.users[c].Token }

// selfID is the caller's own user id (a placeholder for anonymous callers).
func (w *world) selfID(c caller) string {
	if c == cAnon {
		return "anonymous"
	}
	return w.users[c].ID
}

func buildWorld(t testing.TB, e *testenv.Env, ses *sesStub) *world {
	t.Helper()
	w := &world{}
	tag := randHex(3)
	email := func(name string) string { return testenv.Email(name) }
	o := e.SignIn(t, email("owner"))
	nameA, nameB := "Acme "+tag, "Bolt "+tag
	var org struct{ ID string }
	e.Must(t, 201, "POST", "/orgs", o.Token, map[string]string{"name": nameA}, &org)
	w.orgA = org.ID
	var p struct{ ID string }
	e.Must(t, 201, "POST", "/orgs/"+w.orgA+"/projects", o.Token, map[string]string{"name": "Apollo " + tag}, &p)
	w.p1 = p.ID
	e.Must(t, 201, "POST", "/orgs/"+w.orgA+"/projects", o.Token, map[string]string{"name": "Atlas " + tag}, &p)
	w.p2 = p.ID
	po, pm, u, v := register(t, e, "projowner"), register(t, e, "projmember"), register(t, e, "orguser"), register(t, e, "victim")
	mg, pv := register(t, e, "manager"), register(t, e, "projviewer")
	sEmail, nEmail, xa, xa0 := email("stranger"), email("unverified"), email("xa"), email("xa0")
	res := invite(t, e, o.Token, w.orgA, map[string]any{"emails": []string{po.Email}, "projectIds": []string{w.p1}, "projectRole": "owner"})
	if res[po.Email].Status != "added" {
		t.Fatalf("world: project owner not added: %+v", res)
	}
	res = invite(t, e, o.Token, w.orgA, map[string]any{"emails": []string{pm.Email, v.Email, xa, sEmail},
		"projectIds": []string{w.p1}, "projectRole": "member"})
	w.ia, w.is = res[xa].InviteID, res[sEmail].InviteID
	res = invite(t, e, o.Token, w.orgA, map[string]any{"emails": []string{mg.Email}, "orgRole": "manager"})
	if res[mg.Email].Status != "added" {
		t.Fatalf("world: manager not added: %+v", res)
	}
	res = invite(t, e, o.Token, w.orgA, map[string]any{"emails": []string{pv.Email}, "projects": []map[string]string{{"id": w.p1, "role": "viewer"}}})
	if res[pv.Email].Status != "added" {
		t.Fatalf("world: project viewer not added: %+v", res)
	}
	res = invite(t, e, o.Token, w.orgA, map[string]any{"emails": []string{u.Email, xa0, nEmail}})
	w.ia0, w.in = res[xa0].InviteID, res[nEmail].InviteID
	w.tokS, w.tokN = ses.lastToken(t, sEmail), ses.lastToken(t, nEmail)
	s := e.SignIn(t, sEmail) // registers after being invited: a stranger holding an invite
	e.Must(t, 200, "GET", "/me", s.Token, nil, nil)
	n := e.SignIn(t, nEmail, false)

	ob := e.SignIn(t, email("otherorg"))
	e.Must(t, 201, "POST", "/orgs", ob.Token, map[string]string{"name": nameB}, &org)
	w.orgB = org.ID
	e.Must(t, 201, "POST", "/orgs/"+w.orgB+"/projects", ob.Token, map[string]string{"name": "Borealis " + tag}, &p)
	w.pb = p.ID
	bm := register(t, e, "bmember")
	xb := email("xb")
	res = invite(t, e, ob.Token, w.orgB, map[string]any{"emails": []string{bm.Email, xb}, "projectIds": []string{w.pb}, "projectRole": "member"})
	w.ib = res[xb].InviteID
	for _, id := range []string{w.ia, w.is, w.ia0, w.in, w.ib} {
		if id == "" {
			t.Fatalf("world: an invite was not created")
		}
	}
	var l struct{ ID, URL string }
	e.Must(t, 201, "POST", "/orgs/"+w.orgA+"/invite-links", o.Token,
		map[string]any{"projects": []map[string]string{{"id": w.p1, "role": "member"}}}, &l)
	w.la = l.ID
	e.Must(t, 201, "POST", "/orgs/"+w.orgA+"/invite-links", o.Token, map[string]any{}, &l)
	w.la0 = l.ID
	_, w.tokL, _ = strings.Cut(l.URL, "#token=")
	w.users = [nCallers]testenv.User{o, mg, po, pm, pv, u, ob, s, {}, n}
	w.v, w.bm = v, bm
	w.secretsA = []string{w.orgA, w.p1, w.p2, w.ia, w.ia0, w.is, w.in, nameA, "Apollo " + tag, "Atlas " + tag,
		o.Email, po.Email, pm.Email, u.Email, v.Email, sEmail, nEmail, xa, xa0, o.ID, po.ID, pm.ID, u.ID, v.ID, s.ID,
		mg.Email, mg.ID, pv.Email, pv.ID, w.la, w.la0}
	w.secretsB = []string{w.orgB, w.pb, w.ib, nameB, "Borealis " + tag, ob.Email, bm.Email, xb, ob.ID, bm.ID}
	buildDomainWorld(t, e, w)
	return w
}

// variant is one row of the matrix: a route with concrete ids and body,
// and the status each caller must get.
type variant struct {
	name  string
	route string // the routes.Table key it exercises
	path  func(w *world, c caller) string
	body  func(w *world, c caller) any
	want  [nCallers]int
	// check adds assertions on a 2xx answer (e.g. what must not be listed).
	check func(t *testing.T, w *world, c caller, body string)
}

func fixed(p string) func(*world, caller) string { return func(*world, caller) string { return p } }

// Column order: owner, manager, projOwner, projMember, projViewer, orgMember, otherOrg, stranger, anon, unverified.
func authzVariants() []variant {
	orgA := func(rest string) func(*world, caller) string {
		return func(w *world, c caller) string { return "/orgs/" + w.orgA + rest }
	}
	newEmail := func(*world, caller) any { return map[string]any{"emails": []string{testenv.Email("new")}} }
	role := func(r string) func(*world, caller) any {
		return func(*world, caller) any { return map[string]string{"role": r} }
	}
	name := func(*world, caller) any { return map[string]string{"name": "New " + randHex(3)} }
	mustNotList := func(ids func(w *world) []string) func(*testing.T, *world, caller, string) {
		return func(t *testing.T, w *world, _ caller, body string) {
			for _, id := range ids(w) {
				if strings.Contains(body, id) {
					t.Errorf("lists %q, which this caller may not see: %s", id, body)
				}
			}
		}
	}
	return append([]variant{
		{name: "healthz", route: "GET /healthz", path: fixed("/healthz"),
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{name: "me", route: "GET /me", path: fixed("/me"),
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 200, 200, 401, 200}},
		{name: "create org", route: "POST /orgs", path: fixed("/orgs"), body: name,
			want: [nCallers]int{201, 201, 201, 201, 201, 201, 201, 201, 401, 403}},
		{name: "get org", route: "GET /orgs/{orgId}", path: orgA(""),
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 404, 404, 401, 404}},
		{name: "get B under A's id", route: "GET /orgs/{orgId}",
			path: fixed("/orgs/" + domain.NewID("org", time.Now())),
			want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 401, 404}},
		{name: "set seats", route: "PATCH /orgs/{orgId}", path: orgA(""),
			body: func(*world, caller) any { return map[string]any{"seatLimit": 100, "seatsCountPendingInvites": true} },
			want: [nCallers]int{200, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "list projects", route: "GET /orgs/{orgId}/projects", path: orgA("/projects"),
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 404, 404, 401, 404},
			check: func(t *testing.T, w *world, c caller, body string) {
				switch c {
				case cProjOwner, cProjMember, cProjViewer:
					mustNotList(func(w *world) []string { return []string{w.p2} })(t, w, c, body)
				case cOwner, cManager:
					if !strings.Contains(body, w.p1) || !strings.Contains(body, w.p2) {
						t.Errorf("%s does not see every project: %s", callerNames[c], body)
					}
				case cOrgUser:
					mustNotList(func(w *world) []string { return []string{w.p1, w.p2} })(t, w, c, body)
				}
			}},
		{name: "create project", route: "POST /orgs/{orgId}/projects", path: orgA("/projects"), body: name,
			want: [nCallers]int{201, 201, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "invite to org only", route: "POST /orgs/{orgId}/invites", path: orgA("/invites"), body: newEmail,
			want: [nCallers]int{201, 201, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "invite to P1", route: "POST /orgs/{orgId}/invites", path: orgA("/invites"),
			body: func(w *world, _ caller) any {
				return map[string]any{"emails": []string{testenv.Email("new")}, "projectIds": []string{w.p1}, "projectRole": "member"}
			},
			want: [nCallers]int{201, 201, 201, 403, 403, 403, 404, 404, 401, 404}},
		{name: "invite to P1 as org owner", route: "POST /orgs/{orgId}/invites", path: orgA("/invites"),
			body: func(w *world, _ caller) any {
				return map[string]any{"emails": []string{testenv.Email("new")}, "orgRole": "owner",
					"projectIds": []string{w.p1}, "projectRole": "member"}
			},
			want: [nCallers]int{201, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "invite to B's project", route: "POST /orgs/{orgId}/invites", path: orgA("/invites"),
			body: func(w *world, _ caller) any {
				return map[string]any{"emails": []string{testenv.Email("new")}, "projectIds": []string{w.pb}, "projectRole": "member"}
			},
			want: [nCallers]int{400, 400, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "list invites", route: "GET /orgs/{orgId}/invites", path: orgA("/invites?status=all"),
			want: [nCallers]int{200, 200, 200, 403, 403, 403, 404, 404, 401, 404},
			check: func(t *testing.T, w *world, c caller, body string) {
				if c == cProjOwner {
					// Project owners see only invites that touch their projects.
					mustNotList(func(w *world) []string { return []string{w.ia0, w.in} })(t, w, c, body)
					if !strings.Contains(body, w.ia) {
						t.Errorf("project owner does not see invite %s to their project: %s", w.ia, body)
					}
				}
			}},
		{name: "revoke P1 invite", route: "DELETE /orgs/{orgId}/invites/{inviteId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ia },
			want: [nCallers]int{204, 204, 204, 403, 403, 403, 404, 404, 401, 404}},
		{name: "revoke org-only invite", route: "DELETE /orgs/{orgId}/invites/{inviteId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ia0 },
			want: [nCallers]int{204, 204, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "revoke B's invite under A", route: "DELETE /orgs/{orgId}/invites/{inviteId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ib },
			want: [nCallers]int{404, 404, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "resend P1 invite", route: "POST /orgs/{orgId}/invites/{inviteId}/resend",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ia + "/resend" },
			want: [nCallers]int{200, 200, 200, 403, 403, 403, 404, 404, 401, 404}},
		{name: "resend org-only invite", route: "POST /orgs/{orgId}/invites/{inviteId}/resend",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ia0 + "/resend" },
			want: [nCallers]int{200, 200, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "resend B's invite under A", route: "POST /orgs/{orgId}/invites/{inviteId}/resend",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ib + "/resend" },
			want: [nCallers]int{404, 404, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "preview", route: "POST /invites/preview", path: fixed("/invites/preview"),
			body: func(w *world, _ caller) any { return map[string]string{"token": w.tokS} },
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{name: "preview unknown token", route: "POST /invites/preview", path: fixed("/invites/preview"),
			body: func(*world, caller) any { tok, _ := domain.NewToken(); return map[string]string{"token": tok} },
			want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},
		{name: "accept the stranger's invite", route: "POST /invites/accept", path: fixed("/invites/accept"),
			body: func(w *world, _ caller) any { return map[string]string{"token": w.tokS} },
			want: [nCallers]int{403, 403, 403, 403, 403, 403, 403, 200, 401, 403}},
		{name: "accept the unverified address's invite", route: "POST /invites/accept", path: fixed("/invites/accept"),
			body: func(w *world, _ caller) any { return map[string]string{"token": w.tokN} },
			want: [nCallers]int{403, 403, 403, 403, 403, 403, 403, 403, 401, 403}},
		{name: "create org-only link", route: "POST /orgs/{orgId}/invite-links", path: orgA("/invite-links"),
			body: func(*world, caller) any { return map[string]any{} },
			want: [nCallers]int{201, 201, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "create P1 link", route: "POST /orgs/{orgId}/invite-links", path: orgA("/invite-links"),
			body: func(w *world, _ caller) any {
				return map[string]any{"projects": []map[string]string{{"id": w.p1, "role": "member"}}}
			},
			want: [nCallers]int{201, 201, 201, 403, 403, 403, 404, 404, 401, 404}},
		{name: "create owner link", route: "POST /orgs/{orgId}/invite-links", path: orgA("/invite-links"),
			body: func(*world, caller) any { return map[string]any{"orgRole": "owner"} },
			want: [nCallers]int{201, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "list links", route: "GET /orgs/{orgId}/invite-links", path: orgA("/invite-links"),
			want: [nCallers]int{200, 200, 200, 403, 403, 403, 404, 404, 401, 404},
			check: func(t *testing.T, w *world, c caller, body string) {
				if c == cProjOwner {
					mustNotList(func(w *world) []string { return []string{w.la0} })(t, w, c, body)
				}
				if strings.Contains(body, w.tokL) || strings.Contains(body, "#token=") {
					t.Errorf("the link list shows a token: %s", body)
				}
			}},
		{name: "disable P1 link", route: "DELETE /orgs/{orgId}/invite-links/{linkId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invite-links/" + w.la },
			want: [nCallers]int{204, 204, 204, 403, 403, 403, 404, 404, 401, 404}},
		{name: "disable org-only link", route: "DELETE /orgs/{orgId}/invite-links/{linkId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invite-links/" + w.la0 },
			want: [nCallers]int{204, 204, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "preview link", route: "POST /invite-links/preview", path: fixed("/invite-links/preview"),
			body: func(w *world, _ caller) any { return map[string]string{"token": w.tokL} },
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{name: "preview unknown link", route: "POST /invite-links/preview", path: fixed("/invite-links/preview"),
			body: func(*world, caller) any { tok, _ := domain.NewToken(); return map[string]string{"token": tok} },
			want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},
		{name: "join by link", route: "POST /invite-links/join", path: fixed("/invite-links/join"),
			body: func(w *world, _ caller) any { return map[string]string{"token": w.tokL} },
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 200, 200, 401, 403}},
		{name: "list members", route: "GET /orgs/{orgId}/members", path: orgA("/members"),
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 404, 404, 401, 404}},
		{name: "list members of unknown org", route: "GET /orgs/{orgId}/members",
			path: fixed("/orgs/" + domain.NewID("org", time.Now()) + "/members"),
			want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 401, 404}},
		{name: "make V owner", route: "PATCH /orgs/{orgId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/members/" + w.v.ID }, body: role("owner"),
			want: [nCallers]int{200, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "make B's member owner under A", route: "PATCH /orgs/{orgId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/members/" + w.bm.ID }, body: role("owner"),
			want: [nCallers]int{404, 404, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "make self owner", route: "PATCH /orgs/{orgId}/members/{userId}",
			path: func(w *world, c caller) string { return "/orgs/" + w.orgA + "/members/" + w.selfID(c) }, body: role("owner"),
			want: [nCallers]int{200, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "demote self", route: "PATCH /orgs/{orgId}/members/{userId}",
			path: func(w *world, c caller) string { return "/orgs/" + w.orgA + "/members/" + w.selfID(c) }, body: role("member"),
			want: [nCallers]int{409, 200, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "remove V", route: "DELETE /orgs/{orgId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/members/" + w.v.ID },
			want: [nCallers]int{204, 204, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "remove B's member under A", route: "DELETE /orgs/{orgId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/members/" + w.bm.ID },
			want: [nCallers]int{404, 404, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "leave", route: "DELETE /orgs/{orgId}/members/{userId}",
			path: func(w *world, c caller) string { return "/orgs/" + w.orgA + "/members/" + w.selfID(c) },
			want: [nCallers]int{409, 204, 204, 204, 204, 204, 404, 404, 401, 404}},
		{name: "list P1 members", route: "GET /orgs/{orgId}/projects/{projectId}/members",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members" },
			want: [nCallers]int{200, 200, 200, 200, 200, 403, 404, 404, 401, 404},
			check: func(t *testing.T, w *world, c caller, body string) {
				mustNotList(func(w *world) []string { return []string{w.users[cOrgUser].Email} })(t, w, c, body)
			}},
		{name: "list P2 members", route: "GET /orgs/{orgId}/projects/{projectId}/members",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p2 + "/members" },
			want: [nCallers]int{200, 200, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "list B's project members under A", route: "GET /orgs/{orgId}/projects/{projectId}/members",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.pb + "/members" },
			want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 401, 404}},
		{name: "make V P1 owner", route: "PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members/" + w.v.ID },
			body: role("owner"), want: [nCallers]int{200, 200, 200, 403, 403, 403, 404, 404, 401, 404}},
		{name: "make V P2 owner (not in P2)", route: "PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p2 + "/members/" + w.v.ID },
			body: role("owner"), want: [nCallers]int{404, 404, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "make B's member owner of B's project under A", route: "PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string {
				return "/orgs/" + w.orgA + "/projects/" + w.pb + "/members/" + w.bm.ID
			},
			body: role("owner"), want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 401, 404}},
		{name: "make B's member P1 owner", route: "PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string {
				return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members/" + w.bm.ID
			},
			body: role("owner"), want: [nCallers]int{404, 404, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "make self P1 owner", route: "PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, c caller) string {
				return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members/" + w.selfID(c)
			},
			body: role("owner"), want: [nCallers]int{200, 404, 200, 403, 403, 403, 404, 404, 401, 404}},
		{name: "remove V from P1", route: "DELETE /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members/" + w.v.ID },
			want: [nCallers]int{204, 204, 204, 403, 403, 403, 404, 404, 401, 404}},
		{name: "leave P1", route: "DELETE /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, c caller) string {
				return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members/" + w.selfID(c)
			},
			want: [nCallers]int{204, 404, 204, 204, 204, 404, 404, 404, 401, 404}},
		{name: "remove B's member from B's project under A", route: "DELETE /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string {
				return "/orgs/" + w.orgA + "/projects/" + w.pb + "/members/" + w.bm.ID
			},
			want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 401, 404}},
		{name: "remove B's member from P1", route: "DELETE /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string {
				return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members/" + w.bm.ID
			},
			want: [nCallers]int{404, 404, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "invite as manager", route: "POST /orgs/{orgId}/invites", path: orgA("/invites"),
			body: func(*world, caller) any {
				return map[string]any{"emails": []string{testenv.Email("new")}, "orgRole": "manager"}
			},
			want: [nCallers]int{201, 201, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "invite to P1 with a role per project", route: "POST /orgs/{orgId}/invites", path: orgA("/invites"),
			body: func(w *world, _ caller) any {
				return map[string]any{"emails": []string{testenv.Email("new")}, "projects": []map[string]string{{"id": w.p1, "role": "viewer"}}}
			},
			want: [nCallers]int{201, 201, 201, 403, 403, 403, 404, 404, 401, 404}},
		{name: "edit P1 invite", route: "PATCH /orgs/{orgId}/invites/{inviteId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ia },
			body: func(w *world, _ caller) any {
				return map[string]any{"projects": []map[string]string{{"id": w.p1, "role": "viewer"}}}
			},
			want: [nCallers]int{200, 200, 200, 403, 403, 403, 404, 404, 401, 404}},
		{name: "edit P1 invite to org owner", route: "PATCH /orgs/{orgId}/invites/{inviteId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ia },
			body: func(*world, caller) any { return map[string]any{"orgRole": "owner"} },
			want: [nCallers]int{200, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "edit org-only invite to manager", route: "PATCH /orgs/{orgId}/invites/{inviteId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ia0 },
			body: func(*world, caller) any { return map[string]any{"orgRole": "manager"} },
			want: [nCallers]int{200, 200, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "edit B's invite under A", route: "PATCH /orgs/{orgId}/invites/{inviteId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/invites/" + w.ib },
			body: func(*world, caller) any { return map[string]any{"expiresInDays": 3} },
			want: [nCallers]int{404, 404, 404, 403, 403, 403, 404, 404, 401, 404}},
		{name: "make V manager", route: "PATCH /orgs/{orgId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/members/" + w.v.ID }, body: role("manager"),
			want: [nCallers]int{200, 200, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "make V P1 viewer", route: "PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/members/" + w.v.ID },
			body: role("viewer"), want: [nCallers]int{200, 200, 200, 403, 403, 403, 404, 404, 401, 404}},
		{name: "org access", route: "GET /orgs/{orgId}/access", path: orgA("/access"),
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 404, 404, 401, 404},
			check: func(t *testing.T, _ *world, c caller, body string) {
				want := map[caller]string{cOwner: "owner", cManager: "manager"}[c]
				if want == "" {
					want = "member"
				}
				wantAccess(t, body, want, "org")
			}},
		{name: "P1 access", route: "GET /orgs/{orgId}/projects/{projectId}/access",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p1 + "/access" },
			want: [nCallers]int{200, 200, 200, 200, 200, 404, 404, 404, 401, 404},
			check: func(t *testing.T, _ *world, c caller, body string) {
				switch c {
				case cOwner, cManager:
					wantAccess(t, body, "owner", "org")
				case cProjOwner:
					wantAccess(t, body, "owner", "project")
				case cProjMember:
					wantAccess(t, body, "member", "project")
				case cProjViewer:
					wantAccess(t, body, "viewer", "project")
				}
			}},
		{name: "P2 access", route: "GET /orgs/{orgId}/projects/{projectId}/access",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.p2 + "/access" },
			want: [nCallers]int{200, 200, 404, 404, 404, 404, 404, 404, 401, 404}},
		{name: "B's project access under A", route: "GET /orgs/{orgId}/projects/{projectId}/access",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/projects/" + w.pb + "/access" },
			want: [nCallers]int{404, 404, 404, 404, 404, 404, 404, 404, 401, 404}},
		{name: "audit", route: "GET /orgs/{orgId}/audit", path: orgA("/audit"),
			want: [nCallers]int{200, 200, 403, 403, 403, 403, 404, 404, 401, 404}},
		// The directory (SCIM): owners only (org:directory:manage).
		{name: "detach V (not managed)", route: "POST /orgs/{orgId}/members/{userId}/detach",
			path: func(w *world, _ caller) string { return "/orgs/" + w.orgA + "/members/" + w.v.ID + "/detach" },
			want: [nCallers]int{400, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "create directory token", route: "POST /orgs/{orgId}/scim-tokens", path: orgA("/scim-tokens"),
			body: func(*world, caller) any { return map[string]string{"name": "Okta"} },
			want: [nCallers]int{201, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "list directory tokens", route: "GET /orgs/{orgId}/scim-tokens", path: orgA("/scim-tokens"),
			want: [nCallers]int{200, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "revoke unknown directory token", route: "DELETE /orgs/{orgId}/scim-tokens/{tokenId}",
			path: orgA("/scim-tokens/sct_06h35s4xfhkaa83h99yt74a4yc"),
			want: [nCallers]int{404, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "list directory groups", route: "GET /orgs/{orgId}/scim-groups", path: orgA("/scim-groups"),
			want: [nCallers]int{200, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "map unknown directory group", route: "PUT /orgs/{orgId}/scim-groups/{groupId}/grants",
			path: orgA("/scim-groups/scg_06h35s4xfhkaa83h99yt74a4yc/grants"),
			body: func(*world, caller) any { return map[string]string{"orgRole": "member"} },
			want: [nCallers]int{404, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
	}, domainAuthzVariants()...)
}

// scimVariants: the SCIM routes take a directory token, never a user's
// JWT: every caller of the matrix gets 401 (in SCIM's error schema).
func scimVariants() []variant {
	var out []variant
	for _, rt := range routes.Table {
		if !routes.IsSCIM(rt.Path) {
			continue
		}
		path := strings.ReplaceAll(rt.Path, "{id}", "scu_06h35s4xfhkaa83h99yt74a4yc")
		v := variant{name: "scim " + rt.Key(), route: rt.Key(), path: fixed(path)}
		if rt.Method == "POST" || rt.Method == "PUT" || rt.Method == "PATCH" {
			v.body = func(*world, caller) any { return map[string]any{"userName": "x@example.com", "displayName": "x"} }
		}
		for c := range nCallers {
			v.want[c] = 401
		}
		out = append(out, v)
	}
	return out
}

// wantAccess checks an access answer's role, source and permissions (the
// policy's permissions of that role).
func wantAccess(t *testing.T, body, role, via string) {
	t.Helper()
	var a domain.Access
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	var perms []domain.Permission
	if via == "org" && !strings.Contains(body, "project:") {
		perms = domain.OrgRole(role).Permissions()
	} else {
		perms = domain.ProjectRole(role).Permissions()
	}
	if a.Role != role || a.Via != via || !slices.Equal(a.Permissions, perms) {
		t.Errorf("access %s, want role %s via %s with %v", body, role, via, perms)
	}
}

// mutating reports whether a 2xx answer of the route changes data.
func (v variant) mutating() bool {
	return !strings.HasPrefix(v.route, "GET ") && v.route != "POST /invites/preview" && v.route != "POST /invite-links/preview"
}

// forbidden lists what a response body of cell (v, c) must not contain.
func (v variant) forbidden(w *world, c caller, status int) []string {
	all := append(slices.Clone(w.secretsA), w.secretsB...)
	var out []string
	switch {
	case status >= 400:
		out = all // a problem names nobody and nothing
	case v.route == "GET /healthz" || v.route == "POST /orgs":
		out = all
	case v.route == "GET /me":
		switch c {
		case cOwner, cManager, cProjOwner, cProjMember, cProjViewer, cOrgUser:
			out = w.secretsB
		case cOtherOrg:
			out = w.secretsA
		default:
			out = all
		}
	default: // organization A's routes, and tokens of A's invites
		out = w.secretsB
	}
	own := []string{w.users[c].Email, w.users[c].ID}
	return slices.DeleteFunc(slices.Clone(out), func(s string) bool { return s == "" || slices.Contains(own, s) })
}

// TestAuthzMatrix sends every route of routes.Table, with ids of the
// caller's organization and of another one, as each kind of caller, and
// checks the status of every cell and that no answer leaks data: problems
// name no one, and successes show nothing of organizations the caller is
// not in. Cells that must not change data run against one world whose
// table must be byte-for-byte the same afterwards; each successful change
// runs in a fresh world of its own.
func TestAuthzMatrix(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, InvitesPerHour: -1, DNSResolver: matrixDNS().Addr})
	variants := append(authzVariants(), scimVariants()...)

	covered := map[string]bool{}
	for _, v := range variants {
		covered[v.route] = true
	}
	for _, rt := range routes.Table {
		if !covered[rt.Key()] {
			t.Errorf("route %s has no row in the authorization matrix", rt.Key())
		}
	}

	type cell struct {
		v variant
		c caller
	}
	var readonly, changing []cell
	for _, v := range variants {
		for c := range nCallers {
			if v.want[c] < 300 && v.mutating() {
				changing = append(changing, cell{v, c})
			} else {
				readonly = append(readonly, cell{v, c})
			}
		}
	}
	t.Logf("authorization matrix: %d routes, %d rows, %d callers, %d cells (%d change data, each in a fresh world)",
		len(routes.Table), len(variants), nCallers, len(readonly)+len(changing), len(changing))

	w0 := buildWorld(t, e, ses)
	db, table := e.Stack.Clients.DynamoDB, e.Stack.Config.TableName
	before := scanTable(t, db, table)
	t.Run("no change", func(t *testing.T) {
		for _, cl := range readonly {
			t.Run(cl.v.name+"/"+callerNames[cl.c], func(t *testing.T) {
				t.Parallel()
				runCell(t, e, w0, cl.v, cl.c)
			})
		}
	})
	if d := diffItems(before, scanTable(t, db, table)); d != "" {
		t.Errorf("requests that must not change data changed the table:\n%s", d)
	}

	t.Run("change", func(t *testing.T) {
		for _, cl := range changing {
			t.Run(cl.v.name+"/"+callerNames[cl.c], func(t *testing.T) {
				t.Parallel()
				if cl.v.route == "POST /orgs" { // a new organization disturbs no other cell
					runCell(t, e, w0, cl.v, cl.c)
					return
				}
				// A table of its own: the emulator's cost grows with the table.
				ew := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, InvitesPerHour: -1, DNSResolver: matrixDNS().Addr})
				runCell(t, ew, buildWorld(t, ew, ses), cl.v, cl.c)
				invariants(t, ew)
			})
		}
	})
	invariants(t, e)
}

func runCell(t *testing.T, e *testenv.Env, w *world, v variant, c caller) {
	t.Helper()
	var body any
	if v.body != nil {
		body = v.body(w, c)
	}
	path := v.path(w, c)
	r := e.Do(t, routeMethod(v.route), path, w.token(c), body)
	if r.Status != v.want[c] {
		t.Fatalf("%s %s as %s: status %d, want %d: %s", routeMethod(v.route), path, callerNames[c], r.Status, v.want[c], r.Body)
	}
	if r.Status >= 400 && routes.IsSCIM(v.route) {
		var se struct{ Schemas []string }
		if err := json.Unmarshal(r.Body, &se); err != nil || r.Header.Get("Content-Type") != "application/scim+json" ||
			!slices.Contains(se.Schemas, domain.SCIMSchemaError) {
			t.Errorf("not a SCIM error: %s", r.Body)
		}
	} else if r.Status >= 400 {
		p := r.Problem(t)
		if p.Status != r.Status || p.Code == "" {
			t.Errorf("problem without status or code: %s", r.Body)
		}
	} else if r.Status != http.StatusNoContent {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q for %d", ct, r.Status)
		}
	}
	text := string(r.Body)
	for _, s := range v.forbidden(w, c, r.Status) {
		if strings.Contains(text, s) {
			t.Errorf("%s as %s (%d) leaks %q: %s", v.name, callerNames[c], r.Status, s, text)
		}
	}
	if v.check != nil && r.Status < 300 {
		v.check(t, w, c, text)
	}
}

func routeMethod(key string) string { m, _, _ := strings.Cut(key, " "); return m }

// TestAuthzForgedIdentity: tokens the local authorizer did not issue, or
// claims it did not sign, get 401 on every authenticated route, and the
// user id of a token cannot be swapped for another's.
func TestAuthzForgedIdentity(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL})
	o, orgID := newOrg(t, e, "forge")
	// A token signed by another authorizer (another key) for the owner's address.
	other, err := localserver.NewAuthorizer(localserver.LocalIssuer, localserver.LocalAudience)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, err := other.Issue(o.Email, true)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(o.Token, ".")
	b64 := base64.RawURLEncoding
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	someoneElse := strings.Replace(string(payload), o.ID, "local-0000000000000000000a", 1)
	forged := map[string]string{
		"other key":      foreign,
		"no signature":   parts[0] + "." + parts[1] + ".",
		"alg none":       b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".",
		"altered claims": parts[0] + "." + b64.EncodeToString([]byte(someoneElse)) + "." + parts[2],
		"garbage":        "garbage",
		"truncated":      o.Token[:len(o.Token)-2],
	}
	for what, tok := range forged {
		for _, rt := range routes.Table {
			if !rt.Auth {
				continue
			}
			path := strings.NewReplacer("{orgId}", orgID, "{projectId}", "prj_x", "{inviteId}", "inv_x", "{userId}", o.ID).Replace(rt.Path)
			r := e.Do(t, rt.Method, path, tok, nil)
			if r.Status != 401 {
				t.Errorf("%s with a forged token (%s): status %d, want 401: %s", rt.Key(), what, r.Status, r.Body)
			}
		}
	}
	// The real token still works: the checks above were not vacuous.
	e.Must(t, 200, "GET", fmt.Sprintf("/orgs/%s/members", orgID), o.Token, nil, nil)
}
