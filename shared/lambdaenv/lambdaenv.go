// Package lambdaenv is what a Lambda function's main wires at init:
// configuration from the environment, the DynamoDB client from the
// execution role's credentials, the service and the HTTP API. It imports
// neither the SDK's config loader nor SES, so functions that send no mail
// stay small; those that do pass mailer.FromAWS.
package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
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
	// UserInviteEmailsPerHour is USER_INVITES_PER_HOUR (default 200; -1: no cap).
	UserInviteEmailsPerHour int
	// OrgsPerUserPerDay is ORGS_PER_USER_PER_DAY (default 10; -1: no cap).
	OrgsPerUserPerDay int
	// ExistingAccounts is EXISTING_ACCOUNTS: add (default) or invite.
	ExistingAccounts string
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
	if err := limitsFromEnv(&c, getenv); err != nil { // limits.go
		return c, err
	}
	return c, nil
}

// MailerFactory builds the mailer a function sends with. Functions that
// send no mail pass nil to FromEnv, so their binaries link no SES client.
type MailerFactory func(awsCfg aws.Config, c Config) domain.Mailer

// noMailer is the mailer of functions that never send mail.
type noMailer struct{}

var errNoMail = errors.New("this function is not wired to send mail")

func (noMailer) SendInvite(context.Context, domain.InviteMail) (string, error) { return "", errNoMail }
func (noMailer) SendAdded(context.Context, domain.AddedMail) (string, error)   { return "", errNoMail }

// EnvAWSConfig is the AWS configuration of a Lambda function: its region
// and the execution role's credentials, which Lambda puts in the
// environment. It avoids the SDK's config loader (profiles, SSO, IMDS),
// which a function never needs and which would double its binary size.
// With a custom endpoint and no credentials, dummy ones are used.
func EnvAWSConfig(c Config) aws.Config {
	id, secret, session := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	if id == "" && (c.DynamoEndpoint != "" || c.SESEndpoint != "") {
		id, secret = "local", "local"
	}
	return aws.Config{Region: c.Region, Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, session))}
}

// DynamoDB returns the DynamoDB client for c (its endpoint, if any).
func DynamoDB(awsCfg aws.Config, c Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if c.DynamoEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoEndpoint)
			// Emulators do not all send DynamoDB's CRC32 header.
			o.DisableValidateResponseChecksum = true
		}
	})
}

// FromEnv is what a Lambda main does at init: configuration, clients,
// service and HTTP API, failing fast on bad configuration. mail is nil for
// functions that send no mail.
func FromEnv(ctx context.Context, log *slog.Logger, mail MailerFactory) (*httpapi.API, *domain.Service, error) {
	c, err := ConfigFromEnv(nil)
	if err != nil {
		return nil, nil, err
	}
	awsCfg := EnvAWSConfig(c)
	var m domain.Mailer = noMailer{}
	if mail != nil {
		m = mail(awsCfg, c)
	}
	svc := domain.NewService(store.New(DynamoDB(awsCfg, c), c.TableName), m, ServiceConfig(c, nil, log))
	return httpapi.New(svc, log), svc, nil
}

// ServiceConfig is the domain configuration for c; now is the clock
// (time.Now when nil).
func ServiceConfig(c Config, now func() time.Time, log *slog.Logger) domain.Config {
	return domain.Config{AppBaseURL: c.AppBaseURL, CursorKey: []byte(c.CursorKey), Now: now,
		InviteEmailsPerHour: c.InviteEmailsPerHour, UserInviteEmailsPerHour: c.UserInviteEmailsPerHour,
		OrgsPerUserPerDay: c.OrgsPerUserPerDay, ExistingAccounts: c.ExistingAccounts, Logger: log}
}
