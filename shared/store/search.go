package store

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// Member search by address. Every organization and project membership item
// carries gsi2pk (its own pk: ORG#<orgId> or PROJECT#<projectId>) and
// gsi2sk (the address, lowercase as stored, a space, the user id), so
// gsi2 holds each organization's and project's members sorted by address:
// a prefix search is one Query of begins_with(gsi2sk, prefix) that reads
// only the page it returns, at 10 members or 10,000. The space sorts below
// every character an address or a user id may hold, so "ada@x.io" comes
// before "ada@x.io.uk", and the user id keeps keys unique.

// byEmailSK is gsi2sk for a member.
func byEmailSK(email, userID string) string { return email + " " + userID }

// SearchMembers pages through an organization's members whose address
// starts with prefix (lowercase; "" for all), by address. after is the
// previous page's position ("" for the first). gsi2 is eventually
// consistent: for display, never for decisions.
func (st *Store) SearchMembers(ctx context.Context, orgID, prefix, after string, limit int) ([]domain.Member, string, error) {
	return st.searchMembers(ctx, orgPK(orgID), prefix, after, limit)
}

// SearchProjectMembers is SearchMembers for a project.
func (st *Store) SearchProjectMembers(ctx context.Context, orgID, projectID, prefix, after string, limit int) ([]domain.Member, string, error) {
	return st.searchMembers(ctx, projectPK(projectID), prefix, after, limit)
}

func (st *Store) searchMembers(ctx context.Context, pk, prefix, after string, limit int) ([]domain.Member, string, error) {
	in := &dynamodb.QueryInput{
		TableName: &st.table, IndexName: aws.String(IndexGSI2),
		KeyConditionExpression:    aws.String("gsi2pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(pk)},
		ProjectionExpression:      aws.String("userId, email, #role, joinedAt"),
		ExpressionAttributeNames:  map[string]string{"#role": "role"},
	}
	if prefix != "" {
		in.KeyConditionExpression = aws.String("gsi2pk = :pk AND begins_with(gsi2sk, :pre)")
		in.ExpressionAttributeValues[":pre"] = s(prefix)
	}
	var start map[string]types.AttributeValue
	if after != "" {
		i := strings.LastIndexByte(after, ' ')
		if i < 0 { // not a position this store issued (cursors are signed, so never)
			return nil, "", &domain.Error{Code: domain.ECodeInvalidCursor, Message: "this cursor is not one this list issued; start again from the first page",
				Fields: []domain.FieldError{{Field: "cursor", Message: "is not a cursor from this list"}}}
		}
		start = keyOf(pk, memberSK(after[i+1:]))
		start[AttrGSI2PK], start[AttrGSI2SK] = s(pk), s(after)
	}
	return st.memberPage(ctx, in, start, limit, func(m domain.Member) string { return byEmailSK(m.Email, m.UserID) })
}

// BackfillEmailIndex gives every membership item written before gsi2
// existed its gsi2 keys, so search finds it: it scans the table (an admin
// task, never a request path) and updates only items that lack them, on
// condition they still exist and still lack them. Safe to run again and
// while the service runs. It returns how many items it updated.
func BackfillEmailIndex(ctx context.Context, db interface {
	dynamodb.ScanAPIClient
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}, table string) (int, error) {
	return backfill(ctx, db, &dynamodb.ScanInput{
		TableName:                 &table,
		FilterExpression:          aws.String("begins_with(sk, :m) AND attribute_not_exists(gsi2pk) AND attribute_exists(email)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":m": s(preMember)},
		ProjectionExpression:      aws.String("pk, sk, email, userId"),
	}, func(it map[string]types.AttributeValue) (bool, error) {
		pk, _ := it[AttrPK].(*types.AttributeValueMemberS)
		sk, _ := it[AttrSK].(*types.AttributeValueMemberS)
		email, _ := it["email"].(*types.AttributeValueMemberS)
		uid, _ := it["userId"].(*types.AttributeValueMemberS)
		if pk == nil || sk == nil || email == nil || uid == nil {
			return false, nil
		}
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &table, Key: keyOf(pk.Value, sk.Value),
			UpdateExpression:    aws.String("SET gsi2pk = :pk, gsi2sk = :sk"),
			ConditionExpression: aws.String("attribute_exists(pk) AND attribute_not_exists(gsi2pk)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": s(pk.Value), ":sk": s(byEmailSK(email.Value, uid.Value))},
		})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) { // removed or indexed meanwhile
			return false, nil
		}
		return err == nil, classify(err, nil)
	})
}

// backfill scans the table with in (an admin task, never a request path)
// and calls index for every item the scan returns. Returns how many items
// index updated, and the first error of the scan or of index.
func backfill(ctx context.Context, db dynamodb.ScanAPIClient, in *dynamodb.ScanInput,
	index func(map[string]types.AttributeValue) (bool, error)) (int, error) {
	p := dynamodb.NewScanPaginator(db, in)
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, classify(err, nil)
		}
		for _, it := range page.Items {
			done, err := index(it)
			if err != nil {
				return n, err
			}
			if done {
				n++
			}
		}
	}
	return n, nil
}
