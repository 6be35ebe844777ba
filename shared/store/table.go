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
	DescribeTimeToLive(context.Context, *dynamodb.DescribeTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTimeToLiveOutput, error)
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
			{AttributeName: aws.String(AttrGSI3PK), AttributeType: str},
			{AttributeName: aws.String(AttrGSI3SK), AttributeType: str},
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
		}, gsi2(), gsi3()},
		// New images, as the deployed table's stream (infra): publish-events
		// reads the audit items from it.
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
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

// gsi3 is the expiry index (expiry.go): memberships by when the sweep
// next has something to do, keys only.
func gsi3() types.GlobalSecondaryIndex {
	return types.GlobalSecondaryIndex{
		IndexName: aws.String(IndexGSI3),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrGSI3PK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrGSI3SK), KeyType: types.KeyTypeRange},
		},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
	}
}

// GSI2Attributes are the non-key attributes gsi2 projects: what a member
// list shows.
var GSI2Attributes = []string{"userId", "email", "role", "joinedAt"}

// EnsureTable creates the table when it is missing (with its stream of
// new images, as deployed), waits until it and its indexes are active, and
// enables TTL on AttrTTL. It is for local runs and tests; in AWS the CDK
// app owns the table.
//
// A table made by an older version (e.g. kept in DynamoDB Local's data
// folder) gets what it lacks: gsi2 (store.BackfillEmailIndex then indexes
// the memberships already there), the stream, TTL. It returns what it
// found or made, and the first DynamoDB error, wrapped with what it was
// doing.
func EnsureTable(ctx context.Context, db TableAdmin, name string) (Table, error) {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		out, err := db.CreateTable(ctx, CreateTableInput(name))
		var inUse *types.ResourceInUseException
		switch {
		case errors.As(err, &inUse): // made meanwhile by another process
			return ensureExisting(ctx, db, name)
		case err != nil:
			return Table{}, fmt.Errorf("create table %s: %w", name, err)
		}
		t := Table{Created: true, StreamARN: aws.ToString(out.TableDescription.LatestStreamArn)}
		if out.TableDescription.TableStatus != types.TableStatusActive || !indexesActive(out.TableDescription) {
			if err := waitActive(ctx, db, name); err != nil {
				return t, err
			}
		}
		return t, enableTTL(ctx, db, name)
	case err != nil:
		return Table{}, fmt.Errorf("describe table %s: %w", name, err)
	}
	return ensureDescribed(ctx, db, name, desc.Table)
}

// Table is what EnsureTable found or made.
type Table struct {
	// Created is true when EnsureTable created the table (it is empty).
	Created bool
	// StreamARN is the table's stream (LatestStreamArn).
	StreamARN string
}

// ensureExisting is EnsureTable of a table that exists.
func ensureExisting(ctx context.Context, db TableAdmin, name string) (Table, error) {
	if err := waitActive(ctx, db, name); err != nil {
		return Table{}, err
	}
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return Table{}, fmt.Errorf("describe table %s: %w", name, err)
	}
	return ensureDescribed(ctx, db, name, desc.Table)
}

// ensureDescribed adds to the existing table desc what it lacks.
func ensureDescribed(ctx context.Context, db TableAdmin, name string, desc *types.TableDescription) (Table, error) {
	t := Table{StreamARN: aws.ToString(desc.LatestStreamArn)}
	for _, g := range []types.GlobalSecondaryIndex{gsi2(), gsi3()} {
		if hasIndex(desc, aws.ToString(g.IndexName)) {
			continue
		}
		in := CreateTableInput(name)
		if _, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
			AttributeDefinitions: in.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection}}},
		}); err != nil {
			return t, fmt.Errorf("add %s to table %s: %w", aws.ToString(g.IndexName), name, err)
		}
		if err := waitActive(ctx, db, name); err != nil {
			return t, err
		}
	}
	if s := desc.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) {
		out, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
			StreamSpecification: CreateTableInput(name).StreamSpecification})
		if err != nil {
			return t, fmt.Errorf("enable the stream of table %s: %w", name, err)
		}
		t.StreamARN = aws.ToString(out.TableDescription.LatestStreamArn)
		if err := waitActive(ctx, db, name); err != nil {
			return t, err
		}
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return t, fmt.Errorf("describe TTL of table %s: %w", name, err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus == types.TimeToLiveStatusDisabled {
		return t, enableTTL(ctx, db, name)
	}
	return t, nil
}

// enableTTL has DynamoDB delete items once their AttrTTL has passed (the
// store also ignores them on read until then).
func enableTTL(ctx context.Context, db TableAdmin, name string) error {
	if _, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true)}}); err != nil {
		return fmt.Errorf("enable TTL on table %s: %w", name, err)
	}
	return nil
}

// waitActive polls until the table and its indexes are ACTIVE.
func waitActive(ctx context.Context, db TableAdmin, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && out.Table != nil && out.Table.TableStatus == types.TableStatusActive && indexesActive(out.Table) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for table %s: %w", name, errors.Join(ctx.Err(), err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func indexesActive(t *types.TableDescription) bool {
	for _, g := range t.GlobalSecondaryIndexes {
		if g.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

func hasIndex(t *types.TableDescription, name string) bool {
	for _, g := range t.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == name {
			return true
		}
	}
	return false
}
