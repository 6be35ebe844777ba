package localserver

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/members-saas/members/shared/awsenv"
	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/mailer"
)

// AWS is the AWS configuration of the local server and the tests: the
// SDK's full config loader (profiles, SSO; a Lambda gets awsenv.AWS
// instead), c's region, and no retry quota. With a custom endpoint and no
// credentials in the environment, dummy static credentials are used, as
// local emulators only need a signature of some kind. Returns the loader's
// error.
func AWS(ctx context.Context, c config.Config, opts ...func(*awsconfig.LoadOptions) error) (aws.Config, error) {
	opts = append([]func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(c.Region),
		// Locally, an emulator stopped or failing on purpose must not leave
		// the client refusing retries afterwards (the retry quota).
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
		}),
	}, opts...)
	if (c.DynamoEndpoint != "" || c.SESEndpoint != "") && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return awsCfg, nil
}

// Clients holds the AWS clients, built once per process.
type Clients struct {
	DynamoDB *dynamodb.Client
	SES      *sesv2.Client
}

// NewClients builds the AWS clients for c at its endpoints (see AWS).
// Returns the loader's error.
func NewClients(ctx context.Context, c config.Config, opts ...func(*awsconfig.LoadOptions) error) (Clients, error) {
	awsCfg, err := AWS(ctx, c, opts...)
	if err != nil {
		return Clients{}, err
	}
	return ClientsOf(awsCfg, c), nil
}

// ClientsOf builds the AWS clients for c at its endpoints from awsCfg.
func ClientsOf(awsCfg aws.Config, c config.Config) Clients {
	return Clients{DynamoDB: awsenv.DynamoDB(awsCfg, c), SES: mailer.SESClient(awsCfg, c.SESEndpoint)}
}
