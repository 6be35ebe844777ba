package integration

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/tests/testenv"
)

// TestBusinessMetrics runs the story (invite a new address and an existing
// account, accept, revoke, remove, edit an invite, remove a member whose
// invites die with their authority, hit the hourly cap) on the local stack
// and reads the EMF lines from its log: each is valid EMF in the Members
// namespace with the one Function dimension, the counts per function are
// what happened, and no line carries an address, an id or a token.
func TestBusinessMetrics(t *testing.T) {
	t.Parallel()
	// GIVEN a local stack whose organizations may mail 5 invites an hour
	e := testenv.New(t, testenv.Options{InvitesPerHour: 5})
	owner, orgID := newOrg(t, e, "metrics")
	var web struct{ ID string }
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/projects", owner.Token, map[string]string{"name": "Web"}, &web)
	grace := register(t, e, "grace")
	ada := e.SignIn(t, testenv.Email("ada"))
	bob := testenv.Email("bob")

	// WHEN the owner invites a new address and an existing account
	res := invite(t, e, owner.Token, orgID, map[string]any{
		"emails": []string{ada.Email, grace.Email}, "projectIds": []string{web.ID}, "projectRole": "member"})
	if res[ada.Email].Status != "invited" || res[grace.Email].Status != "added" {
		t.Fatalf("invite results %+v", res)
	}
	// AND the new person accepts
	tok := e.LastInviteToken(t, ada.Email)
	e.Must(t, 200, "POST", "/invites/accept", ada.Token, map[string]string{"token": tok}, nil)
	// AND a third invite is revoked
	bobInvite := invite(t, e, owner.Token, orgID, map[string]any{"emails": []string{bob}})[bob].InviteID
	e.Must(t, 204, "DELETE", "/orgs/"+orgID+"/invites/"+bobInvite, owner.Token, nil, nil)
	// AND the new member is removed
	e.Must(t, 204, "DELETE", "/orgs/"+orgID+"/members/"+ada.ID, owner.Token, nil, nil)
	// AND the existing account, made owner of the project, invites two
	// addresses to it
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/projects/"+web.ID+"/members/"+grace.ID, owner.Token, map[string]string{"role": "owner"}, nil)
	carol, dan := testenv.Email("carol"), testenv.Email("dan")
	sent := invite(t, e, grace.Token, orgID, map[string]any{"emails": []string{carol, dan}, "projectIds": []string{web.ID}, "projectRole": "member"})
	// AND the owner edits one of those invites
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/invites/"+sent[carol].InviteID, owner.Token, map[string]any{"expiresInDays": 3}, nil)
	// AND removes their sender, which revokes both (sender_lost_access)
	e.Must(t, 204, "DELETE", "/orgs/"+orgID+"/members/"+grace.ID, owner.Token, nil, nil)
	for _, a := range []string{carol, dan} {
		if st := storedInviteStatus(t, e, orgID, sent[a].InviteID); st != "revoked" {
			t.Fatalf("%s's invite is %s after its sender's removal, want revoked", a, st)
		}
	}
	// AND two more addresses go over the cap of 5
	assertRateLimited(t, "over the cap", e.Do(t, "POST", "/orgs/"+orgID+"/invites", owner.Token,
		map[string]any{"emails": []string{testenv.Email("c"), testenv.Email("d")}}))

	// THEN every EMF line is valid, has only the Function dimension and
	// names no person, organization or token
	got := emfTotals(t, e, orgID, web.ID, ada.ID, grace.ID, owner.ID, bobInvite, tok,
		sent[carol].InviteID, sent[dan].InviteID)

	// AND the counts per function are what happened
	want := map[string]map[string]float64{
		routes.FnOrgs:           {"Requests": 2},
		routes.FnMe:             {"Requests": 1},
		routes.FnInvite:         {"Requests": 4, "InvitesCreated": 4, "MembersAdded": 1, "EmailsSent": 5, "RateLimited": 1, "ClientErrors": 1},
		routes.FnAccept:         {"Requests": 1, "InvitesAccepted": 1, "MembersAdded": 1},
		routes.FnInvites:        {"Requests": 2, "InvitesRevoked": 1, "InvitesUpdated": 1},
		routes.FnMembers:        {"Requests": 2, "MembersRemoved": 2, "InvitesRevoked": 2},
		routes.FnProjectMembers: {"Requests": 1},
		// The local stack emulates SES's Send event for every mail it takes.
		routes.FnSESEvents: {"DeliverySent": 5},
	}
	wantTotals(t, got, want)
}

// TestBusinessMetricsOfAccepts: MembersAdded counts an accept that made
// someone a member of the organization, not one that gave a member more
// projects (InvitesAccepted counts both); a role change that takes away
// the authority to grant a pending invite counts it revoked.
func TestBusinessMetricsOfAccepts(t *testing.T) {
	t.Parallel()
	// GIVEN a local stack where inviting an existing account sends a
	// normal invite
	e := testenv.New(t, testenv.Options{ExistingAccounts: domain.ExistingAccountsInvite})
	owner, orgID := newOrg(t, e, "accepts")
	var web struct{ ID string }
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/projects", owner.Token, map[string]string{"name": "Web"}, &web)
	ada := e.SignIn(t, testenv.Email("ada"))

	// WHEN a new address accepts an invite to the organization
	if r := invite(t, e, owner.Token, orgID, map[string]any{"emails": []string{ada.Email}}); r[ada.Email].Status != "invited" {
		t.Fatalf("first invite %+v", r)
	}
	first := e.LastInviteToken(t, ada.Email)
	e.Must(t, 200, "POST", "/invites/accept", ada.Token, map[string]string{"token": first}, nil)
	// AND, a member now, accepts an invite that makes them the project's owner
	r := invite(t, e, owner.Token, orgID, map[string]any{"emails": []string{ada.Email}, "projectIds": []string{web.ID}, "projectRole": "owner"})
	if r[ada.Email].Status != "invited" {
		t.Fatalf("second invite %+v", r)
	}
	second := e.LastInviteToken(t, ada.Email)
	e.Must(t, 200, "POST", "/invites/accept", ada.Token, map[string]string{"token": second}, nil)
	// AND invites an address to the project, then is made its viewer,
	// which revokes that invite (sender_lost_access)
	carol := testenv.Email("carol")
	sent := invite(t, e, ada.Token, orgID, map[string]any{"emails": []string{carol}, "projectIds": []string{web.ID}, "projectRole": "member"})
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/projects/"+web.ID+"/members/"+ada.ID, owner.Token, map[string]string{"role": "viewer"}, nil)
	if st := storedInviteStatus(t, e, orgID, sent[carol].InviteID); st != "revoked" {
		t.Fatalf("the invite is %s after its sender lost the project, want revoked", st)
	}

	// THEN the counts per function are what happened
	got := emfTotals(t, e, orgID, web.ID, ada.ID, owner.ID, first, second, r[ada.Email].InviteID, sent[carol].InviteID)
	wantTotals(t, got, map[string]map[string]float64{
		routes.FnOrgs:           {"Requests": 2},
		routes.FnInvite:         {"Requests": 3, "InvitesCreated": 3, "EmailsSent": 3},
		routes.FnAccept:         {"Requests": 2, "InvitesAccepted": 2, "MembersAdded": 1},
		routes.FnProjectMembers: {"Requests": 1, "InvitesRevoked": 1},
		routes.FnSESEvents:      {"DeliverySent": 3},
	})
}

// TestBusinessMetricsOfFailures: mail SES refuses counts as EmailsFailed
// (invite and resend), a removal from a project as ProjectMembersRemoved,
// and a 5xx as ServerErrors with nothing else counted.
func TestBusinessMetricsOfFailures(t *testing.T) {
	t.Parallel()
	// GIVEN a local stack whose SES refuses every mail
	ses := newSESStub(t)
	ses.setMode(sesThrottle)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, InvitesPerHour: -1})
	owner, orgID := newOrg(t, e, "failures")
	var web struct{ ID string }
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/projects", owner.Token, map[string]string{"name": "Web"}, &web)
	grace := register(t, e, "grace")

	// WHEN an invite and its resend are refused by SES
	ada := testenv.Email("ada")
	res := invite(t, e, owner.Token, orgID, map[string]any{"emails": []string{ada}})
	if res[ada].Delivery != "failed" {
		t.Fatalf("invite %+v, want delivery failed", res[ada])
	}
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/invites/"+res[ada].InviteID+"/resend", owner.Token, nil, nil)
	// AND an existing account is added to a project, then removed from it
	invite(t, e, owner.Token, orgID, map[string]any{"emails": []string{grace.Email}, "projectIds": []string{web.ID}, "projectRole": "member"})
	e.Must(t, 204, "DELETE", "/orgs/"+orgID+"/projects/"+web.ID+"/members/"+grace.ID, owner.Token, nil, nil)
	// AND a removal fails with a 5xx while the table is down
	clear := failTable(t, e)
	if r := e.Do(t, "DELETE", "/orgs/"+orgID+"/members/"+grace.ID, owner.Token, nil); r.Status < 500 {
		t.Fatalf("removal with the table down: %d", r.Status)
	}
	clear()

	// THEN the counts per function are what happened
	got := emfTotals(t, e, orgID, web.ID, grace.ID, owner.ID, res[ada].InviteID)
	wantTotals(t, got, map[string]map[string]float64{
		routes.FnOrgs:           {"Requests": 2},
		routes.FnMe:             {"Requests": 1},
		routes.FnInvite:         {"Requests": 2, "InvitesCreated": 1, "MembersAdded": 1, "EmailsFailed": 2},
		routes.FnInvites:        {"Requests": 1, "InvitesResent": 1, "EmailsFailed": 1},
		routes.FnProjectMembers: {"Requests": 1, "ProjectMembersRemoved": 1},
		routes.FnMembers:        {"Requests": 1, "ServerErrors": 1},
	})
}

// storedInviteStatus reads an invite's status from the table (the API
// lists no revoked invites), without a request that would be counted.
func storedInviteStatus(t *testing.T, e *testenv.Env, orgID, inviteID string) string {
	t.Helper()
	for _, it := range queryPK(t, e.Stack.Clients.DynamoDB, e.Stack.Config.TableName, "ORG#"+orgID) {
		if it.str("sk") == "INVITE#"+inviteID {
			return it.str("status")
		}
	}
	t.Fatalf("invite %s not stored", inviteID)
	return ""
}

// emfTotals reads e's log: every EMF line must be valid, in the Members
// namespace with the Function dimension only, hold Counts of the catalog,
// have no properties but the route template and the status, and contain
// none of secrets nor any address. It returns the sums per function and
// metric.
func emfTotals(t *testing.T, e *testenv.Env, secrets ...string) map[string]map[string]float64 {
	t.Helper()
	log := e.LogText()
	lines, err := testenv.EMFLines(log)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatalf("no EMF lines in the log:\n%s", log)
	}
	fns := map[string]bool{routes.FnSESEvents: true}
	for _, fn := range routes.Functions() {
		fns[fn] = true
	}
	catalog := map[string]bool{}
	for _, m := range metrics.Catalog {
		catalog[string(m.Name)] = true
	}
	got := map[string]map[string]float64{}
	for _, l := range lines {
		if l.Namespace != metrics.Namespace {
			t.Errorf("namespace %q", l.Namespace)
		}
		fn := l.Dimensions[metrics.DimFunction]
		if len(l.Dimensions) != 1 || !fns[fn] {
			t.Errorf("dimensions %v, want Function only, one of the functions", l.Dimensions)
		}
		for name, v := range l.Values {
			if !catalog[name] || l.Units[name] != "Count" {
				t.Errorf("metric %s (%s) is not a Count of the catalog", name, l.Units[name])
			}
			if got[fn] == nil {
				got[fn] = map[string]float64{}
			}
			got[fn][name] += v
		}
		// AND properties are the route template and the status, nothing else
		for k, v := range l.Properties {
			s, _ := v.(string)
			switch {
			case k == "route" && (s == "unrouted" || strings.Contains(s, " /")) && !strings.Contains(s, "org_"):
			case k == "status" && len(s) == 3:
			default:
				t.Errorf("property %s=%v", k, v)
			}
		}
	}

	// AND no line names a person, an organization or a token
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `"_aws"`) {
			continue
		}
		for _, secret := range append(secrets, "@") {
			if secret != "" && strings.Contains(line, secret) {
				t.Errorf("EMF line carries %q: %s", secret, line)
			}
		}
	}

	return got
}

// wantTotals compares emfTotals' sums with want, for every function.
func wantTotals(t *testing.T, got, want map[string]map[string]float64) {
	t.Helper()
	fns := append(routes.Functions(), routes.FnSESEvents)
	for fn := range got {
		if !slices.Contains(fns, fn) {
			t.Errorf("metrics of unknown function %s", fn)
		}
	}
	for _, fn := range fns {
		if !maps.Equal(got[fn], want[fn]) {
			t.Errorf("%s: metrics %v, want %v", fn, got[fn], want[fn])
		}
	}
}
