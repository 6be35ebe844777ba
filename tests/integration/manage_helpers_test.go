package integration

// Helpers of manage_test.go (invite management and member administration).
// Names carry an "mg" prefix so they never collide with the other test
// files of this package.

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/tests/testenv"
)

type mgEvent struct {
	ID         string         `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    string         `json:"actorId"`
	ActorEmail string         `json:"actorEmail"`
	Action     string         `json:"action"`
	Target     string         `json:"target"`
	Before     map[string]any `json:"before"`
	After      map[string]any `json:"after"`
}

type mgAuditPage struct {
	Events     []mgEvent `json:"events"`
	NextCursor *string   `json:"nextCursor"`
}

// mgOrg is an organization with its first owner.
type mgOrg struct {
	env   *testenv.Env
	ID    string
	Owner testenv.User
}

// mgNewOrg signs in a fresh owner and creates an organization.
func mgNewOrg(t *testing.T, env *testenv.Env, name string) *mgOrg {
	t.Helper()
	owner := env.SignIn(t, testenv.Email(name+"-owner"))
	var o struct{ ID string }
	env.Must(t, 201, "POST", "/orgs", owner.Token, map[string]string{"name": name}, &o)
	return &mgOrg{env: env, ID: o.ID, Owner: owner}
}

func (o *mgOrg) path(rest string) string { return "/orgs/" + o.ID + rest }

// project creates a project as the owner; the owner becomes its owner.
func (o *mgOrg) project(t *testing.T, name string) string {
	t.Helper()
	var p struct{ ID string }
	o.env.Must(t, 201, "POST", o.path("/projects"), o.Owner.Token, map[string]string{"name": name}, &p)
	return p.ID
}

// invite sends one invite as `by` and returns its result.
func (o *mgOrg) invite(t *testing.T, by testenv.User, body map[string]any) inviteResult {
	t.Helper()
	var out struct{ Results []inviteResult }
	o.env.Must(t, 201, "POST", o.path("/invites"), by.Token, body, &out)
	if len(out.Results) != 1 {
		t.Fatalf("invite %v: %d results, want 1", body, len(out.Results))
	}
	return out.Results[0]
}

// pending invites a fresh (unregistered) address as the owner and returns
// the address and the invite id.
func (o *mgOrg) pending(t *testing.T, name string, extra map[string]any) (string, string) {
	t.Helper()
	email := testenv.Email(name)
	body := map[string]any{"emails": []string{email}}
	for k, v := range extra {
		body[k] = v
	}
	r := o.invite(t, o.Owner, body)
	if r.Status != "invited" || r.InviteID == "" {
		t.Fatalf("invite %s: %+v, want invited", email, r)
	}
	return email, r.InviteID
}

// member registers a fresh user and adds them at once (a registered
// account is added without an invite).
func (o *mgOrg) member(t *testing.T, name, orgRole string, projects []string, projectRole string) testenv.User {
	t.Helper()
	u := o.env.SignIn(t, testenv.Email(name))
	o.env.Must(t, 200, "GET", "/me", u.Token, nil, nil)
	body := map[string]any{"emails": []string{u.Email}, "orgRole": orgRole}
	if len(projects) > 0 {
		body["projectIds"], body["projectRole"] = projects, projectRole
	}
	if r := o.invite(t, o.Owner, body); r.Status != "added" {
		t.Fatalf("add %s: %+v, want added", u.Email, r)
	}
	return u
}

// invites lists one page of invites with the raw query.
func (o *mgOrg) invites(t *testing.T, token, query string) invitePage {
	t.Helper()
	var p invitePage
	path := o.path("/invites")
	if query != "" {
		path += "?" + query
	}
	o.env.Must(t, 200, "GET", path, token, nil, &p)
	return p
}

// pageOf is one page of a list: its items and the nextCursor it gave.
type pageOf[T any] struct {
	Items []T
	Next  *string
}

// walkPages follows a list from its first page through nextCursor to its
// last. fetch gets one page of at most limit items, after cursor ("" for
// the first). It fails t on a page over limit, an empty page with a next
// cursor, or more than 100 pages.
func walkPages[T any](t testing.TB, what string, limit int, fetch func(cursor string) ([]T, *string)) []pageOf[T] {
	t.Helper()
	var pages []pageOf[T]
	cursor := ""
	for range 100 {
		items, next := fetch(cursor)
		if len(items) > limit {
			t.Fatalf("%s: page of %d, limit %d", what, len(items), limit)
		}
		pages = append(pages, pageOf[T]{items, next})
		if next == nil {
			return pages
		}
		if len(items) == 0 {
			t.Fatalf("%s: empty page with a next cursor", what)
		}
		cursor = *next
	}
	t.Fatalf("%s: paging did not end", what)
	return nil
}

// allItems is the items of pages, in order.
func allItems[T any](pages []pageOf[T]) []T {
	var out []T
	for _, p := range pages {
		out = append(out, p.Items...)
	}
	return out
}

// pageQuery is the query of a page of limit after cursor, with extra.
func pageQuery(limit int, cursor string, extra url.Values) string {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	for k, v := range extra {
		q[k] = v
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q.Encode()
}

// invitePages walks the invites with status ("" default) in pages of limit.
func (o *mgOrg) invitePages(t *testing.T, token, status string, limit int) []pageOf[inviteView] {
	t.Helper()
	var extra url.Values
	if status != "" {
		extra = url.Values{"status": {status}}
	}
	return walkPages(t, "invites", limit, func(cursor string) ([]inviteView, *string) {
		p := o.invites(t, token, pageQuery(limit, cursor, extra))
		return p.Invites, p.NextCursor
	})
}

// inviteIDs lists every invite with status (all pages of size limit).
func (o *mgOrg) inviteIDs(t *testing.T, token, status string, limit int) []string {
	t.Helper()
	return mgIDs(allItems(o.invitePages(t, token, status, limit)))
}

// members returns every organization member, as token sees them.
func (o *mgOrg) members(t *testing.T, token string) []member {
	t.Helper()
	return listMembers(t, o.env, token, o.path("/members"))
}

func (o *mgOrg) projectMembers(t *testing.T, token, projectID string) []member {
	t.Helper()
	return listMembers(t, o.env, token, o.path("/projects/"+projectID+"/members"))
}

// audit returns the whole audit trail, newest first, in pages of limit.
func (o *mgOrg) audit(t *testing.T, token string, limit int) []mgEvent {
	t.Helper()
	return allItems(walkPages(t, "audit", limit, func(cursor string) ([]mgEvent, *string) {
		var p mgAuditPage
		o.env.Must(t, 200, "GET", o.path("/audit?"+pageQuery(limit, cursor, nil)), token, nil, &p)
		return p.Events, p.NextCursor
	}))
}

func mgFind(ms []member, userID string) *member {
	for i := range ms {
		if ms[i].UserID == userID {
			return &ms[i]
		}
	}
	return nil
}

func mgOwners(ms []member) int {
	n := 0
	for _, m := range ms {
		if m.Role == "owner" {
			n++
		}
	}
	return n
}

func mgMeOf(t *testing.T, env *testenv.Env, u testenv.User) meResp {
	t.Helper()
	var me meResp
	env.Must(t, 200, "GET", "/me", u.Token, nil, &me)
	return me
}

// mgWantField checks a 400 naming field: invalid_cursor for the cursor,
// validation_failed for any other field.
func mgWantField(t *testing.T, r testenv.Resp, field string) {
	t.Helper()
	code := "validation_failed"
	if field == "cursor" {
		code = "invalid_cursor"
	}
	p := wantProblem(t, r, 400, code)
	for _, e := range p.Errors {
		if e.Field == field {
			return
		}
	}
	t.Fatalf("no error for field %q: %s", field, r.Body)
}

func mgIDs(invs []inviteView) []string {
	out := make([]string, 0, len(invs))
	for _, inv := range invs {
		out = append(out, inv.ID)
	}
	return out
}

func mgSameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// mgTwin starts a second local API server over env's table (same DynamoDB
// server and table, its own clock) whose mail goes to the SES emulator.
// It lets a test fail sends in env (unreachable SES) and then resend once
// "SES is back". Users signed in on the twin have the same ids (ids derive
// from the email), but tokens of one server do not work on the other.
func mgTwin(t *testing.T, env *testenv.Env) *testenv.Env {
	t.Helper()
	c := env.Stack.Config
	c.SESEndpoint = env.SES.URL
	log := logging.New(io.Discard, slog.LevelError)
	stack, err := localserver.Start(context.Background(), c, log, nil)
	if err != nil {
		t.Fatalf("start twin stack: %v", err)
	}
	t.Cleanup(stack.Close)
	return &testenv.Env{Shared: env.Shared, BaseURL: testenv.Serve(t, stack.Server), Stack: stack}
}
