package integration

import (
	"strconv"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// assertRateLimited checks a 429 rate_limited problem whose Retry-After
// points at most an hour ahead.
func assertRateLimited(t *testing.T, what string, r testenv.Resp) {
	t.Helper()
	wantProblem(t, r, 429, "rate_limited")
	ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 3601 {
		t.Errorf("%s: Retry-After %q, want seconds until the next hour", what, r.Header.Get("Retry-After"))
	}
}

// TestRateLimitInvitesPerHour: an organization may send InvitesPerHour
// invite emails an hour (resends count); past it, 429 with Retry-After and
// nothing stored or mailed; other organizations are not affected; the next
// hour it works again.
func TestRateLimitInvitesPerHour(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, InvitesPerHour: 3})
	o, orgID := newOrg(t, e, "limited")
	path := "/orgs/" + orgID + "/invites"
	a, b := testenv.Email("a"), testenv.Email("b")
	res := invite(t, e, o.Token, orgID, map[string]any{"emails": []string{a, b}})

	c, d := testenv.Email("c"), testenv.Email("d")
	assertRateLimited(t, "2 + 2 of 3", e.Do(t, "POST", path, o.Token, map[string]any{"emails": []string{c, d}}))
	for _, x := range []string{c, d} {
		if ses.mailCount(x) != 0 {
			t.Errorf("a refused invite mailed %s", x)
		}
	}
	if got := listInvites(t, e, o.Token, orgID, "all"); len(got) != 2 {
		t.Errorf("%d invites after a refused batch, want 2", len(got))
	}

	e.Must(t, 201, "POST", path, o.Token, map[string]any{"emails": []string{c}}, nil) // the 3rd email
	assertRateLimited(t, "4th email", e.Do(t, "POST", path, o.Token, map[string]any{"emails": []string{d}}))
	assertRateLimited(t, "resend over the cap", e.Do(t, "POST", path+"/"+res[a].InviteID+"/resend", o.Token, nil))
	if n := len(ses.tokens(a)); n != 1 {
		t.Errorf("%d mails to %s, want 1 (the refused resend must not mail)", n, a)
	}
	if tok := ses.lastToken(t, a); e.Do(t, "POST", "/invites/preview", "", map[string]string{"token": tok}).Status != 200 {
		t.Errorf("a refused resend killed the old token")
	}

	// Another organization has its own budget, and a batch over the cap is
	// refused whole.
	o2, org2 := newOrg(t, e, "unlimited")
	e.Must(t, 201, "POST", "/orgs/"+org2+"/invites", o2.Token, map[string]any{"emails": []string{testenv.Email("e"), testenv.Email("f"), testenv.Email("g")}}, nil)
	assertRateLimited(t, "4 at once", e.Do(t, "POST", "/orgs/"+org2+"/invites", o2.Token,
		map[string]any{"emails": []string{testenv.Email("h"), testenv.Email("i"), testenv.Email("j"), testenv.Email("k")}}))

	e.Advance(t, "1h")
	e.Must(t, 201, "POST", path, o.Token, map[string]any{"emails": []string{d}}, nil)
	e.Must(t, 200, "POST", path+"/"+res[a].InviteID+"/resend", o.Token, nil, nil)
	if n := len(ses.tokens(d)); n != 1 {
		t.Errorf("%d mails to %s after the hour, want 1", n, d)
	}
	invariants(t, e)
}

// TestRateLimitConcurrent: invites racing for the last places of the hour
// never pass the cap.
func TestRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, InvitesPerHour: 5})
	o, orgID := newOrg(t, e, "racelimit")
	var out outcomes
	const n = 16
	burst(n, func(int) {
		resp, err := call(e, "POST", "/orgs/"+orgID+"/invites", o.Token, map[string]any{"emails": []string{testenv.Email("racer")}})
		out.add("owner", resp, err)
	})
	out.clean(t)
	if got := out.statuses("owner"); got[201] != 5 || got[429] != n-5 {
		t.Errorf("statuses %v, want 5 × 201 and %d × 429", got, n-5)
	}
	if got := listInvites(t, e, o.Token, orgID, "all"); len(got) != 5 {
		t.Errorf("%d invites stored, want 5", len(got))
	}
	invariants(t, e)
}
