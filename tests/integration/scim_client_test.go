package integration

import (
	"context"
	"testing"

	"github.com/members-saas/members/client"
	"github.com/members-saas/members/tests/testenv"
)

// TestClientDirectory drives the owners' directory routes through the Go
// client: create a token (secret once), list it, map a group the identity
// provider pushed, detach a managed member, revoke the token.
func TestClientDirectory(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	owner, orgID := newOrg(t, env, "client-dir")
	c := env.Client(t, owner)
	tok := result(c.CreateScimToken(ctx, orgID, "Entra", client.OrgMember)).ok(t)
	if tok.Token == "" || tok.DefaultOrgRole != client.OrgMember {
		t.Fatalf("token %+v", tok)
	}
	if ts := result(c.ListScimTokens(ctx, orgID)).ok(t); len(ts) != 1 || ts[0].Id != tok.Id {
		t.Fatalf("tokens %+v", ts)
	}
	ada := env.SignIn(t, testenv.Email("client-ada"))
	env.Must(t, 200, "GET", "/me", ada.Token, nil, nil)
	u := scimCall(t, env, tok.Token, "POST", "/Users", oktaUser(ada.Email, "Ada", "L", "c-ada")).want(t, 201, "provision")
	g := scimCall(t, env, tok.Token, "POST", "/Groups", `{"schemas":["`+scimGroup+`"],"displayName":"Admins","members":[{"value":"`+u.Body["id"].(string)+`"}]}`).want(t, 201, "group")
	role := client.OrgManager
	gg := result(c.SetScimGroupGrants(ctx, orgID, g.Body["id"].(string), client.ScimGroupGrantInput{OrgRole: &role})).ok(t)
	if gg.OrgRole == nil || *gg.OrgRole != client.OrgManager {
		t.Fatalf("grant %+v", gg)
	}
	if gs := result(c.ListScimGroups(ctx, orgID)).ok(t); len(gs) != 1 || gs[0].DisplayName != "Admins" {
		t.Fatalf("groups %+v", gs)
	}
	if r, _ := orgRoleOf(t, env, ada, orgID); r != "manager" {
		t.Fatalf("ada's role %q", r)
	}
	err := c.RemoveMember(ctx, orgID, ada.ID)
	wantCode(t, err, 409, "managed_by_directory")
	m := result(c.DetachMember(ctx, orgID, ada.ID)).ok(t)
	if m.ManagedByDirectory != nil && *m.ManagedByDirectory {
		t.Fatalf("still managed: %+v", m)
	}
	if err := c.RevokeScimToken(ctx, orgID, tok.Id); err != nil {
		t.Fatal(err)
	}
	scimCall(t, env, tok.Token, "GET", "/Users", "").want(t, 401, "revoked")

	// Membership events of directory changes say via scim.
	var all struct {
		Events []struct {
			DetailType string `json:"detail-type"`
			Detail     struct {
				Via    string `json:"via"`
				Target struct {
					UserID string `json:"userId"`
				} `json:"target"`
			}
		}
	}
	env.Must(t, 200, "GET", "/_local/events", "", nil, &all)
	seen := false
	for _, e := range all.Events {
		if e.DetailType == "member.added" && e.Detail.Target.UserID == ada.ID {
			seen = true
			if e.Detail.Via != "scim" {
				t.Errorf("member.added of a provisioned account: via %q, want scim", e.Detail.Via)
			}
		}
	}
	if !seen {
		t.Error("no member.added event for the provisioned account")
	}
}

// TestSCIMInviteOfManagedMember: inviting a directory-managed member to
// more access fails for that address (managed_by_directory); inviting them
// to what they have is already_member.
func TestSCIMInviteOfManagedMember(t *testing.T) {
	env := testenv.New(t)
	d := newSCIMDir(t, env, "invmanaged", "member")
	ada := env.SignIn(t, testenv.Email("inv-ada"))
	env.Must(t, 200, "GET", "/me", ada.Token, nil, nil)
	d.do(t, "POST", "/Users", oktaUser(ada.Email, "Ada", "L", "inv-ada")).want(t, 201, "provision")
	var out struct {
		Results []struct {
			Status string
			Error  *struct{ Code string }
		}
	}
	env.Must(t, 201, "POST", "/orgs/"+d.orgID+"/invites", d.owner.Token, map[string]any{"emails": []string{ada.Email}, "orgRole": "manager"}, &out)
	if len(out.Results) != 1 || out.Results[0].Error == nil || out.Results[0].Error.Code != "managed_by_directory" {
		t.Fatalf("invite of a managed member to more: %+v", out.Results)
	}
	env.Must(t, 201, "POST", "/orgs/"+d.orgID+"/invites", d.owner.Token, map[string]any{"emails": []string{ada.Email}, "orgRole": "member"}, &out)
	if out.Results[0].Status != "already_member" {
		t.Fatalf("invite to what they have: %+v", out.Results)
	}
	if role, _ := orgRoleOf(t, env, ada, d.orgID); role != "member" {
		t.Fatalf("role %q", role)
	}
}
