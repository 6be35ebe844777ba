package integration

import (
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// TestSCIMProvisionedFirstSignInPaths: a directory provisions addresses
// that have no account; each person's first registration, by whatever way
// in (accepting another organization's invite, joining by its invite
// link, a first GET /me), makes them the directory's member at once, and
// the way in does what it does too. Registrations learn that something
// waits from their own write (the address's marker), so the common
// registration pays no read for it (docs/benchmarks.md).
func TestSCIMProvisionedFirstSignInPaths(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "firstsignin", "member")
	other := mgNewOrg(t, env, "elsewhere")
	ann, ben, cat := testenv.Email("ann"), testenv.Email("ben"), testenv.Email("cat")
	for _, e := range []string{ann, ben, cat} {
		d.do(t, "POST", "/Users", oktaUser(e, "P", "Q", "ext-"+e)).want(t, 201, "provision "+e)
		if d.member(t, e) != nil {
			t.Fatalf("%s is a member before signing in", e)
		}
	}
	managed := func(who string, u testenv.User) {
		t.Helper()
		if role, st := orgRoleOf(t, env, u, d.orgID); st != 200 || role != "member" {
			t.Fatalf("%s: directory org access %d %q, want member", who, st, role)
		}
		if m := d.member(t, u.Email); m == nil || !m.ManagedByDirectory {
			t.Fatalf("%s: member row %+v, want managed by the directory", who, m)
		}
	}

	// (a) Accepting an invite to another organization.
	env.Must(t, 201, "POST", other.path("/invites"), other.Owner.Token, map[string]any{"emails": []string{ann}, "orgRole": "manager"}, nil)
	annU := env.SignIn(t, ann)
	var acc struct{ OrgID, OrgRole string }
	env.Must(t, 200, "POST", "/invites/accept", annU.Token, map[string]string{"token": env.LastInviteToken(t, ann)}, &acc)
	if acc.OrgID != other.ID || acc.OrgRole != "manager" {
		t.Fatalf("accept: %+v", acc)
	}
	managed("accept", annU)
	if role, st := orgRoleOf(t, env, annU, other.ID); st != 200 || role != "manager" {
		t.Fatalf("accept: invited org access %d %q", st, role)
	}

	// (b) Joining another organization by its invite link.
	l := other.link(t, other.Owner, map[string]any{"orgRole": "member"})
	benU := env.SignIn(t, ben)
	var j linkJoined
	env.Must(t, 200, "POST", "/invite-links/join", benU.Token, map[string]string{"token": l.token(t)}, &j)
	if j.OrgID != other.ID || !j.Joined {
		t.Fatalf("link join: %+v", j)
	}
	managed("link join", benU)
	if _, st := orgRoleOf(t, env, benU, other.ID); st != 200 {
		t.Fatalf("link join: linked org access %d", st)
	}

	// (c) A first GET /me.
	catU := env.SignIn(t, cat)
	var me struct{ Orgs []struct{ ID, Role string } }
	env.Must(t, 200, "GET", "/me", catU.Token, nil, &me)
	if len(me.Orgs) != 1 || me.Orgs[0].ID != d.orgID || me.Orgs[0].Role != "member" {
		t.Fatalf("first GET /me: %+v", me.Orgs)
	}
	managed("GET /me", catU)

	// Once linked, nothing waits: ann's later sign-ins list both.
	env.Must(t, 200, "GET", "/me", annU.Token, nil, &me)
	if len(me.Orgs) != 2 {
		t.Fatalf("ann's orgs %+v", me.Orgs)
	}
}

// TestSCIMProvisionedFirstSignInByDomainJoin: the same when the first
// registration is joining another organization by its verified domain
// (policy auto), whose transaction registers a new person.
func TestSCIMProvisionedFirstSignInByDomainJoin(t *testing.T) {
	e, _, dns := domainEnv(t)
	d := newSCIMDir(t, e, "domfirst", "member")
	owner, orgID := newOrg(t, e, "domjoinowner")
	name := newDomainName()
	addVerifiedDomain(t, e, dns, owner.Token, orgID, name)
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]any{"joinPolicy": "auto", "orgRole": "member"}, nil)
	email := "dan-" + randHex(3) + "@" + name
	d.do(t, "POST", "/Users", oktaUser(email, "Dan", "D", "ext-dan")).want(t, 201, "provision")
	dan := e.SignIn(t, email)
	var res struct{ Status, OrgID string }
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/join", dan.Token, nil, &res)
	if res.Status != "joined" || res.OrgID != orgID {
		t.Fatalf("domain join: %+v", res)
	}
	if role, st := orgRoleOf(t, e, dan, d.orgID); st != 200 || role != "member" {
		t.Fatalf("directory org access %d %q, want member", st, role)
	}
	if m := d.member(t, email); m == nil || !m.ManagedByDirectory {
		t.Fatalf("member row %+v, want managed by the directory", m)
	}
}
