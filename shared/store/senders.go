package store

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// A sender's pending invites. Every invite item carries gsi1pk
// SENDER#<userId> (who sent it: invitedBy); while it is pending, gsi1sk is
// ORG#<orgId>#INVITE#<inviteId>, and the writes that accept or revoke it
// change gsi1sk to ENDED#ORG#<orgId>#INVITE#<inviteId> (unindexSent). So
// the range ORG#<orgId>#INVITE# of a sender's partition holds exactly
// their pending invites there (expired ones included), and a membership
// change finds the invites its member sent by one Query of it: it reads
// those invites only, whether the organization has 10 invites or 10,000
// (BenchmarkRoleChangeWithInvites).
//
// Ended invites are moved out of the range rather than out of the index
// (REMOVE gsi1pk, a sparse index) because the embedded DynamoDB-compatible
// server the tests run on (minidyn v0.8.2) ignores REMOVE of a top-level
// attribute: the tests could not check what DynamoDB would do. They stay
// in the index, never read, until DynamoDB's TTL deletes their item.

// unindexSent is the update clause (", gsi1sk = :ended", after a SET) that
// moves inv out of its sender's pending invites, adding its value to vals.
func unindexSent(inv domain.Invite, vals map[string]types.AttributeValue) string {
	vals[":ended"] = s(endedGSI(inv.OrgID, inv.ID))
	return ", gsi1sk = :ended"
}

// ListPendingInvitesBySender returns the pending invites (expired or not)
// of organization orgID that userID sent. It finds them in gsi1 (every
// page), then reads them again from the base table consistently, in one
// BatchGetItem per 100, and keeps those still pending and still sent by
// userID: the index is eventually consistent, the decision is not made on
// it. An invite written in the instant before the call may not be in the
// index yet (docs/data-model.md). Returns classified DynamoDB errors.
func (st *Store) ListPendingInvitesBySender(ctx context.Context, orgID, userID string) ([]domain.Invite, error) {
	items, err := st.queryAll(ctx, &dynamodb.QueryInput{
		TableName: &st.table, IndexName: aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :s AND begins_with(gsi1sk, :pre)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s(senderGSI(userID)), ":pre": s(sentPrefix(orgID))},
		ProjectionExpression:      aws.String("pk, sk"),
	})
	if err != nil || len(items) == 0 {
		return nil, err
	}
	keys := make([]key, 0, len(items))
	for _, raw := range items {
		var k key
		if err := attributevalue.UnmarshalMap(raw, &k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	got, err := st.getMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []domain.Invite
	for _, k := range keys { // in gsi1's order: by invite id, oldest first
		raw, ok := got[k]
		if !ok {
			continue
		}
		var it inviteItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		if it.Status == string(domain.InvitePending) && it.InvitedBy == userID {
			out = append(out, it.domain())
		}
	}
	return out, nil
}

// BackfillSenderIndex gives every pending invite item written before
// invites were indexed by sender its gsi1 keys, so a change of its
// sender's membership finds it: it scans the table (an admin task, never a
// request path) for pending invites without gsi1pk and writes each again
// with its keys, on condition that none of what a request may change on a
// pending invite changed since the scan read it (after a lost race it
// reads the item again, up to 3 times). Safe to run again and while the
// service runs. It returns how many items it updated.
//
// It puts whole items rather than updating two attributes: the embedded
// test server (minidyn v0.8.2) corrupts an index when an UpdateItem adds
// index keys to an item, and the two writes are the same in DynamoDB.
func BackfillSenderIndex(ctx context.Context, db interface {
	dynamodb.ScanAPIClient
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}, table string) (int, error) {
	return backfill(ctx, db, &dynamodb.ScanInput{
		TableName:                 &table,
		FilterExpression:          aws.String("begins_with(sk, :i) AND #st = :pending AND attribute_not_exists(gsi1pk)"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":i": s(preInvite), ":pending": s(string(domain.InvitePending))},
	}, func(raw map[string]types.AttributeValue) (bool, error) { return indexSender(ctx, db, table, raw) })
}

// mutableInvite are the attributes a request may change on a pending
// invite (status, refresh and resend, edit, delivery).
var mutableInvite = []string{"status", "tokenHash", "mailId", "rev", "delivery", "deliveryAt", "messageId", "gsi1pk"}

// indexSender writes raw, a pending invite item without gsi1 keys, again
// with them, unless it changed meanwhile into one that needs none.
func indexSender(ctx context.Context, db interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}, table string, raw map[string]types.AttributeValue) (bool, error) {
	for range 3 {
		var it inviteItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return false, err
		}
		if it.Status != string(domain.InvitePending) || it.GSI1PK != "" || it.OrgID == "" || it.InviteID == "" || it.InvitedBy == "" {
			return false, nil
		}
		cond := "attribute_exists(pk)"
		names, vals := map[string]string{}, map[string]types.AttributeValue{}
		for i, a := range mutableInvite {
			n, v := fmt.Sprintf("#m%d", i), fmt.Sprintf(":m%d", i)
			names[n] = a
			if cur, ok := raw[a]; ok {
				cond += " AND " + n + " = " + v
				vals[v] = cur
			} else {
				cond += " AND attribute_not_exists(" + n + ")"
			}
		}
		item := maps.Clone(raw)
		item[AttrGSI1PK], item[AttrGSI1SK] = s(senderGSI(it.InvitedBy)), s(sentGSI(it.OrgID, it.InviteID))
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item, ConditionExpression: &cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals})
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return err == nil, classify(err, nil)
		}
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: keyOf(it.PK, it.SK), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return false, classify(err, nil)
		}
		if out.Item == nil {
			return false, nil
		}
		raw = out.Item
	}
	return false, fmt.Errorf("index invite by sender: %w", domain.ErrConflict)
}
