package integration

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

// orgSeats is GET and PATCH /orgs/{orgId}.
type orgSeats struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name"`
	SeatLimit                *int     `json:"seatLimit"`
	SeatsUsed                int      `json:"seatsUsed"`
	SeatsCountPendingInvites bool     `json:"seatsCountPendingInvites"`
	Members                  int      `json:"members"`
	PendingInvites           int      `json:"pendingInvites"`
	Role                     string   `json:"role"`
	Permissions              []string `json:"permissions"`
}

func (o *mgOrg) seats(t *testing.T, token string) orgSeats {
	t.Helper()
	var v orgSeats
	o.env.Must(t, 200, "GET", o.path(""), token, nil, &v)
	return v
}

func (o *mgOrg) setSeats(t *testing.T, body map[string]any) orgSeats {
	t.Helper()
	var v orgSeats
	o.env.Must(t, 200, "PATCH", o.path(""), o.Owner.Token, body, &v)
	return v
}

// wantSeats checks seatsUsed, members and pending invites holding a seat.
func wantSeats(t *testing.T, what string, v orgSeats, used, members, invites int) {
	t.Helper()
	if v.SeatsUsed != used || v.Members != members || v.PendingInvites != invites {
		t.Fatalf("%s: seatsUsed %d, members %d, pendingInvites %d; want %d, %d, %d", what, v.SeatsUsed, v.Members,
			v.PendingInvites, used, members, invites)
	}
}

// TestSeats: an owner sets a seat limit; every way of adding a member
// (an existing account invited, an invite accepted) refuses past it with
// 409 seat_limit, removal frees a seat, and with seatsCountPendingInvites
// pending invites hold seats until accepted or revoked.
func TestSeats(t *testing.T) {
	env := testenv.New(t)
	o := mgNewOrg(t, env, "seats")
	v := o.seats(t, o.Owner.Token)
	if v.SeatLimit != nil || v.Name != "seats" || v.Role != "owner" {
		t.Fatalf("new organization: %+v", v)
	}
	wantSeats(t, "new organization", v, 1, 1, 0)

	manager := o.member(t, "seats-manager", "manager", nil, "")
	member := o.member(t, "seats-member", "member", nil, "")
	wantSeats(t, "two added", o.seats(t, member.Token), 3, 3, 0)
	// Only owners set seats; every member sees them; others see nothing.
	for _, u := range []testenv.User{manager, member} {
		wantProblem(t, env.Do(t, "PATCH", o.path(""), u.Token, map[string]any{"seatLimit": 10}), 403, "forbidden")
	}
	stranger := register(t, env, "seats-stranger")
	wantProblem(t, env.Do(t, "GET", o.path(""), stranger.Token, nil), 404, "org_not_found")
	wantProblem(t, env.Do(t, "PATCH", o.path(""), stranger.Token, map[string]any{"seatLimit": 10}), 404, "org_not_found")
	for _, bad := range []map[string]any{{"seatLimit": 0}, {"seatLimit": "ten"}, {"seatLimit": 1.5}, {}, {"seatLimit": 2000000}} {
		p := wantProblem(t, env.Do(t, "PATCH", o.path(""), o.Owner.Token, bad), 400, "validation_failed")
		if len(p.Errors) == 0 || p.Errors[0].Field != "seatLimit" {
			t.Errorf("PATCH %v: %+v, want a seatLimit field error", bad, p)
		}
	}
	wantProblem(t, env.Do(t, "PATCH", o.path(""), o.Owner.Token, map[string]any{"seatsCountPendingInvites": "yes"}), 400, "validation_failed")

	v = o.setSeats(t, map[string]any{"seatLimit": 4})
	if v.SeatLimit == nil || *v.SeatLimit != 4 || v.SeatsCountPendingInvites {
		t.Fatalf("after PATCH: %+v", v)
	}
	// The fourth seat goes to an invite accepted; the fifth is refused on
	// every path.
	email, _ := o.pending(t, "seats-ada", nil)
	ada := env.SignIn(t, email)
	env.Must(t, 200, "POST", "/invites/accept", ada.Token, map[string]string{"token": env.LastInviteToken(t, email)}, nil)
	wantSeats(t, "full", o.seats(t, o.Owner.Token), 4, 4, 0)

	grace := register(t, env, "seats-grace")
	r := o.invite(t, o.Owner, map[string]any{"emails": []string{grace.Email}})
	if r.Status != "failed" || r.Error == nil || r.Error.Code != "seat_limit" || r.Error.Status != 409 {
		t.Fatalf("adding an existing account past the limit: %+v", r)
	}
	email, _ = o.pending(t, "seats-bob", nil) // invites do not hold seats: it is sent
	bob := env.SignIn(t, email)
	tok := env.LastInviteToken(t, email)
	wantProblem(t, env.Do(t, "POST", "/invites/accept", bob.Token, map[string]string{"token": tok}), 409, "seat_limit")
	// An existing member gaining access takes no seat.
	prj := o.project(t, "Web")
	if r := o.invite(t, o.Owner, map[string]any{"emails": []string{member.Email}, "projectIds": []string{prj}, "projectRole": "viewer"}); r.Status != "added" {
		t.Fatalf("a member given a project at the limit: %+v", r)
	}

	// Removal frees a seat: bob's invite now works.
	env.Must(t, 204, "DELETE", o.path("/members/"+member.ID), o.Owner.Token, nil, nil)
	wantSeats(t, "one removed (bob's invite is pending)", o.seats(t, o.Owner.Token), 3, 3, 1)
	env.Must(t, 200, "POST", "/invites/accept", bob.Token, map[string]string{"token": tok}, nil)
	wantSeats(t, "bob joined", o.seats(t, o.Owner.Token), 4, 4, 0)
	// Leaving frees one too.
	env.Must(t, 204, "DELETE", o.path("/members/"+bob.ID), bob.Token, nil, nil)

	// Pending invites hold seats: 3 members, limit 5 → two invites fit.
	v = o.setSeats(t, map[string]any{"seatLimit": 5, "seatsCountPendingInvites": true})
	wantSeats(t, "counting invites", v, 3, 3, 0)
	c1, id1 := o.pending(t, "seats-c1", nil)
	_, id2 := o.pending(t, "seats-c2", nil)
	wantSeats(t, "two pending", o.seats(t, o.Owner.Token), 5, 3, 2)
	r = o.invite(t, o.Owner, map[string]any{"emails": []string{testenv.Email("seats-c3")}})
	if r.Status != "failed" || r.Error == nil || r.Error.Code != "seat_limit" {
		t.Fatalf("an invite past the limit when invites hold seats: %+v", r)
	}
	// Resending or refreshing an invite keeps its one seat.
	env.Must(t, 200, "POST", o.path("/invites/"+id1+"/resend"), o.Owner.Token, nil, nil)
	wantSeats(t, "resent", o.seats(t, o.Owner.Token), 5, 3, 2)
	// Accepting turns the invite's seat into the member's, even at the limit.
	c1u := env.SignIn(t, c1)
	env.Must(t, 200, "POST", "/invites/accept", c1u.Token, map[string]string{"token": env.LastInviteToken(t, c1)}, nil)
	wantSeats(t, "accepted at the limit", o.seats(t, o.Owner.Token), 5, 4, 1)
	// Revoking frees the seat.
	env.Must(t, 204, "DELETE", o.path("/invites/"+id2), o.Owner.Token, nil, nil)
	wantSeats(t, "revoked", o.seats(t, o.Owner.Token), 4, 4, 0)
	// Not counting invites any more: the count stays kept meanwhile.
	_, _ = o.pending(t, "seats-c4", nil)
	v = o.setSeats(t, map[string]any{"seatsCountPendingInvites": false})
	wantSeats(t, "invites not counted", v, 4, 4, 1)
	// null removes the limit.
	v = o.setSeats(t, map[string]any{"seatLimit": nil})
	if v.SeatLimit != nil {
		t.Fatalf("seatLimit null: %+v", v)
	}
	if r := o.invite(t, o.Owner, map[string]any{"emails": []string{grace.Email}}); r.Status != "added" {
		t.Fatalf("no limit: %+v", r)
	}

	// The audit trail records every seat change.
	n := 0
	for _, ev := range o.audit(t, o.Owner.Token, 100) {
		if ev.Action == "org.seats_updated" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d org.seats_updated audit events, want 4", n)
	}
	invariants(t, env)
}

// TestSeatsRace: 20 invitees accept at once when 3 seats are free: exactly
// 3 join, the others get 409 seat_limit, and the counter matches the table.
func TestSeatsRace(t *testing.T) {
	env := testenv.New(t)
	o := mgNewOrg(t, env, "seatrace")
	const n, free = 20, 3
	type invitee struct {
		user  testenv.User
		token string
	}
	var all []invitee
	for i := range n {
		email, _ := o.pending(t, fmt.Sprintf("seatrace-%d", i), nil)
		all = append(all, invitee{env.SignIn(t, email), env.LastInviteToken(t, email)})
	}
	o.setSeats(t, map[string]any{"seatLimit": 1 + free})
	var res outcomes
	wantSeats(t, "before the race", o.seats(t, o.Owner.Token), 1, 1, n)
	peak := burst(n, func(i int) {
		r, err := call(env, "POST", "/invites/accept", all[i].user.Token, map[string]string{"token": all[i].token})
		res.add("accept", r, err)
	})
	res.clean(t)
	st := res.statuses("accept")
	if st[200] != free || st[409] != n-free {
		t.Fatalf("20 accepts for %d seats: %v (peak %d in flight), want %d × 200 and %d × 409", free, st, peak, free, n-free)
	}
	for _, b := range res.bodies("accept", 409) {
		if !bytes.Contains(b, []byte(`"seat_limit"`)) {
			t.Errorf("409 without seat_limit: %s", b)
		}
	}
	wantSeats(t, "after the race", o.seats(t, o.Owner.Token), 1+free, 1+free, n-free)
	if got := len(listMembers(t, env, o.Owner.Token, o.path("/members"))); got != 1+free {
		t.Fatalf("%d members, want %d", got, 1+free)
	}
	invariants(t, env)
}
