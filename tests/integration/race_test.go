package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/tests/testenv"
)

// The race tests release many goroutines at once against one local stack
// and repeat for several rounds. The DynamoDB-compatible server applies
// one request at a time, but requests interleave between a handler's reads
// and its conditional writes; the proxy in front of it counts the
// conditional writes it refused, which shows the races really happened.

const raceRounds = 6

func raceRoundsFor(t *testing.T) int {
	if testing.Short() {
		return 2
	}
	return raceRounds
}

// outcome is one concurrent request's answer.
type outcome struct {
	who  string
	resp testenv.Resp
	err  error
}

type outcomes struct {
	mu  sync.Mutex
	all []outcome
}

func (o *outcomes) add(who string, r testenv.Resp, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, outcome{who, r, err})
}

// clean checks that no answer is a 5xx or a transport error, and that every
// 4xx is a problem document.
func (o *outcomes) clean(t *testing.T) {
	t.Helper()
	for _, x := range o.all {
		switch {
		case x.err != nil:
			t.Errorf("%s: %v", x.who, x.err)
		case x.resp.Status >= 500:
			t.Errorf("%s: %d under concurrency: %s", x.who, x.resp.Status, x.resp.Body)
		case x.resp.Status >= 400 && x.resp.Header.Get("Content-Type") != "application/problem+json":
			t.Errorf("%s: %d without a problem body: %s", x.who, x.resp.Status, x.resp.Body)
		}
	}
}

// statuses counts answers by who and status.
func (o *outcomes) statuses(who string) map[int]int {
	m := map[int]int{}
	for _, x := range o.all {
		if x.who == who && x.err == nil {
			m[x.resp.Status]++
		}
	}
	return m
}

func (o *outcomes) bodies(who string, status int) [][]byte {
	var out [][]byte
	for _, x := range o.all {
		if x.who == who && x.err == nil && x.resp.Status == status {
			out = append(out, x.resp.Body)
		}
	}
	return out
}

// raceEnv is a rig with its own stub SES (tokens are read from it).
func raceEnv(t *testing.T) (*rig, *sesStub) {
	t.Helper()
	ses := newSESStub(t)
	r := newRig(t, rigOptions{SESEndpoint: ses.URL, InvitesPerHour: -1})
	t.Cleanup(func() {
		assertNoSecrets(t, "log", r.LogText(), ses.allTokens())
	})
	return r, ses
}

// realRaces fails when no conditional write was refused in the whole test:
// then the goroutines never actually raced and the test proved nothing.
func realRaces(t *testing.T, r *rig, peak int) {
	t.Helper()
	c, f := r.Proxy.cancelled.Load(), r.Proxy.condFailed.Load()
	t.Logf("peak requests in flight %d; conditional writes refused: %d transactions, %d single writes", peak, c, f)
	if peak < 2 || c+f == 0 {
		t.Errorf("no real concurrency: peak in flight %d, refused writes %d", peak, c+f)
	}
}

func auditCount(t *testing.T, e *testenv.Env, orgID, action, target string) int {
	t.Helper()
	items := queryPK(t, e.Stack.Clients.DynamoDB, e.Stack.Config.TableName, "ORG#"+orgID)
	n := 0
	for _, it := range items {
		if strings.HasPrefix(it.str("sk"), "AUDIT#") && it.str("action") == action && (target == "" || it.str("target") == target) {
			n++
		}
	}
	return n
}

// TestRaceAcceptOneToken: many accepts of one token at once (double
// clicks, retries, two tabs) create one membership; every answer of the
// invitee is 200 with the same result, other users get a clean 4xx.
func TestRaceAcceptOneToken(t *testing.T) {
	t.Parallel()
	r, ses := raceEnv(t)
	o, orgID := newOrg(t, r.Env, "raceaccept")
	var p struct{ ID string }
	r.Must(t, 201, "POST", "/orgs/"+orgID+"/projects", o.Token, map[string]string{"name": "P"}, &p)
	others := []testenv.User{register(t, r.Env, "intruder"), o}
	peak := 0
	for round := range raceRoundsFor(t) {
		email := testenv.Email(fmt.Sprintf("acceptee%d", round))
		res := invite(t, r.Env, o.Token, orgID, map[string]any{"emails": []string{email}, "projectIds": []string{p.ID}, "projectRole": "member"})
		tok := ses.lastToken(t, email)
		x := r.SignIn(t, email) // not registered yet: the accepts race to register too
		var out outcomes
		const n = 16
		peak = max(peak, burst(n+len(others), func(i int) {
			if i < n {
				resp, err := call(r.Env, "POST", "/invites/accept", x.Token, map[string]string{"token": tok})
				out.add("invitee", resp, err)
				return
			}
			resp, err := call(r.Env, "POST", "/invites/accept", others[i-n].Token, map[string]string{"token": tok})
			out.add("other", resp, err)
		}))
		out.clean(t)
		if got := out.statuses("invitee"); got[200] != n {
			t.Errorf("round %d: invitee statuses %v, want %d × 200", round, got, n)
		}
		// Other users: 403 (not their address) or, once it is accepted, 409.
		if got := out.statuses("other"); got[403]+got[409] != len(others) {
			t.Errorf("round %d: other users' statuses %v, want 403 or 409", round, got)
		}
		bodies := out.bodies("invitee", 200)
		for _, b := range bodies {
			if !bytes.Equal(b, bodies[0]) {
				t.Errorf("round %d: accept answers differ: %s vs %s", round, b, bodies[0])
			}
		}
		inviteID := res[email].InviteID
		if got := auditCount(t, r.Env, orgID, domain.AuditInviteAccepted, inviteID); got != 1 {
			t.Errorf("round %d: %d invite.accepted events, want 1", round, got)
		}
		if got := auditCount(t, r.Env, orgID, domain.AuditMemberAdded, x.ID); got != 1 {
			t.Errorf("round %d: %d member.added events for the invitee, want 1", round, got)
		}
		listed := 0
		for _, m := range listMembers(t, r.Env, o.Token, "/orgs/"+orgID+"/projects/"+p.ID+"/members") {
			if m.UserID == x.ID {
				listed++
			}
		}
		if listed != 1 {
			t.Errorf("round %d: invitee listed %d times in the project", round, listed)
		}
		if !isMember(t, r.Env, o.Token, orgID, x.ID) {
			t.Errorf("round %d: invitee not a member of the organization", round)
		}
	}
	items := invariants(t, r.Env)
	memberships := 0
	for _, it := range items {
		if it.str("pk") == "ORG#"+orgID && strings.HasPrefix(it.str("sk"), "MEMBER#") {
			memberships++
		}
	}
	if want := 1 + raceRoundsFor(t); memberships != want { // the owner and one per round
		t.Errorf("%d member items, want %d", memberships, want)
	}
	realRaces(t, r, peak)
}

// TestRaceInviteOneAddress: many invites of one address at once leave one
// pending invite, one claim and one live token; of the tokens mailed, only
// the last written one works.
func TestRaceInviteOneAddress(t *testing.T) {
	t.Parallel()
	r, ses := raceEnv(t)
	o, orgID := newOrg(t, r.Env, "raceinvite")
	peak := 0
	for round := range raceRoundsFor(t) {
		email := testenv.Email(fmt.Sprintf("invitee%d", round))
		var out outcomes
		const n = 12
		peak = max(peak, burst(n, func(int) {
			resp, err := call(r.Env, "POST", "/orgs/"+orgID+"/invites", o.Token, map[string]any{"emails": []string{email}})
			out.add("owner", resp, err)
		}))
		out.clean(t)
		if got := out.statuses("owner"); got[201] != n {
			t.Fatalf("round %d: statuses %v, want %d × 201", round, got, n)
		}
		ids := map[string]bool{}
		for _, b := range out.bodies("owner", 201) {
			var res struct{ Results []inviteResult }
			if err := json.Unmarshal(b, &res); err != nil || len(res.Results) != 1 {
				t.Fatalf("round %d: results %s", round, b)
			}
			if x := res.Results[0]; x.Status != "invited" {
				t.Errorf("round %d: result %+v (error %+v), want invited", round, x, x.Error)
			} else {
				ids[x.InviteID] = true
			}
		}
		if len(ids) != 1 {
			t.Errorf("round %d: %d invite ids for one address: %v", round, len(ids), ids)
		}
		listed := 0
		for _, inv := range listInvites(t, r.Env, o.Token, orgID, "pending") {
			if inv.Email == email {
				listed++
			}
		}
		if listed != 1 {
			t.Errorf("round %d: %d pending invites listed for %s, want 1", round, listed, email)
		}
		live := 0
		for _, tok := range ses.tokens(email) {
			resp, err := call(r.Env, "POST", "/invites/preview", "", map[string]string{"token": tok})
			switch {
			case err != nil:
				t.Fatal(err)
			case resp.Status == http.StatusOK:
				live++
			case resp.Status != http.StatusNotFound:
				t.Errorf("round %d: preview %d: %s", round, resp.Status, resp.Body)
			}
		}
		if live != 1 {
			t.Errorf("round %d: %d of %d mailed tokens work, want exactly 1", round, live, len(ses.tokens(email)))
		}
	}
	invariants(t, r.Env)
	realRaces(t, r, peak)
}

// TestRaceOwnersDemoteEachOther: two owners demoting each other at once
// leave exactly one owner (never zero); with several owners demoting each
// other and themselves, at least one owner remains and the counter holds;
// two owners leaving at once leave one.
func TestRaceOwnersDemoteEachOther(t *testing.T) {
	t.Parallel()
	r, _ := raceEnv(t)
	peak := 0
	for round := range raceRoundsFor(t) {
		for _, size := range []int{2, 4} {
			o, orgID := newOrg(t, r.Env, fmt.Sprintf("demote%d", round))
			owners := []testenv.User{o}
			for i := 1; i < size; i++ {
				u := register(t, r.Env, "coowner")
				invite(t, r.Env, o.Token, orgID, map[string]any{"emails": []string{u.Email}, "orgRole": "owner"})
				owners = append(owners, u)
			}
			var out outcomes
			// Each owner demotes the next one; with more than two, each also demotes themself.
			peak = max(peak, burst(2*size, func(i int) {
				me := owners[i%size]
				target := owners[(i+1)%size]
				if i >= size {
					if size == 2 {
						target = owners[(i+1)%size] // a second attempt at the same demotion
					} else {
						target = me
					}
				}
				resp, err := call(r.Env, "PATCH", "/orgs/"+orgID+"/members/"+target.ID, me.Token, map[string]string{"role": "member"})
				out.add("owner", resp, err)
			}))
			out.clean(t)
			got := out.statuses("owner")
			for st := range got {
				if st != 200 && st != 403 && st != 409 {
					t.Errorf("round %d size %d: status %d; want 200, 403 or 409: %v", round, size, st, got)
				}
			}
			left := 0
			for _, m := range listMembers(t, r.Env, o.Token, "/orgs/"+orgID+"/members") {
				if m.Role == "owner" {
					left++
				}
			}
			if left < 1 {
				t.Errorf("round %d size %d: no owner left (statuses %v)", round, size, got)
			}
			if size == 2 && left != 1 {
				t.Errorf("round %d: %d owners left after two owners demoted each other, want 1", round, left)
			}
		}

		// The two owners both leave at once: one goes, the other is the last owner.
		o, orgID := newOrg(t, r.Env, fmt.Sprintf("leave%d", round))
		u := register(t, r.Env, "coowner")
		invite(t, r.Env, o.Token, orgID, map[string]any{"emails": []string{u.Email}, "orgRole": "owner"})
		var out outcomes
		peak = max(peak, burst(2, func(i int) {
			me := []testenv.User{o, u}[i]
			resp, err := call(r.Env, "DELETE", "/orgs/"+orgID+"/members/"+me.ID, me.Token, nil)
			out.add("owner", resp, err)
		}))
		out.clean(t)
		if got := out.statuses("owner"); got[204] != 1 || got[409] != 1 {
			t.Errorf("round %d: two owners leaving at once: %v, want one 204 and one 409", round, got)
		}
	}
	invariants(t, r.Env)
	realRaces(t, r, peak)
}

// TestRaceAcceptRevoke: an accept racing a revoke ends one way or the other,
// never both: either the invitee is a member and the revoke got 409, or the
// invite is revoked, its token dead, and the invitee is no member.
func TestRaceAcceptRevoke(t *testing.T) {
	t.Parallel()
	r, ses := raceEnv(t)
	o, orgID := newOrg(t, r.Env, "racerevoke")
	peak, accepted, revoked := 0, 0, 0
	for round := range 2 * raceRoundsFor(t) {
		email := testenv.Email("revokee")
		res := invite(t, r.Env, o.Token, orgID, map[string]any{"emails": []string{email}})
		id, tok := res[email].InviteID, ses.lastToken(t, email)
		x := r.SignIn(t, email)
		var out outcomes
		// An accept takes more reads than a revoke: on odd rounds the revokes
		// start a little later, so that both outcomes get exercised.
		delay := time.Duration(round%2) * time.Duration(rand.N(15)+5) * time.Millisecond
		peak = max(peak, burst(6, func(i int) {
			if i%2 == 0 {
				resp, err := call(r.Env, "POST", "/invites/accept", x.Token, map[string]string{"token": tok})
				out.add("accept", resp, err)
			} else {
				time.Sleep(delay)
				resp, err := call(r.Env, "DELETE", "/orgs/"+orgID+"/invites/"+id, o.Token, nil)
				out.add("revoke", resp, err)
			}
		}))
		out.clean(t)
		acc, rev := out.statuses("accept"), out.statuses("revoke")
		member := isMember(t, r.Env, o.Token, orgID, x.ID)
		switch {
		case acc[200] > 0:
			accepted++
			if acc[200] != 3 || rev[409] != 3 || !member {
				t.Errorf("round %d: accept won but accept %v, revoke %v, member %v", round, acc, rev, member)
			}
		case rev[204] > 0:
			revoked++
			if rev[204] != 1 || rev[404] != 2 || acc[404] != 3 || member {
				t.Errorf("round %d: revoke won but accept %v, revoke %v, member %v", round, acc, rev, member)
			}
			wantProblem(t, r.Do(t, "POST", "/invites/preview", "", map[string]string{"token": tok}), 404, "invite_not_found")
		default:
			t.Errorf("round %d: neither won: accept %v, revoke %v", round, acc, rev)
		}
	}
	t.Logf("accept won %d rounds, revoke won %d", accepted, revoked)
	invariants(t, r.Env)
	realRaces(t, r, peak)
}

// TestRaceAcceptResend: an accept racing a resend: either the accept wins
// (resend 409) or the resend wins (the old token answers 404) and the new
// token mailed then works. Never two memberships, never a live old token.
func TestRaceAcceptResend(t *testing.T) {
	t.Parallel()
	r, ses := raceEnv(t)
	o, orgID := newOrg(t, r.Env, "raceresend")
	peak, accepted, resent := 0, 0, 0
	for round := range 2 * raceRoundsFor(t) {
		email := testenv.Email("resendee")
		res := invite(t, r.Env, o.Token, orgID, map[string]any{"emails": []string{email}})
		id, tok := res[email].InviteID, ses.lastToken(t, email)
		x := r.SignIn(t, email)
		var out outcomes
		peak = max(peak, burst(4, func(i int) {
			if i%2 == 0 {
				resp, err := call(r.Env, "POST", "/invites/accept", x.Token, map[string]string{"token": tok})
				out.add("accept", resp, err)
			} else {
				resp, err := call(r.Env, "POST", "/orgs/"+orgID+"/invites/"+id+"/resend", o.Token, nil)
				out.add("resend", resp, err)
			}
		}))
		out.clean(t)
		acc, rsd := out.statuses("accept"), out.statuses("resend")
		switch {
		case acc[200] == 2:
			accepted++
			// Both accepts won together; a resend can only have come first if
			// the accepts then failed, so every resend must be a 409.
			if rsd[409] != 2 {
				t.Errorf("round %d: accepted, but resend %v", round, rsd)
			}
		case acc[404] == 2:
			resent++
			if rsd[200] == 0 {
				t.Errorf("round %d: accept 404 without a resend: resend %v", round, rsd)
			}
			// Concurrent resends may mail in another order than they wrote:
			// exactly one of the mailed tokens is live, whichever came last.
			var live []string
			for _, k := range ses.tokens(email) {
				if r.Do(t, "POST", "/invites/preview", "", map[string]string{"token": k}).Status == 200 {
					live = append(live, k)
				}
			}
			if len(live) != 1 || live[0] == tok {
				t.Fatalf("round %d: %d live tokens after resend, want 1 new one", round, len(live))
			}
			r.Must(t, 200, "POST", "/invites/accept", x.Token, map[string]string{"token": live[0]}, nil)
		default:
			t.Errorf("round %d: mixed outcome: accept %v, resend %v", round, acc, rsd)
		}
		if !isMember(t, r.Env, o.Token, orgID, x.ID) {
			t.Errorf("round %d: invitee not a member in the end", round)
		}
		wantProblem(t, r.Do(t, "POST", "/orgs/"+orgID+"/invites/"+id+"/resend", o.Token, nil), 409, "invite_already_accepted")
	}
	t.Logf("accept won %d rounds, resend won %d", accepted, resent)
	invariants(t, r.Env)
	realRaces(t, r, peak)
}

func isMember(t *testing.T, e *testenv.Env, token, orgID, userID string) bool {
	t.Helper()
	n := 0
	for _, m := range listMembers(t, e, token, "/orgs/"+orgID+"/members") {
		if m.UserID == userID {
			n++
		}
	}
	if n > 1 {
		t.Errorf("user %s listed %d times", userID, n)
	}
	return n == 1
}
