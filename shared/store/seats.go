package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// The seat counter: one item per organization (ORG#<orgId>, SEATS) with
// members (its member count), invites (pending invites that hold a seat),
// occupied (members + invites), seatLimit (absent: no limit),
// countInvites (pending invites take seats) and counted (members counts
// every member: true when the item was made with the organization or
// SetSeats counted them). Every transaction that adds or removes a member
// or opens or ends a seat-holding invite updates it with ADD, and one that
// takes a seat is conditioned on the limit, so the check costs no call and
// no count of members, and concurrent joins for the last seats serialize
// on this one item.
type seatsItem struct {
	key
	Type         string `dynamodbav:"type"`
	OrgID        string `dynamodbav:"orgId"`
	Members      int    `dynamodbav:"members"`
	Invites      int    `dynamodbav:"invites"`
	Occupied     int    `dynamodbav:"occupied"`
	SeatLimit    *int   `dynamodbav:"seatLimit,omitempty"`
	CountInvites bool   `dynamodbav:"countInvites"`
	Counted      bool   `dynamodbav:"counted"`
}

func (it seatsItem) domain() domain.Seats {
	return domain.Seats{Limit: it.SeatLimit, CountInvites: it.CountInvites, Members: it.Members, Invites: it.Invites}
}

// seatCond is what a seat update is conditioned on, weakest first.
type seatCond int

const (
	seatFree seatCond = iota // releases, or moves no seat: no condition
	// seatInvite: a new invite takes a seat when pending invites do.
	seatInvite
	// seatJoinHeld: a new member accepting an invite that holds a seat
	// (counted already when pending invites take seats).
	seatJoinHeld
	// seatJoin: a new member nothing reserved a seat for.
	seatJoin
	// seatInvites: several new invites (CreateInvites), only where pending
	// invites take no seats under a limit (a condition cannot add the
	// invites to occupied to check room for all of them).
	seatInvites
)

// seatConditions are the conditions of the seat counter update per
// seatCond (":t" is true). A missing limit allows everything; a
// comparison with a missing countInvites is false.
var seatConditions = map[seatCond]string{
	seatInvite:   "attribute_not_exists(seatLimit) OR NOT countInvites = :t OR occupied < seatLimit",
	seatJoinHeld: "attribute_not_exists(seatLimit) OR countInvites = :t OR members < seatLimit",
	seatJoin: "attribute_not_exists(seatLimit) OR (countInvites = :t AND occupied < seatLimit) OR " +
		"(NOT countInvites = :t AND members < seatLimit)",
	seatInvites: "attribute_not_exists(seatLimit) OR NOT countInvites = :t",
}

// seatDelta is a transaction's net change of one organization's seat
// counter: one item may appear once in a transaction, so every part of
// it adds to this and run writes one update.
type seatDelta struct {
	table, orgID     string
	members, invites int
	cond             seatCond
}

// seat adds members and invites to the transaction's seat change of orgID
// under condition cond (the strongest one asked for wins).
func (t *tx) seat(table, orgID string, members, invites int, cond seatCond) {
	if t.seats == nil {
		t.seats = &seatDelta{table: table, orgID: orgID}
	}
	t.seats.members += members
	t.seats.invites += invites
	t.seats.cond = max(t.seats.cond, cond)
}

// flushSeats adds the seat counter update to the transaction (run calls
// it). A failed condition means domain.ErrSeatLimit.
func (t *tx) flushSeats() {
	d := t.seats
	t.seats = nil
	if d == nil || (d.members == 0 && d.invites == 0 && d.cond == seatFree) {
		return
	}
	vals := map[string]types.AttributeValue{":m": n(int64(d.members)), ":i": n(int64(d.invites)),
		":o": n(int64(d.members + d.invites)), ":type": s("seats"), ":org": s(d.orgID)}
	cond := seatConditions[d.cond]
	if cond != "" {
		vals[":t"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	t.update(d.table, orgPK(d.orgID), skSeats, "ADD members :m, invites :i, occupied :o SET #type = :type, orgId = :org", cond,
		map[string]string{"#type": "type"}, vals, domain.ErrSeatLimit)
}

// newSeats is the seat counter of a new organization with its first member.
func newSeats(orgID string) seatsItem {
	return seatsItem{key: key{orgPK(orgID), skSeats}, Type: "seats", OrgID: orgID, Members: 1, Occupied: 1, Counted: true}
}

// GetOrg reads an organization and its seat counter in one consistent
// BatchGetItem. Returns domain.ErrNotFound for an unknown organization.
func (st *Store) GetOrg(ctx context.Context, orgID string) (domain.Org, domain.Seats, error) {
	items, err := st.getMany(ctx, []key{{orgPK(orgID), skMeta}, {orgPK(orgID), skSeats}})
	if err != nil {
		return domain.Org{}, domain.Seats{}, err
	}
	raw, ok := items[key{orgPK(orgID), skMeta}]
	if !ok {
		return domain.Org{}, domain.Seats{}, domain.ErrNotFound
	}
	var o orgItem
	if err := attributevalue.UnmarshalMap(raw, &o); err != nil {
		return domain.Org{}, domain.Seats{}, err
	}
	var se seatsItem
	if raw, ok := items[key{orgPK(orgID), skSeats}]; ok {
		if err := attributevalue.UnmarshalMap(raw, &se); err != nil {
			return domain.Org{}, domain.Seats{}, err
		}
	}
	return domain.Org{ID: o.OrgID, Name: o.Name, CreatedAt: o.CreatedAt, CreatedBy: o.CreatedBy}, se.domain(), nil
}

// SetSeats sets the seat limit (nil: none) and countInvites, writing
// audit event ev in the same transaction. A counter that does not count
// every member yet (an organization made before seats) gets its members
// counted now (one Query of the organization's member keys; an admin
// action, not a join path), on condition that its counts did not move
// meanwhile. Returns domain.ErrNotFound for an unknown organization,
// domain.ErrConflict when the counter moved.
func (st *Store) SetSeats(ctx context.Context, orgID string, limit *int, countInvites bool, ev domain.AuditEvent) (domain.Seats, error) {
	var se seatsItem
	if err := st.get(ctx, orgPK(orgID), skSeats, &se); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.Seats{}, err
	}
	t := &tx{}
	t.check(st.table, orgPK(orgID), skMeta, "attribute_exists(pk)", domain.ErrNotFound)
	names := map[string]string{"#type": "type"}
	vals := map[string]types.AttributeValue{":count": &types.AttributeValueMemberBOOL{Value: countInvites},
		":true": &types.AttributeValueMemberBOOL{Value: true}, ":type": s("seats"), ":org": s(orgID)}
	set := "SET countInvites = :count, counted = :true, #type = :type, orgId = :org"
	cond := ""
	if !se.Counted {
		members, err := st.countMembers(ctx, orgID)
		if err != nil {
			return domain.Seats{}, err
		}
		// Unchanged since read: no member added or removed while counting.
		vals[":m0"], vals[":i0"] = n(int64(se.Members)), n(int64(se.Invites))
		cond = "attribute_not_exists(counted) AND (attribute_not_exists(members) OR members = :m0) AND " +
			"(attribute_not_exists(invites) OR invites = :i0)"
		se.Members, se.Occupied = members, members+se.Invites
		set += ", members = :m, invites = :i, occupied = :o"
		vals[":m"], vals[":i"], vals[":o"] = n(int64(members)), n(int64(se.Invites)), n(int64(se.Occupied))
	}
	if limit != nil {
		set += ", seatLimit = :limit"
		vals[":limit"] = n(int64(*limit))
	} else {
		set += " REMOVE seatLimit"
	}
	t.update(st.table, orgPK(orgID), skSeats, set, cond, names, vals, domain.ErrConflict)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	if err := t.run(ctx, st.db); err != nil {
		return domain.Seats{}, err
	}
	se.SeatLimit, se.CountInvites = limit, countInvites
	return se.domain(), nil
}

// countMembers counts an organization's members with a consistent Query
// of their keys (SetSeats, once per organization made before seats).
func (st *Store) countMembers(ctx context.Context, orgID string) (int, error) {
	in := st.beginsWith(orgPK(orgID), preMember)
	in.Select = types.SelectCount
	total := 0
	p := dynamodb.NewQueryPaginator(st.db, in)
	for p.HasMorePages() {
		res, err := p.NextPage(ctx)
		if err != nil {
			return 0, classify(err, nil)
		}
		total += int(res.Count)
	}
	return total, nil
}

// check adds a ConditionCheck of item (pk, sk) to the transaction.
func (t *tx) check(table, pk, sk, cond string, kind error) {
	t.checkWith(table, pk, sk, cond, nil, nil, kind)
}
