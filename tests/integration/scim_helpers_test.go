package integration

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/tests/testenv"
)

const (
	scimUser  = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimList  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatch = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimErr   = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimEnt   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// scimDir is an organization with a directory token.
type scimDir struct {
	env   *testenv.Env
	owner testenv.User
	orgID string
	token string
	tokID string
}

func newSCIMDir(t *testing.T, env *testenv.Env, name, defaultRole string) *scimDir {
	t.Helper()
	owner, orgID := newOrg(t, env, name)
	d := &scimDir{env: env, owner: owner, orgID: orgID}
	var tok struct {
		ID, Name, Token, DefaultOrgRole string
		CreatedAt                       time.Time
	}
	env.Must(t, 201, "POST", "/orgs/"+orgID+"/scim-tokens", owner.Token,
		map[string]string{"name": "Okta", "defaultOrgRole": defaultRole}, &tok)
	if !strings.HasPrefix(tok.Token, "scim_") || tok.DefaultOrgRole != defaultRole || tok.ID == "" {
		t.Fatalf("token answer %+v", tok)
	}
	d.token, d.tokID = tok.Token, tok.ID
	return d
}

// scimResp is a SCIM answer: status and body as a JSON object.
type scimResp struct {
	Status int
	Body   map[string]any
	Raw    string
}

// do sends one SCIM request as an identity provider does
// (application/scim+json) and checks the answer's media type.
func (d *scimDir) do(t *testing.T, method, path, body string) scimResp {
	t.Helper()
	return scimCall(t, d.env, d.token, method, path, body)
}

func scimCall(t *testing.T, env *testenv.Env, token, method, path, body string) scimResp {
	t.Helper()
	h := map[string]string{"Accept": "application/scim+json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	if body != "" {
		h["Content-Type"] = "application/scim+json; charset=utf-8"
	}
	r := env.Raw(t, method, "/scim/v2"+path, []byte(body), h)
	out := scimResp{Status: r.Status, Raw: string(r.Body)}
	if len(r.Body) > 0 {
		if ct := r.Header.Get("Content-Type"); ct != "application/scim+json" {
			t.Fatalf("%s %s: content type %q, want application/scim+json: %s", method, path, ct, r.Body)
		}
		if err := json.Unmarshal(r.Body, &out.Body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %s", method, path, r.Body)
		}
	}
	return out
}

// want checks the status, and for errors the SCIM error schema.
func (r scimResp) want(t *testing.T, status int, what string) scimResp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	if status >= 400 {
		if !hasSchema(r.Body, scimErr) || r.Body["status"] != fmt.Sprint(status) {
			t.Fatalf("%s: not a SCIM error with status %q: %s", what, fmt.Sprint(status), r.Raw)
		}
	}
	return r
}

func (r scimResp) scimType(t *testing.T, want string) {
	t.Helper()
	if r.Body["scimType"] != want {
		t.Fatalf("scimType %v, want %q: %s", r.Body["scimType"], want, r.Raw)
	}
}

func hasSchema(b map[string]any, s string) bool {
	l, _ := b["schemas"].([]any)
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// resource checks a User or Group resource: its schema, id and meta.
func resource(t *testing.T, b map[string]any, kind, schema string) string {
	t.Helper()
	if !hasSchema(b, schema) {
		t.Fatalf("%s without schema %s: %v", kind, schema, b)
	}
	id, _ := b["id"].(string)
	meta, _ := b["meta"].(map[string]any)
	if id == "" || meta == nil || meta["resourceType"] != kind {
		t.Fatalf("%s without id or meta.resourceType: %v", kind, b)
	}
	for _, f := range []string{"created", "lastModified"} {
		s, _ := meta[f].(string)
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Fatalf("%s meta.%s %q is not a time", kind, f, s)
		}
	}
	if loc, _ := meta["location"].(string); !strings.HasPrefix(loc, "http") || !strings.HasSuffix(loc, "/scim/v2/"+kind+"s/"+id) {
		t.Fatalf("%s meta.location %q", kind, meta["location"])
	}
	return id
}

// list checks a ListResponse and returns its resources.
func list(t *testing.T, r scimResp, total int) []map[string]any {
	t.Helper()
	r.want(t, 200, "list")
	if !hasSchema(r.Body, scimList) {
		t.Fatalf("not a ListResponse: %s", r.Raw)
	}
	if got := r.Body["totalResults"]; got != float64(total) {
		t.Fatalf("totalResults %v, want %d: %s", got, total, r.Raw)
	}
	raw, _ := r.Body["Resources"].([]any)
	var out []map[string]any
	for _, x := range raw {
		out = append(out, x.(map[string]any))
	}
	if r.Body["itemsPerPage"] != float64(len(out)) {
		t.Fatalf("itemsPerPage %v for %d resources", r.Body["itemsPerPage"], len(out))
	}
	return out
}

func filterQ(f string) string { return "filter=" + url.QueryEscape(f) }

// oktaUser is the body Okta sends to create a user (developer.okta.com,
// "SCIM 2.0 protocol reference": Create the user).
func oktaUser(email, given, family, externalID string) string {
	return fmt.Sprintf(`{"schemas":["%s"],"userName":%q,"name":{"givenName":%q,"familyName":%q},
"emails":[{"primary":true,"value":%q,"type":"work"}],"displayName":"%s %s","locale":"en-US","externalId":%q,
"groups":[],"password":"1mz050nq","active":true}`, scimUser, email, given, family, email, given, family, externalID)
}

// entraUser is the body Microsoft Entra ID sends (learn.microsoft.com,
// "Tutorial: Develop a sample SCIM endpoint", Create User).
func entraUser(email, externalID string) string {
	return fmt.Sprintf(`{"schemas":["%s","%s"],"externalId":%q,"userName":%q,"active":true,
"emails":[{"primary":true,"type":"work","value":%q}],"meta":{"resourceType":"User"},
"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`,
		scimUser, scimEnt, externalID, email, email)
}

// memberOf returns email's row in the organization's member list.
func (d *scimDir) member(t *testing.T, email string) *member {
	t.Helper()
	return findMember(listMembers(t, d.env, d.owner.Token, "/orgs/"+d.orgID+"/members"), email)
}

// orgAccess is the caller's role in the organization (404: none).
func orgRoleOf(t *testing.T, env *testenv.Env, u testenv.User, orgID string) (string, int) {
	t.Helper()
	r := env.Do(t, "GET", "/orgs/"+orgID+"/access", u.Token, nil)
	var a struct{ Role string }
	if r.Status == 200 {
		r.JSON(t, &a)
	}
	return a.Role, r.Status
}
