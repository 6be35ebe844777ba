package integration

// Invite management and member administration (issue 3), driven over HTTP
// through the local API Gateway against DynamoDB Local and the SES emulator.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/members-saas/members/tests/testenv"
)

func TestManageListInvites(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Acme")
	web := o.project(t, "Web")
	ann, annID := o.pending(t, "ann", nil)
	bob, bobID := o.pending(t, "bob", map[string]any{"projectIds": []string{web}, "projectRole": "member", "expiresInDays": 3})

	raw := env.Must(t, 200, "GET", o.path("/invites"), o.Owner.Token, nil, nil)
	if !bytes.Contains(raw.Body, []byte(`"nextCursor":null`)) {
		t.Errorf("nextCursor is not null at the end: %s", raw.Body)
	}
	if !bytes.Contains(raw.Body, []byte(`"projects":[]`)) || bytes.Contains(raw.Body, []byte(`"projectRole"`)) || bytes.Contains(raw.Body, []byte(`"projectIds"`)) {
		t.Errorf("an invite without projects should have projects [] and no projectRole or projectIds: %s", raw.Body)
	}
	var def invitePage
	raw.JSON(t, &def)
	mgSameSet(t, "default (pending) list", mgIDs(def.Invites), []string{annID, bobID})
	for _, inv := range def.Invites {
		if inv.Status != "pending" || inv.Delivery != "sent" || inv.OrgRole != "member" || inv.InvitedBy != o.Owner.Email {
			t.Errorf("invite %+v: want pending, sent, member, invited by %s", inv, o.Owner.Email)
		}
		if inv.CreatedAt.IsZero() || time.Since(inv.CreatedAt).Abs() > time.Minute {
			t.Errorf("createdAt %v is not about now", inv.CreatedAt)
		}
		switch inv.ID {
		case annID:
			if inv.Email != ann || len(inv.Projects) != 0 {
				t.Errorf("ann's invite: %+v", inv)
			}
			if got := inv.ExpiresAt.Sub(inv.CreatedAt); got != 7*24*time.Hour {
				t.Errorf("ann's invite lasts %v, want 7 days", got)
			}
		case bobID:
			if inv.Email != bob || !slices.Equal(inv.Projects, []inviteProject{{ID: web, Name: "Web", Role: "member"}}) {
				t.Errorf("bob's invite: %+v", inv)
			}
			if got := inv.ExpiresAt.Sub(inv.CreatedAt); got != 3*24*time.Hour {
				t.Errorf("bob's invite lasts %v, want 3 days", got)
			}
		}
	}

	mgSameSet(t, "status=pending", mgIDs(o.invites(t, o.Owner.Token, "status=pending").Invites), []string{annID, bobID})
	mgSameSet(t, "status=all", mgIDs(o.invites(t, o.Owner.Token, "status=all").Invites), []string{annID, bobID})
	mgSameSet(t, "status=expired", mgIDs(o.invites(t, o.Owner.Token, "status=expired").Invites), nil)
	mgSameSet(t, "status=failed", mgIDs(o.invites(t, o.Owner.Token, "status=failed").Invites), nil)

	for _, q := range []string{"status=accepted", "status=revoked", "status=PENDING", "status=x"} {
		mgWantField(t, env.Do(t, "GET", o.path("/invites?"+q), o.Owner.Token, nil), "status")
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=two", "limit=-1"} {
		mgWantField(t, env.Do(t, "GET", o.path("/invites?"+q), o.Owner.Token, nil), "limit")
	}
	wantProblem(t, env.Do(t, "GET", o.path("/invites"), "", nil), 401, "unauthorized")
}

func TestManageListInvitesPaging(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Paging")
	var emails []string
	for i := range 5 {
		emails = append(emails, testenv.Email(fmt.Sprintf("page%d", i)))
	}
	var out struct{ Results []inviteResult }
	env.Must(t, 201, "POST", o.path("/invites"), o.Owner.Token, map[string]any{"emails": emails}, &out)
	byEmail := map[string]string{}
	for _, r := range out.Results {
		byEmail[r.Email] = r.InviteID
	}

	all := mgIDs(o.invites(t, o.Owner.Token, "limit=100").Invites)
	if len(all) != 5 {
		t.Fatalf("%d invites listed, want 5", len(all))
	}
	// Pages of 2: 2, 2, 1, in the order of the full list, null cursor at the end.
	pages := o.invitePages(t, o.Owner.Token, "", 2)
	paged := mgIDs(allItems(pages))
	var sizes []int
	for _, p := range pages {
		sizes = append(sizes, len(p.Items))
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) || !slices.Equal(paged, all) {
		t.Fatalf("pages %v of %v, want sizes [2 2 1] in the order %v", sizes, paged, all)
	}
	first := *pages[0].Next
	if again := o.inviteIDs(t, o.Owner.Token, "", 2); !slices.Equal(again, all) {
		t.Fatalf("second walk %v, want the same order %v", again, all)
	}
	// A page that ends exactly at the last invite has a null cursor.
	if p := o.invites(t, o.Owner.Token, "limit=5"); p.NextCursor != nil || len(p.Invites) != 5 {
		t.Fatalf("limit=5 of 5: %d invites, cursor %v; want 5 and null", len(p.Invites), p.NextCursor)
	}

	// Tampered cursors, and cursors from another list, are 400.
	tampered := []byte(first)
	tampered[0] ^= 1
	var membersCursor memberPage
	o.member(t, "m1", "member", nil, "")
	env.Must(t, 200, "GET", o.path("/members?limit=1"), o.Owner.Token, nil, &membersCursor)
	if membersCursor.NextCursor == nil {
		t.Fatal("members list of 2 with limit 1 has no cursor")
	}
	for name, q := range map[string]url.Values{
		"tampered":      {"cursor": {string(tampered)}},
		"truncated":     {"cursor": {first[:len(first)-2]}},
		"garbage":       {"cursor": {"not-a-cursor"}},
		"other status":  {"cursor": {first}, "status": {"all"}},
		"members list":  {"cursor": {*membersCursor.NextCursor}},
		"signature cut": {"cursor": {strings.SplitN(first, ".", 2)[0]}},
	} {
		r := env.Do(t, "GET", o.path("/invites?"+q.Encode()), o.Owner.Token, nil)
		if r.Status != 400 {
			t.Errorf("%s cursor: status %d, want 400: %s", name, r.Status, r.Body)
			continue
		}
		mgWantField(t, r, "cursor")
	}
	// A cursor of one organization is refused by another.
	o2 := mgNewOrg(t, env, "Other")
	mgWantField(t, env.Do(t, "GET", o2.path("/invites?cursor="+url.QueryEscape(first)), o2.Owner.Token, nil), "cursor")

	// Accepted and revoked invites are not listed, whatever the status.
	accepted, revoked := emails[1], emails[3]
	u := env.SignIn(t, accepted)
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": env.LastInviteToken(t, accepted)}, nil)
	env.Must(t, 204, "DELETE", o.path("/invites/"+byEmail[revoked]), o.Owner.Token, nil, nil)
	var left []string
	for _, id := range all {
		if id != byEmail[accepted] && id != byEmail[revoked] {
			left = append(left, id)
		}
	}
	for _, st := range []string{"pending", "all", ""} {
		if got := o.inviteIDs(t, o.Owner.Token, st, 2); !slices.Equal(got, left) {
			t.Errorf("status %q after accept and revoke: %v, want %v", st, got, left)
		}
	}
	if got := o.inviteIDs(t, o.Owner.Token, "expired", 2); len(got) != 0 {
		t.Errorf("expired: %v, want none", got)
	}
}

func TestManageListInvitesScope(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Scope")
	p1, p2 := o.project(t, "P1"), o.project(t, "P2")
	po := o.member(t, "po", "member", []string{p1}, "owner")
	pm := o.member(t, "pm", "member", []string{p1}, "member")
	user := o.member(t, "user", "member", nil, "") // an org member in no project

	_, orgOnly := o.pending(t, "orgonly", nil)
	_, onP1 := o.pending(t, "onp1", map[string]any{"projectIds": []string{p1}, "projectRole": "member"})
	_, onP2 := o.pending(t, "onp2", map[string]any{"projectIds": []string{p2}, "projectRole": "member"})
	_, onBoth := o.pending(t, "onboth", map[string]any{"projectIds": []string{p2, p1}, "projectRole": "owner"})
	_, ownerOnP1 := o.pending(t, "owneronp1", map[string]any{"orgRole": "owner", "projectIds": []string{p1}, "projectRole": "member"})

	mgSameSet(t, "org owner", o.inviteIDs(t, o.Owner.Token, "all", 100), []string{orgOnly, onP1, onP2, onBoth, ownerOnP1})
	// Project owners see the invites touching only their projects (onBoth
	// also touches P2).
	mgSameSet(t, "project owner of P1", o.inviteIDs(t, po.Token, "all", 100), []string{onP1, ownerOnP1})
	mgSameSet(t, "project owner of P1, pages of 1", o.inviteIDs(t, po.Token, "pending", 1), []string{onP1, ownerOnP1})

	wantProblem(t, env.Do(t, "GET", o.path("/invites"), pm.Token, nil), 403, "forbidden")
	wantProblem(t, env.Do(t, "GET", o.path("/invites"), user.Token, nil), 403, "forbidden")
	outsider := env.SignIn(t, testenv.Email("outsider"))
	wantProblem(t, env.Do(t, "GET", o.path("/invites"), outsider.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "GET", "/orgs/org_00000000000000000000000000/invites", o.Owner.Token, nil), 404, "org_not_found")
}

func TestManageExpiryThroughLocalClock(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Clock")
	var emails, ids []string
	for i, days := range []int{1, 7, 1, 7, 1} {
		e, id := o.pending(t, fmt.Sprintf("clock%d", i), map[string]any{"expiresInDays": days})
		emails, ids = append(emails, e), append(ids, id)
	}
	short, long := emails[0], emails[1]
	shortTok, longTok := env.LastInviteToken(t, short), env.LastInviteToken(t, long)
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": shortTok}, nil)
	before := o.invites(t, o.Owner.Token, "status=all")
	var shortExp time.Time
	for _, inv := range before.Invites {
		if inv.ID == ids[0] {
			shortExp = inv.ExpiresAt
		}
	}

	env.Advance(t, "25h")

	// The list's status follows the clock, and filtering pages correctly.
	if got := o.inviteIDs(t, o.Owner.Token, "expired", 2); !slices.Equal(got, []string{ids[0], ids[2], ids[4]}) {
		t.Fatalf("expired: %v, want %v", got, []string{ids[0], ids[2], ids[4]})
	}
	if got := o.inviteIDs(t, o.Owner.Token, "pending", 1); !slices.Equal(got, []string{ids[1], ids[3]}) {
		t.Fatalf("pending: %v, want %v", got, []string{ids[1], ids[3]})
	}
	if got := o.inviteIDs(t, o.Owner.Token, "", 100); !slices.Equal(got, []string{ids[1], ids[3]}) {
		t.Fatalf("default: %v, want the pending ones %v", got, []string{ids[1], ids[3]})
	}
	for _, inv := range o.invites(t, o.Owner.Token, "status=all").Invites {
		want := "pending"
		if inv.ID == ids[0] || inv.ID == ids[2] || inv.ID == ids[4] {
			want = "expired"
		}
		if inv.Status != want {
			t.Errorf("invite %s status %q, want %q", inv.Email, inv.Status, want)
		}
	}

	// Preview and accept answer 410 for the expired invite, not for the other.
	wantProblem(t, env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": shortTok}), 410, "invite_expired")
	su := env.SignIn(t, short)
	wantProblem(t, env.Do(t, "POST", "/invites/accept", su.Token, map[string]string{"token": shortTok}), 410, "invite_expired")
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": longTok}, nil)

	// Resend revives it: pending again, a day from the shifted now.
	var inv inviteView
	env.Must(t, 200, "POST", o.path("/invites/"+ids[0]+"/resend"), o.Owner.Token, nil, &inv)
	if inv.Status != "pending" || inv.ID != ids[0] {
		t.Fatalf("resent: %+v, want pending %s", inv, ids[0])
	}
	if d := inv.ExpiresAt.Sub(shortExp); d < 25*time.Hour-time.Minute || d > 26*time.Hour {
		t.Fatalf("resent expiry moved by %v, want about 25h (one day from the shifted clock)", d)
	}
	if got := o.inviteIDs(t, o.Owner.Token, "expired", 100); !slices.Equal(got, []string{ids[2], ids[4]}) {
		t.Fatalf("expired after resend: %v", got)
	}
	wantProblem(t, env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": shortTok}), 404, "invite_not_found")
	newTok := env.LastInviteToken(t, short)
	var pv struct {
		ExpiresAt time.Time `json:"expiresAt"`
	}
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": newTok}, &pv)
	if !pv.ExpiresAt.Equal(inv.ExpiresAt) {
		t.Errorf("preview expiresAt %v, want %v", pv.ExpiresAt, inv.ExpiresAt)
	}
	env.Must(t, 200, "POST", "/invites/accept", su.Token, map[string]string{"token": newTok}, nil)
	if mgFind(o.members(t, o.Owner.Token), su.ID) == nil {
		t.Fatal("the revived invite's invitee is not a member")
	}

	// An expired invite can be revoked like a pending one.
	env.Must(t, 204, "DELETE", o.path("/invites/"+ids[2]), o.Owner.Token, nil, nil)
	if got := o.inviteIDs(t, o.Owner.Token, "expired", 100); !slices.Equal(got, []string{ids[4]}) {
		t.Fatalf("expired after revoking one: %v", got)
	}

	// Past the long invite's expiry too.
	env.Advance(t, "7d")
	wantProblem(t, env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": longTok}), 410, "invite_expired")
	lu := env.SignIn(t, long)
	wantProblem(t, env.Do(t, "POST", "/invites/accept", lu.Token, map[string]string{"token": longTok}), 410, "invite_expired")
	if got := o.inviteIDs(t, o.Owner.Token, "pending", 100); len(got) != 0 {
		t.Fatalf("pending after 8 days: %v, want none", got)
	}
}

func TestManageFailedDelivery(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, testenv.Options{SESEndpoint: "http://127.0.0.1:1"})
	o := mgNewOrg(t, env, "NoMail")
	email := testenv.Email("unlucky")
	r := o.invite(t, o.Owner, map[string]any{"emails": []string{email}})
	if r.Status != "invited" || r.Delivery != "failed" || r.InviteID == "" {
		t.Fatalf("invite with SES down: %+v, want invited with delivery failed", r)
	}
	_, sentOK := o.pending(t, "alsounlucky", nil) // also failed: SES is down for everyone

	failed := o.invites(t, o.Owner.Token, "status=failed")
	mgSameSet(t, "failed", mgIDs(failed.Invites), []string{r.InviteID, sentOK})
	for _, inv := range failed.Invites {
		if inv.Delivery != "failed" || inv.Status != "pending" {
			t.Errorf("failed invite %+v: want delivery failed, status pending", inv)
		}
	}
	mgSameSet(t, "pending", mgIDs(o.invites(t, o.Owner.Token, "").Invites), []string{r.InviteID, sentOK})

	// Resending while SES is still down keeps it, still failed.
	var inv inviteView
	env.Must(t, 200, "POST", o.path("/invites/"+r.InviteID+"/resend"), o.Owner.Token, nil, &inv)
	if inv.Delivery != "failed" || inv.Status != "pending" {
		t.Fatalf("resend with SES down: %+v", inv)
	}

	// SES is back (a second server over the same table, mailing the emulator).
	twin := mgTwin(t, env)
	owner := twin.SignIn(t, o.Owner.Email)
	if owner.ID != o.Owner.ID {
		t.Fatalf("twin user id %s, want %s", owner.ID, o.Owner.ID)
	}
	var again inviteView
	twin.Must(t, 200, "POST", o.path("/invites/"+r.InviteID+"/resend"), owner.Token, nil, &again)
	if again.Delivery != "sent" || again.Status != "pending" {
		t.Fatalf("resend with SES back: %+v, want delivery sent", again)
	}
	var p invitePage
	twin.Must(t, 200, "GET", o.path("/invites?status=failed"), owner.Token, nil, &p)
	mgSameSet(t, "failed after resend", mgIDs(p.Invites), []string{sentOK})
	if links := twin.InviteLinks(t, email); len(links) != 1 {
		t.Fatalf("%d mails reached the inbox, want 1 (the resend)", len(links))
	}
	u := twin.SignIn(t, email)
	twin.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": twin.LastInviteToken(t, email)}, nil)
}

func TestManageRevokeInvite(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Revoke")
	email, id := o.pending(t, "rev", nil)
	tok := env.LastInviteToken(t, email)
	invitee := env.SignIn(t, email)

	r := env.Must(t, 204, "DELETE", o.path("/invites/"+id), o.Owner.Token, nil, nil)
	if len(r.Body) != 0 {
		t.Errorf("204 with a body: %s", r.Body)
	}
	wantProblem(t, env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": tok}), 404, "invite_not_found")
	wantProblem(t, env.Do(t, "POST", "/invites/accept", invitee.Token, map[string]string{"token": tok}), 404, "invite_not_found")
	wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+id), o.Owner.Token, nil), 404, "invite_not_found")
	wantProblem(t, env.Do(t, "POST", o.path("/invites/"+id+"/resend"), o.Owner.Token, nil), 404, "invite_not_found")
	if got := o.inviteIDs(t, o.Owner.Token, "all", 100); len(got) != 0 {
		t.Fatalf("revoked invite still listed: %v", got)
	}
	if mgFind(o.members(t, o.Owner.Token), invitee.ID) != nil {
		t.Fatal("revoked invitee became a member")
	}
	// The address can be invited afresh.
	if again := o.invite(t, o.Owner, map[string]any{"emails": []string{email}}); again.Status != "invited" || again.InviteID == id {
		t.Fatalf("re-invite after revoke: %+v", again)
	}

	for _, bad := range []string{"inv_00000000000000000000000000", "nope", "inv_" + strings.Repeat("z", 26)} {
		wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+bad), o.Owner.Token, nil), 404, "invite_not_found")
		wantProblem(t, env.Do(t, "POST", o.path("/invites/"+bad+"/resend"), o.Owner.Token, nil), 404, "invite_not_found")
	}

	// An invite of another organization is not found through this one, even
	// for a caller who owns both.
	_, otherID := o.pending(t, "other", nil)
	var o2 struct{ ID string }
	env.Must(t, 201, "POST", "/orgs", o.Owner.Token, map[string]string{"name": "Second"}, &o2)
	wantProblem(t, env.Do(t, "DELETE", "/orgs/"+o2.ID+"/invites/"+otherID, o.Owner.Token, nil), 404, "invite_not_found")
	wantProblem(t, env.Do(t, "POST", "/orgs/"+o2.ID+"/invites/"+otherID+"/resend", o.Owner.Token, nil), 404, "invite_not_found")
	o3 := mgNewOrg(t, env, "Third")
	_, thirdID := o3.pending(t, "third", nil)
	wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+thirdID), o.Owner.Token, nil), 404, "invite_not_found")
	wantProblem(t, env.Do(t, "DELETE", o3.path("/invites/"+otherID), o.Owner.Token, nil), 404, "org_not_found")
	if got := o3.inviteIDs(t, o3.Owner.Token, "", 100); !slices.Equal(got, []string{thirdID}) {
		t.Fatalf("third org's invites: %v", got)
	}

	// Accepted: 409 on revoke and on resend.
	acc, accID := o.pending(t, "acc", nil)
	au := env.SignIn(t, acc)
	env.Must(t, 200, "POST", "/invites/accept", au.Token, map[string]string{"token": env.LastInviteToken(t, acc)}, nil)
	wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+accID), o.Owner.Token, nil), 409, "invite_already_accepted")
	wantProblem(t, env.Do(t, "POST", o.path("/invites/"+accID+"/resend"), o.Owner.Token, nil), 409, "invite_already_accepted")

	// Wrong role and no membership.
	user := o.member(t, "plain", "member", nil, "")
	wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+otherID), user.Token, nil), 403, "forbidden")
	wantProblem(t, env.Do(t, "POST", o.path("/invites/"+otherID+"/resend"), user.Token, nil), 403, "forbidden")
	outsider := env.SignIn(t, testenv.Email("outsider"))
	wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+otherID), outsider.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+otherID), "", nil), 401, "unauthorized")
	// Still usable after all those refusals.
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": env.LastInviteToken(t, emailOf(t, o, otherID))}, nil)
}

// emailOf returns the address of an open invite.
func emailOf(t *testing.T, o *mgOrg, inviteID string) string {
	t.Helper()
	for _, inv := range o.invites(t, o.Owner.Token, "status=all&limit=100").Invites {
		if inv.ID == inviteID {
			return inv.Email
		}
	}
	t.Fatalf("invite %s not listed", inviteID)
	return ""
}

func TestManageInvitesAsProjectOwner(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "ProjOwner")
	p1, p2 := o.project(t, "P1"), o.project(t, "P2")
	po := o.member(t, "po", "member", []string{p1}, "owner")
	pm := o.member(t, "pm", "member", []string{p1}, "member")

	_, onP1 := o.pending(t, "onp1", map[string]any{"projectIds": []string{p1}, "projectRole": "member"})
	_, onP1b := o.pending(t, "onp1b", map[string]any{"projectIds": []string{p1}, "projectRole": "owner"})
	_, ownerRole := o.pending(t, "ownerrole", map[string]any{"orgRole": "owner", "projectIds": []string{p1}, "projectRole": "member"})
	_, onBoth := o.pending(t, "onboth", map[string]any{"projectIds": []string{p1, p2}, "projectRole": "member"})
	_, onP2 := o.pending(t, "onp2", map[string]any{"projectIds": []string{p2}, "projectRole": "member"})
	_, orgOnly := o.pending(t, "orgonly", nil)
	own := o.invite(t, po, map[string]any{"emails": []string{testenv.Email("byPO")}, "projectIds": []string{p1}, "projectRole": "member"})
	if own.Status != "invited" {
		t.Fatalf("project owner's invite: %+v", own)
	}

	// A plain project member can manage nothing.
	wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+onP1), pm.Token, nil), 403, "forbidden")
	wantProblem(t, env.Do(t, "POST", o.path("/invites/"+onP1+"/resend"), pm.Token, nil), 403, "forbidden")

	// Invites the project owner could have sent.
	var inv inviteView
	env.Must(t, 200, "POST", o.path("/invites/"+onP1b+"/resend"), po.Token, nil, &inv)
	if inv.ID != onP1b || inv.Delivery != "sent" {
		t.Fatalf("resend by project owner: %+v", inv)
	}
	env.Must(t, 204, "DELETE", o.path("/invites/"+onP1), po.Token, nil, nil)
	env.Must(t, 204, "DELETE", o.path("/invites/"+own.InviteID), po.Token, nil, nil)

	// Touching only their project, but beyond their power: 403.
	for _, id := range []string{ownerRole} {
		wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+id), po.Token, nil), 403, "forbidden")
		wantProblem(t, env.Do(t, "POST", o.path("/invites/"+id+"/resend"), po.Token, nil), 403, "forbidden")
	}
	// Not touching only their projects: as if it did not exist.
	for _, id := range []string{onBoth, onP2, orgOnly} {
		wantProblem(t, env.Do(t, "DELETE", o.path("/invites/"+id), po.Token, nil), 404, "invite_not_found")
		wantProblem(t, env.Do(t, "POST", o.path("/invites/"+id+"/resend"), po.Token, nil), 404, "invite_not_found")
	}
	mgSameSet(t, "left", o.inviteIDs(t, o.Owner.Token, "all", 100), []string{onP1b, ownerRole, onBoth, onP2, orgOnly})
}

func TestManageResendInvite(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Resend")
	web := o.project(t, "Web")
	email, id := o.pending(t, "res", map[string]any{"projectIds": []string{web}, "projectRole": "owner", "expiresInDays": 2})
	first := o.invites(t, o.Owner.Token, "").Invites[0]
	tok1 := env.LastInviteToken(t, email)

	env.Advance(t, "1h")
	var inv inviteView
	env.Must(t, 200, "POST", o.path("/invites/"+id+"/resend"), o.Owner.Token, nil, &inv)
	if inv.ID != id || inv.Email != email || inv.Status != "pending" || inv.Delivery != "sent" ||
		inv.OrgRole != "member" || !slices.Equal(inv.Projects, []inviteProject{{ID: web, Name: "Web", Role: "owner"}}) ||
		inv.InvitedBy != o.Owner.Email || !inv.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("resent invite %+v, first %+v", inv, first)
	}
	if d := inv.ExpiresAt.Sub(first.ExpiresAt); d < time.Hour || d > time.Hour+time.Minute {
		t.Fatalf("expiry moved by %v, want about 1h (restarted from the shifted clock)", d)
	}
	if listed := o.invites(t, o.Owner.Token, "").Invites; len(listed) != 1 || !listed[0].ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("listed after resend: %+v", listed)
	}

	links := env.InviteLinks(t, email)
	if len(links) != 2 || links[0] != tok1 || links[1] == tok1 {
		t.Fatalf("inbox tokens %v, want the first and a new one", links)
	}
	tok2 := links[1]
	u := env.SignIn(t, email)
	wantProblem(t, env.Do(t, "POST", "/invites/preview", "", map[string]string{"token": tok1}), 404, "invite_not_found")
	wantProblem(t, env.Do(t, "POST", "/invites/accept", u.Token, map[string]string{"token": tok1}), 404, "invite_not_found")
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": tok2}, nil)
	var acc struct {
		OrgID    string
		OrgRole  string
		Projects []struct{ ID, Role string }
	}
	env.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": tok2}, &acc)
	if acc.OrgID != o.ID || acc.OrgRole != "member" || len(acc.Projects) != 1 || acc.Projects[0].Role != "owner" {
		t.Fatalf("accepted: %+v", acc)
	}
	wantProblem(t, env.Do(t, "POST", o.path("/invites/"+id+"/resend"), o.Owner.Token, nil), 409, "invite_already_accepted")
	if n := len(env.InviteLinks(t, email)); n != 2 {
		t.Fatalf("%d invite mails after a refused resend, want 2", n)
	}

	// Body: none or {} is fine, anything else is not.
	_, id2 := o.pending(t, "res2", nil)
	env.Must(t, 200, "POST", o.path("/invites/"+id2+"/resend"), o.Owner.Token, map[string]any{}, nil)
	r := env.Do(t, "POST", o.path("/invites/"+id2+"/resend"), o.Owner.Token, map[string]any{"expiresInDays": 3})
	wantProblem(t, r, 400, "")
	outsider := env.SignIn(t, testenv.Email("outsider"))
	wantProblem(t, env.Do(t, "POST", o.path("/invites/"+id2+"/resend"), outsider.Token, nil), 404, "org_not_found")
}

func TestManageSetOrgRole(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Roles")
	b := o.member(t, "bea", "member", nil, "")
	c := o.member(t, "cal", "member", nil, "")

	var m member
	env.Must(t, 200, "PATCH", o.path("/members/"+b.ID), o.Owner.Token, map[string]string{"role": "owner"}, &m)
	if m.UserID != b.ID || m.Email != b.Email || m.Role != "owner" || m.JoinedAt.IsZero() {
		t.Fatalf("promoted: %+v", m)
	}
	if got := mgFind(o.members(t, c.Token), b.ID); got == nil || got.Role != "owner" || !got.JoinedAt.Equal(m.JoinedAt) {
		t.Fatalf("members list after promotion: %+v", got)
	}
	// Setting the role it has is a no-op 200.
	env.Must(t, 200, "PATCH", o.path("/members/"+b.ID), o.Owner.Token, map[string]string{"role": "owner"}, &m)

	// Two owners: one may demote the other, then the last one is stuck.
	env.Must(t, 200, "PATCH", o.path("/members/"+o.Owner.ID), b.Token, map[string]string{"role": "member"}, &m)
	if m.Role != "member" {
		t.Fatalf("demoted: %+v", m)
	}
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+b.ID), b.Token, map[string]string{"role": "member"}), 409, "last_owner")
	if ms := o.members(t, b.Token); mgOwners(ms) != 1 || mgFind(ms, b.ID).Role != "owner" {
		t.Fatalf("after refused demotion: %+v", ms)
	}
	// The former owner has no say any more.
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+c.ID), o.Owner.Token, map[string]string{"role": "owner"}), 403, "forbidden")
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+o.Owner.ID), o.Owner.Token, map[string]string{"role": "owner"}), 403, "forbidden")
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+b.ID), c.Token, map[string]string{"role": "member"}), 403, "forbidden")

	// Unknown member, bad bodies, outsiders.
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/usr_nobody"), b.Token, map[string]string{"role": "member"}), 404, "member_not_found")
	outsider := env.SignIn(t, testenv.Email("outsider"))
	env.Must(t, 200, "GET", "/me", outsider.Token, nil, nil)
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+outsider.ID), b.Token, map[string]string{"role": "member"}), 404, "member_not_found")
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+c.ID), outsider.Token, map[string]string{"role": "owner"}), 404, "org_not_found")
	for _, body := range []any{map[string]string{"role": "admin"}, map[string]string{"role": "user"}, map[string]string{"role": ""}, map[string]any{}} {
		mgWantField(t, env.Do(t, "PATCH", o.path("/members/"+c.ID), b.Token, body), "role")
	}
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+c.ID), b.Token, map[string]any{"role": "owner", "x": 1}), 400, "invalid_request")
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+c.ID), b.Token, nil), 400, "invalid_request")
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+c.ID), "", map[string]string{"role": "owner"}), 401, "unauthorized")

	// A promoted member is an owner everywhere: /me says so and they can act.
	env.Must(t, 200, "PATCH", o.path("/members/"+c.ID), b.Token, map[string]string{"role": "owner"}, nil)
	me := mgMeOf(t, env, c)
	if len(me.Orgs) != 1 || me.Orgs[0].ID != o.ID || me.Orgs[0].Role != "owner" {
		t.Fatalf("/me of the promoted member: %+v", me.Orgs)
	}
	env.Must(t, 200, "PATCH", o.path("/members/"+b.ID), c.Token, map[string]string{"role": "member"}, nil)
	wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+c.ID), c.Token, map[string]string{"role": "member"}), 409, "last_owner")
}

// mgCall is a goroutine-safe request (no testing.T): status and body.
func mgCall(env *testenv.Env, method, path, token string, body any) (int, string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, env.BaseURL+path, rd)
	if err != nil {
		return 0, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

type mgReq struct {
	method, path, token string
	body                any
}

// mgRace sends the requests at once and returns their statuses and bodies.
func mgRace(t *testing.T, env *testenv.Env, reqs ...mgReq) ([]int, []string) {
	t.Helper()
	statuses, bodies, errs := make([]int, len(reqs)), make([]string, len(reqs)), make([]error, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Go(func() {
			<-start
			statuses[i], bodies[i], errs[i] = mgCall(env, r.method, r.path, r.token, r.body)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return statuses, bodies
}

func TestManageConcurrentLastOwner(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	const rounds = 5
	user := map[string]string{"role": "member"}
	mutual409 := 0
	for round := range rounds {
		o := mgNewOrg(t, env, fmt.Sprintf("Race%d", round))
		b := o.member(t, "b", "owner", nil, "")
		a := o.Owner

		// Two owners demote each other at once: exactly one wins. The loser
		// gets 409 last_owner (the store's condition) or, when the winner
		// committed before its own check, 403 (no longer an owner).
		st, bodies := mgRace(t, env,
			mgReq{"PATCH", o.path("/members/" + b.ID), a.Token, user},
			mgReq{"PATCH", o.path("/members/" + a.ID), b.Token, user})
		slices.Sort(st)
		if st[0] != 200 || (st[1] != 409 && st[1] != 403) {
			t.Fatalf("round %d, mutual demotion: statuses %v (%v), want one 200 and one 409 or 403", round, st, bodies)
		}
		if st[1] == 409 {
			mutual409++
			if !strings.Contains(bodies[0]+bodies[1], `"last_owner"`) {
				t.Fatalf("409 without last_owner: %v", bodies)
			}
		}
		// soleOwner checks that one of a and b is still owner after what,
		// and returns it first, then the other.
		soleOwner := func(what string) (owner, other testenv.User) {
			ms := o.members(t, a.Token)
			if mgOwners(ms) != 1 {
				t.Fatalf("round %d: %d owners after %s: %+v", round, mgOwners(ms), what, ms)
			}
			if mgFind(ms, a.ID).Role != "owner" {
				return b, a
			}
			return a, b
		}
		owner, other := soleOwner("mutual demotion")

		// Each owner demotes themself at once: both always pass their own
		// checks, so only the store's condition can stop the second.
		env.Must(t, 200, "PATCH", o.path("/members/"+other.ID), owner.Token, map[string]string{"role": "owner"}, nil)
		st, bodies = mgRace(t, env,
			mgReq{"PATCH", o.path("/members/" + a.ID), a.Token, user},
			mgReq{"PATCH", o.path("/members/" + b.ID), b.Token, user})
		slices.Sort(st)
		if !slices.Equal(st, []int{200, 409}) || !strings.Contains(bodies[0]+bodies[1], `"last_owner"`) {
			t.Fatalf("round %d, self demotion: statuses %v (%v), want 200 and 409 last_owner", round, st, bodies)
		}
		owner, other = soleOwner("self demotion")

		// Both owners leave at once: one stays.
		env.Must(t, 200, "PATCH", o.path("/members/"+other.ID), owner.Token, map[string]string{"role": "owner"}, nil)
		st, bodies = mgRace(t, env,
			mgReq{"DELETE", o.path("/members/" + a.ID), a.Token, nil},
			mgReq{"DELETE", o.path("/members/" + b.ID), b.Token, nil})
		slices.Sort(st)
		if !slices.Equal(st, []int{204, 409}) || !strings.Contains(bodies[0]+bodies[1], `"last_owner"`) {
			t.Fatalf("round %d, both leave: statuses %v (%v), want 204 and 409 last_owner", round, st, bodies)
		}
		stayer := a
		if code, _, _ := mgCall(env, "GET", o.path("/members"), a.Token, nil); code != 200 {
			stayer = b
		}
		ms := o.members(t, stayer.Token)
		if len(ms) != 1 || mgOwners(ms) != 1 {
			t.Fatalf("round %d: after both left: %+v", round, ms)
		}
		// The counter still matches: the stayer is the last owner.
		wantProblem(t, env.Do(t, "PATCH", o.path("/members/"+stayer.ID), stayer.Token, user), 409, "last_owner")
		wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+stayer.ID), stayer.Token, nil), 409, "last_owner")
	}
	t.Logf("mutual demotion: %d of %d losers stopped by the store condition (409), the rest by their own check (403)", mutual409, rounds)
}

func TestManageRemoveMember(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Remove")
	p1, p2 := o.project(t, "P1"), o.project(t, "P2")
	b := o.member(t, "bea", "member", []string{p1}, "member")
	env.Must(t, 201, "POST", o.path("/invites"), o.Owner.Token,
		map[string]any{"emails": []string{b.Email}, "projectIds": []string{p2}, "projectRole": "owner"}, nil)
	c := o.member(t, "cal", "member", nil, "")

	// b also belongs to another organization, which must not change.
	other := mgNewOrg(t, env, "Elsewhere")
	op := other.project(t, "OP")
	env.Must(t, 201, "POST", other.path("/invites"), other.Owner.Token,
		map[string]any{"emails": []string{b.Email}, "projectIds": []string{op}, "projectRole": "member"}, nil)
	if me := mgMeOf(t, env, b); len(me.Orgs) != 2 || len(me.Projects) != 3 {
		t.Fatalf("before removal, /me: %+v", me)
	}

	// A non-owner cannot remove someone else.
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+b.ID), c.Token, nil), 403, "forbidden")
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+o.Owner.ID), c.Token, nil), 403, "forbidden")

	r := env.Must(t, 204, "DELETE", o.path("/members/"+b.ID), o.Owner.Token, nil, nil)
	if len(r.Body) != 0 {
		t.Errorf("204 with a body: %s", r.Body)
	}
	if mgFind(o.members(t, o.Owner.Token), b.ID) != nil {
		t.Fatal("removed member still listed")
	}
	for _, p := range []string{p1, p2} {
		if mgFind(o.projectMembers(t, o.Owner.Token, p), b.ID) != nil {
			t.Fatalf("removed member still in project %s", p)
		}
	}
	me := mgMeOf(t, env, b)
	if len(me.Orgs) != 1 || me.Orgs[0].ID != other.ID {
		t.Fatalf("/me orgs after removal: %+v", me.Orgs)
	}
	if len(me.Projects) != 1 || me.Projects[0].ID != op {
		t.Fatalf("/me projects after removal: %+v", me.Projects)
	}
	wantProblem(t, env.Do(t, "GET", o.path("/members"), b.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "GET", o.path("/projects/"+p1+"/members"), b.Token, nil), 404, "org_not_found")
	if got := mgFind(other.projectMembers(t, other.Owner.Token, op), b.ID); got == nil {
		t.Fatal("removal from one organization removed a project membership of another")
	}
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+b.ID), o.Owner.Token, nil), 404, "member_not_found")
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/usr_nobody"), o.Owner.Token, nil), 404, "member_not_found")

	// A removed member can be added back, starting afresh.
	if again := o.invite(t, o.Owner, map[string]any{"emails": []string{b.Email}}); again.Status != "added" {
		t.Fatalf("re-adding: %+v", again)
	}
	if me := mgMeOf(t, env, b); len(me.Orgs) != 2 || len(me.Projects) != 1 {
		t.Fatalf("/me after re-adding: %+v", me)
	}

	// Leaving.
	env.Must(t, 204, "DELETE", o.path("/members/"+c.ID), c.Token, nil, nil)
	wantProblem(t, env.Do(t, "GET", o.path("/members"), c.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+o.Owner.ID), o.Owner.Token, nil), 409, "last_owner")
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+o.Owner.ID), "", nil), 401, "unauthorized")
	outsider := env.SignIn(t, testenv.Email("outsider"))
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+outsider.ID), outsider.Token, nil), 404, "org_not_found")

	// With a second owner, the first may leave, and the second is then last.
	env.Must(t, 200, "PATCH", o.path("/members/"+b.ID), o.Owner.Token, map[string]string{"role": "owner"}, nil)
	env.Must(t, 204, "DELETE", o.path("/members/"+o.Owner.ID), o.Owner.Token, nil, nil)
	if ms := o.members(t, b.Token); len(ms) != 1 || ms[0].UserID != b.ID || ms[0].Role != "owner" {
		t.Fatalf("after the first owner left: %+v", ms)
	}
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+b.ID), b.Token, nil), 409, "last_owner")
	// An owner removes another owner.
	d := env.SignIn(t, testenv.Email("dan"))
	env.Must(t, 200, "GET", "/me", d.Token, nil, nil)
	if r := o.invite(t, b, map[string]any{"emails": []string{d.Email}, "orgRole": "owner"}); r.Status != "added" {
		t.Fatalf("adding a second owner: %+v", r)
	}
	env.Must(t, 204, "DELETE", o.path("/members/"+d.ID), b.Token, nil, nil)
	wantProblem(t, env.Do(t, "DELETE", o.path("/members/"+b.ID), b.Token, nil), 409, "last_owner")
}

func TestManageProjectMembers(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Projects")
	p, q := o.project(t, "P"), o.project(t, "Q")
	po := o.member(t, "po", "member", []string{p}, "owner")
	m1 := o.member(t, "m1", "member", []string{p}, "member")
	m2 := o.member(t, "m2", "member", []string{p, q}, "member")
	n := o.member(t, "n", "member", []string{q}, "member")
	pm := func(uid string) string { return o.path("/projects/" + p + "/members/" + uid) }
	owner, memberRole := map[string]string{"role": "owner"}, map[string]string{"role": "member"}

	// The project owner promotes; the org owner demotes.
	var got member
	env.Must(t, 200, "PATCH", pm(m1.ID), po.Token, owner, &got)
	if got.UserID != m1.ID || got.Email != m1.Email || got.Role != "owner" {
		t.Fatalf("promoted in project: %+v", got)
	}
	if r := mgFind(o.projectMembers(t, m2.Token, p), m1.ID); r == nil || r.Role != "owner" {
		t.Fatalf("project list after promotion: %+v", r)
	}
	if me := mgMeOf(t, env, m1); len(me.Projects) != 1 || me.Projects[0].Role != "owner" {
		t.Fatalf("/me after promotion: %+v", me.Projects)
	}
	if r := mgFind(o.members(t, m1.Token), m1.ID); r == nil || r.Role != "member" {
		t.Fatalf("a project promotion changed the org role: %+v", r)
	}
	env.Must(t, 200, "PATCH", pm(m1.ID), o.Owner.Token, memberRole, &got)
	if got.Role != "member" {
		t.Fatalf("demoted in project: %+v", got)
	}
	env.Must(t, 200, "PATCH", pm(m1.ID), o.Owner.Token, memberRole, nil) // no-op

	// Plain members may not change or remove others, nor promote themselves.
	wantProblem(t, env.Do(t, "PATCH", pm(m2.ID), m1.Token, owner), 403, "forbidden")
	wantProblem(t, env.Do(t, "PATCH", pm(m1.ID), m1.Token, owner), 403, "forbidden")
	wantProblem(t, env.Do(t, "DELETE", pm(m2.ID), m1.Token, nil), 403, "forbidden")
	// Owning one project gives no power over another.
	wantProblem(t, env.Do(t, "PATCH", o.path("/projects/"+q+"/members/"+m2.ID), po.Token, owner), 403, "forbidden")
	wantProblem(t, env.Do(t, "DELETE", o.path("/projects/"+q+"/members/"+m2.ID), po.Token, nil), 403, "forbidden")

	// Unknown project, member not in the project, unknown user, bad role.
	for _, pid := range []string{"prj_00000000000000000000000000", "nope"} {
		wantProblem(t, env.Do(t, "PATCH", o.path("/projects/"+pid+"/members/"+m1.ID), o.Owner.Token, owner), 404, "project_not_found")
		wantProblem(t, env.Do(t, "DELETE", o.path("/projects/"+pid+"/members/"+m1.ID), o.Owner.Token, nil), 404, "project_not_found")
	}
	other := mgNewOrg(t, env, "OtherOrg")
	otherP := other.project(t, "X")
	wantProblem(t, env.Do(t, "PATCH", o.path("/projects/"+otherP+"/members/"+m1.ID), o.Owner.Token, owner), 404, "project_not_found")
	wantProblem(t, env.Do(t, "PATCH", pm(n.ID), o.Owner.Token, owner), 404, "member_not_found")
	wantProblem(t, env.Do(t, "DELETE", pm(n.ID), po.Token, nil), 404, "member_not_found")
	wantProblem(t, env.Do(t, "PATCH", pm("usr_nobody"), o.Owner.Token, owner), 404, "member_not_found")
	wantProblem(t, env.Do(t, "DELETE", pm(other.Owner.ID), o.Owner.Token, nil), 404, "member_not_found")
	for _, body := range []any{map[string]string{"role": "user"}, map[string]string{"role": "admin"}, map[string]any{}} {
		mgWantField(t, env.Do(t, "PATCH", pm(m1.ID), o.Owner.Token, body), "role")
	}
	outsider := env.SignIn(t, testenv.Email("outsider"))
	wantProblem(t, env.Do(t, "DELETE", pm(m1.ID), outsider.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "PATCH", pm(m1.ID), outsider.Token, owner), 404, "org_not_found")

	// Removal by the project owner, by the org owner, and leaving.
	env.Must(t, 204, "DELETE", pm(m1.ID), po.Token, nil, nil)
	if mgFind(o.projectMembers(t, o.Owner.Token, p), m1.ID) != nil {
		t.Fatal("removed project member still listed")
	}
	if r := mgFind(o.members(t, o.Owner.Token), m1.ID); r == nil {
		t.Fatal("removal from a project removed the org membership")
	}
	if me := mgMeOf(t, env, m1); len(me.Projects) != 0 || len(me.Orgs) != 1 {
		t.Fatalf("/me after project removal: %+v", me)
	}
	wantProblem(t, env.Do(t, "GET", o.path("/projects/"+p+"/members"), m1.Token, nil), 403, "forbidden")
	wantProblem(t, env.Do(t, "DELETE", pm(m1.ID), po.Token, nil), 404, "member_not_found")

	env.Must(t, 204, "DELETE", pm(m2.ID), m2.Token, nil, nil) // leave P, stay in Q
	if me := mgMeOf(t, env, m2); len(me.Projects) != 1 || me.Projects[0].ID != q {
		t.Fatalf("/me after leaving P: %+v", me.Projects)
	}
	env.Must(t, 204, "DELETE", pm(po.ID), o.Owner.Token, nil, nil)
	wantProblem(t, env.Do(t, "PATCH", pm(o.Owner.ID), po.Token, memberRole), 403, "forbidden") // no longer an owner of P
	if ms := o.projectMembers(t, o.Owner.Token, p); len(ms) != 1 || ms[0].UserID != o.Owner.ID {
		t.Fatalf("P's members at the end: %+v", ms)
	}
}

func TestManageAuditTrail(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "Audit")
	p := o.project(t, "Web")
	x, xID := o.pending(t, "xena", map[string]any{"projectIds": []string{p}, "projectRole": "member"})
	env.Must(t, 200, "POST", o.path("/invites/"+xID+"/resend"), o.Owner.Token, nil, nil)
	_, yID := o.pending(t, "yuri", nil)
	env.Must(t, 204, "DELETE", o.path("/invites/"+yID), o.Owner.Token, nil, nil)
	z := o.member(t, "zoe", "member", nil, "")
	xu := env.SignIn(t, x)
	env.Must(t, 200, "POST", "/invites/accept", xu.Token, map[string]string{"token": env.LastInviteToken(t, x)}, nil)
	env.Must(t, 200, "PATCH", o.path("/members/"+z.ID), o.Owner.Token, map[string]string{"role": "owner"}, nil)
	env.Must(t, 200, "PATCH", o.path("/projects/"+p+"/members/"+xu.ID), z.Token, map[string]string{"role": "owner"}, nil)
	env.Must(t, 204, "DELETE", o.path("/members/"+xu.ID), z.Token, nil, nil)

	evs := o.audit(t, o.Owner.Token, 100)
	// Oldest first, what happened; events of one request share a time.
	type step struct{ action, target, actor string }
	want := []step{
		{"org.created", o.ID, o.Owner.ID},
		{"project.created", p, o.Owner.ID},
		{"invite.created", xID, o.Owner.ID},
		{"invite.resent", xID, o.Owner.ID},
		{"invite.created", yID, o.Owner.ID},
		{"invite.revoked", yID, o.Owner.ID},
		{"member.added", z.ID, o.Owner.ID},
		{"invite.accepted", xID, xu.ID},
		{"member.added", xu.ID, xu.ID},
		{"member.role_changed", z.ID, o.Owner.ID},
		{"member.role_changed", xu.ID, z.ID},
		{"member.removed", xu.ID, z.ID},
	}
	if len(evs) != len(want) {
		for _, e := range evs {
			t.Logf("%s %s %s by %s", e.At.Format(time.RFC3339Nano), e.Action, e.Target, e.ActorEmail)
		}
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	// Newest first (ties within one millisecond: one transaction's events).
	for i := 1; i < len(evs); i++ {
		if evs[i].At.Truncate(time.Millisecond).After(evs[i-1].At.Truncate(time.Millisecond)) {
			t.Fatalf("event %d (%s at %v) is newer than event %d (%s at %v)", i, evs[i].Action, evs[i].At, i-1, evs[i-1].Action, evs[i-1].At)
		}
	}
	got := slices.Clone(evs)
	slices.Reverse(got)
	// Within one request (one transaction, one millisecond) events keep the
	// order they were written in, so the whole trail is in order.
	for i := range got {
		if g, w := got[i].Action+" "+got[i].Target+" by "+got[i].ActorID, want[i].action+" "+want[i].target+" by "+want[i].actor; g != w {
			t.Errorf("event %d (oldest first) = %s, want %s", i, g, w)
		}
	}
	emails := map[string]string{o.Owner.ID: o.Owner.Email, xu.ID: xu.Email, z.ID: z.Email}
	for _, e := range evs {
		if e.ID == "" || e.At.IsZero() || e.ActorEmail != emails[e.ActorID] {
			t.Errorf("event %+v: want an id, a time and the actor's email %q", e, emails[e.ActorID])
		}
		switch e.Action {
		case "invite.created":
			if e.Before != nil || e.After["email"] == nil {
				t.Errorf("invite.created before/after: %+v / %+v", e.Before, e.After)
			}
		case "invite.resent":
			if e.Before["expiresAt"] == nil || e.After["expiresAt"] == nil || e.After["email"] != x {
				t.Errorf("invite.resent before/after: %+v / %+v", e.Before, e.After)
			}
		case "invite.revoked":
			if e.Before["email"] == nil || e.After != nil {
				t.Errorf("invite.revoked before/after: %+v / %+v", e.Before, e.After)
			}
		case "member.added":
			if e.Before != nil || e.After["role"] != "member" {
				t.Errorf("member.added before/after: %+v / %+v", e.Before, e.After)
			}
		case "member.role_changed":
			if e.Target == z.ID && (e.Before["role"] != "member" || e.After["role"] != "owner") {
				t.Errorf("org role change before/after: %+v / %+v", e.Before, e.After)
			}
			if e.Target == xu.ID {
				bp, _ := e.Before["projects"].(map[string]any)
				ap, _ := e.After["projects"].(map[string]any)
				if bp[p] != "member" || ap[p] != "owner" {
					t.Errorf("project role change before/after: %+v / %+v", e.Before, e.After)
				}
			}
		case "member.removed":
			bp, _ := e.Before["projects"].(map[string]any)
			if e.Before["role"] != "member" || bp[p] != "owner" || e.After != nil {
				t.Errorf("member.removed before/after: %+v / %+v", e.Before, e.After)
			}
		}
	}

	// Paging: pages of 5 give the same list; the last cursor is null.
	if paged := o.audit(t, o.Owner.Token, 5); !slices.EqualFunc(paged, evs, func(a, b mgEvent) bool { return a.ID == b.ID }) {
		t.Fatalf("paged audit differs from the full list")
	}
	var first mgAuditPage
	env.Must(t, 200, "GET", o.path("/audit?limit=5"), o.Owner.Token, nil, &first)
	if first.NextCursor == nil || len(first.Events) != 5 {
		t.Fatalf("first page: %d events, cursor %v", len(first.Events), first.NextCursor)
	}
	raw := env.Must(t, 200, "GET", o.path("/audit?limit=100"), o.Owner.Token, nil, nil)
	if !bytes.Contains(raw.Body, []byte(`"nextCursor":null`)) {
		t.Errorf("audit's last page has no null cursor: %s", raw.Body)
	}
	tampered := []byte(*first.NextCursor)
	tampered[1] ^= 1
	mgWantField(t, env.Do(t, "GET", o.path("/audit?cursor="+url.QueryEscape(string(tampered))), o.Owner.Token, nil), "cursor")
	mgWantField(t, env.Do(t, "GET", o.path("/audit?limit=0"), o.Owner.Token, nil), "limit")

	// Org owners only.
	user := o.member(t, "plain", "member", []string{p}, "owner")
	wantProblem(t, env.Do(t, "GET", o.path("/audit"), user.Token, nil), 403, "forbidden")
	outsider := env.SignIn(t, testenv.Email("outsider"))
	wantProblem(t, env.Do(t, "GET", o.path("/audit"), outsider.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "GET", o.path("/audit"), "", nil), 401, "unauthorized")
	env.Must(t, 200, "GET", o.path("/audit"), z.Token, nil, nil) // the promoted owner may read it
}

func TestManageResendCountsAgainstInviteCap(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, testenv.Options{InvitesPerHour: 2})
	o := mgNewOrg(t, env, "Capped")
	email, id := o.pending(t, "capped", nil)
	tok := env.LastInviteToken(t, email)
	env.Must(t, 200, "POST", o.path("/invites/"+id+"/resend"), o.Owner.Token, nil, nil) // the 2nd email this hour
	tok2 := env.LastInviteToken(t, email)
	if tok2 == tok {
		t.Fatal("resend mailed no new token")
	}
	r := env.Do(t, "POST", o.path("/invites/"+id+"/resend"), o.Owner.Token, nil)
	wantProblem(t, r, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// A refused resend changes nothing: the last token still works, no mail went out.
	if n := len(env.InviteLinks(t, email)); n != 2 {
		t.Fatalf("%d mails, want 2", n)
	}
	env.Must(t, 200, "POST", "/invites/preview", "", map[string]string{"token": tok2}, nil)
	// Refusals for other reasons do not use up the cap.
	wantProblem(t, env.Do(t, "POST", o.path("/invites/inv_00000000000000000000000000/resend"), o.Owner.Token, nil), 404, "invite_not_found")
	// The next hour has room again.
	env.Advance(t, "1h")
	env.Must(t, 200, "POST", o.path("/invites/"+id+"/resend"), o.Owner.Token, nil, nil)
}
