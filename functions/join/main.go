// Command join is the Lambda function serving the HTTP API routes that
// shared/routes assigns to "join". It mails approvers and approved requesters.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/members-saas/members/shared/awsenv"
	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/shared/store"
)

func main() {
	log := logging.New(os.Stdout, slog.LevelInfo)
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	aws := awsenv.AWS(cfg.Region, cfg.DynamoEndpoint, cfg.SESEndpoint)
	db := store.New(awsenv.DynamoDB(aws, cfg), cfg.TableName)
	mail := mailer.New(mailer.SESClient(aws, cfg.SESEndpoint), cfg.MailFrom, cfg.ConfigurationSet)
	svc := domain.NewService(db, mail, cfg.Service(nil, log))
	met := metrics.New(os.Stdout) // EMF lines: CloudWatch extracts them from the log
	api := httpapi.New(svc, log, httpapi.JoinOps).WithMetrics(met)
	lambda.Start(api.Function(routes.FnJoin))
}
