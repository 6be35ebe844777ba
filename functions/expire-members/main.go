// Command expire-members is the Lambda function that ends memberships on
// time: an EventBridge Scheduler schedule (infra/members/expiry.go) invokes
// it every 15 minutes, and it removes the access whose accessExpiresAt has
// passed (audit and event member.expired) and mails members whose access
// ends within 7 days (domain.Service.SweepExpiry). It sends mail
// (routes.SendsMail), so it is wired with SES. The scheduler's payload is
// ignored: each run handles whatever the expiry index says is due.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/members-saas/members/shared/awsenv"
	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/shared/sweep"
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
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (domain.SweepResult, error) {
		return sweep.Run(ctx, svc, met, log)
	})
}
