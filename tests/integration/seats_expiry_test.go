package integration

import (
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// sxSweep runs the expiry sweep and returns how many invite seats it freed.
func sxSweep(t *testing.T, env *testenv.Env) int {
	t.Helper()
	var r struct {
		SeatsReleased int `json:"seatsReleased"`
	}
	env.Must(t, 200, "POST", "/_local/expire-members", "", nil, &r)
	return r.SeatsReleased
}

// TestSeatsExpiredInviteReleased: with seatsCountPendingInvites, an invite
// that expires keeps its seat only until the expiry sweep runs, which frees
// it (audit invite.seat_released) so a new invite fits; a resend before the
// expiry moves the release; an accepted or revoked invite, or one released
// already, is never released again; resending a released invite takes a
// seat again under the limit. The counter matches the table throughout.
func TestSeatsExpiredInviteReleased(t *testing.T) {
	env := testenv.New(t)
	o := mgNewOrg(t, env, "seatexp")
	wantSeats(t, "limit set", o.setSeats(t, map[string]any{"seatLimit": 3, "seatsCountPendingInvites": true}), 1, 1, 0)
	_, idA := o.pending(t, "seatexp-a", nil) // expires in 7 days
	emailB, idB := o.pending(t, "seatexp-b", nil)
	wantSeats(t, "two pending", o.seats(t, o.Owner.Token), 3, 1, 2)
	full := func(what string) {
		t.Helper()
		r := o.invite(t, o.Owner, map[string]any{"emails": []string{testenv.Email("seatexp-full")}})
		if r.Status != "failed" || r.Error == nil || r.Error.Code != "seat_limit" {
			t.Fatalf("%s: an invite past the limit: %+v", what, r)
		}
	}
	full("two pending")

	// b is resent a day before it expires: it now expires 7 days later.
	env.Advance(t, "6d")
	env.Must(t, 200, "POST", o.path("/invites/"+idB+"/resend"), o.Owner.Token, nil, nil)
	if n := sxSweep(t, env); n != 0 {
		t.Fatalf("sweep before any expiry released %d seats", n)
	}
	env.Advance(t, "2d") // a expired a day ago, b has 5 days left
	// Until the sweep runs (every 15 minutes), the expired invite holds its seat.
	wantSeats(t, "a expired, not swept", o.seats(t, o.Owner.Token), 3, 1, 2)
	if n := sxSweep(t, env); n != 1 {
		t.Fatalf("sweep after a expired released %d seats, want 1", n)
	}
	wantSeats(t, "a released", o.seats(t, o.Owner.Token), 2, 1, 1)
	if n := sxSweep(t, env); n != 0 {
		t.Fatalf("a second sweep released %d seats, want 0", n)
	}
	var released int
	for _, ev := range o.audit(t, o.Owner.Token, 100) {
		if ev.Action == "invite.seat_released" {
			released++
			if ev.Target != idA {
				t.Errorf("invite.seat_released about %s, want %s", ev.Target, idA)
			}
		}
	}
	if released != 1 {
		t.Errorf("%d invite.seat_released audit events, want 1", released)
	}
	invariants(t, env)

	// The freed seat takes a new invite.
	_, idC := o.pending(t, "seatexp-c", nil)
	wantSeats(t, "c invited", o.seats(t, o.Owner.Token), 3, 1, 2)
	full("c invited")
	// Revoking the released invite frees nothing more.
	env.Must(t, 204, "DELETE", o.path("/invites/"+idA), o.Owner.Token, nil, nil)
	wantSeats(t, "a revoked after release", o.seats(t, o.Owner.Token), 3, 1, 2)
	invariants(t, env)

	// b, accepted before it expires, is never released: its seat is the member's.
	bu := env.SignIn(t, emailB)
	env.Must(t, 200, "POST", "/invites/accept", bu.Token, map[string]string{"token": env.LastInviteToken(t, emailB)}, nil)
	wantSeats(t, "b accepted", o.seats(t, o.Owner.Token), 3, 2, 1)
	// c revoked: its seat is freed once.
	env.Must(t, 204, "DELETE", o.path("/invites/"+idC), o.Owner.Token, nil, nil)
	wantSeats(t, "c revoked", o.seats(t, o.Owner.Token), 2, 2, 0)

	// A released invite resent takes a seat again, under the limit.
	_, idD := o.pending(t, "seatexp-d", map[string]any{"expiresInDays": 1})
	full("d invited")
	env.Advance(t, "25h") // d expired; b (accepted) and c (revoked) are not released
	if n := sxSweep(t, env); n != 1 {
		t.Fatalf("sweep after d expired released %d seats, want 1", n)
	}
	wantSeats(t, "d released", o.seats(t, o.Owner.Token), 2, 2, 0)
	_, idE := o.pending(t, "seatexp-e", nil)
	wantProblem(t, env.Do(t, "POST", o.path("/invites/"+idD+"/resend"), o.Owner.Token, nil), 409, "seat_limit")
	env.Must(t, 204, "DELETE", o.path("/invites/"+idE), o.Owner.Token, nil, nil)
	env.Must(t, 200, "POST", o.path("/invites/"+idD+"/resend"), o.Owner.Token, nil, nil)
	wantSeats(t, "d resent", o.seats(t, o.Owner.Token), 3, 2, 1)
	invariants(t, env)

	env.Advance(t, "30d") // past every expiry: only d (resent) is released
	if n := sxSweep(t, env); n != 1 {
		t.Fatalf("sweep past every expiry released %d seats, want 1 (d)", n)
	}
	wantSeats(t, "all expired and swept", o.seats(t, o.Owner.Token), 2, 2, 0)
	invariants(t, env)
}
