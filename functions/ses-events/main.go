// Command ses-events is the Lambda function that records SES delivery,
// bounce and complaint events on invites. SES publishes them to an SNS
// topic (infra/members/mail.go) that invokes this function asynchronously.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/members-saas/members/shared/awsenv"
	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/shared/sesevents"
	"github.com/members-saas/members/shared/store"
)

// handler applies SES events to invites through the domain service and
// counts their outcomes as delivery metrics.
type handler struct {
	svc *domain.Service
	log *slog.Logger
	met *metrics.Sink
}

// errRetry is what Lambda sees when an event could not be recorded; the
// details are in the log.
var errRetry = errors.New("some delivery events could not be recorded; see the log")

// handle records every delivery event of the batch. Records that cannot be
// read are logged and skipped: a retry would not make them readable. When
// recording fails (the table is unavailable) it returns an error so that
// Lambda retries the invocation; recording is idempotent, so the events
// already applied settle the same way again. The outcomes are counted
// once per invocation, so a retried batch is counted again (rare: only
// when the table was unavailable).
func (h handler) handle(ctx context.Context, ev events.SNSEvent) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		ctx = logging.WithRequestID(ctx, lc.AwsRequestID)
	}
	if err := h.met.Emit(routes.FnSESEvents, sesevents.Outcomes(ev), nil); err != nil {
		h.log.WarnContext(ctx, "metrics not written", "err", err)
	}
	ds, err := sesevents.FromSNS(ev)
	if err != nil {
		h.log.WarnContext(ctx, "unreadable SES events skipped", "err", err)
	}
	failed := 0
	for _, d := range ds {
		if err := h.svc.RecordDelivery(ctx, d); err != nil {
			failed++
			h.log.ErrorContext(ctx, "delivery event not recorded", "org", d.OrgID, "invite", d.InviteID,
				"kind", d.Kind, "err", err)
			continue
		}
		h.log.InfoContext(ctx, "delivery event", "org", d.OrgID, "invite", d.InviteID, "kind", d.Kind)
	}
	if failed > 0 {
		return errRetry
	}
	return nil
}

func main() {
	log := logging.New(os.Stdout, slog.LevelInfo)
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	aws := awsenv.AWS(cfg.Region, cfg.DynamoEndpoint, cfg.SESEndpoint)
	db := store.New(awsenv.DynamoDB(aws, cfg), cfg.TableName)
	mail := awsenv.NoMail // it records delivery events; it sends nothing
	svc := domain.NewService(db, mail, cfg.Service(nil, log))
	met := metrics.New(os.Stdout) // EMF lines: CloudWatch extracts them from the log
	lambda.Start(handler{svc: svc, log: log, met: met}.handle)
}
