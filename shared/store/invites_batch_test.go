package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
)

// TestCreateInvitesPartialFailure: CreateInvites writes several invites
// and the charge in one transaction. When some addresses already have an
// open invite, its cancellation reasons name exactly those (by index),
// nothing at all is written (not even the charge), and the others can be
// written without them; a charge over its limit fails the whole write with
// ErrRateLimited and no indexes.
func TestCreateInvitesPartialFailure(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Now().UTC()
	const orgID = "org_batch"
	batch := func(emails ...string) []domain.NewInvite {
		var out []domain.NewInvite
		for _, e := range emails {
			inv := invite(orgID, e, now.Add(time.Hour))
			out = append(out, domain.NewInvite{Invite: inv,
				Audit: domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: orgID, At: now, Action: domain.AuditInviteCreated, Target: inv.ID}})
		}
		return out
	}
	charge := func(n, limit int) *domain.RateCharge {
		return &domain.RateCharge{OrgID: orgID, At: now, N: n, Limit: limit}
	}
	// Two addresses already invited.
	for _, e := range []string{"b@x.test", "d@x.test"} {
		mustNil(t, st.CreateInvite(ctx, invite(orgID, e, now.Add(time.Hour)), domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: orgID, At: now}, charge(1, 10)))
	}
	emails := []string{"a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"}
	invs := batch(emails...)
	failed, err := st.CreateInvites(ctx, invs, charge(5, 10))
	if !errors.Is(err, domain.ErrExists) || !slices.Equal(failed, []int{1, 3}) {
		t.Fatalf("CreateInvites with b and d already invited: failed %v, err %v; want [1 3] and ErrExists", failed, err)
	}
	for _, i := range []int{0, 2, 4} {
		if _, err := st.OpenInviteID(ctx, orgID, emails[i]); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s has an open invite after the cancelled write: %v", emails[i], err)
		}
	}
	// The charge was not taken: 2 of 10 are used, so 8 more fit exactly.
	if _, err := st.CreateInvites(ctx, batch("x1@x.test"), charge(9, 10)); !errors.Is(err, domain.ErrRateLimited) {
		t.Fatalf("charge of 9 over 2 used of 10: %v, want ErrRateLimited", err)
	}
	rest := []domain.NewInvite{invs[0], invs[2], invs[4]}
	failed, err = st.CreateInvites(ctx, rest, charge(3, 10))
	if err != nil || failed != nil {
		t.Fatalf("CreateInvites of the others: failed %v, err %v", failed, err)
	}
	for _, ni := range rest {
		id, err := st.OpenInviteID(ctx, orgID, ni.Invite.Email)
		if err != nil || id != ni.Invite.ID {
			t.Errorf("%s: open invite %q, %v; want %s", ni.Invite.Email, id, err, ni.Invite.ID)
		}
		if got, err := st.InviteSnapshot(ctx, ni.Invite.TokenHash); err != nil || got.ID != ni.Invite.ID {
			t.Errorf("%s: token snapshot %+v, %v", ni.Invite.Email, got, err)
		}
	}
	// 5 of 10 used: a charge of 6 fails the whole write, with no indexes,
	// even though one of its addresses is also already invited.
	failed, err = st.CreateInvites(ctx, batch("a@x.test", "y@x.test"), charge(6, 10))
	if !errors.Is(err, domain.ErrRateLimited) || failed != nil {
		t.Fatalf("over the cap: failed %v, err %v; want ErrRateLimited and no indexes", failed, err)
	}
	// The most one transaction holds: MaxInvitesPerWrite invites and a
	// charge of two counters.
	var many []string
	for i := range domain.MaxInvitesPerWrite {
		many = append(many, fmt.Sprintf("m%d@x.test", i))
	}
	c := charge(len(many), 100)
	c.Users = []domain.UserRate{{UserID: "user-owner", Kind: domain.RateUserInvites, N: len(many), Limit: 100}}
	if failed, err := st.CreateInvites(ctx, batch(many...), c); err != nil || failed != nil {
		t.Fatalf("CreateInvites of %d: failed %v, err %v", len(many), failed, err)
	}
}
