package integration

import (
	"fmt"
	"sync"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// TestSCIMRaceDeactivateDuringAccept: an address the directory provisioned
// (no account yet) also holds an invite; the directory deactivates it
// while its owner accepts the invite (their first sign-in). Whichever
// lands first, the person ends without access: the deactivation revokes
// the open invite in its transaction (so a later accept fails), and an
// accept that landed first is taken over and removed by the deactivation
// or by the link at first sign-in.
func TestSCIMRaceDeactivateDuringAccept(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "raceacc", "member")
	for i := range 4 {
		email := testenv.Email(fmt.Sprintf("eve%d", i))
		env.Must(t, 201, "POST", "/orgs/"+d.orgID+"/invites", d.owner.Token, map[string]any{"emails": []string{email}}, nil)
		token := env.LastInviteToken(t, email)
		r := d.do(t, "POST", "/Users", oktaUser(email, "Eve", "E", fmt.Sprintf("ext-eve-%d", i))).want(t, 201, "provision")
		id := resource(t, r.Body, "User", scimUser)
		eve := env.SignIn(t, email)
		var wg sync.WaitGroup
		var accept, deact int
		wg.Add(2)
		go func() {
			defer wg.Done()
			accept = env.Do(t, "POST", "/invites/accept", eve.Token, map[string]string{"token": token}).Status
		}()
		go func() {
			defer wg.Done()
			deact = scimCall(t, env, d.token, "PATCH", "/Users/"+id,
				`{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).Status
		}()
		wg.Wait()
		if deact != 200 || (accept != 200 && accept != 404) {
			t.Fatalf("round %d: deactivate %d, accept %d", i, deact, accept)
		}
		env.Do(t, "GET", "/me", eve.Token, nil) // a later sign-in changes nothing
		if _, st := orgRoleOf(t, env, eve, d.orgID); st != 404 {
			t.Fatalf("round %d (accept %d): the deactivated address has access (%d)", i, accept, st)
		}
		if u := d.do(t, "GET", "/Users/"+id, "").want(t, 200, "get"); u.Body["active"] != false {
			t.Fatalf("round %d: user %s", i, u.Raw)
		}
	}
}

// TestSCIMRaceGroupRemovalDuringRoleChange: an owner changes a group's
// grant (every member's role changes) while the directory removes a
// member from the group. Whichever lands first, the removed member ends
// with only the default role: a membership is written on condition that
// the grants it was computed from are still the groups'.
func TestSCIMRaceGroupRemovalDuringRoleChange(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "racegrp", "member")
	r := d.do(t, "POST", "/Groups", `{"schemas":["`+scimGroup+`"],"displayName":"Ops"}`).want(t, 201, "group")
	gid := resource(t, r.Body, "Group", scimGroup)
	env.Must(t, 200, "PUT", "/orgs/"+d.orgID+"/scim-groups/"+gid+"/grants", d.owner.Token, map[string]any{"orgRole": "manager"}, nil)
	granted := "manager"
	for i := range 4 {
		u := env.SignIn(t, testenv.Email(fmt.Sprintf("ops%d", i)))
		env.Must(t, 200, "GET", "/me", u.Token, nil, nil)
		r := d.do(t, "POST", "/Users", oktaUser(u.Email, "O", "P", fmt.Sprintf("ext-ops-%d", i))).want(t, 201, "provision")
		id := resource(t, r.Body, "User", scimUser)
		d.do(t, "PATCH", "/Groups/"+gid, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`).want(t, 204, "add")
		if role, _ := orgRoleOf(t, env, u, d.orgID); role != granted {
			t.Fatalf("round %d: in the group %q, want %q", i, role, granted)
		}
		newRole := []string{"owner", "manager"}[i%2]
		granted = newRole
		var wg sync.WaitGroup
		var grant, remove int
		wg.Add(2)
		go func() {
			defer wg.Done()
			grant = env.Do(t, "PUT", "/orgs/"+d.orgID+"/scim-groups/"+gid+"/grants", d.owner.Token, map[string]any{"orgRole": newRole}).Status
		}()
		go func() {
			defer wg.Done()
			remove = scimCall(t, env, d.token, "PATCH", "/Groups/"+gid,
				`{"schemas":["`+scimPatch+`"],"Operations":[{"op":"remove","path":"members[value eq \"`+id+`\"]"}]}`).Status
		}()
		wg.Wait()
		if grant != 200 || remove != 204 {
			t.Fatalf("round %d: grant %d, remove %d", i, grant, remove)
		}
		if role, st := orgRoleOf(t, env, u, d.orgID); st != 200 || role != "member" {
			t.Fatalf("round %d: out of the group but %d %q, want the default member", i, st, role)
		}
	}
}

// TestSCIMSeats: provisioning takes a seat like every other way in; with
// none free the directory gets a 409 and the address no access.
func TestSCIMSeats(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "seats", "member")
	env.Must(t, 200, "PATCH", "/orgs/"+d.orgID, d.owner.Token, map[string]any{"seatLimit": 2}, nil)
	a := env.SignIn(t, testenv.Email("seat-a"))
	b := env.SignIn(t, testenv.Email("seat-b"))
	env.Must(t, 200, "GET", "/me", a.Token, nil, nil)
	env.Must(t, 200, "GET", "/me", b.Token, nil, nil)
	d.do(t, "POST", "/Users", oktaUser(a.Email, "A", "A", "seat-a")).want(t, 201, "first seat")
	d.do(t, "POST", "/Users", oktaUser(b.Email, "B", "B", "seat-b")).want(t, 409, "no seat left")
	if _, st := orgRoleOf(t, env, b, d.orgID); st != 404 {
		t.Fatalf("b has access without a seat: %d", st)
	}
	list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "`+b.Email+`"`), ""), 0)
}
