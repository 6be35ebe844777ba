// Command publish-events is the Lambda function that publishes membership
// events: the table's DynamoDB stream (new images, filtered to audit
// items by the event source mapping, infra/members/events.go) invokes it,
// and it sends one EventBridge event per audit item to the bus with
// PutEvents, reporting the first record it could not publish
// (ReportBatchItemFailures) so that Lambda retries from there.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/publish"
)

func main() {
	log := logging.New(os.Stdout, slog.LevelInfo)
	c, err := config.PublishFromEnv(os.Getenv)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	p := &publish.Publisher{API: publish.Client(c), Bus: c.EventBusName, Log: log, Retries: 3}
	h := publish.StreamHandler{Publisher: p, Log: log}
	lambda.Start(h.Handle)
}
