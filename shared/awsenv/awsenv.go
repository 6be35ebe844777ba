// Package awsenv builds the AWS clients of a Lambda function from its
// environment: the region and the execution role's credentials, which
// Lambda puts in the environment. It avoids the SDK's config loader
// (profiles, SSO, IMDS), which a function never needs and which would
// double its binary size. It links no SES or EventBridge client, which
// would grow every function that imports it: the functions that send mail
// add one with mailer.SESClient, publish-events with publish.Client.
package awsenv

import (
	"context"
	"errors"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
)

// AWS is the AWS configuration of a Lambda function: region and the
// credentials in the environment. endpoints are the custom endpoints its
// clients use (empty: AWS's); with one set and no credentials in the
// environment, dummy ones are used (emulators only need a signature).
func AWS(region string, endpoints ...string) aws.Config {
	id, secret, session := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	if id == "" && slices.ContainsFunc(endpoints, func(e string) bool { return e != "" }) {
		id, secret = "local", "local"
	}
	return aws.Config{Region: region, Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, session))}
}

// DynamoDB returns the DynamoDB client at c's endpoint, if any.
func DynamoDB(awsCfg aws.Config, c config.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if c.DynamoEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoEndpoint)
			// Emulators do not all send DynamoDB's CRC32 header.
			o.DisableValidateResponseChecksum = true
		}
	})
}

// NoMail is the mailer of the functions that send no mail
// (routes.SendsMail is false): every send fails with an error saying so.
var NoMail domain.Mailer = noMailer{}

type noMailer struct{}

var errNoMail = errors.New("this function is not wired to send mail (see routes.SendsMail)")

func (noMailer) SendInvite(context.Context, domain.InviteMail) (string, error) { return "", errNoMail }
func (noMailer) SendAdded(context.Context, domain.AddedMail) (string, error)   { return "", errNoMail }
func (noMailer) SendAccessEnding(context.Context, domain.AccessEndingMail) (string, error) {
	return "", errNoMail
}
func (noMailer) SendJoinRequest(context.Context, domain.JoinRequestMail) (string, error) {
	return "", errNoMail
}
