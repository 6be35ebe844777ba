package localserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"
	miniserver "github.com/truora/minidyn/server"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/store"
)

// Local JWT settings, as the emulated authorizer checks them.
const (
	LocalIssuer   = "https://members.local/auth"
	LocalAudience = "members-console"
)

// Stack is everything `make local` runs in this process: the embedded
// DynamoDB-compatible server (unless an endpoint is given), the table, the
// service and the local API Gateway.
type Stack struct {
	Server         *Server
	Config         config.Config
	Clients        Clients
	DynamoEndpoint string
	// Events are the membership events the table's stream would publish.
	Events  *EventLog
	closers []func()
}

// Start builds the stack for c the way a function's main does
// (configuration → AWS clients → store → mailer → service → handler), with
// the emulated authorizer, clock and SES events around it. With
// c.DynamoEndpoint empty it serves minidyn on a loopback port; it creates
// the table when missing. The API and the emulated SES events write their
// metrics to met (nil: none).
func Start(ctx context.Context, c config.Config, log *slog.Logger, met *metrics.Sink) (*Stack, error) {
	st := &Stack{Config: c}
	if c.DynamoEndpoint == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen for embedded DynamoDB: %w", err)
		}
		srv := &http.Server{Handler: miniserver.NewServer(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		st.closers = append(st.closers, func() { _ = srv.Close() })
		c.DynamoEndpoint = "http://" + ln.Addr().String()
		st.Config = c
	}
	st.DynamoEndpoint = c.DynamoEndpoint
	// Committed audit items become events, as the stream makes them in AWS.
	st.Events = &EventLog{Log: log}
	st.closers = append(st.closers, st.Events.Close)
	cl, err := NewClients(ctx, c, awsconfig.WithAPIOptions([]func(*middleware.Stack) error{st.Events.AddMiddleware}))
	if err != nil {
		st.Close()
		return nil, err
	}
	st.Clients = cl
	ttlErr, err := store.EnsureTable(ctx, cl.DynamoDB, c.TableName)
	if err != nil {
		st.Close()
		return nil, err
	}
	if ttlErr != nil {
		log.Info("TTL not enabled on this DynamoDB server; expiry is enforced on read anyway", "err", ttlErr.Error())
	}
	// A table kept from before member search (DynamoDB Local) gets its
	// memberships indexed by address; a new table has none to index.
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
	st.Server = &Server{API: httpapi.New(svc, log).WithMetrics(met), Auth: auth, Clock: clock, Events: st.Events}
	return st, nil
}

// Close stops the embedded servers.
func (s *Stack) Close() {
	for _, c := range s.closers {
		c()
	}
}
