package domain

import (
	"context"
	"errors"
	"time"
)

// Seats is an organization's seat counter: how many members it has and
// how many pending invites hold a seat, kept by the same transactions
// that add and remove members and open and end invites, so no request
// counts members. Limit nil is no limit.
type Seats struct {
	Limit *int
	// CountInvites: pending invites take seats (seatsCountPendingInvites).
	CountInvites bool
	Members      int
	// Invites is how many pending (or expired, not yet revoked) invites
	// hold a seat.
	Invites int
}

// Used is how many seats are taken: the members, plus the invites that
// hold one when pending invites take seats.
func (s Seats) Used() int {
	if s.CountInvites {
		return s.Members + s.Invites
	}
	return s.Members
}

// MaxSeatLimit bounds seatLimit.
const MaxSeatLimit = 1_000_000

// OrgView is GET and PATCH /orgs/{orgId}: the organization with its seats.
type OrgView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// SeatLimit is null when the organization has none.
	SeatLimit                *int `json:"seatLimit"`
	SeatsUsed                int  `json:"seatsUsed"`
	SeatsCountPendingInvites bool `json:"seatsCountPendingInvites"`
	Members                  int  `json:"members"`
	// PendingInvites are the open invites that hold a seat (counted in
	// seatsUsed when seatsCountPendingInvites).
	PendingInvites int `json:"pendingInvites"`
	// Role and Permissions are the caller's.
	Role        OrgRole      `json:"role"`
	Permissions []Permission `json:"permissions"`
}

// OrgUpdate is PATCH /orgs/{orgId}. Nil fields stay as they are.
type OrgUpdate struct {
	// SeatLimit sets the limit; with RemoveSeatLimit (JSON null) the
	// organization has none.
	SeatLimit                *int
	RemoveSeatLimit          bool
	SeatsCountPendingInvites *bool
}

func orgView(m Membership, o Org, s Seats) OrgView {
	a, _ := orgAccess(m)
	return OrgView{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt, SeatLimit: s.Limit, SeatsUsed: s.Used(),
		SeatsCountPendingInvites: s.CountInvites, Members: s.Members, PendingInvites: s.Invites,
		Role: m.Role, Permissions: nonNil(a.Permissions)}
}

// GetOrg returns the organization with its seats. Needs org:members:read.
// Two store reads: the caller's membership, then the organization and its
// seat counter. Returns unauthorized, org_not_found, forbidden.
func (s *Service) GetOrg(ctx context.Context, id Identity, orgID string) (OrgView, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return OrgView{}, err
	}
	if !canReadOrg(m) {
		return OrgView{}, errForbidden("seeing the organization")
	}
	o, seats, err := s.store.GetOrg(ctx, orgID)
	if errors.Is(err, ErrNotFound) {
		return OrgView{}, errOrgNotFound()
	}
	if err != nil {
		return OrgView{}, storeErr(err)
	}
	return orgView(m, o, seats), nil
}

// UpdateOrg sets the organization's seat limit and whether pending
// invites take seats. Needs org:seats:manage (owners). A limit below the
// seats in use is allowed: it refuses new members until enough leave.
// Returns unauthorized, org_not_found, forbidden, validation_failed.
func (s *Service) UpdateOrg(ctx context.Context, id Identity, orgID string, u OrgUpdate) (OrgView, error) {
	v := Validation{}
	if u.SeatLimit != nil && (*u.SeatLimit < 1 || *u.SeatLimit > MaxSeatLimit) {
		v.Add("seatLimit", "must be a whole number from 1 to %d, or null for no limit", MaxSeatLimit)
	}
	if u.SeatLimit == nil && !u.RemoveSeatLimit && u.SeatsCountPendingInvites == nil {
		v.Add("seatLimit", "give seatLimit, seatsCountPendingInvites or both")
	}
	if err := v.Err(); err != nil {
		return OrgView{}, err
	}
	var out OrgView
	err := retry(func() error {
		m, err := s.membership(ctx, id, orgID)
		if err != nil {
			return err
		}
		if !canManageSeats(m) {
			return errForbidden("changing the organization's seats")
		}
		o, prev, err := s.store.GetOrg(ctx, orgID)
		if errors.Is(err, ErrNotFound) {
			return errOrgNotFound()
		}
		if err != nil {
			return err
		}
		limit, count := prev.Limit, prev.CountInvites
		switch {
		case u.RemoveSeatLimit:
			limit = nil
		case u.SeatLimit != nil:
			limit = u.SeatLimit
		}
		if u.SeatsCountPendingInvites != nil {
			count = *u.SeatsCountPendingInvites
		}
		ev := s.audit(id, orgID, AuditOrgSeatsUpdated, orgID, seatsAudit(prev), seatsAudit(Seats{Limit: limit, CountInvites: count}))
		after, err := s.store.SetSeats(ctx, orgID, limit, count, ev)
		if err != nil {
			return err
		}
		out = orgView(m, o, after)
		return nil
	})
	return out, storeErr(err)
}

func seatsAudit(s Seats) map[string]any {
	out := map[string]any{"seatsCountPendingInvites": s.CountInvites}
	if s.Limit != nil {
		out["seatLimit"] = *s.Limit
	}
	return out
}

// errSeatLimit is the seat_limit error.
func errSeatLimit() error {
	return Errorf(ECodeSeatLimit, "this organization has no free seat; an owner can raise its seat limit or remove members")
}
