package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	ok := map[string]string{"TABLE_NAME": "t", "APP_BASE_URL": "https://console.example", "MAIL_FROM": "a@example.com"}
	c, err := FromEnv(env(ok))
	if err != nil || c.Region != "us-east-1" || c.InviteEmailsPerHour != 0 {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := FromEnv(env(map[string]string{})); err == nil || !strings.Contains(err.Error(), "TABLE_NAME") ||
		!strings.Contains(err.Error(), "APP_BASE_URL") || !strings.Contains(err.Error(), "MAIL_FROM") {
		t.Fatalf("missing variables not all named: %v", err)
	}
	for k, v := range map[string]string{"APP_BASE_URL": "console.example", "INVITES_PER_HOUR": "0", "MAIL_CONCURRENCY": "0"} {
		bad := map[string]string{}
		for kk, vv := range ok {
			bad[kk] = vv
		}
		bad[k] = v
		if _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("%s=%q accepted", k, v)
		}
	}
	ok["INVITES_PER_HOUR"] = "-1"
	if c, err := FromEnv(env(ok)); err != nil || c.InviteEmailsPerHour != -1 {
		t.Fatal(c, err)
	}
	for v, want := range map[string]int{"": 0, "1": 1, "50": 50, "51": -1, "x": -1, "-3": -1} {
		ok["MAIL_CONCURRENCY"] = v
		c, err := FromEnv(env(ok))
		if (want < 0) != (err != nil) || (err == nil && c.MailConcurrency != want) {
			t.Errorf("MAIL_CONCURRENCY=%q: %d %v", v, c.MailConcurrency, err)
		}
	}
}

// The local server runs with an empty environment, its defaults following
// PORT; what the environment sets wins.
func TestLocal(t *testing.T) {
	c, port, err := Local(env(map[string]string{}))
	want := Config{TableName: "members", AppBaseURL: "http://localhost:3000", MailFrom: "invites@members.local",
		SESEndpoint: "http://localhost:8005", Region: "us-east-1", Host: "127.0.0.1"}
	if err != nil || port != "3000" || c != want {
		t.Fatalf("Local() = %+v, %q, %v; want %+v", c, port, err, want)
	}
	c, port, err = Local(env(map[string]string{"PORT": "4000", "TABLE_NAME": "t2", "DYNAMODB_ENDPOINT": "http://127.0.0.1:8000"}))
	if err != nil || port != "4000" || c.AppBaseURL != "http://localhost:4000" || c.TableName != "t2" || c.DynamoEndpoint != "http://127.0.0.1:8000" {
		t.Fatalf("Local() = %+v, %q, %v", c, port, err)
	}
}

// Every variable Config reads is listed in Variables, once.
func TestVariablesListed(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Variables {
		if seen[v.Name] || len(v.UsedBy) == 0 {
			t.Errorf("variable %s listed twice or without a user", v.Name)
		}
		seen[v.Name] = true
	}
	var read []string
	record := func(name string) string { read = append(read, name); return "" }
	_, _ = FromEnv(record)
	_, _, _ = Local(record)
	_, _ = PublishFromEnv(record)
	for _, name := range read {
		if !seen[name] {
			t.Errorf("FromEnv, Local or PublishFromEnv reads %s, which Variables does not list", name)
		}
	}
}

func TestPublishFromEnv(t *testing.T) {
	env := map[string]string{EnvEventBusName: "members-events", EnvEventsEndpoint: "http://127.0.0.1:9"}
	got, err := PublishFromEnv(func(k string) string { return env[k] })
	want := Publish{EventBusName: "members-events", EventsEndpoint: "http://127.0.0.1:9", Region: DefaultRegion}
	if err != nil || got != want {
		t.Errorf("PublishFromEnv = %+v, %v; want %+v", got, err, want)
	}
	if _, err := PublishFromEnv(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), EnvEventBusName) {
		t.Errorf("without a bus: err = %v, want one naming %s", err, EnvEventBusName)
	}
}
