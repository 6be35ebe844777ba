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
// before t: one Query of gsi3 per shard (gsi3pk = EXPIRY#<n>, gsi3sk <=
// t), keys only. Only memberships with an end are in gsi3 (a sparse
// index), and a membership leaves it when its last end is removed, so the
// sweep reads what is due and never the table. gsi3 is eventually
// consistent: the sweep reads each membership again, consistently,
// before it acts. Returns classified DynamoDB errors.
func (st *Store) ListDueMemberships(ctx context.Context, t time.Time) ([]domain.MemberKey, error) {
	var out []domain.MemberKey
	for shard := range expiryShards {
		items, err := st.queryAll(ctx, &dynamodb.QueryInput{
			TableName: &st.table, IndexName: aws.String(IndexGSI3),
			KeyConditionExpression: aws.String("gsi3pk = :pk AND gsi3sk <= :due"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": s(preExpiry + itoa64(int64(shard))), ":due": s(dueSK(t))},
		})
		if err != nil {
			return nil, err
		}
		for _, raw := range items {
			pk, _ := raw[AttrPK].(*types.AttributeValueMemberS)
			sk, _ := raw[AttrSK].(*types.AttributeValueMemberS)
			if pk == nil || sk == nil {
				continue
			}
			org, okOrg := strings.CutPrefix(pk.Value, "ORG#")
			user, okUser := strings.CutPrefix(sk.Value, preMember)
			if okOrg && okUser {
				out = append(out, domain.MemberKey{OrgID: org, UserID: user})
			}
		}
	}
	return out, nil
}
