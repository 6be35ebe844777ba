package integration

import (
	"sync"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// domainWorld is the authorization matrix's fixture for verified domains
// and join requests: organization A verified dom (policy request), and
// requester, at dom, has the pending join request jr.
type domainWorld struct {
	dom, jr   string
	requester testenv.User
}

var (
	matrixDNSOnce sync.Once
	matrixDNSSrv  *testenv.DNS
)

// matrixDNS is one DNS server for every world of the matrix (each world's
// domain is its own name), serving until the test binary exits.
func matrixDNS() *testenv.DNS {
	matrixDNSOnce.Do(func() {
		d, err := testenv.NewDNS()
		if err != nil {
			panic(err)
		}
		matrixDNSSrv = d
	})
	return matrixDNSSrv
}

// buildDomainWorld adds w's domain fixture: A's owner verifies a domain
// with policy request, and a person at it asks to join.
func buildDomainWorld(t testing.TB, e *testenv.Env, w *world) {
	t.Helper()
	owner := w.users[cOwner].Token
	w.domains.dom = newDomainName()
	addVerifiedDomain(t, e, matrixDNS(), owner, w.orgA, w.domains.dom)
	e.Must(t, 200, "PATCH", "/orgs/"+w.orgA+"/domains/"+w.domains.dom, owner, map[string]string{"joinPolicy": "request"}, nil)
	w.domains.requester = e.SignIn(t, "asker-"+randHex(3)+"@"+w.domains.dom)
	var r struct{ Request struct{ ID string } }
	e.Must(t, 202, "POST", "/orgs/"+w.orgA+"/join", w.domains.requester.Token, nil, &r)
	w.domains.jr = r.Request.ID
	w.secretsA = append(w.secretsA, w.domains.dom, w.domains.jr, w.domains.requester.Email, w.domains.requester.ID)
}

// domainAuthzVariants are the matrix rows of the domain and join routes.
// Column order: owner, manager, projOwner, projMember, projViewer,
// orgMember, otherOrg, stranger, anon, unverified.
func domainAuthzVariants() []variant {
	orgA := func(rest string) func(*world, caller) string {
		return func(w *world, c caller) string { return "/orgs/" + w.orgA + rest }
	}
	dom := func(rest string) func(*world, caller) string {
		return func(w *world, c caller) string { return "/orgs/" + w.orgA + "/domains/" + w.domains.dom + rest }
	}
	jr := func(rest string) func(*world, caller) string {
		return func(w *world, c caller) string { return "/orgs/" + w.orgA + "/join-requests/" + w.domains.jr + rest }
	}
	ownersOnly := [nCallers]int{0, 403, 403, 403, 403, 403, 404, 404, 401, 404}
	with := func(ok int, row [nCallers]int) [nCallers]int { row[cOwner] = ok; return row }
	approvers := func(ok int) [nCallers]int { return [nCallers]int{ok, ok, 403, 403, 403, 403, 404, 404, 401, 404} }
	return []variant{
		{name: "add domain", route: "POST /orgs/{orgId}/domains", path: orgA("/domains"),
			body: func(*world, caller) any { return map[string]string{"domain": newDomainName()} },
			want: with(201, ownersOnly)},
		{name: "list domains", route: "GET /orgs/{orgId}/domains", path: orgA("/domains"), want: with(200, ownersOnly)},
		{name: "verify domain", route: "POST /orgs/{orgId}/domains/{domain}/verify", path: dom("/verify"), want: with(200, ownersOnly)},
		{name: "set join policy", route: "PATCH /orgs/{orgId}/domains/{domain}", path: dom(""),
			body: func(*world, caller) any { return map[string]string{"joinPolicy": "auto", "orgRole": "member"} },
			want: with(200, ownersOnly)},
		{name: "remove domain", route: "DELETE /orgs/{orgId}/domains/{domain}", path: dom(""), want: with(204, ownersOnly)},
		{name: "join A (not at its domain)", route: "POST /orgs/{orgId}/join", path: orgA("/join"),
			want: [nCallers]int{200, 200, 200, 200, 200, 200, 404, 404, 401, 403}},
		{name: "list join requests", route: "GET /orgs/{orgId}/join-requests", path: orgA("/join-requests"), want: approvers(200)},
		{name: "approve join request", route: "POST /orgs/{orgId}/join-requests/{requestId}/approve", path: jr("/approve"),
			want: approvers(200)},
		{name: "approve join request as owner", route: "POST /orgs/{orgId}/join-requests/{requestId}/approve", path: jr("/approve"),
			body: func(*world, caller) any { return map[string]string{"orgRole": "owner"} },
			want: [nCallers]int{200, 403, 403, 403, 403, 403, 404, 404, 401, 404}},
		{name: "deny join request", route: "POST /orgs/{orgId}/join-requests/{requestId}/deny", path: jr("/deny"), want: approvers(200)},
	}
}
