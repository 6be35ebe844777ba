package integration

import (
	"strings"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// TestEveryAPIResponseIsNoStoreAndNosniff: successes, empty answers,
// problems from the handlers and from the gateway itself (no route, wrong
// method, no token, body too large) and the local server's own endpoints
// all carry Cache-Control: no-store and X-Content-Type-Options: nosniff.
func TestEveryAPIResponseIsNoStoreAndNosniff(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	o, orgID := newOrg(t, e, "headers")
	pending := invite(t, e, o.Token, orgID, map[string]any{"emails": []string{testenv.Email("h1")}})
	var inviteID string
	for _, r := range pending {
		inviteID = r.InviteID
	}
	for name, r := range map[string]testenv.Resp{
		"200 healthz":         e.Do(t, "GET", "/healthz", "", nil),
		"200 me":              e.Do(t, "GET", "/me", o.Token, nil),
		"201 org":             e.Do(t, "POST", "/orgs", o.Token, map[string]string{"name": "Another"}),
		"204 revoke":          e.Do(t, "DELETE", "/orgs/"+orgID+"/invites/"+inviteID, o.Token, nil),
		"400 validation":      e.Do(t, "POST", "/orgs", o.Token, map[string]string{"name": ""}),
		"400 invalid_cursor":  e.Do(t, "GET", "/orgs/"+orgID+"/members?cursor=x", o.Token, nil),
		"401 no token":        e.Do(t, "GET", "/me", "", nil),
		"404 preview":         e.Do(t, "POST", "/invites/preview", "", map[string]string{"token": strings.Repeat("A", 43)}),
		"404 no route":        e.Do(t, "GET", "/nope/nope", o.Token, nil),
		"405 method":          e.Do(t, "PUT", "/orgs", o.Token, nil),
		"413 body":            e.Raw(t, "POST", "/orgs", []byte(`{"name":"`+strings.Repeat("x", 70<<10)+`"}`), map[string]string{"Authorization": "Bearer " + o.Token, "Content-Type": "application/json"}),
		"200 local token":     e.Do(t, "POST", "/_local/token", "", map[string]any{"email": testenv.Email("h2")}),
		"400 local token bad": e.Do(t, "POST", "/_local/token", "", map[string]any{"email": "nope"}),
	} {
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s (status %d): Cache-Control %q, want no-store", name, r.Status, got)
		}
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s (status %d): X-Content-Type-Options %q, want nosniff", name, r.Status, got)
		}
	}
}
