package integration

import (
	"testing"
	"time"

	"github.com/members-saas/members/tests/testenv"
)

// TestInviteMailsInParallel: the mails of one bulk invite go out
// concurrently, never more than MAIL_CONCURRENCY at once, through 30 ms of
// added SES latency; the results keep the input order and each address's
// outcome (invited, added, failed) is what it was when mails went out one
// by one.
func TestInviteMailsInParallel(t *testing.T) {
	t.Parallel()
	const limit = 4
	sh := testenv.Parts(t)
	proxy := testenv.NewDelayProxy(t, sh.SES.URL, 30*time.Millisecond)
	env := testenv.New(t, testenv.Options{SESEndpoint: proxy.URL, MailConcurrency: limit})
	o, orgID := newOrg(t, env, "parallel")
	known := env.SignIn(t, testenv.Email("known"))
	env.Must(t, 200, "GET", "/me", known.Token, nil, nil)

	emails := []string{known.Email, "not-an-address"}
	for range 18 {
		emails = append(emails, testenv.Email("bulk"))
	}
	proxy.Peak()
	res := inviteList(t, env, o.Token, orgID, map[string]any{"emails": emails})
	peak := proxy.Peak()
	if len(res) != len(emails) {
		t.Fatalf("%d results for %d addresses", len(res), len(emails))
	}
	for i, r := range res {
		want, delivery := "invited", "sent"
		switch i {
		case 0:
			want = "added"
		case 1:
			want, delivery = "failed", ""
		}
		if r.Email != emails[i] || r.Status != want || r.Delivery != delivery {
			t.Errorf("result %d: %+v, want %s %s %s", i, r, emails[i], want, delivery)
		}
	}
	if peak < 2 || peak > limit {
		t.Errorf("at most %d mails in flight at once, want 2..%d", peak, limit)
	}
	for _, e := range emails[2:] {
		if len(env.InviteLinks(t, e)) != 1 {
			t.Errorf("%s: no invite mail", e)
		}
	}
}

// inviteList is invite keeping the results' order.
func inviteList(t testing.TB, e *testenv.Env, token, orgID string, body map[string]any) []inviteResult {
	t.Helper()
	var out struct{ Results []inviteResult }
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/invites", token, body, &out)
	return out.Results
}
