package store

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// ListDueMemberships returns the memberships whose sweep is due at or
// before t (ListDue without the invites). Returns classified DynamoDB
// errors.
func (st *Store) ListDueMemberships(ctx context.Context, t time.Time) ([]domain.MemberKey, error) {
	members, _, err := st.ListDue(ctx, t)
	return members, err
}

// ListDue returns the memberships whose sweep is due at or before t, and
// the pending invites holding a seat that expire at or before t: one
// Query of gsi3 per shard (gsi3pk = EXPIRY#<n>, gsi3sk <= t), keys only.
// Only memberships with an end and pending invites holding a seat are in
// gsi3 (a sparse index); a membership leaves it when its last end is
// removed, an invite when it is accepted, revoked or its seat released,
// so the sweep reads what is due and never the table. gsi3 is eventually
// consistent: the sweep reads each item again, consistently, before it
// acts. Returns classified DynamoDB errors.
func (st *Store) ListDue(ctx context.Context, t time.Time) ([]domain.MemberKey, []domain.InviteKey, error) {
	var members []domain.MemberKey
	var invites []domain.InviteKey
	for shard := range expiryShards {
		items, err := st.queryAll(ctx, &dynamodb.QueryInput{
			TableName: &st.table, IndexName: aws.String(IndexGSI3),
			KeyConditionExpression: aws.String("gsi3pk = :pk AND gsi3sk <= :due"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": s(preExpiry + itoa64(int64(shard))), ":due": s(dueSK(t))},
		})
		if err != nil {
			return nil, nil, err
		}
		for _, raw := range items {
			pk, _ := raw[AttrPK].(*types.AttributeValueMemberS)
			sk, _ := raw[AttrSK].(*types.AttributeValueMemberS)
			if pk == nil || sk == nil {
				continue
			}
			org, okOrg := strings.CutPrefix(pk.Value, "ORG#")
			if !okOrg {
				continue
			}
			if user, ok := strings.CutPrefix(sk.Value, preMember); ok {
				members = append(members, domain.MemberKey{OrgID: org, UserID: user})
			} else if id, ok := strings.CutPrefix(sk.Value, preInvite); ok {
				invites = append(invites, domain.InviteKey{OrgID: org, InviteID: id})
			}
		}
	}
	return members, invites, nil
}
