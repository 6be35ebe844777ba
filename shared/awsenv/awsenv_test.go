package awsenv

import (
	"testing"

	"github.com/members-saas/members/shared/config"
)

func TestAWSUsesDummyCredentialsOnlyForEmulators(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	c := AWS(config.Config{Region: "eu-west-1", DynamoEndpoint: "http://127.0.0.1:8000"})
	creds, err := c.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != "local" || c.Region != "eu-west-1" {
		t.Fatalf("%+v %v", creds, err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	creds, err = AWS(config.Config{Region: "eu-west-1"}).Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" {
		t.Fatalf("%+v %v", creds, err)
	}
}
