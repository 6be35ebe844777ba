package integration

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/tests/testenv"
)

// inviteLink is an invite link as the management routes show it.
type inviteLink struct {
	ID              string          `json:"id"`
	URL             string          `json:"url"`
	OrgRole         string          `json:"orgRole"`
	Projects        []inviteProject `json:"projects"`
	AllowedDomains  []string        `json:"allowedDomains"`
	AccessExpiresAt *time.Time      `json:"accessExpiresAt"`
	Uses            int             `json:"uses"`
	MaxUses         int             `json:"maxUses"`
	ExpiresAt       time.Time       `json:"expiresAt"`
	CreatedBy       string          `json:"createdBy"`
	Status          string          `json:"status"`
	CanManage       bool            `json:"canManage"`
}

type linkJoined struct {
	OrgID    string          `json:"orgId"`
	OrgName  string          `json:"orgName"`
	OrgRole  string          `json:"orgRole"`
	Projects []inviteProject `json:"projects"`
	Joined   bool            `json:"joined"`
}

// token is the link's token: its URL's fragment.
func (l inviteLink) token(t testing.TB) string {
	t.Helper()
	_, tok, ok := strings.Cut(l.URL, "/join#token=")
	if !ok || len(tok) != 43 {
		t.Fatalf("link url %q has no token in its fragment", l.URL)
	}
	return tok
}

// link creates an invite link as by.
func (o *mgOrg) link(t testing.TB, by testenv.User, body map[string]any) inviteLink {
	t.Helper()
	var l inviteLink
	o.env.Must(t, 201, "POST", o.path("/invite-links"), by.Token, body, &l)
	return l
}

func (o *mgOrg) links(t testing.TB, token string) []inviteLink {
	t.Helper()
	var out struct{ Links []inviteLink }
	o.env.Must(t, 200, "GET", o.path("/invite-links"), token, nil, &out)
	return out.Links
}

func findLink(ls []inviteLink, id string) *inviteLink {
	for i := range ls {
		if ls[i].ID == id {
			return &ls[i]
		}
	}
	return nil
}

// TestInviteLinks: create, list, preview and join by an invite link, its
// limits (allowed domains, uses, expiry, disabling) and its audit trail
// and events.
func TestInviteLinks(t *testing.T) {
	env := testenv.New(t)
	o := mgNewOrg(t, env, "links")
	web := o.project(t, "Web")
	l := o.link(t, o.Owner, map[string]any{"orgRole": "member", "projects": []map[string]string{{"id": web, "role": "member"}},
		"expiresInDays": 7, "maxUses": 3, "allowedDomains": []string{"Example.COM"}})
	if !strings.HasPrefix(l.URL, "http://console.test/join#token=") || l.Uses != 0 || l.MaxUses != 3 || l.Status != "active" ||
		len(l.AllowedDomains) != 1 || l.AllowedDomains[0] != "example.com" || l.CreatedBy != o.Owner.Email ||
		len(l.Projects) != 1 || l.Projects[0].Name != "Web" || !l.CanManage {
		t.Fatalf("created link %+v", l)
	}
	tok := l.token(t)
	if d := time.Until(l.ExpiresAt); d < 6*24*time.Hour || d > 8*24*time.Hour {
		t.Errorf("expiresAt %v, want in 7 days", l.ExpiresAt)
	}
	// The list never shows the token; the table holds only its hash.
	r := env.Must(t, 200, "GET", o.path("/invite-links"), o.Owner.Token, nil, nil)
	if bytes.Contains(r.Body, []byte(tok)) || bytes.Contains(r.Body, []byte(`"url"`)) {
		t.Fatalf("the list shows the link's token: %s", r.Body)
	}
	if got := findLink(o.links(t, o.Owner.Token), l.ID); got == nil || got.URL != "" || got.Status != "active" {
		t.Fatalf("listed: %+v", got)
	}
	for _, it := range scanTable(t, env.Stack.Clients.DynamoDB, env.Stack.Config.TableName) {
		if strings.Contains(fmt.Sprint(it), tok) {
			t.Fatalf("the raw link token is stored: %v", it)
		}
	}

	// Preview without signing in.
	var pv struct {
		OrgID, OrgName, InvitedBy, OrgRole string
		Projects                           []inviteProject
		AllowedDomains                     []string
	}
	env.Must(t, 200, "POST", "/invite-links/preview", "", map[string]string{"token": tok}, &pv)
	if pv.OrgID != o.ID || pv.OrgName != "links" || pv.InvitedBy != o.Owner.Email || pv.OrgRole != "member" ||
		len(pv.Projects) != 1 || pv.Projects[0].Role != "member" || len(pv.AllowedDomains) != 1 {
		t.Fatalf("preview %+v", pv)
	}
	wantProblem(t, env.Do(t, "POST", "/invite-links/preview", "", map[string]string{"token": "nope"}), 404, "link_not_found")
	wantProblem(t, env.Do(t, "POST", "/invite-links/preview", "", map[string]string{}), 400, "validation_failed")

	// Join: signed in, verified, new member; again: the same, no use counted.
	ada := env.SignIn(t, testenv.Email("links-ada"))
	var j linkJoined
	env.Must(t, 200, "POST", "/invite-links/join", ada.Token, map[string]string{"token": tok}, &j)
	if !j.Joined || j.OrgID != o.ID || j.OrgRole != "member" || len(j.Projects) != 1 || j.Projects[0].ID != web || j.Projects[0].Role != "member" {
		t.Fatalf("join: %+v", j)
	}
	env.Must(t, 200, "POST", "/invite-links/join", ada.Token, map[string]string{"token": tok}, &j)
	if j.Joined || j.OrgRole != "member" {
		t.Fatalf("join again: %+v, want joined false and the same access", j)
	}
	if got := findLink(o.links(t, o.Owner.Token), l.ID); got.Uses != 1 {
		t.Fatalf("uses %d after one person joined twice, want 1", got.Uses)
	}
	if mgFind(o.members(t, o.Owner.Token), ada.ID) == nil || mgFind(o.projectMembers(t, o.Owner.Token, web), ada.ID) == nil {
		t.Fatalf("ada is not a member of the organization and Web")
	}
	me := mgMeOf(t, env, ada)
	if len(me.Orgs) != 1 || me.Orgs[0].ID != o.ID {
		t.Fatalf("ada's /me: %+v", me)
	}
	// An existing member joins: nothing changes, no use.
	env.Must(t, 200, "POST", "/invite-links/join", o.Owner.Token, map[string]string{"token": tok}, &j)
	if j.Joined || j.OrgRole != "owner" {
		t.Fatalf("the owner joining by the link: %+v", j)
	}

	// Refusals.
	wantProblem(t, env.Do(t, "POST", "/invite-links/join", "", map[string]string{"token": tok}), 401, "unauthorized")
	unverified := env.SignIn(t, testenv.Email("links-unverified"), false)
	wantProblem(t, env.Do(t, "POST", "/invite-links/join", unverified.Token, map[string]string{"token": tok}), 403, "email_not_verified")
	outsider := env.SignIn(t, "links-out-"+randHex(3)+"@elsewhere.test")
	p := wantProblem(t, env.Do(t, "POST", "/invite-links/join", outsider.Token, map[string]string{"token": tok}), 403, "email_domain_not_allowed")
	if !strings.Contains(p.Detail, "example.com") {
		t.Errorf("domain refusal does not name the allowed domain: %+v", p)
	}
	wantProblem(t, env.Do(t, "POST", "/invite-links/join", ada.Token, map[string]string{"token": strings.Repeat("A", 43)}), 404, "link_not_found")

	// Used up: the third join uses the last use; the fourth person gets 410.
	for _, name := range []string{"links-bob", "links-cy"} {
		u := env.SignIn(t, testenv.Email(name))
		env.Must(t, 200, "POST", "/invite-links/join", u.Token, map[string]string{"token": tok}, nil)
	}
	dee := env.SignIn(t, testenv.Email("links-dee"))
	r = env.Do(t, "POST", "/invite-links/join", dee.Token, map[string]string{"token": tok})
	wantProblem(t, r, 410, "link_expired")
	if !bytes.Contains(r.Body, []byte(`"reason":"used_up"`)) {
		t.Errorf("used-up link: %s", r.Body)
	}
	wantProblem(t, env.Do(t, "POST", "/invite-links/preview", "", map[string]string{"token": tok}), 410, "link_expired")
	if got := findLink(o.links(t, o.Owner.Token), l.ID); got.Uses != 3 || got.Status != "used_up" {
		t.Fatalf("used-up link listed as %+v", got)
	}
	// A member joining again still gets 200 from a used-up link.
	env.Must(t, 200, "POST", "/invite-links/join", ada.Token, map[string]string{"token": tok}, nil)

	// Disabled at once.
	l2 := o.link(t, o.Owner, map[string]any{}) // the defaults: member, 7 days, 25 uses, any domain
	if l2.OrgRole != "member" || l2.MaxUses != 25 || len(l2.AllowedDomains) != 0 || len(l2.Projects) != 0 {
		t.Fatalf("default link %+v", l2)
	}
	env.Must(t, 204, "DELETE", o.path("/invite-links/"+l2.ID), o.Owner.Token, nil, nil)
	env.Must(t, 204, "DELETE", o.path("/invite-links/"+l2.ID), o.Owner.Token, nil, nil) // again: still disabled
	r = env.Do(t, "POST", "/invite-links/join", dee.Token, map[string]string{"token": l2.token(t)})
	wantProblem(t, r, 410, "link_expired")
	if !bytes.Contains(r.Body, []byte(`"reason":"disabled"`)) {
		t.Errorf("disabled link: %s", r.Body)
	}
	wantProblem(t, env.Do(t, "POST", "/invite-links/preview", "", map[string]string{"token": l2.token(t)}), 410, "link_expired")
	if got := findLink(o.links(t, o.Owner.Token), l2.ID); got.Status != "disabled" {
		t.Fatalf("disabled link listed as %+v", got)
	}
	wantProblem(t, env.Do(t, "DELETE", o.path("/invite-links/lnk_00000000000000000000000000"), o.Owner.Token, nil), 404, "link_not_found")

	// Expired.
	l3 := o.link(t, o.Owner, map[string]any{"expiresInDays": 1})
	env.Advance(t, "25h")
	r = env.Do(t, "POST", "/invite-links/join", dee.Token, map[string]string{"token": l3.token(t)})
	wantProblem(t, r, 410, "link_expired")
	if !bytes.Contains(r.Body, []byte(`"reason":"expired"`)) {
		t.Errorf("expired link: %s", r.Body)
	}
	env.Must(t, 200, "POST", "/_local/clock", "", map[string]any{"reset": true}, nil)

	// A guest link: the access of those who join ends at accessExpiresAt.
	end := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	l4 := o.link(t, o.Owner, map[string]any{"accessExpiresAt": end.Format(time.RFC3339)})
	if l4.AccessExpiresAt == nil || !l4.AccessExpiresAt.Equal(end) {
		t.Fatalf("guest link %+v, want accessExpiresAt %v", l4, end)
	}
	guest := env.SignIn(t, testenv.Email("links-guest"))
	env.Must(t, 200, "POST", "/invite-links/join", guest.Token, map[string]string{"token": l4.token(t)}, nil)
	var ms struct {
		Members []struct {
			UserID          string     `json:"userId"`
			AccessExpiresAt *time.Time `json:"accessExpiresAt"`
		}
	}
	env.Must(t, 200, "GET", o.path("/members?limit=100"), o.Owner.Token, nil, &ms)
	for _, m := range ms.Members {
		if m.UserID == guest.ID && (m.AccessExpiresAt == nil || !m.AccessExpiresAt.Equal(end)) {
			t.Errorf("the guest's accessExpiresAt %v, want %v", m.AccessExpiresAt, end)
		}
	}
	wantProblem(t, env.Do(t, "POST", o.path("/invite-links"), o.Owner.Token,
		map[string]any{"orgRole": "owner", "accessExpiresAt": end.Format(time.RFC3339)}), 400, "validation_failed")

	// Validation and the grant policy.
	for _, bad := range []map[string]any{{"maxUses": 0}, {"maxUses": 1001}, {"expiresInDays": 31}, {"orgRole": "boss"},
		{"allowedDomains": []string{"not a domain"}}, {"projects": []map[string]string{{"id": "prj_nope", "role": "member"}}},
		{"projects": []map[string]string{{"id": web, "role": "admin"}}}} {
		wantProblem(t, env.Do(t, "POST", o.path("/invite-links"), o.Owner.Token, bad), 400, "validation_failed")
	}
	wantProblem(t, env.Do(t, "POST", o.path("/invite-links"), o.Owner.Token, map[string]any{"uses": 3}), 400, "invalid_request")
	manager := o.member(t, "links-manager", "manager", nil, "")
	wantProblem(t, env.Do(t, "POST", o.path("/invite-links"), manager.Token, map[string]any{"orgRole": "owner"}), 403, "forbidden")
	pOwner := o.member(t, "links-powner", "member", []string{web}, "owner")
	wantProblem(t, env.Do(t, "POST", o.path("/invite-links"), pOwner.Token, map[string]any{}), 403, "forbidden")
	own := o.link(t, pOwner, map[string]any{"projects": []map[string]string{{"id": web, "role": "viewer"}}})
	ls := o.links(t, pOwner.Token)
	if findLink(ls, own.ID) == nil || findLink(ls, l2.ID) != nil {
		t.Fatalf("a project owner lists %+v; want their Web link and not the org-only ones", ls)
	}
	wantProblem(t, env.Do(t, "DELETE", o.path("/invite-links/"+l2.ID), pOwner.Token, nil), 404, "link_not_found")
	wantProblem(t, env.Do(t, "GET", o.path("/invite-links"), ada.Token, nil), 403, "forbidden")

	// Audit trail and membership events.
	counts := map[string]int{}
	for _, ev := range o.audit(t, o.Owner.Token, 100) {
		counts[ev.Action]++
		if ev.Action == "member.added" && ev.Target == ada.ID && (ev.After["via"] != "link" || ev.After["linkId"] != l.ID) {
			t.Errorf("ada's member.added: %+v, want via link and the link id", ev.After)
		}
	}
	if counts["invite_link.created"] != 5 || counts["invite_link.disabled"] != 1 {
		t.Errorf("audit actions %v", counts)
	}
	var all struct{ Events []localserver.Event }
	env.Must(t, 200, "GET", "/_local/events", "", nil, &all)
	schemas := compileEventSchemas(t)
	seen := map[string]bool{}
	for _, ev := range all.Events {
		if !strings.HasPrefix(ev.DetailType, "invite_link.") && ev.DetailType != "member.added" {
			continue
		}
		seen[ev.DetailType] = true
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(ev.Detail))
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas[ev.DetailType].Validate(v); err != nil {
			t.Errorf("%s: %v\n%s", ev.DetailType, err, ev.Detail)
		}
		if bytes.Contains(ev.Detail, []byte(tok)) {
			t.Errorf("an event carries the link token: %s", ev.Detail)
		}
	}
	if !seen["invite_link.created"] || !seen["invite_link.disabled"] || !seen["member.added"] {
		t.Errorf("events seen: %v", seen)
	}
	invariants(t, env)
}

// TestInviteLinkUsesRace: 20 people join at once by a link with 5 uses:
// exactly 5 become members, the others get 410 link_expired.
func TestInviteLinkUsesRace(t *testing.T) {
	env := testenv.New(t)
	o := mgNewOrg(t, env, "linkrace")
	const n, uses = 20, 5
	l := o.link(t, o.Owner, map[string]any{"maxUses": uses})
	tok := l.token(t)
	users := make([]testenv.User, n)
	for i := range users {
		users[i] = env.SignIn(t, testenv.Email(fmt.Sprintf("linkrace-%d", i)))
	}
	var res outcomes
	peak := burst(n, func(i int) {
		r, err := call(env, "POST", "/invite-links/join", users[i].Token, map[string]string{"token": tok})
		res.add("join", r, err)
	})
	res.clean(t)
	st := res.statuses("join")
	if st[200] != uses || st[410] != n-uses {
		t.Fatalf("20 joins on a link of %d uses: %v (peak %d in flight), want %d × 200 and %d × 410", uses, st, peak, uses, n-uses)
	}
	if got := len(listMembers(t, env, o.Owner.Token, o.path("/members"))); got != 1+uses {
		t.Fatalf("%d members, want %d", got, 1+uses)
	}
	if got := findLink(o.links(t, o.Owner.Token), l.ID); got.Uses != uses || got.Status != "used_up" {
		t.Fatalf("link after the race: %+v", got)
	}
	invariants(t, env)
}

// TestInviteLinkSeatsRace: 20 people join at once by a link when 3 seats
// are free: exactly 3 become members, the others get 409 seat_limit.
func TestInviteLinkSeatsRace(t *testing.T) {
	env := testenv.New(t)
	o := mgNewOrg(t, env, "linkseats")
	const n, free = 20, 3
	o.setSeats(t, map[string]any{"seatLimit": 1 + free})
	tok := o.link(t, o.Owner, map[string]any{"maxUses": 100}).token(t)
	users := make([]testenv.User, n)
	for i := range users {
		users[i] = env.SignIn(t, testenv.Email(fmt.Sprintf("linkseats-%d", i)))
	}
	var res outcomes
	peak := burst(n, func(i int) {
		r, err := call(env, "POST", "/invite-links/join", users[i].Token, map[string]string{"token": tok})
		res.add("join", r, err)
	})
	res.clean(t)
	st := res.statuses("join")
	if st[200] != free || st[409] != n-free {
		t.Fatalf("20 joins for %d seats: %v (peak %d in flight), want %d × 200 and %d × 409", free, st, peak, free, n-free)
	}
	for _, b := range res.bodies("join", 409) {
		if !bytes.Contains(b, []byte(`"seat_limit"`)) {
			t.Errorf("409 without seat_limit: %s", b)
		}
	}
	wantSeats(t, "after the race", o.seats(t, o.Owner.Token), 1+free, 1+free, 0)
	invariants(t, env)
}

// TestInviteLinkJoinCaps: joins per link per hour are capped (429
// rate_limited with Retry-After), and so are joins per organization.
func TestInviteLinkJoinCaps(t *testing.T) {
	env := testenv.New(t, testenv.Options{LinkJoinsPerHour: 2, OrgLinkJoinsPerHour: 3})
	o := mgNewOrg(t, env, "linkcaps")
	a, b := o.link(t, o.Owner, map[string]any{}).token(t), o.link(t, o.Owner, map[string]any{}).token(t)
	join := func(name, tok string) testenv.Resp {
		return env.Do(t, "POST", "/invite-links/join", env.SignIn(t, testenv.Email(name)).Token, map[string]string{"token": tok})
	}
	for i := range 2 {
		if r := join(fmt.Sprint("linkcaps-a", i), a); r.Status != 200 {
			t.Fatalf("join %d by link a: %d %s", i, r.Status, r.Body)
		}
	}
	r := join("linkcaps-a2", a)
	wantProblem(t, r, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	if r := join("linkcaps-b0", b); r.Status != 200 {
		t.Fatalf("another link of the organization: %d %s", r.Status, r.Body)
	}
	wantProblem(t, join("linkcaps-b1", b), 429, "rate_limited") // the organization's 3 an hour
	invariants(t, env)
}
