package store_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/store"
)

// EnsureTable makes the deployed schema on DynamoDB Local: the three indexes,
// the stream of new images, TTL on ttl; a second call finds it and makes
// nothing.
func TestEnsureTable(t *testing.T) {
	ctx := context.Background()
	_, db, table := newStoreDB(t) // newStoreDB ran EnsureTable once
	again, err := store.EnsureTable(ctx, db, table)
	mustNil(t, err)
	if again.Created || again.StreamARN == "" {
		t.Errorf("second EnsureTable: %+v, want found with its stream", again)
	}
	d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	mustNil(t, err)
	if s := d.Table.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) || s.StreamViewType != types.StreamViewTypeNewImage {
		t.Errorf("stream %+v, want new images", d.Table.StreamSpecification)
	}
	if aws.ToString(d.Table.LatestStreamArn) != again.StreamARN {
		t.Errorf("stream ARN %s, EnsureTable said %s", aws.ToString(d.Table.LatestStreamArn), again.StreamARN)
	}
	var idx []string
	for _, g := range d.Table.GlobalSecondaryIndexes {
		idx = append(idx, aws.ToString(g.IndexName))
	}
	if len(idx) != 3 {
		t.Errorf("indexes %v, want gsi1, gsi2 and gsi3", idx)
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	mustNil(t, err)
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != store.AttrTTL {
		t.Errorf("TTL %+v, want enabled on %s", ttl.TimeToLiveDescription, store.AttrTTL)
	}
}
