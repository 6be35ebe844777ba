package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAdmin is the part of the DynamoDB client EnsureTable uses.
type TableAdmin interface {
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
	UpdateTable(context.Context, *dynamodb.UpdateTableInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error)
}

// CreateTableInput is the table's schema, the same the CDK app deploys.
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	str := types.ScalarAttributeTypeS
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: str},
			{AttributeName: aws.String(AttrSK), AttributeType: str},
			{AttributeName: aws.String(AttrGSI1PK), AttributeType: str},
			{AttributeName: aws.String(AttrGSI1SK), AttributeType: str},
			{AttributeName: aws.String(AttrGSI2PK), AttributeType: str},
			{AttributeName: aws.String(AttrGSI2SK), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(IndexGSI1),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(AttrGSI1PK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(AttrGSI1SK), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}, gsi2()},
	}
}

// gsi2 is the members-by-address index (search.go): keys only plus the
// listed fields.
func gsi2() types.GlobalSecondaryIndex {
	return types.GlobalSecondaryIndex{
		IndexName: aws.String(IndexGSI2),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrGSI2PK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrGSI2SK), KeyType: types.KeyTypeRange},
		},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude,
			NonKeyAttributes: GSI2Attributes},
	}
}

// GSI2Attributes are the non-key attributes gsi2 projects: what a member
// list shows.
var GSI2Attributes = []string{"userId", "email", "role", "joinedAt"}

// EnsureTable creates the table when it is missing and waits until it is
// active, then enables TTL. It is for local runs and tests; in AWS the CDK
// app owns the table. A server without UpdateTimeToLive (minidyn) is fine:
// expiry is enforced on read anyway. Returns the TTL error, if any, as
// ttlErr so callers can log it.
//
// A table made before gsi2 existed (e.g. in DynamoDB Local) gets it added;
// store.BackfillEmailIndex then indexes the memberships already there.
func EnsureTable(ctx context.Context, db TableAdmin, name string) (ttlErr error, err error) {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err == nil && desc.Table != nil && !hasIndex(desc.Table, IndexGSI2) {
		in := CreateTableInput(name)
		g := gsi2()
		if _, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
			AttributeDefinitions: in.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection}}},
		}); err != nil {
			return nil, fmt.Errorf("add %s to table %s: %w", IndexGSI2, name, err)
		}
		return nil, waitActive(ctx, db, name)
	}
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		if _, err := db.CreateTable(ctx, CreateTableInput(name)); err != nil {
			var inUse *types.ResourceInUseException
			if !errors.As(err, &inUse) {
				return nil, fmt.Errorf("create table %s: %w", name, err)
			}
		}
		if err := waitActive(ctx, db, name); err != nil {
			return nil, err
		}
		_, ttlErr = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true)}})
		return ttlErr, nil
	case err != nil:
		return nil, fmt.Errorf("describe table %s: %w", name, err)
	}
	return nil, nil
}

// waitActive polls until the table is ACTIVE. A server that reports no
// status at all (minidyn) counts as active: its tables are usable at once.
func waitActive(ctx context.Context, db TableAdmin, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && out.Table != nil && (out.Table.TableStatus == types.TableStatusActive || out.Table.TableStatus == "") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for table %s: %w", name, errors.Join(ctx.Err(), err))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func hasIndex(t *types.TableDescription, name string) bool {
	for _, g := range t.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == name {
			return true
		}
	}
	return false
}
