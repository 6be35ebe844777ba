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

	"github.com/members-saas/members/shared/awsenv"
	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/store"
)

func main() {
	c := config.Config{TableName: os.Getenv(config.EnvTableName), Region: os.Getenv(config.EnvRegion),
		DynamoEndpoint: os.Getenv(config.EnvDynamoDBEndpoint)}
	if c.TableName == "" {
		fmt.Fprintln(os.Stderr, "backfill-email-index: set "+config.EnvTableName)
		os.Exit(2)
	}
	if c.Region == "" {
		c.Region = config.DefaultRegion
	}
	ctx := context.Background()
	// The SDK's full loader (profiles, SSO), as an operator runs this.
	awsCfg, err := localserver.AWS(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "backfill-email-index:", err)
		os.Exit(1)
	}
	n, err := store.BackfillEmailIndex(ctx, awsenv.DynamoDB(awsCfg, c), c.TableName)
	fmt.Printf("indexed %d memberships\n", n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "backfill-email-index:", err)
		os.Exit(1)
	}
}
