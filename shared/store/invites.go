package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

func tokenFor(inv domain.Invite) tokenItem {
	snap := toInviteItem(inv)
	snap.GSI1PK, snap.GSI1SK, snap.GSI3PK, snap.GSI3SK = "", "", "", "" // a snapshot is no index entry
	return tokenItem{key: key{tokenPK(inv.TokenHash), skToken}, Type: "token", OrgID: inv.OrgID, InviteID: inv.ID,
		TTL: ttlAt(inv.ExpiresAt.Add(deadInviteRetention)), Invite: &snap}
}

// InviteSnapshot returns the invite as its token item recorded it when the
// token was issued (one consistent read), for the optimistic accept. The
// status in it may be stale. Returns domain.ErrNotFound for unknown or
// revoked tokens, and an Invite with no ID when the item has no snapshot.
func (st *Store) InviteSnapshot(ctx context.Context, tokenHash string) (domain.Invite, error) {
	var tok tokenItem
	if err := st.get(ctx, tokenPK(tokenHash), skToken, &tok); err != nil {
		return domain.Invite{}, err
	}
	if tok.Invite == nil {
		return domain.Invite{}, nil
	}
	return tok.Invite.domain(), nil
}

func openFor(inv domain.Invite) openItem {
	return openItem{key: key{orgPK(inv.OrgID), openSK(inv.Email)}, Type: "openInvite", InviteID: inv.ID,
		TTL: ttlAt(inv.ExpiresAt.Add(deadInviteRetention))}
}

// CreateInvite writes a new invite, its token item and the address's open
// invite claim in one transaction. A claim left by an invite DynamoDB's TTL
// already deleted does not count. Returns domain.ErrExists when the address
// has an open invite, domain.ErrSeatLimit when it holds a seat and none
// is free.
func (st *Store) CreateInvite(ctx context.Context, inv domain.Invite, ev domain.AuditEvent, charge *domain.RateCharge) error {
	t := &tx{}
	t.charge(st.table, charge)
	st.newInvite(t, inv, ev, seatInvite)
	return t.run(ctx, st.db)
}

// newInvite adds to t the items of a new invite: the address's open
// invite claim (on condition there is none, or only one TTL has expired),
// the invite, its token and its audit event, and, when it holds a seat,
// its seat under condition cond.
func (st *Store) newInvite(t *tx, inv domain.Invite, ev domain.AuditEvent, cond seatCond) {
	t.put(st.table, openFor(inv), "attribute_not_exists(pk) OR #ttl < :now", map[string]string{"#ttl": AttrTTL},
		map[string]types.AttributeValue{":now": n(time.Now().Unix())}, domain.ErrExists)
	t.put(st.table, toInviteItem(inv), condNew, nil, nil, domain.ErrExists)
	t.put(st.table, tokenFor(inv), condNew, nil, nil, domain.ErrConflict)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	if inv.HoldsSeat {
		t.seat(st.table, inv.OrgID, 0, 1, cond)
	}
}

// CreateInvites writes several new invites, each as CreateInvite does, and
// the charge once, in one transaction (at most domain.MaxInvitesPerWrite
// invites). When the transaction is cancelled, its cancellation reasons
// tell whose items failed: nothing was written, and failed lists the
// indexes in invs of the invites that cannot be written as they are
// (their open invite claim exists, or another transaction holds one of
// their items), with an error wrapping domain.ErrExists; the others may be
// written again without them. A failed charge returns
// domain.ErrRateLimited or domain.ErrUserRateLimited, other failures
// domain.ErrConflict or domain.ErrThrottled, with no indexes.
//
// The invites that hold seats are counted in one update of the seat
// counter, on condition that pending invites do not take seats under a
// limit (seatInvites): a condition cannot check room for several, so
// then the write fails as a whole with domain.ErrSeatLimit and no
// indexes, and the caller writes each invite alone, checked one by one.
func (st *Store) CreateInvites(ctx context.Context, invs []domain.NewInvite, charge *domain.RateCharge) (failed []int, err error) {
	t := &tx{}
	t.charge(st.table, charge)
	owner := slices.Repeat([]int{-1}, len(t.items)) // the charge's items are no invite's
	for i, ni := range invs {
		st.newInvite(t, ni.Invite, ni.Audit, seatInvites)
		for len(owner) < len(t.items) {
			owner = append(owner, i)
		}
	}
	err = t.run(ctx, st.db)
	var tce *types.TransactionCanceledException
	if err == nil || !errors.As(err, &tce) {
		return nil, err
	}
	for i, r := range tce.CancellationReasons {
		switch code := aws.ToString(r.Code); {
		case code == "" || code == "None":
		case i >= len(owner) || owner[i] < 0:
			return nil, err // a counter: the charge (rate limited, or a conflict) or the seats
		case !slices.Contains(failed, owner[i]):
			failed = append(failed, owner[i])
		}
	}
	if len(failed) == 0 {
		return nil, err
	}
	return failed, fmt.Errorf("%w: invites %v cannot be written: %w", domain.ErrExists, failed, err)
}

// ReplaceInvite overwrites an open invite (new token, roles or expiry),
// deleting the token it had and refreshing its claim, on condition the
// stored invite is still prev's: pending, with prev's token and prev's
// seat. An invite whose seat the sweep released (prev does not hold one)
// takes a seat again when inv holds one, under the seat limit like a new
// invite. Returns domain.ErrConflict when the stored invite changed,
// domain.ErrSeatLimit when it takes a seat and none is free.
func (st *Store) ReplaceInvite(ctx context.Context, inv, prev domain.Invite, ev domain.AuditEvent, charge *domain.RateCharge) error {
	t := &tx{}
	t.charge(st.table, charge)
	vals := map[string]types.AttributeValue{":pending": s(string(domain.InvitePending)), ":h": s(prev.TokenHash)}
	t.put(st.table, toInviteItem(inv), "#st = :pending AND tokenHash = :h AND "+seatHeld(prev.HoldsSeat, vals),
		map[string]string{"#st": "status"}, vals, domain.ErrConflict)
	if prev.TokenHash != inv.TokenHash {
		t.del(st.table, tokenPK(prev.TokenHash), skToken, "", nil, nil, nil)
		t.put(st.table, tokenFor(inv), condNew, nil, nil, domain.ErrConflict)
	}
	t.put(st.table, openFor(inv), "attribute_not_exists(pk) OR inviteId = :id", nil,
		map[string]types.AttributeValue{":id": s(inv.ID)}, domain.ErrConflict)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	if inv.HoldsSeat && !prev.HoldsSeat {
		t.seat(st.table, inv.OrgID, 0, 1, seatInvite)
	}
	return t.run(ctx, st.db)
}

// seatHeld is the condition that a stored invite holds a seat as held
// says (the sweep may have released it since it was read), with its value
// added to vals.
func seatHeld(held bool, vals map[string]types.AttributeValue) string {
	if !held {
		return "attribute_not_exists(seat)"
	}
	vals[":seat"] = &types.AttributeValueMemberBOOL{Value: true}
	return "seat = :seat"
}

// unindexInvite is the update clause, after a SET clause, that takes an
// invite that is no longer pending out of gsi1 (its sender's pending
// invites) and gsi3 (the sweep's seat release).
const unindexInvite = unindexSent + ", " + AttrGSI3PK + ", " + AttrGSI3SK

// ReleaseInviteSeat frees the seat of a pending invite that expired
// (domain.Service.SweepExpiry): in one transaction the invite item loses
// its seat and its gsi3 keys, on condition it is still inv (pending, same
// token and revision, holding a seat) and expired at now; the seat
// counter's invites and occupied drop by one; audit event ev is written.
// Returns domain.ErrConflict when the invite changed (resent, edited,
// accepted, revoked or released meanwhile).
func (st *Store) ReleaseInviteSeat(ctx context.Context, inv domain.Invite, now time.Time, ev domain.AuditEvent) error {
	t := &tx{}
	vals := map[string]types.AttributeValue{":pending": s(string(domain.InvitePending)), ":h": s(inv.TokenHash),
		":nowMs": n(now.UnixMilli())}
	cond := "#st = :pending AND tokenHash = :h AND expiresMs <= :nowMs AND " + seatHeld(true, vals) + " AND " +
		revCondition(inv.Rev, vals)
	t.update(st.table, orgPK(inv.OrgID), inviteSK(inv.ID), "REMOVE seat, "+AttrGSI3PK+", "+AttrGSI3SK, cond,
		map[string]string{"#st": "status"}, vals, domain.ErrConflict)
	t.seat(st.table, inv.OrgID, 0, -1, seatFree)
	it := toAuditItem(ev)
	it.TargetEmail = inv.Email
	t.put(st.table, it, condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// RevokeInvite marks a pending invite revoked and deletes its token and
// claim. Returns domain.ErrConflict when it changed since it was read.
func (st *Store) RevokeInvite(ctx context.Context, inv domain.Invite, ev domain.AuditEvent) error {
	t := &tx{}
	st.revoke(t, inv)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// revoke adds to t the revocation of inv: the invite item marked revoked
// (on condition it is pending with its token) and taken out of its
// sender's pending invites (gsi1) and the sweep's (gsi3), its token and
// claim deleted, its seat (if the stored invite still holds it) freed.
func (st *Store) revoke(t *tx, inv domain.Invite) {
	vals := map[string]types.AttributeValue{":rev": s(string(domain.InviteRevoked)), ":pending": s(string(domain.InvitePending)),
		":h": s(inv.TokenHash)}
	t.update(st.table, orgPK(inv.OrgID), inviteSK(inv.ID), "SET #st = :rev"+unindexInvite, "#st = :pending AND tokenHash = :h AND "+seatHeld(inv.HoldsSeat, vals),
		map[string]string{"#st": "status"}, vals, domain.ErrConflict)
	t.del(st.table, tokenPK(inv.TokenHash), skToken, "", nil, nil, nil)
	t.del(st.table, orgPK(inv.OrgID), openSK(inv.Email), "attribute_not_exists(pk) OR inviteId = :id", nil,
		map[string]types.AttributeValue{":id": s(inv.ID)}, domain.ErrConflict)
	if inv.HoldsSeat {
		t.seat(st.table, inv.OrgID, 0, -1, seatFree)
	}
}

// UpdateInvite overwrites a pending invite with edited terms, keeping its
// token: the invite item (on condition it is still prev: pending, same
// token and revision), the token item's snapshot (so the optimistic accept
// reads the edited terms) and the claim's expiry. Returns
// domain.ErrConflict when the invite changed since it was read.
func (st *Store) UpdateInvite(ctx context.Context, inv, prev domain.Invite, ev domain.AuditEvent) error {
	t := &tx{}
	vals := map[string]types.AttributeValue{":pending": s(string(domain.InvitePending)), ":h": s(prev.TokenHash)}
	t.put(st.table, toInviteItem(inv), "#st = :pending AND tokenHash = :h AND "+revCondition(prev.Rev, vals)+" AND "+seatHeld(prev.HoldsSeat, vals),
		map[string]string{"#st": "status"}, vals, domain.ErrConflict)
	t.put(st.table, tokenFor(inv), "attribute_exists(pk) AND inviteId = :id", nil,
		map[string]types.AttributeValue{":id": s(inv.ID)}, domain.ErrConflict)
	t.put(st.table, openFor(inv), "attribute_not_exists(pk) OR inviteId = :id", nil,
		map[string]types.AttributeValue{":id": s(inv.ID)}, domain.ErrConflict)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// GetInvite returns an invite of an organization, or domain.ErrNotFound.
func (st *Store) GetInvite(ctx context.Context, orgID, inviteID string) (domain.Invite, error) {
	var it inviteItem
	if err := st.get(ctx, orgPK(orgID), inviteSK(inviteID), &it); err != nil {
		return domain.Invite{}, err
	}
	return it.domain(), nil
}

// InviteByToken follows a token hash to its invite, reading the base table
// consistently (an invite is usable the moment it is sent). Returns
// domain.ErrNotFound.
func (st *Store) InviteByToken(ctx context.Context, tokenHash string) (domain.Invite, error) {
	var tok tokenItem
	if err := st.get(ctx, tokenPK(tokenHash), skToken, &tok); err != nil {
		return domain.Invite{}, err
	}
	return st.GetInvite(ctx, tok.OrgID, tok.InviteID)
}

// OpenInviteID returns the open invite id of an address, or domain.ErrNotFound.
func (st *Store) OpenInviteID(ctx context.Context, orgID, email string) (string, error) {
	var it openItem
	if err := st.get(ctx, orgPK(orgID), openSK(email), &it); err != nil {
		return "", err
	}
	if it.TTL < time.Now().Unix() {
		return "", domain.ErrNotFound
	}
	return it.InviteID, nil
}

// ListOpenInvites returns pending invites (status pending, expired or not),
// reading up to limit invite items after position after (the query's
// Limit: fewer are returned when some are accepted or revoked, which the
// FilterExpression drops); next is "" at the end. Returns classified
// DynamoDB errors.
func (st *Store) ListOpenInvites(ctx context.Context, orgID, after string, limit int) ([]domain.Invite, string, error) {
	in := st.beginsWith(orgPK(orgID), preInvite)
	in.Limit = aws.Int32(int32(limit))
	in.FilterExpression = aws.String("#st = :pending")
	in.ExpressionAttributeNames = map[string]string{"#st": "status"}
	in.ExpressionAttributeValues[":pending"] = s(string(domain.InvitePending))
	if after != "" {
		in.ExclusiveStartKey = keyOf(orgPK(orgID), inviteSK(after))
	}
	res, err := st.db.Query(ctx, in)
	if err != nil {
		return nil, "", classify(err, nil)
	}
	out := make([]domain.Invite, 0, len(res.Items))
	for _, raw := range res.Items {
		var it inviteItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, "", err
		}
		out = append(out, it.domain())
	}
	next := ""
	if lek := res.LastEvaluatedKey; len(lek) > 0 {
		if v, ok := lek[AttrSK].(*types.AttributeValueMemberS); ok {
			if id, ok := trimPrefix(v.Value, preInvite); ok {
				next = id
			}
		}
	}
	return out, next, nil
}

// MarkSendFailed records that the email of token tokenHash was not taken
// by SES, with its audit event (domain.AuditInviteDeliveryFailed, by no user).
// Returns domain.ErrConflict when the invite has another token by now, or
// an SES event already recorded its email (SES took it after all), and
// domain.ErrNotFound for an unknown invite.
func (st *Store) MarkSendFailed(ctx context.Context, orgID, inviteID, tokenHash string) error {
	inv, err := st.GetInvite(ctx, orgID, inviteID) // for the address the event is about
	if err != nil {
		return err
	}
	t := &tx{}
	t.update(st.table, orgPK(orgID), inviteSK(inviteID), "SET delivery = :f", "tokenHash = :h AND delivery = :p", nil,
		map[string]types.AttributeValue{":f": s(string(domain.DeliveryFailed)), ":h": s(tokenHash), ":p": s(string(domain.DeliveryPending))},
		domain.ErrConflict)
	now := time.Now()
	t.put(st.table, deliveryFailedItem(domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: orgID, At: now,
		Target: inviteID, Before: map[string]any{"delivery": string(domain.DeliveryPending)},
		After: map[string]any{"delivery": string(domain.DeliveryFailed)}}, inv.Email), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// RecordDeliveryEvent sets the delivery state from an SES event about the
// invite's current email (ev.MailID) and keeps its SES message id. The
// states only move forward, so events arriving out of order or twice
// settle the same way: "sent" only replaces pending or failed (SES took a
// send whose answer was lost), "delivered" never replaces a bounce or a
// complaint. A bounce or complaint also writes an invite.delivery_failed
// audit event, once. Returns domain.ErrConflict for an older email, an
// unknown invite, or an event that would move the state back or repeat a
// failure (domain.ErrNotFound for a failure about an unknown invite).
func (st *Store) RecordDeliveryEvent(ctx context.Context, ev domain.DeliveryEvent) error {
	cond := "mailId = :g"
	vals := map[string]types.AttributeValue{":g": s(ev.MailID), ":m": s(ev.MessageID), ":d": s(string(ev.Kind)),
		":at": s(ev.At.UTC().Format(time.RFC3339Nano))}
	switch ev.Kind {
	case domain.DeliverySent:
		cond += " AND delivery IN (:p, :f)"
		vals[":p"] = s(string(domain.DeliveryPending))
		vals[":f"] = s(string(domain.DeliveryFailed))
	case domain.DeliveryDelivered:
		cond += " AND NOT delivery IN (:b, :c)"
		vals[":b"] = s(string(domain.DeliveryBounced))
		vals[":c"] = s(string(domain.DeliveryComplained))
	}
	if ev.Kind == domain.DeliveryBounced || ev.Kind == domain.DeliveryComplained {
		return st.recordDeliveryFailure(ctx, ev, cond, vals)
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &st.table, Key: keyOf(orgPK(ev.OrgID), inviteSK(ev.InviteID)),
		UpdateExpression:          aws.String(setDelivery),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: vals,
	})
	return classify(err, []error{domain.ErrConflict})
}

const setDelivery = "SET delivery = :d, deliveryAt = :at, messageId = :m"

// recordDeliveryFailure records a bounce or complaint together with its
// audit event (domain.AuditInviteDeliveryFailed, by no user), once: the same
// failure again changes nothing (domain.ErrConflict). It reads the invite
// first for the address the event is about.
func (st *Store) recordDeliveryFailure(ctx context.Context, ev domain.DeliveryEvent, cond string, vals map[string]types.AttributeValue) error {
	inv, err := st.GetInvite(ctx, ev.OrgID, ev.InviteID)
	if err != nil {
		return err
	}
	t := &tx{}
	t.update(st.table, orgPK(ev.OrgID), inviteSK(ev.InviteID), setDelivery, cond+" AND delivery <> :d", nil, vals, domain.ErrConflict)
	t.put(st.table, deliveryFailedItem(domain.AuditEvent{ID: domain.NewID("evt", ev.At), OrgID: ev.OrgID, At: ev.At,
		Target: ev.InviteID, Before: map[string]any{"delivery": string(inv.Delivery)},
		After: map[string]any{"delivery": string(ev.Kind)}}, inv.Email), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// ListAudit returns audit events newest first.
func (st *Store) ListAudit(ctx context.Context, orgID, after string, limit int) ([]domain.AuditEvent, string, error) {
	in := st.beginsWith(orgPK(orgID), preAudit)
	in.ScanIndexForward = aws.Bool(false)
	var start map[string]types.AttributeValue
	if after != "" {
		start = keyOf(orgPK(orgID), auditSK(after))
	}
	items, more, err := st.queryPage(ctx, in, start, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.AuditEvent, 0, len(items))
	for _, raw := range items {
		var it auditItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, "", err
		}
		ev := it.domain()
		ev.OrgID = orgID
		out = append(out, ev)
	}
	next := ""
	if more && len(out) > 0 {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// deliveryFailedItem is the audit item of an invite email that failed
// (ev without action), about the invitee's address email.
func deliveryFailedItem(ev domain.AuditEvent, email string) auditItem {
	ev.Action = domain.AuditInviteDeliveryFailed
	it := toAuditItem(ev)
	it.TargetEmail = email
	return it
}
