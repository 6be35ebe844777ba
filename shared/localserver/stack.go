package localserver

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/dnstxt"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/dynamolocal"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/publish"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/shared/sweep"
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
	tbl, err := store.EnsureTable(ctx, cl.DynamoDB, c.TableName)
	if err != nil {
		st.Close()
		return nil, err
	}
	if !tbl.Created { // a new table has nothing to backfill
		if err := backfill(ctx, cl, c.TableName, log); err != nil {
			st.Close()
			return nil, err
		}
	}
	// Committed audit items become events through the table's stream and
	// the publish-events code, with the event log as the bus.
	if tbl.StreamARN == "" {
		st.Close()
		return nil, fmt.Errorf("table %s has no stream", c.TableName)
	}
	st.Events = &EventLog{Log: log}
	st.closers = append(st.closers, st.Events.Close)
	// Its EventsPublished/EventsFailed counts are not written: they would
	// land in met at the poller's pace, between the requests' own.
	handler := publish.StreamHandler{Publisher: &publish.Publisher{API: st.Events, Bus: "local", Log: log}, Log: log}
	st.Stream = &StreamReader{API: StreamClient(awsCfg, c.DynamoEndpoint), StreamARN: tbl.StreamARN, Region: c.Region,
		Handle: handler.Handle, Log: log, FromLatest: !tbl.Created}
	if err := st.Stream.Start(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("read the stream of table %s: %w", c.TableName, err)
	}
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
	// Domains are verified against DNS_RESOLVER, or a DNS server of this
	// process whose records POST /_local/dns publishes.
	var localDNS *DNS
	resolver := c.DNSResolver
	if resolver == "" {
		if localDNS, err = NewDNS(); err != nil {
			st.Close()
			return nil, fmt.Errorf("start the local DNS server: %w", err)
		}
		st.closers = append(st.closers, localDNS.Close)
		resolver = localDNS.Addr
	}
	sc := c.Service(clock.Now, log)
	sc.Resolver = dnstxt.New(resolver)
	svc := domain.NewService(db, mail, sc)
	pub.Record = svc.RecordDelivery
	st.Server = &Server{API: httpapi.New(svc, log, httpapi.AllOps()...).WithMetrics(met), Auth: auth, Clock: clock, Events: st.Events, Stream: st.Stream,
		Sweep: func(ctx context.Context) (domain.SweepResult, error) { return sweep.Run(ctx, svc, met, log) }, DNS: localDNS}
	return st, nil
}

// SweepEvery runs the expiry sweep (what the expire-members function does
// every 15 minutes in AWS) every d until ctx ends, at the handlers' clock;
// cmd/local runs it every minute. Tests call POST /_local/expire-members
// instead, so they decide when it runs.
func (s *Stack) SweepEvery(ctx context.Context, d time.Duration) {
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = s.Server.Sweep(ctx) // sweep.Run logs and counts failures
			}
		}
	}()
}

// backfill gives the items of a table kept from an older version what
// this one reads: memberships indexed by address, pending invites by
// sender, organizations a complete project catalog.
func backfill(ctx context.Context, cl Clients, table string, log *slog.Logger) error {
	for _, b := range []struct {
		what string
		run  func() (int, error)
	}{
		{"members indexed by address", func() (int, error) { return store.BackfillEmailIndex(ctx, cl.DynamoDB, table) }},
		{"pending invites indexed by sender", func() (int, error) { return store.BackfillSenderIndex(ctx, cl.DynamoDB, table) }},
		{"project catalogs completed", func() (int, error) { return store.BackfillProjectCatalogs(ctx, cl.DynamoDB, table) }},
	} {
		n, err := b.run()
		if err != nil {
			return fmt.Errorf("backfill %s: %w", b.what, err)
		}
		if n > 0 {
			log.Info("backfilled a table from an older version", "what", b.what, "items", n)
		}
	}
	return nil
}

// Close stops reading the stream, then DynamoDB Local when Start ran it.
func (s *Stack) Close() {
	for _, c := range s.closers {
		c()
	}
}
