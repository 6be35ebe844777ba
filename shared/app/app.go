// Package app reads the service's configuration from the environment and
// builds its AWS clients and service once, for the Lambda mains and the
// local server alike.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/store"
)

// Config is the environment of a function.
type Config struct {
	TableName        string // TABLE_NAME (required)
	AppBaseURL       string // APP_BASE_URL (required): the console origin for links
	MailFrom         string // MAIL_FROM (required)
	ConfigurationSet string // SES_CONFIGURATION_SET (optional)
	DynamoEndpoint   string // DYNAMODB_ENDPOINT (optional: DynamoDB Local, minidyn)
	SESEndpoint      string // SES_ENDPOINT (optional: the SES v2 emulator)
	Region           string // AWS_REGION (default us-east-1)
	CursorKey        string // CURSOR_KEY (optional: signs pagination cursors)
	// InviteEmailsPerHour is INVITES_PER_HOUR (default 100; -1: no cap).
	InviteEmailsPerHour int
}

// ConfigFromEnv reads Config from the environment (getenv is os.Getenv when
// nil). Returns an error naming every missing or malformed variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{
		TableName: getenv("TABLE_NAME"), AppBaseURL: getenv("APP_BASE_URL"), MailFrom: getenv("MAIL_FROM"),
		ConfigurationSet: getenv("SES_CONFIGURATION_SET"), DynamoEndpoint: getenv("DYNAMODB_ENDPOINT"),
		SESEndpoint: getenv("SES_ENDPOINT"), Region: getenv("AWS_REGION"), CursorKey: getenv("CURSOR_KEY"),
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	var missing []string
	for name, v := range map[string]string{"TABLE_NAME": c.TableName, "APP_BASE_URL": c.AppBaseURL, "MAIL_FROM": c.MailFrom} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment variables: %v", missing)
	}
	if u, err := url.Parse(c.AppBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("APP_BASE_URL must be an http(s) URL, got %q", c.AppBaseURL)
	}
	if v := getenv("INVITES_PER_HOUR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < -1 {
			return c, fmt.Errorf("INVITES_PER_HOUR must be a positive number or -1, got %q", v)
		}
		c.InviteEmailsPerHour = n
	}
	return c, nil
}

// Clients holds the AWS clients, built once per process.
type Clients struct {
	DynamoDB *dynamodb.Client
	SES      *sesv2.Client
}

// NewClients builds the AWS clients. With a custom endpoint and no
// credentials in the environment, dummy static credentials are used, as
// local emulators only need a signature of some kind.
func NewClients(ctx context.Context, c Config, opts ...func(*config.LoadOptions) error) (Clients, error) {
	opts = append([]func(*config.LoadOptions) error{config.WithRegion(c.Region)}, opts...)
	if (c.DynamoEndpoint != "" || c.SESEndpoint != "") && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Clients{}, fmt.Errorf("load AWS config: %w", err)
	}
	return Clients{
		DynamoDB: dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
			if c.DynamoEndpoint != "" {
				o.BaseEndpoint = aws.String(c.DynamoEndpoint)
				// Emulators do not all send DynamoDB's CRC32 header.
				o.DisableValidateResponseChecksum = true
			}
		}),
		SES: sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) {
			if c.SESEndpoint != "" {
				o.BaseEndpoint = aws.String(c.SESEndpoint)
			}
		}),
	}, nil
}

// NewService builds the domain service over the clients. now is the clock
// (time.Now when nil).
func NewService(c Config, cl Clients, now func() time.Time, log *slog.Logger) *domain.Service {
	return domain.NewService(store.New(cl.DynamoDB, c.TableName), mailer.New(cl.SES, c.MailFrom, c.ConfigurationSet),
		domain.Config{AppBaseURL: c.AppBaseURL, CursorKey: []byte(c.CursorKey), Now: now,
			InviteEmailsPerHour: c.InviteEmailsPerHour, Logger: log})
}

// FromEnv is what a Lambda main does at init: configuration, clients,
// service and HTTP API, failing fast on bad configuration.
func FromEnv(ctx context.Context, log *slog.Logger) (*httpapi.API, *domain.Service, error) {
	c, err := ConfigFromEnv(nil)
	if err != nil {
		return nil, nil, err
	}
	cl, err := NewClients(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	svc := NewService(c, cl, nil, log)
	return httpapi.New(svc, log), svc, nil
}
