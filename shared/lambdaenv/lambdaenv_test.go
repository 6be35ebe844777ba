package lambdaenv

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	ok := map[string]string{"TABLE_NAME": "t", "APP_BASE_URL": "https://console.example", "MAIL_FROM": "a@example.com"}
	c, err := ConfigFromEnv(env(ok))
	if err != nil || c.Region != "us-east-1" || c.InviteEmailsPerHour != 0 {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := ConfigFromEnv(env(map[string]string{})); err == nil || !strings.Contains(err.Error(), "TABLE_NAME") ||
		!strings.Contains(err.Error(), "APP_BASE_URL") || !strings.Contains(err.Error(), "MAIL_FROM") {
		t.Fatalf("missing variables not all named: %v", err)
	}
	for k, v := range map[string]string{"APP_BASE_URL": "console.example", "INVITES_PER_HOUR": "0", "MAIL_CONCURRENCY": "0"} {
		bad := map[string]string{}
		for kk, vv := range ok {
			bad[kk] = vv
		}
		bad[k] = v
		if _, err := ConfigFromEnv(env(bad)); err == nil {
			t.Errorf("%s=%q accepted", k, v)
		}
	}
	ok["INVITES_PER_HOUR"] = "-1"
	if c, err := ConfigFromEnv(env(ok)); err != nil || c.InviteEmailsPerHour != -1 {
		t.Fatal(c, err)
	}
	for v, want := range map[string]int{"": 0, "1": 1, "50": 50, "51": -1, "x": -1, "-3": -1} {
		ok["MAIL_CONCURRENCY"] = v
		c, err := ConfigFromEnv(env(ok))
		if (want < 0) != (err != nil) || (err == nil && c.MailConcurrency != want) {
			t.Errorf("MAIL_CONCURRENCY=%q: %d %v", v, c.MailConcurrency, err)
		}
	}
}

func TestEnvAWSConfigUsesDummyCredentialsOnlyForEmulators(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	c := EnvAWSConfig(Config{Region: "eu-west-1", DynamoEndpoint: "http://127.0.0.1:8000"})
	creds, err := c.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != "local" || c.Region != "eu-west-1" {
		t.Fatalf("%+v %v", creds, err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	creds, err = EnvAWSConfig(Config{Region: "eu-west-1"}).Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" {
		t.Fatalf("%+v %v", creds, err)
	}
}
