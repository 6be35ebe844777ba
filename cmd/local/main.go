// Command local runs the whole Members API on this machine: the route
// table served the way API Gateway serves it (JWT authorizer emulated), the
// same handler code the Lambdas run, AWS's DynamoDB Local (started as a
// child process, stopped on exit) unless DYNAMODB_ENDPOINT is set, the
// table's stream read into membership events, SES through SES_ENDPOINT,
// and the console.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/console"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/metrics"
)

func main() {
	log := logging.New(os.Stderr, slog.LevelInfo)
	cfg, port, err := config.Local(os.Getenv)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The same chain as a function's main (localserver.Start), at the
	// local endpoints; business metrics as EMF lines, in this log as in a
	// function's.
	met := metrics.New(os.Stderr)
	stack, err := localserver.Start(ctx, cfg, log, met)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	defer stack.Close()
	stack.Server.Console = console.Handler(console.Config{Auth: console.AuthLocal})
	// Membership events: GET /_local/events, and POSTed here when set.
	stack.Events.ForwardURL = cfg.LocalEventsURL
	// Expired memberships go, and reminders are mailed, within a minute
	// (POST /_local/expire-members sweeps at once).
	stack.SweepEvery(ctx, time.Minute)

	ln, err := localserver.Listen(cfg.Host, port) // 127.0.0.1 unless HOST says otherwise
	if err != nil {
		log.Error("listen", "err", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: stack.Server, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	dynamo := "DYNAMODB_ENDPOINT"
	if dl := stack.DynamoLocal; dl != nil {
		dynamo = "DynamoDB Local " + dl.Version + ", in memory"
		if cfg.DynamoData != "" {
			dynamo = "DynamoDB Local " + dl.Version + ", data in " + cfg.DynamoData
		}
	}
	log.Info("members local server", "url", "http://localhost:"+port, "listen", ln.Addr().String(),
		"dynamodb", stack.DynamoEndpoint, "dynamodbIs", dynamo,
		"ses", cfg.SESEndpoint, "table", cfg.TableName, "appBaseUrl", cfg.AppBaseURL,
		"events", "http://localhost:"+port+"/_local/events", "eventsForwardedTo", stack.Events.ForwardURL)
	log.Warn(localserver.TokenWarning(ln.Addr().String()))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
