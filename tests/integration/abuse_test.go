package integration

import (
	"strconv"
	"strings"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// refusedWritesNothing runs a request that must be refused with 429
// rate_limited and checks that it changed no item of the table.
func refusedWritesNothing(t *testing.T, e *testenv.Env, what string, maxRetry int, do func() testenv.Resp) {
	t.Helper()
	db, table := e.Stack.Clients.DynamoDB, e.Stack.Config.TableName
	before := scanTable(t, db, table)
	r := do()
	wantProblem(t, r, 429, "rate_limited")
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > maxRetry {
		t.Errorf("%s: Retry-After %q, want 1..%d seconds", what, r.Header.Get("Retry-After"), maxRetry)
	}
	if d := diffItems(before, scanTable(t, db, table)); d != "" {
		t.Errorf("%s: a refused request wrote:\n%s", what, d)
	}
}

// TestUserInviteCapSpansOrganizations: one user's invite emails are capped
// per hour across every organization they invite from, so creating more
// organizations does not multiply the cap; grants to existing accounts and
// resends count; over it, 429 with Retry-After, nothing written or mailed;
// other users keep their own budget; the next hour it works again.
func TestUserInviteCapSpansOrganizations(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, UserInvitesPerHour: 4})
	o, orgA := newOrg(t, e, "spammer")
	var b struct{ ID string }
	e.Must(t, 201, "POST", "/orgs", o.Token, map[string]string{"name": "Second " + randHex(3)}, &b)
	known := register(t, e, "known")

	u1 := testenv.Email("u1")
	res := invite(t, e, o.Token, orgA, map[string]any{"emails": []string{u1, known.Email}})
	if res[known.Email].Status != "added" {
		t.Fatalf("registered address: %+v", res[known.Email])
	}
	c, d := testenv.Email("u2"), testenv.Email("u3")
	refusedWritesNothing(t, e, "2 + 2 + 1 of 4 from another org", 3601, func() testenv.Resp {
		return e.Do(t, "POST", "/orgs/"+b.ID+"/invites", o.Token, map[string]any{"emails": []string{c, d, testenv.Email("u4")}})
	})
	for _, x := range []string{c, d} {
		if ses.mailCount(x) != 0 {
			t.Errorf("a refused invite mailed %s", x)
		}
	}
	e.Must(t, 201, "POST", "/orgs/"+b.ID+"/invites", o.Token, map[string]any{"emails": []string{c}}, nil)
	e.Must(t, 200, "POST", "/orgs/"+orgA+"/invites/"+res[u1].InviteID+"/resend", o.Token, nil, nil)
	refusedWritesNothing(t, e, "5th email", 3601, func() testenv.Resp {
		return e.Do(t, "POST", "/orgs/"+b.ID+"/invites", o.Token, map[string]any{"emails": []string{d}})
	})
	refusedWritesNothing(t, e, "resend over the user's cap", 3601, func() testenv.Resp {
		return e.Do(t, "POST", "/orgs/"+orgA+"/invites/"+res[u1].InviteID+"/resend", o.Token, nil)
	})

	// Another user, even in the same organization, has their own budget.
	other, orgC := newOrg(t, e, "other")
	invite(t, e, other.Token, orgC, map[string]any{"emails": []string{testenv.Email("v1"), testenv.Email("v2"), testenv.Email("v3")}})

	e.Advance(t, "1h")
	e.Must(t, 201, "POST", "/orgs/"+b.ID+"/invites", o.Token, map[string]any{"emails": []string{d}}, nil)
	if ses.mailCount(d) != 1 {
		t.Errorf("%d mails to %s after the hour, want 1", ses.mailCount(d), d)
	}
	invariants(t, e)
}

// TestUserOrgCreationCap: a user creates at most OrgsPerUserPerDay
// organizations a UTC day; the next is 429 with Retry-After (until
// midnight UTC) and writes nothing; others are unaffected; the next day it
// works.
func TestUserOrgCreationCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, testenv.Options{OrgsPerUserPerDay: 2})
	u := e.SignIn(t, testenv.Email("orgmaker"))
	for i := range 2 {
		e.Must(t, 201, "POST", "/orgs", u.Token, map[string]string{"name": "Org " + strconv.Itoa(i)}, nil)
	}
	refusedWritesNothing(t, e, "3rd organization", 86401, func() testenv.Resp {
		return e.Do(t, "POST", "/orgs", u.Token, map[string]string{"name": "One too many"})
	})
	v := e.SignIn(t, testenv.Email("someoneelse"))
	e.Must(t, 201, "POST", "/orgs", v.Token, map[string]string{"name": "Theirs"}, nil)
	e.Advance(t, "24h")
	e.Must(t, 201, "POST", "/orgs", u.Token, map[string]string{"name": "Tomorrow"}, nil)
	invariants(t, e)
}

// TestFirstRequestOfTheHourHeldToTheCap: a first request for more
// addresses than the hourly cap is refused whole, writing and mailing
// nothing, for the organization's cap and the user's alike.
func TestFirstRequestOfTheHourHeldToTheCap(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, InvitesPerHour: 3, UserInvitesPerHour: 5})
	o, orgID := newOrg(t, e, "firstbig")
	four := []string{testenv.Email("f1"), testenv.Email("f2"), testenv.Email("f3"), testenv.Email("f4")}
	refusedWritesNothing(t, e, "4 of the org's 3 at once", 3601, func() testenv.Resp {
		return e.Do(t, "POST", "/orgs/"+orgID+"/invites", o.Token, map[string]any{"emails": four})
	})
	for _, x := range four {
		if ses.mailCount(x) != 0 {
			t.Errorf("a refused first request mailed %s", x)
		}
	}
	// Per user: three organizations of 2 addresses each would be within
	// each org's cap; a first request of 6 from one org passes neither.
	six := append(four, testenv.Email("f5"), testenv.Email("f6"))
	e2 := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, InvitesPerHour: -1, UserInvitesPerHour: 5})
	o2, org2 := newOrg(t, e2, "firstbiguser")
	refusedWritesNothing(t, e2, "6 of the user's 5 at once", 3601, func() testenv.Resp {
		return e2.Do(t, "POST", "/orgs/"+org2+"/invites", o2.Token, map[string]any{"emails": six})
	})
	invite(t, e, o.Token, orgID, map[string]any{"emails": four[:3]})
}

// TestExistingAccountsInvite: with EXISTING_ACCOUNTS=invite a registered
// address gets a normal invite (invited, a link, access only on accept),
// indistinguishable from an unregistered one; one that already has every
// role asked for is already_member.
func TestExistingAccountsInvite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, testenv.Options{ExistingAccounts: "invite"})
	o, orgID := newOrg(t, e, "consent")
	grace := register(t, e, "grace")
	res := invite(t, e, o.Token, orgID, map[string]any{"emails": []string{grace.Email}})
	if r := res[grace.Email]; r.Status != "invited" || r.InviteID == "" || r.ExpiresAt == nil {
		t.Fatalf("registered address: %+v, want a normal invite", r)
	}
	for _, m := range listMembers(t, e, o.Token, "/orgs/"+orgID+"/members") {
		if m.Email == grace.Email {
			t.Fatalf("%s is a member before accepting", grace.Email)
		}
	}
	var acc struct{ OrgID string }
	e.Must(t, 200, "POST", "/invites/accept", grace.Token, map[string]string{"token": e.LastInviteToken(t, grace.Email)}, &acc)
	if acc.OrgID != orgID {
		t.Fatalf("accepted into %q, want %q", acc.OrgID, orgID)
	}
	res = invite(t, e, o.Token, orgID, map[string]any{"emails": []string{grace.Email}})
	if r := res[grace.Email]; r.Status != "already_member" {
		t.Errorf("member invited again: %+v, want already_member", r)
	}
	// A member asked for more (an owner role) gets an invite for it.
	res = invite(t, e, o.Token, orgID, map[string]any{"emails": []string{grace.Email}, "orgRole": "owner"})
	if r := res[grace.Email]; r.Status != "invited" {
		t.Errorf("member invited as owner: %+v, want invited", r)
	}
	invariants(t, e)
}

// TestNamesInMailAreInertThroughSES: an organization and a project named
// with a URL, a domain and bidi overrides reach the real SES emulator's
// mails (invite and added, HTML and text) as text that reads the same but
// holds no URL or domain a mail client would link; the names are stored
// without the overrides, and over-long names are refused.
func TestNamesInMailAreInertThroughSES(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, testenv.Options{})
	o := e.SignIn(t, testenv.Email("phisher"))
	var org, prj struct{ ID, Name string }
	e.Must(t, 201, "POST", "/orgs", o.Token, map[string]string{"name": "Acme IT: verify at https://evil.example\u202e"}, &org)
	if org.Name != "Acme IT: verify at https://evil.example" {
		t.Errorf("stored name %q", org.Name)
	}
	e.Must(t, 201, "POST", "/orgs/"+org.ID+"/projects", o.Token, map[string]string{"name": "login.evil.example\u2066"}, &prj)
	wantProblem(t, e.Do(t, "POST", "/orgs", o.Token, map[string]string{"name": strings.Repeat("x", 101)}), 400, "validation_failed")

	fresh, known := testenv.Email("victim"), register(t, e, "knownvictim").Email
	res := invite(t, e, o.Token, org.ID, map[string]any{"emails": []string{fresh, known}, "projectIds": []string{prj.ID}, "projectRole": "member"})
	if res[fresh].Status != "invited" || res[known].Status != "added" {
		t.Fatalf("results %+v", res)
	}
	for _, to := range []string{fresh, known} {
		ms, err := e.SES.Mails(to)
		if err != nil || len(ms) != 1 {
			t.Fatalf("mails to %s: %d, %v", to, len(ms), err)
		}
		m := ms[0]
		for part, body := range map[string]string{"html": m.Body.HTML, "text": m.Body.Text, "subject": m.Subject} {
			for _, live := range []string{"https://evil", "evil.example", "\u202e", "\u2066"} {
				if strings.Contains(body, live) {
					t.Errorf("mail to %s: %s carries %q:\n%s", to, part, live, body)
				}
			}
			if !strings.Contains(strings.ReplaceAll(body, "\u2060", ""), "Acme IT: verify at https://evil.example") {
				t.Errorf("mail to %s: %s does not show the name:\n%s", to, part, body)
			}
		}
		if !strings.Contains(strings.ReplaceAll(m.Body.Text, "\u2060", ""), "login.evil.example") {
			t.Errorf("mail to %s does not name the project:\n%s", to, m.Body.Text)
		}
		if n := strings.Count(m.Body.HTML, "<a "); n != strings.Count(m.Body.HTML, `<a href="http://console.test/`) {
			t.Errorf("mail to %s has a link that is not the console's:\n%s", to, m.Body.HTML)
		}
	}
}
