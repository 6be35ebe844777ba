package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/members-saas/members/shared/domain"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store implements domain.Store over one DynamoDB table.
type Store struct {
	db    API
	table string
}

var _ domain.Store = (*Store)(nil)

// New returns a Store for table.
func New(db API, table string) *Store { return &Store{db: db, table: table} }

// keyOf returns the primary key attribute map.
func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pk},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue  { return &types.AttributeValueMemberN{Value: itoa64(v)} }

func marshal(v any) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	return m, nil
}

// classify turns SDK errors into the domain's sentinel errors, detecting
// types with errors.As. A transaction's cancellation reasons tell which
// item's condition failed; kinds gives the sentinel for each item index.
func classify(err error, kinds []error) error {
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		// A failed revision check means what was decided on changed: that
		// wins over other failed conditions (a stale read may also fail
		// the owner count), so the caller re-reads and decides afresh.
		for i, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" && i < len(kinds) && errors.Is(kinds[i], domain.ErrConflict) {
				return fmt.Errorf("%w: %w", domain.ErrConflict, err)
			}
		}
		for i, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				if i < len(kinds) && kinds[i] != nil {
					return fmt.Errorf("%w: %w", kinds[i], err)
				}
				return fmt.Errorf("%w: %w", domain.ErrConflict, err)
			case "TransactionConflict":
				return fmt.Errorf("%w: %w", domain.ErrConflict, err)
			case "ThrottlingError", "ProvisionedThroughputExceeded":
				return fmt.Errorf("%w: %w", domain.ErrThrottled, err)
			}
		}
		return fmt.Errorf("%w: %w", domain.ErrConflict, err)
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(kinds) == 1 && kinds[0] != nil {
			return fmt.Errorf("%w: %w", kinds[0], err)
		}
		return fmt.Errorf("%w: %w", domain.ErrConflict, err)
	}
	var tc *types.TransactionConflictException
	var tip *types.TransactionInProgressException
	if errors.As(err, &tc) || errors.As(err, &tip) {
		return fmt.Errorf("%w: %w", domain.ErrConflict, err)
	}
	var pte *types.ProvisionedThroughputExceededException
	var rle *types.RequestLimitExceeded
	var thr *types.ThrottlingException
	var ise *types.InternalServerError
	if errors.As(err, &pte) || errors.As(err, &rle) || errors.As(err, &thr) || errors.As(err, &ise) {
		return fmt.Errorf("%w: %w", domain.ErrThrottled, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorFault() == smithy.FaultServer {
		return fmt.Errorf("%w: %w", domain.ErrThrottled, err)
	}
	return err
}

// get reads one item consistently into out. Returns domain.ErrNotFound.
func (st *Store) get(ctx context.Context, pk, sk string, out any) error {
	res, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return classify(err, nil)
	}
	if len(res.Item) == 0 {
		return domain.ErrNotFound
	}
	return attributevalue.UnmarshalMap(res.Item, out)
}

// tx collects the items of one TransactWriteItems call and, for each, the
// sentinel error its failed condition means.
type tx struct {
	items []types.TransactWriteItem
	kinds []error
	err   error
	// seats is the net seat counter change, written as one update by run.
	seats *seatDelta
}

func (t *tx) put(table string, v any, cond string, names map[string]string, vals map[string]types.AttributeValue, kind error) {
	item, err := marshal(v)
	if err != nil {
		t.err = err
		return
	}
	p := &types.Put{TableName: aws.String(table), Item: item}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
		p.ExpressionAttributeNames = names
		p.ExpressionAttributeValues = vals
	}
	t.items = append(t.items, types.TransactWriteItem{Put: p})
	t.kinds = append(t.kinds, kind)
}

// putRaw is put of an item already in attribute values, on condition cond
// (no names or values).
func (t *tx) putRaw(table string, item map[string]types.AttributeValue, cond string, kind error) {
	p := &types.Put{TableName: aws.String(table), Item: item}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	t.items = append(t.items, types.TransactWriteItem{Put: p})
	t.kinds = append(t.kinds, kind)
}

func (t *tx) update(table, pk, sk, expr, cond string, names map[string]string, vals map[string]types.AttributeValue, kind error) {
	u := &types.Update{TableName: aws.String(table), Key: keyOf(pk, sk), UpdateExpression: aws.String(expr),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals}
	if cond != "" {
		u.ConditionExpression = aws.String(cond)
	}
	t.items = append(t.items, types.TransactWriteItem{Update: u})
	t.kinds = append(t.kinds, kind)
}

func (t *tx) del(table, pk, sk, cond string, names map[string]string, vals map[string]types.AttributeValue, kind error) {
	d := &types.Delete{TableName: aws.String(table), Key: keyOf(pk, sk)}
	if cond != "" {
		d.ConditionExpression = aws.String(cond)
		d.ExpressionAttributeNames = names
		d.ExpressionAttributeValues = vals
	}
	t.items = append(t.items, types.TransactWriteItem{Delete: d})
	t.kinds = append(t.kinds, kind)
}

// run writes the transaction. The SDK fills in an idempotency token, so its
// own retries of one call cannot apply the change twice.
func (t *tx) run(ctx context.Context, db API) error {
	t.flushSeats()
	if t.err != nil {
		return t.err
	}
	if len(t.items) > 100 {
		return fmt.Errorf("transaction of %d items is over DynamoDB's limit of 100", len(t.items))
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
	return classify(err, t.kinds)
}

const condNew = "attribute_not_exists(pk)"

// queryPage runs a Query that reads up to limit items after exclusive
// start position, continuing past DynamoDB's 1 MB pages, and returns the
// position of the next page only when another item exists.
func (st *Store) queryPage(ctx context.Context, in *dynamodb.QueryInput, start map[string]types.AttributeValue, limit int) ([]map[string]types.AttributeValue, bool, error) {
	var out []map[string]types.AttributeValue
	in.ExclusiveStartKey = start
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(out)))
		res, err := st.db.Query(ctx, in)
		if err != nil {
			return nil, false, classify(err, nil)
		}
		out = append(out, res.Items...)
		if len(out) > limit {
			return out[:limit], true, nil
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, false, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// queryAll reads every item of a Query.
func (st *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(st.db, in)
	for p.HasMorePages() {
		res, err := p.NextPage(ctx)
		if err != nil {
			return nil, classify(err, nil)
		}
		out = append(out, res.Items...)
	}
	return out, nil
}

func (st *Store) beginsWith(pk, prefix string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 &st.table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :pre)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(pk), ":pre": s(prefix)},
		ConsistentRead:            aws.Bool(true),
	}
}
