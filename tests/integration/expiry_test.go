package integration

// Membership expiry (issue 21, part C): accessExpiresAt on invites and
// role changes, access that ends at that instant everywhere, the sweep
// (POST /_local/expire-members runs what the expire-members function runs)
// with its member.expired audit and event, and the reminder mail 7 days
// before — against DynamoDB Local and the SES emulator.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/tests/testenv"
)

type exMember struct {
	UserID          string     `json:"userId"`
	Role            string     `json:"role"`
	AccessExpiresAt *time.Time `json:"accessExpiresAt"`
}

type exSweep struct {
	Due, Expired, Reminded, Failed int
}

func exRFC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func exSweepNow(t *testing.T, env *testenv.Env) exSweep {
	t.Helper()
	var r exSweep
	env.Must(t, 200, "POST", "/_local/expire-members", "", nil, &r)
	return r
}

func exMembers(t *testing.T, env *testenv.Env, path, token string) []exMember {
	t.Helper()
	var p struct{ Members []exMember }
	env.Must(t, 200, "GET", path, token, nil, &p)
	return p.Members
}

func exFind(ms []exMember, uid string) *exMember {
	for i := range ms {
		if ms[i].UserID == uid {
			return &ms[i]
		}
	}
	return nil
}

func exUserID(t *testing.T, env *testenv.Env, u testenv.User) string {
	t.Helper()
	return mgMeOf(t, env, u).User.ID
}

func exReminders(t *testing.T, env *testenv.Env, to string) int {
	t.Helper()
	ms, err := env.SES.Mails(to)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Subject, "ends soon") {
			n++
		}
	}
	return n
}

// An invite with accessExpiresAt, accepted: access until the instant
// (access routes, GET /me, member lists show the date), gone from it on
// before any sweep, then the sweep removes it with member.expired.
func TestExpiryInviteAcceptThenGone(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "expiry-accept")
	web := o.project(t, "Web")
	end := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Second)
	ada := env.SignIn(t, testenv.Email("expiry-ada"))
	r := o.invite(t, o.Owner, map[string]any{"emails": []string{ada.Email}, "accessExpiresAt": exRFC(end),
		"projects": []map[string]any{{"id": web, "role": "member"}}})
	if r.Status != "invited" {
		t.Fatalf("invite: %+v", r)
	}
	var inv struct {
		Invites []struct {
			AccessExpiresAt *time.Time `json:"accessExpiresAt"`
		}
	}
	env.Must(t, 200, "GET", o.path("/invites"), o.Owner.Token, nil, &inv)
	if len(inv.Invites) != 1 || inv.Invites[0].AccessExpiresAt == nil || !inv.Invites[0].AccessExpiresAt.Equal(end) {
		t.Errorf("invite list: %+v, want accessExpiresAt %v", inv, end)
	}
	env.Must(t, 200, "POST", "/invites/accept", ada.Token, map[string]string{"token": env.LastInviteToken(t, ada.Email)}, nil)
	adaID := exUserID(t, env, ada)

	var acc struct {
		Role            string
		AccessExpiresAt *time.Time `json:"accessExpiresAt"`
	}
	env.Must(t, 200, "GET", o.path("/access"), ada.Token, nil, &acc)
	if acc.AccessExpiresAt == nil || !acc.AccessExpiresAt.Equal(end) {
		t.Errorf("org access %+v, want accessExpiresAt %v", acc, end)
	}
	env.Must(t, 200, "GET", o.path("/projects/"+web+"/access"), ada.Token, nil, &acc)
	if acc.Role != "member" || acc.AccessExpiresAt == nil || !acc.AccessExpiresAt.Equal(end) {
		t.Errorf("project access %+v, want member until %v", acc, end)
	}
	if m := exFind(exMembers(t, env, o.path("/members"), o.Owner.Token), adaID); m == nil || m.AccessExpiresAt == nil || !m.AccessExpiresAt.Equal(end) {
		t.Errorf("member row %+v, want the date %v", m, end)
	}
	if m := exFind(exMembers(t, env, o.path("/projects/"+web+"/members"), o.Owner.Token), adaID); m == nil || m.AccessExpiresAt == nil || !m.AccessExpiresAt.Equal(end) {
		t.Errorf("project member row %+v, want the date %v", m, end)
	}
	if me := mgMeOf(t, env, ada); len(me.Orgs) != 1 || len(me.Projects) != 1 {
		t.Errorf("GET /me before the end: %+v", me)
	}
	// Nothing is due yet: the reminder comes 7 days before.
	if s := exSweepNow(t, env); s.Expired != 0 || s.Reminded != 0 {
		t.Errorf("sweep 10 days ahead: %+v, want nothing", s)
	}

	env.Advance(t, "9d") // one day before: the reminder
	if s := exSweepNow(t, env); s.Reminded != 1 || s.Expired != 0 {
		t.Errorf("sweep 1 day before: %+v, want one reminder", s)
	}
	env.Advance(t, "25h") // past the end, before any sweep
	wantProblem(t, env.Do(t, "GET", o.path("/access"), ada.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "GET", o.path("/projects/"+web+"/access"), ada.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "GET", o.path("/members"), ada.Token, nil), 404, "org_not_found")
	if me := mgMeOf(t, env, ada); len(me.Orgs) != 0 || len(me.Projects) != 0 {
		t.Errorf("GET /me after the end: %+v, want no organization or project", me)
	}
	if m := exFind(exMembers(t, env, o.path("/members"), o.Owner.Token), adaID); m != nil {
		t.Errorf("member list after the end still lists %+v", m)
	}
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+adaID), o.Owner.Token, map[string]string{"role": "manager"}), 404, "member_not_found")

	s := exSweepNow(t, env)
	if s.Expired != 1 || s.Failed != 0 {
		t.Fatalf("sweep after the end: %+v, want one expired", s)
	}
	if s := exSweepNow(t, env); s.Expired != 0 || s.Due != 0 {
		t.Errorf("second sweep: %+v, want nothing due", s)
	}
	evs := o.audit(t, o.Owner.Token, 10)
	if evs[0].Action != "member.expired" || evs[0].Target != adaID || evs[0].ActorID != "" || evs[0].After != nil {
		t.Errorf("newest audit event %+v, want member.expired of ada by no user", evs[0])
	}
	// The owner can invite her again: she is no member any more.
	if r := o.invite(t, o.Owner, map[string]any{"emails": []string{ada.Email}}); r.Status != "added" {
		t.Errorf("invite after expiry: %+v, want added", r)
	}

	if n := exReminders(t, env, ada.Email); n != 1 {
		t.Errorf("%d reminder mails, want 1", n)
	}
}

// The sweep's removal is a member.expired event: its audit item maps
// (eventbus.FromAudit, what publish-events runs on the table's stream) to
// an event valid against docs/events/member.expired.schema.json. The end
// is a few seconds ahead in real time. (GET /_local/events is not used:
// DynamoDB Local's stream sometimes answers TrimmedDataAccessException
// under the parallel tests' load, which stops the local reader.)
func TestExpiryEvent(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "expiry-event")
	ada := o.member(t, "expiry-event-ada", "member", nil, "")
	adaID := exUserID(t, env, ada)
	end := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
	env.Must(t, 200, "PATCH", o.path("/members/"+adaID), o.Owner.Token, map[string]any{"accessExpiresAt": exRFC(end)}, nil)
	time.Sleep(time.Until(end) + 100*time.Millisecond)
	if s := exSweepNow(t, env); s.Expired != 1 {
		t.Fatalf("sweep: %+v, want one expired", s)
	}
	evs := o.audit(t, o.Owner.Token, 5)
	i := slices.IndexFunc(evs, func(e mgEvent) bool { return e.Action == "member.expired" })
	if i < 0 {
		t.Fatalf("no member.expired audit event among %+v", evs)
	}
	e := evs[i]
	entry, err := eventbus.FromAudit(domain.AuditEvent{ID: e.ID, OrgID: o.ID, At: e.At, ActorID: e.ActorID, Actor: e.ActorEmail,
		Action: e.Action, Target: e.Target, Before: e.Before, After: e.After}, ada.Email)
	if err != nil {
		t.Fatal(err)
	}
	if entry.DetailType != "member.expired" {
		t.Errorf("detail-type %s", entry.DetailType)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(entry.Detail)))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileEventSchemas(t)["member.expired"].Validate(v); err != nil {
		t.Errorf("%v\n%s", err, entry.Detail)
	}
}

// Role changes set and remove ends; the bounds and the owner rule are
// enforced; a caller whose own access ends cannot give access beyond it.
func TestExpiryRoleChange(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "expiry-role")
	web := o.project(t, "Web")
	bob := o.member(t, "expiry-bob", "member", []string{web}, "member")
	bobID := exUserID(t, env, bob)
	now := time.Now().Truncate(time.Second)

	var m exMember
	env.Must(t, 200, "PATCH", o.path("/members/"+bobID), o.Owner.Token, map[string]any{"accessExpiresAt": exRFC(now.Add(72 * time.Hour))}, &m)
	if m.Role != "member" || m.AccessExpiresAt == nil || !m.AccessExpiresAt.Equal(now.Add(72*time.Hour)) {
		t.Errorf("org end: %+v", m)
	}
	env.Must(t, 200, "PATCH", o.path("/projects/"+web+"/members/"+bobID), o.Owner.Token,
		map[string]any{"role": "viewer", "accessExpiresAt": exRFC(now.Add(48 * time.Hour))}, &m)
	if m.Role != "viewer" || m.AccessExpiresAt == nil || !m.AccessExpiresAt.Equal(now.Add(48*time.Hour)) {
		t.Errorf("project end: %+v", m)
	}
	for _, bad := range []any{exRFC(now.Add(-time.Hour)), exRFC(now.Add(400 * 24 * time.Hour)), "tomorrow"} {
		mgWantField(t, env.Do(t, "PATCH", o.path("/members/"+bobID), o.Owner.Token, map[string]any{"accessExpiresAt": bad}), "accessExpiresAt")
	}
	mgWantField(t, env.Do(t, "PATCH", o.path("/members/"+bobID), o.Owner.Token, map[string]any{"role": "owner", "accessExpiresAt": exRFC(now.Add(time.Hour))}), "accessExpiresAt")
	mgWantField(t, env.Do(t, "PATCH", o.path("/members/"+bobID), o.Owner.Token, map[string]any{}), "role")

	// Two days on: the project role ended, the organization access not yet.
	env.Advance(t, "49h")
	var acc struct{ Role string }
	env.Must(t, 200, "GET", o.path("/access"), bob.Token, nil, &acc)
	wantProblem(t, env.Do(t, "GET", o.path("/projects/"+web+"/access"), bob.Token, nil), 404, "project_not_found")
	if s := exSweepNow(t, env); s.Expired != 1 {
		t.Errorf("sweep: %+v, want the project role expired", s)
	}
	if ms := exMembers(t, env, o.path("/projects/"+web+"/members"), o.Owner.Token); exFind(ms, bobID) != nil {
		t.Errorf("bob still in Web after the sweep: %+v", ms)
	}
	// null removes the organization end: bob stays.
	m = exMember{}
	env.Must(t, 200, "PATCH", o.path("/members/"+bobID), o.Owner.Token, map[string]any{"accessExpiresAt": nil}, &m)
	if m.AccessExpiresAt != nil {
		t.Errorf("after null: %+v", m)
	}
	env.Advance(t, "2d")
	env.Must(t, 200, "GET", o.path("/access"), bob.Token, nil, &acc)

	// A manager whose own access ends in 5 days grants no more than that.
	now = now.Add(97 * time.Hour)
	carl := o.member(t, "expiry-carl", "manager", nil, "")
	carlID := exUserID(t, env, carl)
	env.Must(t, 200, "PATCH", o.path("/members/"+carlID), o.Owner.Token, map[string]any{"accessExpiresAt": exRFC(now.Add(5 * 24 * time.Hour))}, nil)
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+bobID), carl.Token, map[string]any{"accessExpiresAt": exRFC(now.Add(30 * 24 * time.Hour))}), 403, "forbidden")
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+bobID), carl.Token, map[string]any{"accessExpiresAt": nil}), 403, "forbidden")
	env.Must(t, 200, "PATCH", o.path("/members/"+bobID), carl.Token, map[string]any{"accessExpiresAt": exRFC(now.Add(4 * 24 * time.Hour))}, nil)
	dan := testenv.Email("expiry-dan")
	wantProblem(t, env.Do(t, "POST", o.path("/invites"), carl.Token, map[string]any{"emails": []string{dan}}), 403, "forbidden")
	env.Must(t, 201, "POST", o.path("/invites"), carl.Token, map[string]any{"emails": []string{dan}, "accessExpiresAt": exRFC(now.Add(3 * 24 * time.Hour))}, nil)
	// An invite may not make an owner whose access ends.
	mgWantField(t, env.Do(t, "POST", o.path("/invites"), o.Owner.Token, map[string]any{"emails": []string{testenv.Email("expiry-eve")},
		"orgRole": "owner", "accessExpiresAt": exRFC(now.Add(24 * time.Hour))}), "accessExpiresAt")
}

// The sweep removes exactly the access that ended, and mails one reminder
// per end, once.
func TestExpirySweepExactlyExpired(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "expiry-sweep")
	web := o.project(t, "Web")
	now := time.Now().Truncate(time.Second)
	set := func(u testenv.User, path string, end time.Time) string {
		id := exUserID(t, env, u)
		env.Must(t, 200, "PATCH", o.path(path+id), o.Owner.Token, map[string]any{"accessExpiresAt": exRFC(end)}, nil)
		return id
	}
	x := o.member(t, "expiry-x", "member", []string{web}, "member")
	y := o.member(t, "expiry-y", "member", []string{web}, "member")
	z := o.member(t, "expiry-z", "member", nil, "")
	keep := o.member(t, "expiry-keep", "member", []string{web}, "member")
	xID := set(x, "/members/", now.Add(2*24*time.Hour))
	yID := set(y, "/projects/"+web+"/members/", now.Add(2*24*time.Hour))
	zID := set(z, "/members/", now.Add(20*24*time.Hour))
	keepID := exUserID(t, env, keep)

	if s := exSweepNow(t, env); s.Reminded != 2 || s.Expired != 0 {
		t.Errorf("first sweep: %+v, want reminders to x and y", s)
	}
	if s := exSweepNow(t, env); s.Reminded != 0 {
		t.Errorf("second sweep: %+v, want no reminder again", s)
	}
	env.Advance(t, "3d")
	if s := exSweepNow(t, env); s.Expired != 2 || s.Reminded != 0 || s.Failed != 0 {
		t.Errorf("sweep after 3 days: %+v, want x and y's project expired", s)
	}
	ms := exMembers(t, env, o.path("/members"), o.Owner.Token)
	if exFind(ms, xID) != nil || exFind(ms, yID) == nil || exFind(ms, zID) == nil || exFind(ms, keepID) == nil {
		t.Errorf("members after the sweep: %+v, want x gone, y, z and keep there", ms)
	}
	pms := exMembers(t, env, o.path("/projects/"+web+"/members"), o.Owner.Token)
	if exFind(pms, yID) != nil || exFind(pms, keepID) == nil {
		t.Errorf("Web's members after the sweep: %+v, want y gone, keep there", pms)
	}
	var expired []string
	for _, ev := range o.audit(t, o.Owner.Token, 50) {
		if ev.Action == "member.expired" {
			expired = append(expired, ev.Target)
		}
	}
	if slices.Sort(expired); !slices.Equal(expired, slices.Sorted(slices.Values([]string{xID, yID}))) {
		t.Errorf("member.expired events for %v, want x and y", expired)
	}
	env.Advance(t, "11d") // z's end is 6 days away
	if s := exSweepNow(t, env); s.Reminded != 1 || s.Expired != 0 {
		t.Errorf("sweep 6 days before z's end: %+v, want one reminder", s)
	}
	exSweepNow(t, env)
	for u, want := range map[string]int{x.Email: 1, y.Email: 1, z.Email: 1, keep.Email: 0} {
		if n := exReminders(t, env, u); n != want {
			t.Errorf("%s got %d reminders, want %d", u, n, want)
		}
	}
}

// A join request approved with accessExpiresAt gives access until then;
// an expired member who joins by domain again starts afresh.
func TestExpiryJoinApproval(t *testing.T) {
	t.Parallel()
	e, _, dns := domainEnv(t)
	owner, orgID := newOrg(t, e, "expiry-join-owner")
	name := newDomainName()
	addVerifiedDomain(t, e, dns, owner.Token, orgID, name)
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "request"}, nil)
	ada := e.SignIn(t, "ada-"+randHex(3)+"@"+name)
	var r struct{ Request struct{ ID string } }
	e.Must(t, 202, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, &r)
	end := time.Now().Add(3 * 24 * time.Hour).Truncate(time.Second)
	base := "/orgs/" + orgID + "/join-requests/" + r.Request.ID
	mgWantField(t, e.Do(t, "POST", base+"/approve", owner.Token, map[string]any{"accessExpiresAt": "soon"}), "accessExpiresAt")
	e.Must(t, 200, "POST", base+"/approve", owner.Token, map[string]any{"accessExpiresAt": exRFC(end)}, nil)
	var acc struct {
		AccessExpiresAt *time.Time `json:"accessExpiresAt"`
	}
	e.Must(t, 200, "GET", "/orgs/"+orgID+"/access", ada.Token, nil, &acc)
	if acc.AccessExpiresAt == nil || !acc.AccessExpiresAt.Equal(end) {
		t.Errorf("access after approval %+v, want until %v", acc, end)
	}
	e.Advance(t, "4d")
	wantProblem(t, e.Do(t, "GET", "/orgs/"+orgID+"/access", ada.Token, nil), 404, "org_not_found")
	var me meJSON
	e.Must(t, 200, "GET", "/me", ada.Token, nil, &me)
	if len(me.Orgs) != 0 || len(me.SuggestedOrgs) != 1 || me.SuggestedOrgs[0].ID != orgID {
		t.Errorf("/me after the end: %+v, want the organization suggested again", me)
	}
	// Asking again is a new request, not "already a member".
	var again struct{ Status string }
	e.Must(t, 202, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, &again)
	if again.Status != "requested" {
		t.Errorf("join after expiry: %+v, want requested", again)
	}
}

// The sweep's removal frees the expired member's seat (the seat counter
// rides in the same membership change), so the seat limit lets someone
// else in; until the sweep runs, the seat stays taken.
func TestExpiryFreesSeat(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "expiry-seats")
	guest := o.member(t, "expiry-seat-guest", "member", nil, "")
	guestID := exUserID(t, env, guest)
	env.Must(t, 200, "PATCH", o.path("/members/"+guestID), o.Owner.Token, map[string]any{"accessExpiresAt": exRFC(time.Now().Add(24 * time.Hour))}, nil)
	o.setSeats(t, map[string]any{"seatLimit": 2})
	next := env.SignIn(t, testenv.Email("expiry-seat-next"))
	env.Must(t, 200, "GET", "/me", next.Token, nil, nil)
	if r := o.invite(t, o.Owner, map[string]any{"emails": []string{next.Email}}); r.Status != "failed" || r.Error == nil || r.Error.Code != "seat_limit" {
		t.Fatalf("invite with no free seat: %+v, want failed seat_limit", r)
	}
	env.Advance(t, "25h")
	if s := exSweepNow(t, env); s.Expired != 1 {
		t.Fatalf("sweep: %+v", s)
	}
	wantSeats(t, "after the sweep", o.seats(t, o.Owner.Token), 1, 1, 0)
	if r := o.invite(t, o.Owner, map[string]any{"emails": []string{next.Email}}); r.Status != "added" {
		t.Errorf("invite after the seat was freed: %+v", r)
	}
}

// An invite link carries accessExpiresAt onto the membership; once that
// access ended, the same person joins again through a link (before the
// sweep removed the old membership) instead of being "a member already".
func TestExpiryInviteLink(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "expiry-link")
	end := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	guests := o.link(t, o.Owner, map[string]any{"orgRole": "member", "accessExpiresAt": exRFC(end)})
	ada := env.SignIn(t, testenv.Email("expiry-link-ada"))
	var j linkJoined
	env.Must(t, 200, "POST", "/invite-links/join", ada.Token, map[string]string{"token": guests.token(t)}, &j)
	var acc struct {
		AccessExpiresAt *time.Time `json:"accessExpiresAt"`
	}
	env.Must(t, 200, "GET", o.path("/access"), ada.Token, nil, &acc)
	if acc.AccessExpiresAt == nil || !acc.AccessExpiresAt.Equal(end) {
		t.Fatalf("access through the link %+v, want until %v", acc, end)
	}
	env.Advance(t, "3d")
	wantProblem(t, env.Do(t, "GET", o.path("/access"), ada.Token, nil), 404, "org_not_found")
	again := o.link(t, o.Owner, map[string]any{"orgRole": "member"})
	env.Must(t, 200, "POST", "/invite-links/join", ada.Token, map[string]string{"token": again.token(t)}, &j)
	if !j.Joined {
		t.Errorf("join after the end: %+v, want joined", j)
	}
	acc.AccessExpiresAt = nil
	env.Must(t, 200, "GET", o.path("/access"), ada.Token, nil, &acc)
	if acc.AccessExpiresAt != nil {
		t.Errorf("access after joining again %+v, want no end", acc)
	}
}
