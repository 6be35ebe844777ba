package awsenv

import (
	"testing"
)

func TestAWSUsesDummyCredentialsOnlyForEmulators(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	c := AWS("eu-west-1", "", "http://127.0.0.1:8000")
	creds, err := c.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != "local" || c.Region != "eu-west-1" {
		t.Fatalf("%+v %v", creds, err)
	}
	if _, err := AWS("eu-west-1", "", "").Credentials.Retrieve(t.Context()); err == nil {
		t.Fatal("credentials without endpoints or environment")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	creds, err = AWS("eu-west-1").Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" {
		t.Fatalf("%+v %v", creds, err)
	}
}
