package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// TestSCIMOktaSequence replays, request by request, what Okta sends when
// it provisions (developer.okta.com, "SCIM 2.0 protocol reference"):
// the userName lookup, create, read, full update (PUT), deactivate and
// reactivate (PATCH replace active without a path), then for groups the
// displayName lookup, create, rename (PATCH replace without a path,
// carrying the id), member add (PATCH add members) and remove (PATCH
// remove members[value eq "…"]), delete; and checks each answer's status,
// schema and body, and what it did to the people's access.
func TestSCIMOktaSequence(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "okta", "member")
	ada := env.SignIn(t, testenv.Email("ada"))
	env.Must(t, 200, "GET", "/me", ada.Token, nil, nil) // ada has an account

	list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "`+ada.Email+`"`)+"&startIndex=1&count=100", ""), 0)

	r := d.do(t, "POST", "/Users", oktaUser(ada.Email, "Ada", "Lovelace", "00u1ada")).want(t, 201, "create")
	adaID := resource(t, r.Body, "User", scimUser)
	if r.Body["userName"] != ada.Email || r.Body["active"] != true || r.Body["externalId"] != "00u1ada" {
		t.Fatalf("created user: %s", r.Raw)
	}
	if _, ok := r.Body["password"]; ok {
		t.Fatal("the password came back")
	}
	if role, st := orgRoleOf(t, env, ada, d.orgID); st != 200 || role != "member" {
		t.Fatalf("ada after provisioning: %d %q, want member at once", st, role)
	}
	if m := d.member(t, ada.Email); m == nil || !m.ManagedByDirectory || m.CanManage {
		t.Fatalf("member list row %+v: want managedByDirectory, not manageable", m)
	}

	r = d.do(t, "GET", "/Users/"+adaID, "").want(t, 200, "get")
	resource(t, r.Body, "User", scimUser)
	name, _ := r.Body["name"].(map[string]any)
	if name["givenName"] != "Ada" || name["familyName"] != "Lovelace" {
		t.Fatalf("name %v", r.Body["name"])
	}
	users := list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "`+strings.ToUpper(ada.Email)+`"`)+"&startIndex=1&count=100", ""), 1)
	if users[0]["id"] != adaID {
		t.Fatalf("filter found %v", users[0]["id"])
	}

	// Okta's profile update: PUT of the whole user.
	r = d.do(t, "PUT", "/Users/"+adaID, oktaUser(ada.Email, "Augusta", "Lovelace", "00u1ada")).want(t, 200, "put")
	if name, _ := r.Body["name"].(map[string]any); name["givenName"] != "Augusta" {
		t.Fatalf("PUT did not change the name: %s", r.Raw)
	}

	// Deactivate: access ends at once.
	r = d.do(t, "PATCH", "/Users/"+adaID, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"replace","value":{"active":false}}]}`).want(t, 200, "deactivate")
	if r.Body["active"] != false {
		t.Fatalf("deactivated user: %s", r.Raw)
	}
	if _, st := orgRoleOf(t, env, ada, d.orgID); st != 404 {
		t.Fatalf("ada after deactivation: %d, want 404", st)
	}
	// Reactivate: access returns.
	r = d.do(t, "PATCH", "/Users/"+adaID, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"replace","value":{"active":true}}]}`).want(t, 200, "reactivate")
	if r.Body["active"] != true {
		t.Fatalf("reactivated user: %s", r.Raw)
	}
	if role, st := orgRoleOf(t, env, ada, d.orgID); st != 200 || role != "member" {
		t.Fatalf("ada after reactivation: %d %q", st, role)
	}

	// Someone without an account: access at their first sign-in, no mail.
	bobEmail := testenv.Email("bob")
	r = d.do(t, "POST", "/Users", oktaUser(bobEmail, "Bob", "B", "00u1bob")).want(t, 201, "create bob")
	bobID := resource(t, r.Body, "User", scimUser)
	if d.member(t, bobEmail) != nil {
		t.Fatal("bob is a member before signing in")
	}
	d.do(t, "POST", "/Users", oktaUser(strings.ToUpper(bobEmail), "Bob", "B", "other")).want(t, 409, "duplicate").scimType(t, "uniqueness")
	bob := env.SignIn(t, bobEmail)
	var me struct {
		Orgs []struct{ ID, Role string }
	}
	env.Must(t, 200, "GET", "/me", bob.Token, nil, &me)
	if len(me.Orgs) != 1 || me.Orgs[0].ID != d.orgID || me.Orgs[0].Role != "member" {
		t.Fatalf("bob's first sign-in: %+v", me.Orgs)
	}
	if ms, err := env.SES.Mails(bobEmail); err != nil || len(ms) != 0 {
		t.Fatalf("bob got mail: %d %v", len(ms), err)
	}

	// The console and API refuse to change a managed member until an
	// owner detaches them.
	p := env.Do(t, "PATCH", "/orgs/"+d.orgID+"/members/"+bob.ID, d.owner.Token, map[string]string{"role": "manager"})
	if p.Status != 409 || p.Problem(t).Code != "managed_by_directory" {
		t.Fatalf("role change of a managed member: %d %s", p.Status, p.Body)
	}
	p = env.Do(t, "DELETE", "/orgs/"+d.orgID+"/members/"+bob.ID, d.owner.Token, nil)
	if p.Status != 409 || p.Problem(t).Code != "managed_by_directory" {
		t.Fatalf("removal of a managed member: %d %s", p.Status, p.Body)
	}
	env.Must(t, 200, "POST", "/orgs/"+d.orgID+"/members/"+bob.ID+"/detach", d.owner.Token, nil, nil)
	env.Must(t, 200, "PATCH", "/orgs/"+d.orgID+"/members/"+bob.ID, d.owner.Token, map[string]string{"role": "manager"}, nil)
	// The directory no longer manages bob's membership.
	d.do(t, "PATCH", "/Users/"+bobID, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"replace","value":{"active":false}}]}`).want(t, 200, "deactivate detached")
	if role, st := orgRoleOf(t, env, bob, d.orgID); st != 200 || role != "manager" {
		t.Fatalf("detached bob after deactivation in the directory: %d %q", st, role)
	}

	// Delete: 204, then 404; access gone.
	d.do(t, "DELETE", "/Users/"+adaID, "").want(t, 204, "delete")
	d.do(t, "GET", "/Users/"+adaID, "").want(t, 404, "get deleted")
	if _, st := orgRoleOf(t, env, ada, d.orgID); st != 404 {
		t.Fatalf("ada after delete: %d", st)
	}
	list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "`+ada.Email+`"`), ""), 0)
}

// TestSCIMOktaGroups: Okta's group push, and what the group's grants do.
func TestSCIMOktaGroups(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "oktag", "member")
	var web struct{ ID string }
	env.Must(t, 201, "POST", "/orgs/"+d.orgID+"/projects", d.owner.Token, map[string]string{"name": "Web"}, &web)
	carol := env.SignIn(t, testenv.Email("carol"))
	env.Must(t, 200, "GET", "/me", carol.Token, nil, nil)
	r := d.do(t, "POST", "/Users", oktaUser(carol.Email, "Carol", "C", "00u1carol")).want(t, 201, "create")
	carolID := resource(t, r.Body, "User", scimUser)

	list(t, d.do(t, "GET", "/Groups?"+filterQ(`displayName eq "Engineering"`)+"&startIndex=1&count=100", ""), 0)
	r = d.do(t, "POST", "/Groups", `{"schemas":["`+scimGroup+`"],"displayName":"Engineering","members":[]}`).want(t, 201, "create group")
	gid := resource(t, r.Body, "Group", scimGroup)
	if r.Body["displayName"] != "Engineering" {
		t.Fatalf("group: %s", r.Raw)
	}
	d.do(t, "POST", "/Groups", `{"schemas":["`+scimGroup+`"],"displayName":"engineering"}`).want(t, 409, "duplicate group").scimType(t, "uniqueness")

	// The owner maps the group before anyone is in it.
	var gv struct {
		ID, DisplayName, OrgRole string
		Projects                 []struct{ ID, Role string }
	}
	env.Must(t, 200, "PUT", "/orgs/"+d.orgID+"/scim-groups/"+gid+"/grants", d.owner.Token,
		map[string]any{"orgRole": "manager", "projects": []map[string]string{{"id": web.ID, "role": "owner"}}}, &gv)
	if gv.OrgRole != "manager" || len(gv.Projects) != 1 {
		t.Fatalf("grants: %+v", gv)
	}

	d.do(t, "PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["%s"],"Operations":[{"op":"add","path":"members","value":[{"value":%q,"display":%q}]}]}`,
		scimPatch, carolID, carol.Email)).want(t, 204, "add member")
	r = d.do(t, "GET", "/Groups/"+gid, "").want(t, 200, "group with members")
	if ms, _ := r.Body["members"].([]any); len(ms) != 1 {
		t.Fatalf("members after add: %s", r.Raw)
	}
	if role, st := orgRoleOf(t, env, carol, d.orgID); st != 200 || role != "manager" {
		t.Fatalf("carol in the group: %d %q, want manager", st, role)
	}
	r = d.do(t, "GET", "/Users/"+carolID, "").want(t, 200, "user with group")
	if gs, _ := r.Body["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["display"] != "Engineering" {
		t.Fatalf("user's groups: %s", r.Raw)
	}

	r = d.do(t, "GET", "/Groups/"+gid+"?excludedAttributes=members", "").want(t, 200, "get group")
	if _, ok := r.Body["members"]; ok {
		t.Fatalf("excludedAttributes=members: %s", r.Raw)
	}
	d.do(t, "PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["%s"],"Operations":[{"op":"replace","value":{"id":%q,"displayName":"Eng"}}]}`, scimPatch, gid)).want(t, 204, "rename")
	r = d.do(t, "GET", "/Groups/"+gid, "").want(t, 200, "renamed group")
	if r.Body["displayName"] != "Eng" {
		t.Fatalf("rename: %s", r.Raw)
	}
	list(t, d.do(t, "GET", "/Groups?"+filterQ(`displayName eq "Eng"`), ""), 1)
	list(t, d.do(t, "GET", "/Groups?"+filterQ(`displayName eq "Engineering"`), ""), 0)

	// Leaving the group takes away what only it granted.
	d.do(t, "PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["%s"],"Operations":[{"op":"remove","path":"members[value eq \"%s\"]"}]}`, scimPatch, carolID)).want(t, 204, "remove member")
	if role, st := orgRoleOf(t, env, carol, d.orgID); st != 200 || role != "member" {
		t.Fatalf("carol out of the group: %d %q, want the default member", st, role)
	}
	r2 := env.Do(t, "GET", "/orgs/"+d.orgID+"/projects/"+web.ID+"/access", carol.Token, nil)
	if r2.Status != 404 && r2.Status != 403 {
		t.Fatalf("carol's project access after leaving the group: %d %s", r2.Status, r2.Body)
	}

	var groups struct {
		Groups []struct{ ID, DisplayName, OrgRole string }
	}
	env.Must(t, 200, "GET", "/orgs/"+d.orgID+"/scim-groups", d.owner.Token, nil, &groups)
	if len(groups.Groups) != 1 || groups.Groups[0].DisplayName != "Eng" || groups.Groups[0].OrgRole != "manager" {
		t.Fatalf("scim-groups: %+v", groups)
	}
	d.do(t, "DELETE", "/Groups/"+gid, "").want(t, 204, "delete group")
	d.do(t, "GET", "/Groups/"+gid, "").want(t, 404, "deleted group")
}

// TestSCIMEntraSequence replays what Microsoft Entra ID sends
// (learn.microsoft.com, "Tutorial: Develop and plan provisioning for a
// SCIM endpoint"): its capitalized ops ("Replace", "Add", "Remove"),
// booleans as strings ("False"), paths with value filters
// (emails[type eq "work"].value), the enterprise extension, and its
// group member adds and removes with value lists.
func TestSCIMEntraSequence(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "entra", "member")
	dan := env.SignIn(t, testenv.Email("dan"))
	env.Must(t, 200, "GET", "/me", dan.Token, nil, nil)

	list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"`), ""), 0)
	r := d.do(t, "POST", "/Users", entraUser(dan.Email, "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")).want(t, 201, "create")
	id := resource(t, r.Body, "User", scimUser)
	list(t, d.do(t, "GET", "/Users?"+filterQ(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`), ""), 1)
	list(t, d.do(t, "GET", "/Users?"+filterQ(`emails[type eq "work"].value eq "`+dan.Email+`"`), ""), 1)
	list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "`+dan.Email+`" and externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`), ""), 1)
	list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "`+dan.Email+`" and externalId eq "other"`), ""), 0)
	list(t, d.do(t, "GET", "/Users?"+filterQ(`userName eq "nobody@x.example" or externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`), ""), 1)
	d.do(t, "GET", "/Users?"+filterQ(`userName co "x"`), "").want(t, 400, "unsupported filter").scimType(t, "invalidFilter")
	d.do(t, "GET", "/Users?"+filterQ(`userName eq`), "").want(t, 400, "bad filter").scimType(t, "invalidFilter")

	d.do(t, "GET", "/Users/"+id, "").want(t, 200, "get")
	// Entra's attribute update: capitalized ops, a value-filtered path.
	newMail := testenv.Email("dan.work")
	r = d.do(t, "PATCH", "/Users/"+id, `{"schemas":["`+scimPatch+`"],"Operations":[
{"op":"Replace","path":"emails[type eq \"work\"].value","value":"`+newMail+`"},
{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"},
{"op":"Add","path":"displayName","value":"Dan D"},
{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"R&D"}]}`).want(t, 200, "patch attributes")
	emails, _ := r.Body["emails"].([]any)
	if len(emails) != 1 || emails[0].(map[string]any)["value"] != newMail {
		t.Fatalf("emails after patch: %s", r.Raw)
	}
	if name, _ := r.Body["name"].(map[string]any); name["familyName"] != "updatedFamilyName" || r.Body["displayName"] != "Dan D" {
		t.Fatalf("name after patch: %s", r.Raw)
	}
	list(t, d.do(t, "GET", "/Users?"+filterQ(`emails[type eq "work"].value eq "`+newMail+`"`), ""), 1)

	// Disable as Entra does: "False" as a string.
	r = d.do(t, "PATCH", "/Users/"+id, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200, "disable")
	if r.Body["active"] != false {
		t.Fatalf("disabled: %s", r.Raw)
	}
	if _, st := orgRoleOf(t, env, dan, d.orgID); st != 404 {
		t.Fatalf("dan after disable: %d", st)
	}
	r = d.do(t, "PATCH", "/Users/"+id, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Replace","path":"active","value":true}]}`).want(t, 200, "enable")
	if role, st := orgRoleOf(t, env, dan, d.orgID); st != 200 || role != "member" {
		t.Fatalf("dan after enable: %d %q", st, role)
	}
	d.do(t, "PATCH", "/Users/"+id, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Frobnicate","path":"active","value":true}]}`).want(t, 400, "bad op").scimType(t, "invalidSyntax")
	d.do(t, "PATCH", "/Users/"+id, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Replace","path":"active","value":"maybe"}]}`).want(t, 400, "bad value").scimType(t, "invalidValue")
	d.do(t, "PATCH", "/Users/"+id, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Replace","path":"emails[type eq","value":"x"}]}`).want(t, 400, "bad path").scimType(t, "invalidPath")

	// Groups.
	r = d.do(t, "POST", "/Groups", `{"schemas":["`+scimGroup+`","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales","meta":{"resourceType":"Group"}}`).want(t, 201, "create group")
	gid := resource(t, r.Body, "Group", scimGroup)
	env.Must(t, 200, "PUT", "/orgs/"+d.orgID+"/scim-groups/"+gid+"/grants", d.owner.Token, map[string]any{"orgRole": "manager"}, nil)
	r = d.do(t, "GET", "/Groups/"+gid+"?excludedAttributes=members", "").want(t, 200, "get group")
	if _, ok := r.Body["members"]; ok {
		t.Fatal("members despite excludedAttributes")
	}
	list(t, d.do(t, "GET", "/Groups?excludedAttributes=members&"+filterQ(`displayName eq "Sales"`), ""), 1)
	d.do(t, "PATCH", "/Groups/"+gid, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Replace","path":"displayName","value":"Sales EMEA"}]}`).want(t, 204, "rename")
	if r := d.do(t, "GET", "/Groups/"+gid, "").want(t, 200, "renamed"); r.Body["displayName"] != "Sales EMEA" {
		t.Fatalf("rename: %s", r.Raw)
	}
	d.do(t, "PATCH", "/Groups/"+gid, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+id+`"}]}]}`).want(t, 204, "add member")
	if role, _ := orgRoleOf(t, env, dan, d.orgID); role != "manager" {
		t.Fatalf("dan in the group: %q", role)
	}
	d.do(t, "PATCH", "/Groups/"+gid, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"`+id+`"}]}]}`).want(t, 204, "remove member")
	if role, _ := orgRoleOf(t, env, dan, d.orgID); role != "member" {
		t.Fatalf("dan out of the group: %q", role)
	}
	d.do(t, "DELETE", "/Groups/"+gid, "").want(t, 204, "delete group")
	d.do(t, "DELETE", "/Users/"+id, "").want(t, 204, "delete user")
	d.do(t, "DELETE", "/Users/"+id, "").want(t, 404, "delete again")
}

// TestSCIMDiscovery: the three discovery endpoints.
func TestSCIMDiscovery(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "disc", "member")
	r := d.do(t, "GET", "/ServiceProviderConfig", "").want(t, 200, "config")
	if p, _ := r.Body["patch"].(map[string]any); p["supported"] != true {
		t.Fatalf("patch: %s", r.Raw)
	}
	for _, f := range []string{"bulk", "sort", "changePassword"} {
		if p, _ := r.Body[f].(map[string]any); p["supported"] != false {
			t.Fatalf("%s: %s", f, r.Raw)
		}
	}
	list(t, d.do(t, "GET", "/ResourceTypes", ""), 2)
	list(t, d.do(t, "GET", "/Schemas", ""), 2)
}

// TestSCIMTokens: owners create, list and revoke tokens; others get 403;
// a revoked or wrong token gets 401; one organization's token never sees
// another's users or groups.
func TestSCIMTokens(t *testing.T) {
	env := testenv.New(t)
	a := newSCIMDir(t, env, "isoa", "member")
	b := newSCIMDir(t, env, "isob", "manager")

	ra := a.do(t, "POST", "/Users", oktaUser(testenv.Email("onlya"), "A", "A", "ext-a")).want(t, 201, "create in a")
	aid := resource(t, ra.Body, "User", scimUser)
	rg := a.do(t, "POST", "/Groups", `{"schemas":["`+scimGroup+`"],"displayName":"A team"}`).want(t, 201, "group in a")
	agid := resource(t, rg.Body, "Group", scimGroup)
	b.do(t, "GET", "/Users/"+aid, "").want(t, 404, "b reads a's user")
	b.do(t, "PATCH", "/Users/"+aid, `{"schemas":["`+scimPatch+`"],"Operations":[{"op":"replace","value":{"active":false}}]}`).want(t, 404, "b patches a's user")
	b.do(t, "DELETE", "/Users/"+aid, "").want(t, 404, "b deletes a's user")
	b.do(t, "GET", "/Groups/"+agid, "").want(t, 404, "b reads a's group")
	list(t, b.do(t, "GET", "/Users", ""), 0)
	list(t, b.do(t, "GET", "/Users?"+filterQ(`externalId eq "ext-a"`), ""), 0)
	list(t, b.do(t, "GET", "/Groups", ""), 0)
	// b may create the same address: organizations are apart.
	b.do(t, "POST", "/Users", oktaUser(testenv.Email("onlya"), "A", "A", "ext-a")).want(t, 201, "same user in b")
	list(t, a.do(t, "GET", "/Users", ""), 1)

	var toks struct {
		Tokens []map[string]any
	}
	env.Must(t, 200, "GET", "/orgs/"+a.orgID+"/scim-tokens", a.owner.Token, nil, &toks)
	if len(toks.Tokens) != 1 || toks.Tokens[0]["lastUsedAt"] == nil {
		t.Fatalf("tokens: %+v", toks)
	}
	if _, ok := toks.Tokens[0]["token"]; ok {
		t.Fatal("the list shows the secret")
	}
	// Non-owners: 403.
	mgr := env.SignIn(t, testenv.Email("mgr"))
	env.Must(t, 200, "GET", "/me", mgr.Token, nil, nil)
	env.Must(t, 201, "POST", "/orgs/"+a.orgID+"/invites", a.owner.Token, map[string]any{"emails": []string{mgr.Email}, "orgRole": "manager"}, nil)
	for _, rq := range []struct{ m, p string }{{"GET", "/scim-tokens"}, {"POST", "/scim-tokens"}, {"DELETE", "/scim-tokens/" + a.tokID}, {"GET", "/scim-groups"}} {
		var body any
		if rq.m == "POST" {
			body = map[string]string{"name": "x"}
		}
		if r := env.Do(t, rq.m, "/orgs/"+a.orgID+rq.p, mgr.Token, body); r.Status != 403 {
			t.Fatalf("manager %s %s: %d %s", rq.m, rq.p, r.Status, r.Body)
		}
	}

	// No token, a bad one, another scheme: 401 in the SCIM error schema.
	scimCall(t, env, "", "GET", "/Users", "").want(t, 401, "no token")
	scimCall(t, env, "scim_nope", "GET", "/Users", "").want(t, 401, "bad token")
	r := env.Raw(t, "GET", "/scim/v2/Users", nil, map[string]string{"Authorization": "Basic " + a.token})
	if r.Status != 401 {
		t.Fatalf("basic auth: %d", r.Status)
	}
	// Revoke: 401 from the next request on.
	env.Must(t, 204, "DELETE", "/orgs/"+a.orgID+"/scim-tokens/"+a.tokID, a.owner.Token, nil, nil)
	a.do(t, "GET", "/Users", "").want(t, 401, "revoked token")
	a.do(t, "POST", "/Users", oktaUser(testenv.Email("late"), "L", "L", "late")).want(t, 401, "revoked token create")
	if r := env.Do(t, "DELETE", "/orgs/"+a.orgID+"/scim-tokens/"+a.tokID, a.owner.Token, nil); r.Status != 404 {
		t.Fatalf("revoke again: %d", r.Status)
	}
	// The audit trail has the token's life, and the directory's changes via scim.
	var audit struct {
		Events []map[string]any
	}
	env.Must(t, 200, "GET", "/orgs/"+a.orgID+"/audit?limit=100", a.owner.Token, nil, &audit)
	seen := map[string]bool{}
	for _, e := range audit.Events {
		seen[fmt.Sprint(e["action"])] = true
		if e["action"] == "scim.user_provisioned" && e["via"] != "scim" {
			t.Fatalf("directory change without via: %v", e)
		}
	}
	for _, a := range []string{"scim.token_created", "scim.token_revoked", "scim.user_provisioned"} {
		if !seen[a] {
			t.Errorf("audit trail lacks %s: %v", a, seen)
		}
	}
}
