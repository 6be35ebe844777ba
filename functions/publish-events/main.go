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

	"github.com/members-saas/members/shared/awsenv"
	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/publish"
)

func main() {
	log := logging.New(os.Stdout, slog.LevelInfo)
	cfg, err := config.PublishFromEnv(os.Getenv)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	aws := awsenv.AWS(cfg.Region, cfg.EventsEndpoint)
	bus := publish.Client(aws, cfg.EventsEndpoint)
	p := &publish.Publisher{API: bus, Bus: cfg.EventBusName, Log: log, Retries: 3}
	met := metrics.New(os.Stdout) // EMF lines: CloudWatch extracts them from the log
	h := publish.StreamHandler{Publisher: p, Log: log, Metrics: met}
	lambda.Start(h.Handle)
}
