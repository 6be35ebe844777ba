// Command access is the Lambda function serving the HTTP API routes that
// shared/routes assigns to "access".
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/members-saas/members/shared/lambdaenv"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/routes"
)

func main() {
	log := logging.New(os.Stdout, slog.LevelInfo)
	api, _, err := lambdaenv.FromEnv(context.Background(), log, nil)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	lambda.Start(api.Function(routes.FnAccess))
}
