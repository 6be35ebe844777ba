package testenv_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/dynamolocal"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

// The fault proxy fails what its rules name, as DynamoDB would answer, and
// passes everything else to DynamoDB Local unchanged.
func TestFaultProxy(t *testing.T) {
	sh := testenv.Parts(t)
	fp, err := testenv.NewFaultProxy(sh.Dynamo.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	db := dynamolocal.Client(srv.URL) // no SDK retries: each answer is seen
	ctx := context.Background()
	for _, name := range []string{"faults-a", "faults-b"} {
		if _, err := store.EnsureTable(ctx, db, name); err != nil {
			t.Fatal(err)
		}
	}
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}, "sk": &types.AttributeValueMemberS{Value: "k"}}
	get := func(table string) error {
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key})
		return err
	}
	tx := func(tables ...string) error {
		var items []types.TransactWriteItem
		for i, tb := range tables {
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "k"}, "sk": &types.AttributeValueMemberS{Value: string(rune('a' + i))}}}})
		}
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		return err
	}

	fp.Fail("faults-a", testenv.FaultInternal)
	var ise *types.InternalServerError
	if err := get("faults-a"); !errors.As(err, &ise) {
		t.Errorf("GetItem of the failed table: %v, want InternalServerError", err)
	}
	if err := get("faults-b"); err != nil {
		t.Errorf("GetItem of another table: %v", err)
	}
	if err := tx("faults-b", "faults-a"); !errors.As(err, &ise) {
		t.Errorf("a transaction touching the failed table: %v, want InternalServerError", err)
	}

	fp.Fail("faults-a", testenv.FaultThrottle, "TransactWriteItems")
	var pte *types.ProvisionedThroughputExceededException
	if err := get("faults-a"); err != nil {
		t.Errorf("GetItem when only TransactWriteItems fails: %v", err)
	}
	if err := tx("faults-a"); !errors.As(err, &pte) {
		t.Errorf("TransactWriteItems: %v, want ProvisionedThroughputExceededException", err)
	}

	fp.Fail("faults-a", testenv.FaultTxCanceled, "TransactWriteItems")
	var tce *types.TransactionCanceledException
	if err := tx("faults-a", "faults-b"); !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 ||
		aws.ToString(tce.CancellationReasons[0].Code) != "TransactionConflict" {
		t.Errorf("TransactWriteItems: %v, want TransactionCanceledException with 2 TransactionConflict reasons", err)
	}

	fp.Fail("faults-a", testenv.FaultNone)
	if err := tx("faults-a"); err != nil {
		t.Errorf("after clearing: %v", err)
	}
}
