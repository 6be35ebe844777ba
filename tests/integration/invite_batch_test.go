package integration

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

// A bulk invite writes its new addresses several to a transaction
// (domain.MaxInvitesPerWrite at most) and every other address on its own.
// These tests check that each address still gets its own result, as when
// every address had its own transaction.

// TestBulkInviteMixedAddresses: one request of 30 new addresses (two
// batches) with, among them, two addresses invited seconds before on the
// same terms (that invite is reused: same invite, no second mail), a
// member who has every role asked for
// (already_member, no mail), a registered non-member (added at once) and a
// malformed address (failed). Results keep the input order; every new
// address has one pending invite and one mail; the hourly counter is
// charged once, for the whole request.
func TestBulkInviteMixedAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, testenv.Options{})
	o, orgID := newOrg(t, e, "mixed")
	invitedBefore := []string{testenv.Email("before1"), testenv.Email("before2")}
	before := invite(t, e, o.Token, orgID, map[string]any{"emails": invitedBefore})
	member := register(t, e, "member")
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/invites", o.Token, map[string]any{"emails": []string{member.Email}}, nil)
	known := register(t, e, "known")

	var emails []string
	for i := range 30 {
		switch i {
		case 3:
			emails = append(emails, invitedBefore[0])
		case 7:
			emails = append(emails, member.Email)
		case 11:
			emails = append(emails, "not-an-address")
		case 17:
			emails = append(emails, known.Email)
		case 25:
			emails = append(emails, invitedBefore[1])
		}
		emails = append(emails, testenv.Email("bulk"))
	}
	res := inviteList(t, e, o.Token, orgID, map[string]any{"emails": emails})
	if len(res) != 35 || len(emails) != 35 {
		t.Fatalf("%d results for %d addresses, want 35", len(res), len(emails))
	}
	for i, r := range res {
		if r.Email != emails[i] {
			t.Fatalf("result %d is %s, want %s (input order)", i, r.Email, emails[i])
		}
		want, delivery := "invited", "sent"
		switch r.Email {
		case member.Email:
			want, delivery = "already_member", ""
		case known.Email:
			want = "added"
		case "not-an-address":
			want, delivery = "failed", ""
		}
		if r.Status != want || r.Delivery != delivery {
			t.Errorf("%s: %s, delivery %q; want %s, %q", r.Email, r.Status, r.Delivery, want, delivery)
		}
		if r.Status == "invited" && strings.HasPrefix(r.Email, "before") && r.InviteID != before[r.Email].InviteID {
			t.Errorf("%s: invite %s, want the open one refreshed (%s)", r.Email, r.InviteID, before[r.Email].InviteID)
		}
	}
	for _, r := range res {
		if r.Status != "invited" {
			continue
		}
		if n := len(e.InviteLinks(t, r.Email)); n != 1 {
			t.Errorf("%s: %d invite mails, want 1", r.Email, n)
		}
	}
	pending := listInvites(t, e, o.Token, orgID, "pending")
	if len(pending) != 30+2 {
		t.Errorf("%d pending invites, want 32 (30 new, 2 reused)", len(pending))
	}
	// Charged: 2 (the first request) + 1 (the member's invite) + the 34
	// well-formed addresses of this request, once.
	if n := inviteCounter(t, e, orgID); n != 2+1+34 {
		t.Errorf("hourly invite counter %d, want 37", n)
	}
	invariants(t, e)
}

// racingStore is the real store, with a hook that runs once just before
// the first CreateInvites: a concurrent request landing between the bulk
// invite's read and its write.
type racingStore struct {
	*store.Store
	once   sync.Once
	before func()
	calls  int
	mu     sync.Mutex
}

func (s *racingStore) CreateInvites(ctx context.Context, invs []domain.NewInvite, charge *domain.RateCharge) ([]int, error) {
	s.once.Do(s.before)
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return s.Store.CreateInvites(ctx, invs, charge)
}

// TestBulkInviteRaceBetweenReadAndWrite: two addresses of a bulk invite
// get an invite from another request after the bulk request read them
// (no invite) and before it writes. Its transaction is cancelled; the
// cancellation reasons name those two, the others are written again
// without them (carrying the charge), and the two are written one by one
// as an address with an open invite is: the other request's invite,
// merged with this one's terms and refreshed. Every address is invited
// once, nothing is written twice, and the counter holds each request once.
func TestBulkInviteRaceBetweenReadAndWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, testenv.Options{})
	o, orgID := newOrg(t, e, "racing")
	var prj struct{ ID string }
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/projects", o.Token, map[string]string{"name": "Web"}, &prj)
	var emails []string
	for range 10 {
		emails = append(emails, testenv.Email("race"))
	}
	raced := map[string]string{} // address → the other request's invite id
	st := &racingStore{Store: store.New(e.Stack.Clients.DynamoDB, e.Stack.Config.TableName)}
	st.before = func() {
		for _, x := range []string{emails[2], emails[6]} {
			raced[x] = invite(t, e, o.Token, orgID, map[string]any{"emails": []string{x}})[x].InviteID
		}
	}
	c := e.Stack.Config
	svc := domain.NewService(st, mailer.New(e.Stack.Clients.SES, c.MailFrom, c.ConfigurationSet), c.Service(nil, slog.New(slog.DiscardHandler)))
	id := domain.Identity{UserID: o.ID, Email: o.Email, EmailVerified: true}
	res, err := svc.Invite(context.Background(), id, orgID, domain.InviteInput{Emails: emails,
		ProjectIDs: []string{prj.ID}, ProjectRole: "member"})
	if err != nil {
		t.Fatal(err)
	}
	if st.calls != 2 {
		t.Errorf("%d batch writes, want 2 (the cancelled one, then without the raced addresses)", st.calls)
	}
	for i, r := range res {
		if r.Email != emails[i] || r.Status != domain.ResultInvited || r.Delivery != domain.DeliverySent {
			t.Errorf("result %d: %s %s %s, want %s invited sent", i, r.Email, r.Status, r.Delivery, emails[i])
		}
		if want, ok := raced[r.Email]; ok && r.InviteID != want {
			t.Errorf("%s: invite %s, want the other request's %s refreshed", r.Email, r.InviteID, want)
		}
	}
	pending := listInvites(t, e, o.Token, orgID, "pending")
	if len(pending) != len(emails) {
		t.Errorf("%d pending invites, want %d", len(pending), len(emails))
	}
	for _, p := range pending {
		if _, ok := raced[p.Email]; ok && (len(p.Projects) != 1 || p.Projects[0].Role != "member") {
			t.Errorf("%s: projects %+v, want the bulk request's project merged in", p.Email, p.Projects)
		}
	}
	// Each address's newest link works: the raced ones were refreshed, so
	// their first link is dead and their second is live.
	for _, x := range emails {
		links := e.InviteLinks(t, x)
		want := 1
		if _, ok := raced[x]; ok {
			want = 2
		}
		if len(links) != want {
			t.Errorf("%s: %d mails, want %d", x, len(links), want)
		}
	}
	if n := inviteCounter(t, e, orgID); n != 2+len(emails) {
		t.Errorf("hourly invite counter %d, want %d (two single invites, then this request once)", n, 2+len(emails))
	}
	invariants(t, e)
}

// inviteCounter is the organization's invite counter of this hour, as stored.
func inviteCounter(t *testing.T, e *testenv.Env, orgID string) int {
	t.Helper()
	n := 0
	for _, it := range scanTable(t, e.Stack.Clients.DynamoDB, e.Stack.Config.TableName) {
		if it.str("pk") == "ORG#"+orgID && strings.HasPrefix(it.str("sk"), "RATE#") {
			n += it.num("count")
		}
	}
	return n
}

// TestBulkInviteSeats: a bulk invite's new addresses are written several
// to a transaction. Without a limit on invites, the seat counter counts
// them all; when pending invites take seats under a limit, each address
// is checked alone as before: with 3 seats free, 3 of 6 new addresses are
// invited and the others fail with seat_limit, and the counter is exactly
// at the limit.
func TestBulkInviteSeats(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := mgNewOrg(t, env, "bulkseats")
	fresh := func(n int) []string {
		var out []string
		for range n {
			out = append(out, testenv.Email("seat"))
		}
		return out
	}
	res := inviteList(t, env, o.Owner.Token, o.ID, map[string]any{"emails": fresh(30)})
	for _, r := range res {
		if r.Status != "invited" {
			t.Fatalf("no limit: %s %s", r.Email, r.Status)
		}
	}
	wantSeats(t, "30 invited, no limit", o.seats(t, o.Owner.Token), 1, 1, 30)

	o.setSeats(t, map[string]any{"seatLimit": 34, "seatsCountPendingInvites": true})
	wantSeats(t, "invites counted", o.seats(t, o.Owner.Token), 31, 1, 30)
	emails := fresh(6)
	res = inviteList(t, env, o.Owner.Token, o.ID, map[string]any{"emails": emails})
	for i, r := range res {
		want := "invited"
		if i >= 3 {
			want = "failed"
		}
		if r.Email != emails[i] || r.Status != want {
			t.Errorf("result %d: %s %s, want %s %s", i, r.Email, r.Status, emails[i], want)
		}
		if want == "failed" && (r.Error == nil || r.Error.Code != "seat_limit") {
			t.Errorf("%s: error %+v, want seat_limit", r.Email, r.Error)
		}
	}
	wantSeats(t, "at the limit", o.seats(t, o.Owner.Token), 34, 1, 33)
	invariants(t, env)
}
