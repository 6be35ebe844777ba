package lambda_test

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/members-saas/members/shared/domain"
	rie "github.com/members-saas/members/tests/lambda"
)

// scimJSON decodes a SCIM answer, checking its media type.
func (f *fixture) scimJSON(v any) {
	f.t.Helper()
	if ct := f.resp.Headers["Content-Type"]; ct != "application/scim+json" {
		f.t.Fatalf("Content-Type %q, want application/scim+json", ct)
	}
	if err := json.Unmarshal([]byte(f.resp.Body), v); err != nil {
		f.t.Fatalf("body %s: %v", f.resp.Body, err)
	}
}

// scimResource checks a SCIM resource answer's schema and id.
func scimResource(schema, id string) func(*fixture, any) {
	return func(f *fixture, _ any) {
		var r struct {
			Schemas []string
			ID      string
			Meta    struct{ ResourceType, Location string }
		}
		f.scimJSON(&r)
		if !slices.Contains(r.Schemas, schema) || (id != "" && r.ID != id) || r.Meta.Location == "" {
			f.t.Errorf("resource %s", f.resp.Body)
		}
	}
}

func scimList(total int) func(*fixture, any) {
	return func(f *fixture, _ any) {
		var l struct {
			Schemas      []string
			TotalResults int
		}
		f.scimJSON(&l)
		if !slices.Contains(l.Schemas, domain.SCIMSchemaList) || l.TotalResults != total {
			f.t.Errorf("list %s, want %d results", f.resp.Body, total)
		}
	}
}

func scimUser(f *fixture) domain.SCIMUser {
	f.t.Helper()
	u, err := f.st.GetSCIMUser(context.Background(), rie.ExampleOrgID, rie.ExampleScimUserID)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// The directory routes' documented successes with the seeded examples.
func init() {
	for k, v := range map[string]expectation{
		"POST /orgs/{orgId}/members/{userId}/detach": {status: 200,
			before: func(f *fixture) any { // the member is managed by the directory
				m, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleMemberID)
				if err != nil {
					f.t.Fatal(err)
				}
				after := m
				after.ManagedBy = rie.ExampleScimUserID
				if err := f.st.ApplyChange(context.Background(), domain.Change{Before: m, After: &after}); err != nil {
					f.t.Fatal(err)
				}
				return nil
			},
			check: func(f *fixture, _ any) {
				if m, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleMemberID); err != nil || m.ManagedBy != "" {
					f.t.Errorf("still managed: %+v %v", m, err)
				}
			}},
		"POST /orgs/{orgId}/scim-tokens": {status: 201, check: func(f *fixture, _ any) {
			var t struct{ ID, Token, DefaultOrgRole string }
			f.json(&t)
			if len(t.Token) != 48 || t.DefaultOrgRole != "member" {
				f.t.Errorf("token %+v", t)
			}
		}},
		"GET /orgs/{orgId}/scim-tokens": {status: 200, check: func(f *fixture, _ any) {
			var l struct{ Tokens []struct{ ID, Token string } }
			f.json(&l)
			if len(l.Tokens) != 1 || l.Tokens[0].ID != rie.ExampleScimTokenID || l.Tokens[0].Token != "" {
				f.t.Errorf("tokens %s", f.resp.Body)
			}
		}},
		"DELETE /orgs/{orgId}/scim-tokens/{tokenId}": {status: 204, check: func(f *fixture, _ any) {
			if _, err := f.st.SCIMTokenByHash(context.Background(), domain.HashToken(rie.ExampleScimToken)); err == nil {
				f.t.Error("the token still works")
			}
		}},
		"GET /orgs/{orgId}/scim-groups": {status: 200, check: func(f *fixture, _ any) {
			var l struct {
				Groups []struct{ ID, DisplayName string }
			}
			f.json(&l)
			if len(l.Groups) != 1 || l.Groups[0].DisplayName != rie.ExampleScimGroupName {
				f.t.Errorf("groups %s", f.resp.Body)
			}
		}},
		"PUT /orgs/{orgId}/scim-groups/{groupId}/grants": {status: 200, check: func(f *fixture, _ any) {
			g, err := f.st.GetSCIMGroup(context.Background(), rie.ExampleOrgID, rie.ExampleScimGroupID)
			if err != nil || g.Grant.OrgRole != domain.OrgManager || len(g.Grant.Projects) != 1 {
				f.t.Errorf("group %+v %v", g, err)
			}
		}},
		"GET /scim/v2/ServiceProviderConfig": {status: 200, check: scimResource(domain.SCIMSchemaSPConfig, "")},
		"GET /scim/v2/ResourceTypes":         {status: 200, check: scimList(2)},
		"GET /scim/v2/Schemas":               {status: 200, check: scimList(2)},
		"GET /scim/v2/Users":                 {status: 200, check: scimList(1)},
		"POST /scim/v2/Users":                {status: 201, check: scimResource(domain.SCIMSchemaUser, "")},
		"GET /scim/v2/Users/{id}":            {status: 200, check: scimResource(domain.SCIMSchemaUser, rie.ExampleScimUserID)},
		"PUT /scim/v2/Users/{id}":            {status: 200, check: scimResource(domain.SCIMSchemaUser, rie.ExampleScimUserID)},
		"PATCH /scim/v2/Users/{id}": {status: 200, check: func(f *fixture, b any) {
			scimResource(domain.SCIMSchemaUser, rie.ExampleScimUserID)(f, b)
			if scimUser(f).Active {
				f.t.Error("Entra's \"False\" did not deactivate the user")
			}
		}},
		"DELETE /scim/v2/Users/{id}": {status: 204, check: func(f *fixture, _ any) {
			if _, err := f.st.GetSCIMUser(context.Background(), rie.ExampleOrgID, rie.ExampleScimUserID); err == nil {
				f.t.Error("the user is still there")
			}
		}},
		"GET /scim/v2/Groups":      {status: 200, check: scimList(1)},
		"POST /scim/v2/Groups":     {status: 201, check: scimResource(domain.SCIMSchemaGroup, "")},
		"GET /scim/v2/Groups/{id}": {status: 200, check: scimResource(domain.SCIMSchemaGroup, rie.ExampleScimGroupID)},
		"PUT /scim/v2/Groups/{id}": {status: 200, check: scimResource(domain.SCIMSchemaGroup, rie.ExampleScimGroupID)},
		"PATCH /scim/v2/Groups/{id}": {status: 204, check: func(f *fixture, _ any) {
			if !slices.Contains(scimUser(f).Groups, rie.ExampleScimGroupID) {
				f.t.Error("the user is not in the group")
			}
		}},
		"DELETE /scim/v2/Groups/{id}": {status: 204, check: func(f *fixture, _ any) {
			if _, err := f.st.GetSCIMGroup(context.Background(), rie.ExampleOrgID, rie.ExampleScimGroupID); err == nil {
				f.t.Error("the group is still there")
			}
		}},
	} {
		expectations[k] = v
	}
}
