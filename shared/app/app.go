// Package app wires the service for local runs and tests: AWS clients from
// the SDK's full config loader (profiles, SSO, custom endpoints), the SES
// mailer and the service. Lambda functions use the leaner lambdaenv.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/lambdaenv"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/store"
)

// Config is the environment of a function (see lambdaenv.Config).
type Config = lambdaenv.Config

// ConfigFromEnv reads Config from the environment (see lambdaenv.ConfigFromEnv).
var ConfigFromEnv = lambdaenv.ConfigFromEnv

// Clients holds the AWS clients, built once per process.
type Clients struct {
	DynamoDB *dynamodb.Client
	SES      *sesv2.Client
}

// NewClients builds the AWS clients. With a custom endpoint and no
// credentials in the environment, dummy static credentials are used, as
// local emulators only need a signature of some kind.
func NewClients(ctx context.Context, c Config, opts ...func(*config.LoadOptions) error) (Clients, error) {
	opts = append([]func(*config.LoadOptions) error{
		config.WithRegion(c.Region),
		// Locally, an emulator stopped or failing on purpose must not leave
		// the client refusing retries afterwards (the retry quota).
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
		}),
	}, opts...)
	if (c.DynamoEndpoint != "" || c.SESEndpoint != "") && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Clients{}, fmt.Errorf("load AWS config: %w", err)
	}
	return Clients{
		DynamoDB: lambdaenv.DynamoDB(awsCfg, c),
		SES:      mailer.SESClient(awsCfg, c.SESEndpoint),
	}, nil
}

// NewService builds the domain service over a DynamoDB client and an SES
// v2 API (the client, or a wrapper of it). now is the clock (time.Now when
// nil).
func NewService(c Config, ddb *dynamodb.Client, ses mailer.API, now func() time.Time, log *slog.Logger) *domain.Service {
	return domain.NewService(store.New(ddb, c.TableName), mailer.New(ses, c.MailFrom, c.ConfigurationSet),
		lambdaenv.ServiceConfig(c, now, log))
}
