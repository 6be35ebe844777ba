package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// A sender's pending invites. A pending invite item carries gsi1pk
// SENDER#<userId> (who sent it: invitedBy) and gsi1sk
// ORG#<orgId>#INVITE#<inviteId>; the writes that accept or revoke it
// REMOVE both (unindexSent), so it leaves gsi1, a sparse index. So the
// range ORG#<orgId>#INVITE# of a sender's partition holds exactly their
// pending invites there (expired ones included), and a membership change
// finds the invites its member sent by one Query of it: it reads those
// invites only, whether the organization has 10 invites or 10,000
// (BenchmarkRoleChangeWithInvites).

// unindexSent is the update clause, after a SET clause, that takes an
// invite out of its sender's pending invites.
const unindexSent = " REMOVE " + AttrGSI1PK + ", " + AttrGSI1SK

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
// request path) for pending invites without gsi1pk and sets the two keys
// with UpdateItem, on condition that the invite is still pending and still
// without them (accepted, revoked or indexed meanwhile: skipped). Safe to
// run again and while the service runs. It returns how many items it
// updated.
func BackfillSenderIndex(ctx context.Context, db interface {
	dynamodb.ScanAPIClient
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}, table string) (int, error) {
	return backfill(ctx, db, &dynamodb.ScanInput{
		TableName:                 &table,
		FilterExpression:          aws.String("begins_with(sk, :i) AND #st = :pending AND attribute_not_exists(gsi1pk)"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":i": s(preInvite), ":pending": s(string(domain.InvitePending))},
		ProjectionExpression:      aws.String("pk, sk, orgId, inviteId, invitedBy"),
	}, func(raw map[string]types.AttributeValue) (bool, error) {
		var it inviteItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return false, err
		}
		if it.OrgID == "" || it.InviteID == "" || it.InvitedBy == "" {
			return false, nil
		}
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &table, Key: keyOf(it.PK, it.SK),
			UpdateExpression:         aws.String("SET gsi1pk = :pk, gsi1sk = :sk"),
			ConditionExpression:      aws.String("#st = :pending AND attribute_not_exists(gsi1pk)"),
			ExpressionAttributeNames: map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pending": s(string(domain.InvitePending)),
				":pk": s(senderGSI(it.InvitedBy)), ":sk": s(sentGSI(it.OrgID, it.InviteID))},
		})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) { // accepted, revoked, deleted or indexed meanwhile
			return false, nil
		}
		return err == nil, classify(err, nil)
	})
}
