// Command backfill-email-index indexes by address the memberships stored
// before member search existed (gsi2; docs/data-model.md). Run it once
// after the deploy that adds gsi2, with credentials that may scan and
// update the table:
//
//	TABLE_NAME=<table> AWS_REGION=<region> go run ./cmd/backfill-email-index
//
// It is safe to run again and while the service runs.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/members-saas/members/shared/app"
	"github.com/members-saas/members/shared/store"
)

func main() {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		fmt.Fprintln(os.Stderr, "backfill-email-index: set TABLE_NAME")
		os.Exit(2)
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	ctx := context.Background()
	cl, err := app.NewClients(ctx, app.Config{TableName: table, Region: region, DynamoEndpoint: os.Getenv("DYNAMODB_ENDPOINT")})
	if err != nil {
		fmt.Fprintln(os.Stderr, "backfill-email-index:", err)
		os.Exit(1)
	}
	n, err := store.BackfillEmailIndex(ctx, cl.DynamoDB, table)
	fmt.Printf("indexed %d memberships\n", n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "backfill-email-index:", err)
		os.Exit(1)
	}
}
