package localserver

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/dynamolocal"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/publish"
	"github.com/members-saas/members/shared/store"
)

// Local JWT settings, as the emulated authorizer checks them.
const (
	LocalIssuer   = "https://members.local/auth"
	LocalAudience = "members-console"
)

// Stack is everything `make local` runs in this process: DynamoDB Local
// (unless an endpoint is given), the table and its stream's reader, the
// service and the local API Gateway.
type Stack struct {
	Server         *Server
	Config         config.Config
	Clients        Clients
	DynamoEndpoint string
	// DynamoLocal is the DynamoDB Local process Start ran (nil with an endpoint).
	DynamoLocal *dynamolocal.Server
	// Events are the membership events the table's stream published.
	Events *EventLog
	// Stream reads the table's stream into Events.
	Stream  *StreamReader
	closers []func()
}

// Start builds the stack for c the way a function's main does
// (configuration → AWS clients → store → mailer → service → handler), with
// the emulated authorizer, clock and SES events around it. With
// c.DynamoEndpoint empty it runs DynamoDB Local (dynamolocal: in memory,
// or in c.DynamoData) on a loopback port until Close; it creates the
// table when missing and reads its stream through the code publish-events
// runs into Events. The API and the emulated SES events write their
// metrics to met (nil: none). Returns an error when a
// part does not start (dynamolocal.ErrNoJava, dynamolocal.ErrNoJar, the
// table, its stream).
func Start(ctx context.Context, c config.Config, log *slog.Logger, met *metrics.Sink) (*Stack, error) {
	st := &Stack{Config: c}
	if c.DynamoEndpoint == "" {
		dl, err := dynamolocal.Start(ctx, dynamolocal.Options{DataDir: c.DynamoData})
		if err != nil {
			return nil, err
		}
		st.DynamoLocal = dl
		st.closers = append(st.closers, dl.Stop)
		c.DynamoEndpoint = dl.URL
		st.Config = c
	}
	st.DynamoEndpoint = c.DynamoEndpoint
	awsCfg, err := AWS(ctx, c)
	if err != nil {
		st.Close()
		return nil, err
	}
	cl := ClientsOf(awsCfg, c)
	st.Clients = cl
	_, describeErr := cl.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(c.TableName)})
	existed := describeErr == nil
	if err := store.EnsureTable(ctx, cl.DynamoDB, c.TableName); err != nil {
		st.Close()
		return nil, err
	}
	// A table kept from before member search gets its memberships indexed
	// by address; a new table has none to index.
	if n, err := store.BackfillEmailIndex(ctx, cl.DynamoDB, c.TableName); err != nil {
		st.Close()
		return nil, fmt.Errorf("index members by address: %w", err)
	} else if n > 0 {
		log.Info("indexed existing members by address", "items", n)
	}
	// Likewise its pending invites by sender (gsi1), so a change of their
	// sender's membership finds them.
	if n, err := store.BackfillSenderIndex(ctx, cl.DynamoDB, c.TableName); err != nil {
		st.Close()
		return nil, fmt.Errorf("index pending invites by sender: %w", err)
	} else if n > 0 {
		log.Info("indexed existing pending invites by sender", "items", n)
	}
	// And its organizations get complete project catalogs (GET /me).
	if n, err := store.BackfillProjectCatalogs(ctx, cl.DynamoDB, c.TableName); err != nil {
		st.Close()
		return nil, fmt.Errorf("complete project catalogs: %w", err)
	} else if n > 0 {
		log.Info("completed project catalogs", "organizations", n)
	}
	// Committed audit items become events through the table's stream and
	// the publish-events code, with the event log as the bus.
	arn, err := LatestStreamARN(ctx, cl.DynamoDB, c.TableName)
	if err != nil {
		st.Close()
		return nil, err
	}
	st.Events = &EventLog{Log: log}
	st.closers = append(st.closers, st.Events.Close)
	// Its EventsPublished/EventsFailed counts are not written: they would
	// land in met at the poller's pace, between the requests' own.
	handler := publish.StreamHandler{Publisher: &publish.Publisher{API: st.Events, Bus: "local", Log: log}, Log: log}
	st.Stream = &StreamReader{API: StreamClient(awsCfg, c.DynamoEndpoint), StreamARN: arn, Region: c.Region,
		Handle: handler.Handle, Log: log, FromLatest: existed}
	st.Stream.Start()
	// Stop reading the stream before the event log and DynamoDB Local.
	st.closers = append([]func(){st.Stream.Close}, st.closers...)
	auth, err := NewAuthorizer(LocalIssuer, LocalAudience)
	if err != nil {
		st.Close()
		return nil, err
	}
	clock := &Clock{}
	db := store.New(cl.DynamoDB, c.TableName)
	// The emulated SES event path marks each accepted invite mail "sent".
	pub := &SESEventPublisher{Next: cl.SES, Log: log, Now: clock.Now, Metrics: met}
	mail := mailer.New(pub, c.MailFrom, c.ConfigurationSet)
	svc := domain.NewService(db, mail, c.Service(clock.Now, log))
	pub.Record = svc.RecordDelivery
	st.Server = &Server{API: httpapi.New(svc, log).WithMetrics(met), Auth: auth, Clock: clock, Events: st.Events, Stream: st.Stream}
	return st, nil
}

// Close stops reading the stream, then DynamoDB Local when Start ran it.
func (s *Stack) Close() {
	for _, c := range s.closers {
		c()
	}
}
