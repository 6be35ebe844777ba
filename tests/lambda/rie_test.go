package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/shared/sesevents"
	"github.com/members-saas/members/shared/store"
	rie "github.com/members-saas/members/tests/lambda"
	"github.com/members-saas/members/tests/testenv"
)

// The Makefile's build rule and rie.BuildFlags must build the same binary.
func TestBuildFlagsMatchMakefile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	mk := string(b)
	m := regexp.MustCompile(`(?m)^LDFLAGS\s*:=\s*(.*)$`).FindStringSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile: no LDFLAGS")
	}
	want := []string{"-trimpath", "-ldflags", strings.TrimSpace(m[1]), "-tags", "lambda.norpc"}
	if !slices.Equal(rie.BuildFlags, want) {
		t.Errorf("rie.BuildFlags = %q, Makefile's LDFLAGS say %q", rie.BuildFlags, want)
	}
	rule := `CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH_LAMBDA) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -tags lambda.norpc`
	if !strings.Contains(mk, rule) {
		t.Errorf("Makefile's build rule no longer reads %q: update rie.BuildFlags and this test", rule)
	}
}

func TestModuleRoot(t *testing.T) {
	got, err := rie.ModuleRoot(context.Background())
	if err != nil || got != root {
		t.Errorf("ModuleRoot() = %q, %v; want %q", got, err, root)
	}
}

// Every route of the route table has exactly one sample event, and each
// sample is a well-formed payload 2.0 event for its route.
func TestEventsMatchRouteTable(t *testing.T) {
	byRoute := map[string][]string{}
	for _, name := range httpEventFiles(t) {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(readEvent(t, name), &ev); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		byRoute[ev.RouteKey] = append(byRoute[ev.RouteKey], name)
		rt, params, ok, _ := routes.Match(ev.RequestContext.HTTP.Method, ev.RawPath)
		switch {
		case ev.Version != "2.0":
			t.Errorf("%s: version %q, want 2.0", name, ev.Version)
		case !ok || rt.Key() != ev.RouteKey:
			t.Errorf("%s: %s %s does not match route %q", name, ev.RequestContext.HTTP.Method, ev.RawPath, ev.RouteKey)
		case ev.RequestContext.RouteKey != ev.RouteKey || ev.RequestContext.HTTP.Path != ev.RawPath:
			t.Errorf("%s: requestContext disagrees with routeKey/rawPath", name)
		case len(params) != len(ev.PathParameters):
			t.Errorf("%s: pathParameters %v, want %v", name, ev.PathParameters, params)
		}
		for k, v := range params {
			if ev.PathParameters[k] != v {
				t.Errorf("%s: pathParameters[%s] = %q, want %q", name, k, ev.PathParameters[k], v)
			}
		}
		authed := ev.RequestContext.Authorizer != nil && ev.RequestContext.Authorizer.JWT != nil
		if authed != rt.Auth {
			t.Errorf("%s: JWT claims present = %v, route auth = %v", name, authed, rt.Auth)
		}
		if authed {
			c := ev.RequestContext.Authorizer.JWT.Claims
			if c["sub"] == "" || c["email"] == "" || c["email_verified"] != "true" {
				t.Errorf("%s: claims need sub, email and email_verified \"true\": %v", name, c)
			}
		}
		if ev.Body != "" && !json.Valid([]byte(ev.Body)) {
			t.Errorf("%s: body is not JSON: %s", name, ev.Body)
		}
	}
	for _, rt := range routes.Table {
		if n := len(byRoute[rt.Key()]); n != 1 {
			t.Errorf("route %q has %d sample events %v, want 1", rt.Key(), n, byRoute[rt.Key()])
		}
	}
}

// fixture is one event's run: its table, store and the response.
type fixture struct {
	t     *testing.T
	st    *store.Store
	parts *localParts
	resp  events.APIGatewayV2HTTPResponse
}

func (f *fixture) json(v any) {
	f.t.Helper()
	if ct := f.resp.Headers["Content-Type"]; ct != "application/json" {
		f.t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal([]byte(f.resp.Body), v); err != nil {
		f.t.Fatalf("body %s: %v", f.resp.Body, err)
	}
}

func (f *fixture) mails(to string) int {
	f.t.Helper()
	ms, err := f.parts.ses.Mails(to)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(ms)
}

type member struct {
	UserID   string    `json:"userId"`
	Email    string    `json:"email"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
}

type memberPage struct {
	Members    []member `json:"members"`
	NextCursor *string  `json:"nextCursor"`
}

func roles(ms []member) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		out[m.Email] = m.Role
	}
	return out
}

// expectation is a route's documented success with the seeded examples:
// its status, and checks of the body and of what it changed. before runs
// ahead of the invocation.
type expectation struct {
	status int
	before func(f *fixture) any
	check  func(f *fixture, before any)
}

var expectations = map[string]expectation{
	"GET /healthz": {status: 200, check: func(f *fixture, _ any) {
		var b struct{ Status string }
		f.json(&b)
		if b.Status != "ok" {
			f.t.Errorf("status %q", b.Status)
		}
	}},
	"GET /me": {status: 200, check: func(f *fixture, _ any) {
		var b struct {
			User struct{ ID, Email string } `json:"user"`
			Orgs []struct {
				ID, Name, Role string
			} `json:"orgs"`
			Projects []map[string]any `json:"projects"`
		}
		f.json(&b)
		if b.User.ID != rie.ExampleMemberID || b.User.Email != rie.ExampleMemberEmail {
			f.t.Errorf("user %+v", b.User)
		}
		if len(b.Orgs) != 1 || b.Orgs[0].ID != rie.ExampleOrgID || b.Orgs[0].Role != "member" {
			f.t.Errorf("orgs %+v", b.Orgs)
		}
		if len(b.Projects) != 1 {
			f.t.Errorf("projects %+v", b.Projects)
		}
	}},
	"POST /orgs": {status: 201, check: func(f *fixture, _ any) {
		var o struct {
			ID, Name  string
			CreatedAt time.Time
		}
		f.json(&o)
		if !strings.HasPrefix(o.ID, "org_") || o.Name != "Globex" {
			f.t.Errorf("org %+v", o)
		}
		if m, err := f.st.GetMembership(context.Background(), o.ID, rie.ExampleOwnerID); err != nil || m.Role != domain.OrgOwner {
			f.t.Errorf("creator's membership %+v, %v", m, err)
		}
	}},
	"GET /orgs/{orgId}/projects": {status: 200, check: func(f *fixture, _ any) {
		var b struct {
			Projects []struct {
				ID, Name string
				Role     *string
			} `json:"projects"`
		}
		f.json(&b)
		if len(b.Projects) != 1 || b.Projects[0].ID != rie.ExampleProjectID || b.Projects[0].Role == nil || *b.Projects[0].Role != "owner" {
			f.t.Errorf("projects %+v", b.Projects)
		}
	}},
	"POST /orgs/{orgId}/projects": {status: 201, check: func(f *fixture, _ any) {
		var p struct {
			ID, OrgID, Name string
			CreatedAt       time.Time
		}
		f.json(&p)
		if !strings.HasPrefix(p.ID, "prj_") || p.OrgID != rie.ExampleOrgID || p.Name != "Mobile app" {
			f.t.Errorf("project %+v", p)
		}
	}},
	"POST /orgs/{orgId}/invites": {
		status: 201,
		before: func(f *fixture) any { return f.mails("new.hire@example.com") },
		check: func(f *fixture, before any) {
			var b struct {
				Results []struct {
					Email, Status, InviteID, Delivery string
					ExpiresAt                         time.Time
				} `json:"results"`
			}
			f.json(&b)
			if len(b.Results) != 1 || b.Results[0].Status != "invited" || b.Results[0].Delivery != "sent" || b.Results[0].InviteID == "" {
				f.t.Fatalf("results %+v", b.Results)
			}
			if n := f.mails("new.hire@example.com"); n != before.(int)+1 {
				f.t.Errorf("%d invite mails in the SES emulator, want %d", n, before.(int)+1)
			}
			ms, _ := f.parts.ses.Mails("new.hire@example.com")
			if len(ms) > 0 && !strings.Contains(ms[len(ms)-1].Body.Text, appBaseURL+"/accept#token=") {
				f.t.Errorf("invite mail without an accept link: %s", ms[len(ms)-1].Body.Text)
			}
		},
	},
	"GET /orgs/{orgId}/invites": {status: 200, check: func(f *fixture, _ any) {
		var b struct {
			Invites []struct {
				ID, Email, OrgRole, InvitedBy, Status, Delivery string
				Projects                                        []struct{ ID, Name, Role string }
				CreatedAt, ExpiresAt                            time.Time
			} `json:"invites"`
			NextCursor *string `json:"nextCursor"`
		}
		f.json(&b)
		if len(b.Invites) != 1 || b.Invites[0].ID != rie.ExampleInviteID || b.Invites[0].Status != "pending" ||
			b.Invites[0].Email != rie.ExampleInviteeEmail || len(b.Invites[0].Projects) != 1 || b.Invites[0].Projects[0].Role != "member" {
			f.t.Errorf("invites %+v", b.Invites)
		}
	}},
	"DELETE /orgs/{orgId}/invites/{inviteId}": {status: 204, check: func(f *fixture, _ any) {
		if f.resp.Body != "" {
			f.t.Errorf("body %q, want none", f.resp.Body)
		}
		inv, err := f.st.GetInvite(context.Background(), rie.ExampleOrgID, rie.ExampleInviteID)
		if err != nil || inv.Status != domain.InviteRevoked {
			f.t.Errorf("invite after revoke: %+v, %v", inv, err)
		}
	}},
	"POST /orgs/{orgId}/invites/{inviteId}/resend": {
		status: 200,
		before: func(f *fixture) any { return f.mails(rie.ExampleInviteeEmail) },
		check: func(f *fixture, before any) {
			var v struct {
				ID, Email, OrgRole, InvitedBy, Status, Delivery string
				Projects                                        []struct{ ID, Name, Role string }
				CreatedAt, ExpiresAt                            time.Time
			}
			f.json(&v)
			if v.ID != rie.ExampleInviteID || v.Status != "pending" {
				f.t.Errorf("invite %+v", v)
			}
			if n := f.mails(rie.ExampleInviteeEmail); n != before.(int)+1 {
				f.t.Errorf("%d mails to the invitee, want %d", n, before.(int)+1)
			}
		},
	},
	"POST /invites/preview": {status: 200, check: func(f *fixture, _ any) {
		var v struct {
			OrgID, OrgName, InvitedBy, Email, OrgRole, Status string
			Projects                                          []struct{ ID, Name, Role string }
			ExpiresAt                                         time.Time
		}
		f.json(&v)
		if v.OrgID != rie.ExampleOrgID || v.Email != rie.ExampleInviteeEmail || v.Status != "pending" ||
			len(v.Projects) != 1 || v.Projects[0].Name != rie.ExampleProjectName || v.Projects[0].Role != "member" {
			f.t.Errorf("preview %+v", v)
		}
	}},
	"POST /invites/accept": {status: 200, check: func(f *fixture, _ any) {
		var v struct {
			OrgID, OrgRole string
			Projects       []struct{ ID, Role string }
		}
		f.json(&v)
		if v.OrgID != rie.ExampleOrgID || v.OrgRole != "member" || len(v.Projects) != 1 || v.Projects[0].Role != "member" {
			f.t.Errorf("accept %+v", v)
		}
		m, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleInviteeID)
		if err != nil || m.Role != domain.OrgMember || m.Projects[rie.ExampleProjectID] != domain.ProjectMemberRole {
			f.t.Errorf("the invitee's membership: %+v, %v", m, err)
		}
	}},
	"GET /orgs/{orgId}/members": {status: 200, check: func(f *fixture, _ any) {
		var p memberPage
		f.json(&p)
		if got := roles(p.Members); len(got) != 2 || got[rie.ExampleOwnerEmail] != "owner" || got[rie.ExampleMemberEmail] != "member" {
			f.t.Errorf("members %+v", p.Members)
		}
	}},
	"PATCH /orgs/{orgId}/members/{userId}": {status: 200, check: func(f *fixture, _ any) {
		var m member
		f.json(&m)
		if m.UserID != rie.ExampleMemberID || m.Role != "owner" {
			f.t.Errorf("member %+v", m)
		}
	}},
	"DELETE /orgs/{orgId}/members/{userId}": {status: 204, check: func(f *fixture, _ any) {
		_, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleMemberID)
		if !errors.Is(err, domain.ErrNotFound) {
			f.t.Errorf("membership after removal: %v, want not found", err)
		}
	}},
	"GET /orgs/{orgId}/projects/{projectId}/members": {status: 200, check: func(f *fixture, _ any) {
		var p memberPage
		f.json(&p)
		if got := roles(p.Members); len(got) != 2 || got[rie.ExampleOwnerEmail] != "owner" || got[rie.ExampleMemberEmail] != "member" {
			f.t.Errorf("project members %+v", p.Members)
		}
	}},
	"PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}": {status: 200, check: func(f *fixture, _ any) {
		var m member
		f.json(&m)
		if m.UserID != rie.ExampleMemberID || m.Role != "owner" {
			f.t.Errorf("project member %+v", m)
		}
	}},
	"DELETE /orgs/{orgId}/projects/{projectId}/members/{userId}": {status: 204, check: func(f *fixture, _ any) {
		m, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleMemberID)
		if _, in := m.Projects[rie.ExampleProjectID]; err != nil || in {
			f.t.Errorf("membership after project removal: %+v, %v", m, err)
		}
	}},
	"PATCH /orgs/{orgId}/invites/{inviteId}": {
		status: 200,
		before: func(f *fixture) any { return f.mails(rie.ExampleInviteeEmail) },
		check: func(f *fixture, before any) {
			var v struct {
				ID, OrgRole, Status string
				Projects            []struct{ ID, Role string }
			}
			f.json(&v)
			if v.ID != rie.ExampleInviteID || v.OrgRole != "manager" || v.Status != "pending" || len(v.Projects) != 1 || v.Projects[0].Role != "viewer" {
				f.t.Errorf("edited invite %+v", v)
			}
			// Same token: the mailed link now grants the edited terms.
			inv, err := f.st.InviteByToken(context.Background(), domain.HashToken(rie.ExampleInviteToken))
			if err != nil || inv.OrgRole != domain.OrgManager || inv.Projects[0].Role != domain.ProjectViewer {
				f.t.Errorf("invite by the mailed token: %+v, %v", inv, err)
			}
			if n := f.mails(rie.ExampleInviteeEmail); n != before.(int) {
				f.t.Errorf("an edit mailed the invitee (%d mails, want %d)", n, before.(int))
			}
		},
	},
	"GET /orgs/{orgId}/access": {status: 200, check: func(f *fixture, _ any) {
		var a domain.Access
		f.json(&a)
		if a.Role != "member" || a.Via != "org" || !slices.Equal(a.Permissions, []domain.Permission{domain.PermOrgMembersRead}) {
			f.t.Errorf("org access %+v", a)
		}
	}},
	"GET /orgs/{orgId}/projects/{projectId}/access": {status: 200, check: func(f *fixture, _ any) {
		var a domain.Access
		f.json(&a)
		if a.Role != "member" || a.Via != "project" || !slices.Contains(a.Permissions, domain.PermProjectWrite) ||
			slices.Contains(a.Permissions, domain.PermProjectMembersManage) {
			f.t.Errorf("project access %+v", a)
		}
	}},
	"GET /orgs/{orgId}/audit": {status: 200, check: func(f *fixture, _ any) {
		var p struct {
			Events     []domain.AuditEvent `json:"events"`
			NextCursor *string             `json:"nextCursor"`
		}
		f.json(&p)
		if len(p.Events) < 4 {
			f.t.Errorf("%d audit events, want the 4 seeded", len(p.Events))
		}
	}},
}

// Each sample event, sent to the real binary of the function that serves
// its route under the emulator, gets its documented success against a
// fresh table holding the examples.
func TestEventsAgainstFunctions(t *testing.T) {
	emulator(t)
	p := startParts(t)
	hostBinaries(t)
	for _, name := range httpEventFiles(t) {
		payload := readEvent(t, name)
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			t.Parallel()
			exp, ok := expectations[ev.RouteKey]
			if !ok {
				t.Fatalf("no expectation for route %q: add one", ev.RouteKey)
			}
			fn := ""
			for _, rt := range routes.Table {
				if rt.Key() == ev.RouteKey {
					fn = rt.Function
				}
			}
			table, st := p.newTable(t)
			if err := rie.Seed(context.Background(), st, time.Now()); err != nil {
				t.Fatal(err)
			}
			f := &fixture{t: t, st: st, parts: p}
			var before any
			if exp.before != nil {
				before = exp.before(f)
			}
			fn0 := start(t, fn, p.env(fn, table))
			resp, err := fn0.InvokeHTTP(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			f.resp = resp
			if resp.StatusCode != exp.status {
				t.Fatalf("%s → %s: status %d, want %d: %s", name, fn, resp.StatusCode, exp.status, resp.Body)
			}
			if resp.Headers["X-Request-Id"] == "" {
				t.Errorf("no X-Request-Id header: %v", resp.Headers)
			}
			exp.check(f, before)
			// AND the function wrote the request's metrics as one EMF line
			lines := emfLines(t, fn0, 1)
			if len(lines) != 1 || lines[0].Dimensions[metrics.DimFunction] != fn || lines[0].Values[string(metrics.Requests)] != 1 {
				t.Errorf("EMF lines %+v, want one counting a request of %s", lines, fn)
			}
		})
	}
}

// emfLines waits up to 5 s for n EMF lines in f's output (its stdout is
// copied as it comes) and returns those there are, failing on invalid EMF.
func emfLines(t *testing.T, f *rie.Function, n int) []testenv.EMF {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines, err := testenv.EMFLines(f.Logs())
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A function answers an event for a route of another function with a 404
// problem, without touching the table.
func TestOtherFunctionsRoute(t *testing.T) {
	emulator(t)
	p := startParts(t)
	hostBinaries(t)
	for _, fn := range routes.Functions() {
		t.Run(fn, func(t *testing.T) {
			t.Parallel()
			other := "healthz.json"
			if fn == routes.FnHealthz {
				other = "me.json"
			}
			f := start(t, fn, p.env(fn, "members-rie-unused"))
			resp, err := f.InvokeHTTP(context.Background(), readEvent(t, other))
			if err != nil {
				t.Fatal(err)
			}
			var pr testenv.Problem
			if err := json.Unmarshal([]byte(resp.Body), &pr); err != nil {
				t.Fatalf("body %s: %v", resp.Body, err)
			}
			if resp.StatusCode != 404 || resp.Headers["Content-Type"] != "application/problem+json" ||
				pr.Status != 404 || pr.Code != "not_found" || pr.Type == "" {
				t.Errorf("status %d, headers %v, problem %+v", resp.StatusCode, resp.Headers, pr)
			}
		})
	}
}

// Without TABLE_NAME the function fails at init (its main exits before
// lambda.Start): every invocation fails and no request is ever handled.
func TestMissingTableNameFailsInit(t *testing.T) {
	emulator(t)
	p := startParts(t)
	hostBinaries(t)
	env := p.env(routes.FnHealthz, "")
	delete(env, "TABLE_NAME")
	f := start(t, routes.FnHealthz, env)
	for range 2 {
		r, err := f.Invoke(context.Background(), readEvent(t, "healthz.json"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == http.StatusOK {
			t.Fatalf("invocation succeeded without TABLE_NAME: %s", r.Body)
		}
	}
	logs := f.Logs()
	for _, want := range []string{"INIT RTDONE(status: error)", `"msg":"configuration"`, "TABLE_NAME"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	if strings.Contains(logs, `"msg":"request"`) {
		t.Errorf("a request was handled without TABLE_NAME")
	}
}

// The ses-events function records each sample SES event (events/ses-*.json,
// as SNS delivers them) on the invite it names, idempotently.
func TestSESEventsFunction(t *testing.T) {
	emulator(t)
	p := startParts(t)
	if hostBinaries(t)[fnPkg(routes.FnSESEvents)] == "" {
		t.Fatalf("functions/%s is missing", routes.FnSESEvents)
	}
	files, _ := filepath.Glob(filepath.Join(root, "events", "ses-*.json"))
	if len(files) == 0 {
		t.Skip("no events/ses-*.json yet")
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			t.Parallel()
			payload := readEvent(t, name)
			var sns events.SNSEvent
			if err := json.Unmarshal(payload, &sns); err != nil {
				t.Fatal(err)
			}
			ds, err := sesevents.FromSNS(sns)
			if err != nil || len(ds) == 0 {
				t.Fatalf("%s carries no invite delivery event: %v", name, err)
			}
			table, st := p.newTable(t)
			ctx := context.Background()
			now := time.Now().UTC()
			for _, d := range ds {
				_, hash := domain.NewToken()
				inv := domain.Invite{ID: d.InviteID, OrgID: d.OrgID, OrgName: "Acme", Email: "ada@example.org",
					OrgRole: domain.OrgMember, InvitedBy: rie.ExampleOwnerID, InvitedByEmail: rie.ExampleOwnerEmail,
					CreatedAt: now, ExpiresAt: now.AddDate(0, 0, 7), ExpiresInDays: 7, Status: domain.InvitePending,
					Delivery: domain.DeliveryPending, TokenHash: hash, MailID: d.MailID}
				ev := domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: d.OrgID, At: now, ActorID: rie.ExampleOwnerID,
					Actor: rie.ExampleOwnerEmail, Action: domain.AuditInviteCreated, Target: d.InviteID}
				if err := st.CreateInvite(ctx, inv, ev, nil); err != nil && !errors.Is(err, domain.ErrExists) {
					t.Fatal(err)
				}
			}
			f := start(t, routes.FnSESEvents, p.env(routes.FnSESEvents, table))
			for range 2 { // SNS may deliver twice
				r, err := f.Invoke(ctx, payload)
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != http.StatusOK || string(r.Body) != "null" {
					t.Fatalf("emulator status %d, payload %s", r.Status, r.Body)
				}
			}
			for _, d := range ds {
				inv, err := st.GetInvite(ctx, d.OrgID, d.InviteID)
				if err != nil || inv.Delivery != d.Kind || inv.MessageID != d.MessageID {
					t.Errorf("invite %s: delivery %q, message %q (%v), want %q, %q", d.InviteID, inv.Delivery, inv.MessageID, err, d.Kind, d.MessageID)
				}
			}
			// AND each invocation counted the event's outcome in one EMF line
			want := map[string]metrics.Name{"ses-send.json": metrics.DeliverySent, "ses-delivery.json": metrics.DeliveryDelivered,
				"ses-bounce.json": metrics.DeliveryBouncedPermanent, "ses-complaint.json": metrics.DeliveryComplained}[name]
			lines := emfLines(t, f, 2)
			for _, l := range lines {
				if l.Dimensions[metrics.DimFunction] != routes.FnSESEvents || !maps.Equal(l.Values, map[string]float64{string(want): 1}) {
					t.Errorf("EMF line %+v, want %s: 1 of %s", l, want, routes.FnSESEvents)
				}
			}
			if len(lines) != 2 {
				t.Errorf("%d EMF lines, want one per invocation", len(lines))
			}
		})
	}
}

// TestSeedTable seeds the examples into a table of your own, for `sam local
// invoke` with events/ (events/README.md). It runs only when told where:
//
//	SEED_DYNAMODB_ENDPOINT=http://localhost:8000 SEED_TABLE=members \
//	  go test ./tests/lambda -run TestSeedTable -count=1 -v
func TestSeedTable(t *testing.T) {
	endpoint, table := os.Getenv("SEED_DYNAMODB_ENDPOINT"), os.Getenv("SEED_TABLE")
	if endpoint == "" || table == "" {
		t.Skip("set SEED_DYNAMODB_ENDPOINT and SEED_TABLE to seed the examples into a table")
	}
	ctx := context.Background()
	cl, err := localserver.NewClients(ctx, config.Config{DynamoEndpoint: endpoint, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.EnsureTable(ctx, cl.DynamoDB, table); err != nil {
		t.Fatal(err)
	}
	if err := rie.Seed(ctx, store.New(cl.DynamoDB, table), time.Now()); err != nil {
		t.Fatalf("%v (Seed needs a table without the examples)", err)
	}
	if err := rie.SeedLink(ctx, store.New(cl.DynamoDB, table), time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %s: organization %s, invite token %s", table, rie.ExampleOrgID, rie.ExampleInviteToken)
}
