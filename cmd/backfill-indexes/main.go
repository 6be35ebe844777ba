// Command backfill-indexes gives items stored before an index existed the
// keys that index needs (docs/data-model.md): memberships stored before
// member search get their gsi2 keys (members by address), pending invites
// stored before invites were indexed by sender get their gsi1 keys (so a
// change of their sender's membership finds them), organizations made
// before project catalogs get a complete one (so GET /me reads all their
// projects in one batch). Run it once after a deploy that adds any of them, with credentials that may scan, read and write
// the table:
//
//	TABLE_NAME=<table> AWS_REGION=<region> go run ./cmd/backfill-indexes
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
		fmt.Fprintln(os.Stderr, "backfill-indexes: set "+config.EnvTableName)
		os.Exit(2)
	}
	if c.Region == "" {
		c.Region = config.DefaultRegion
	}
	ctx := context.Background()
	// The SDK's full loader (profiles, SSO), as an operator runs this.
	awsCfg, err := localserver.AWS(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "backfill-indexes:", err)
		os.Exit(1)
	}
	db := awsenv.DynamoDB(awsCfg, c)
	n, err := store.BackfillEmailIndex(ctx, db, c.TableName)
	fmt.Printf("indexed %d memberships by address\n", n)
	if err == nil {
		n, err = store.BackfillSenderIndex(ctx, db, c.TableName)
		fmt.Printf("indexed %d pending invites by sender\n", n)
	}
	if err == nil {
		n, err = store.BackfillProjectCatalogs(ctx, db, c.TableName)
		fmt.Printf("completed %d project catalogs\n", n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "backfill-indexes:", err)
		os.Exit(1)
	}
}
