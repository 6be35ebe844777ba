// Package config owns the environment of the functions and the local
// server: the variable names, their defaults and their validation. The CDK
// app sets the variables by these names, the README's configuration table
// is generated from Variables, and functions/*/main.go and cmd/local read
// through FromEnv and Local.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/members-saas/members/shared/domain"
)

// The environment variables.
const (
	EnvTableName        = "TABLE_NAME"
	EnvAppBaseURL       = "APP_BASE_URL"
	EnvMailFrom         = "MAIL_FROM"
	EnvSESConfiguration = "SES_CONFIGURATION_SET"
	EnvDynamoDBEndpoint = "DYNAMODB_ENDPOINT"
	EnvDynamoDBData     = "DYNAMODB_DATA"
	EnvSESEndpoint      = "SES_ENDPOINT"
	EnvRegion           = "AWS_REGION"
	EnvCursorKey        = "CURSOR_KEY"
	EnvInvitesPerHour   = "INVITES_PER_HOUR"
	EnvMailConcurrency  = "MAIL_CONCURRENCY"
	EnvEventBusName     = "EVENT_BUS_NAME"
	EnvEventsEndpoint   = "EVENTS_ENDPOINT"
	EnvLocalEventsURL   = "LOCAL_EVENTS_URL"
	EnvPort             = "PORT"
	EnvSESPort          = "SES_PORT"
	EnvHost             = "HOST"
	// The abuse limits besides INVITES_PER_HOUR (domain/limits.go).
	EnvUserInvitesPerHour = "USER_INVITES_PER_HOUR"
	EnvOrgsPerUserPerDay  = "ORGS_PER_USER_PER_DAY"
	EnvExistingAccounts   = "EXISTING_ACCOUNTS"
	// EnvDNSResolver is the DNS server domain verification asks.
	EnvDNSResolver         = "DNS_RESOLVER"
	EnvLinkJoinsPerHour    = "LINK_JOINS_PER_HOUR"
	EnvOrgLinkJoinsPerHour = "ORG_LINK_JOINS_PER_HOUR"
)

// DefaultRegion is the region when AWS_REGION is unset.
const DefaultRegion = "us-east-1"

// DefaultHost is where the local server listens unless HOST says
// otherwise: this machine only, because POST /_local/token mints a valid
// token for any address to anyone who can reach it.
const DefaultHost = "127.0.0.1"

// Variable documents one environment variable.
type Variable struct {
	Name string
	// UsedBy says who reads it: "functions", "local" (cmd/local) or
	// "make local" (scripts/local.sh).
	UsedBy []string
	// Required is true when FromEnv fails without it.
	Required bool
	// LocalDefault is what cmd/local uses when it is unset ("$PORT" stands
	// for the port); empty: none.
	LocalDefault string
	// DocDefault is the default as the docs show it (Markdown) when
	// LocalDefault is empty.
	DocDefault string
	// Meaning is one line for the docs (Markdown).
	Meaning string
}

// Variables lists every variable, in the order the docs show them.
var Variables = []Variable{
	{Name: EnvTableName, UsedBy: []string{"functions", "local"}, Required: true, LocalDefault: "members",
		Meaning: "the DynamoDB table"},
	{Name: EnvAppBaseURL, UsedBy: []string{"functions", "local"}, Required: true, LocalDefault: "http://localhost:$PORT",
		Meaning: "console origin used in email links (`/accept#token=…`)"},
	{Name: EnvMailFrom, UsedBy: []string{"functions", "local"}, Required: true, LocalDefault: "invites@members.local",
		Meaning: "sender address (an SES identity in AWS)"},
	{Name: EnvSESConfiguration, UsedBy: []string{"functions"},
		Meaning: "configuration set for delivery events"},
	{Name: EnvDynamoDBEndpoint, UsedBy: []string{"functions", "local"}, DocDefault: "DynamoDB Local, started by `make local`",
		Meaning: "another DynamoDB: e.g. `http://localhost:8000` for DynamoDB Local in Docker; unset in AWS"},
	{Name: EnvDynamoDBData, UsedBy: []string{"local"}, DocDefault: "in memory",
		Meaning: "a folder where the DynamoDB Local that `make local` starts keeps its data across restarts (`-dbPath`)"},
	{Name: EnvSESEndpoint, UsedBy: []string{"functions", "local"}, LocalDefault: "http://localhost:8005",
		Meaning: "the SES v2 emulator"},
	{Name: EnvRegion, UsedBy: []string{"functions", "local"}, DocDefault: "`" + DefaultRegion + "`",
		Meaning: "the AWS region (Lambda sets it)"},
	{Name: EnvCursorKey, UsedBy: []string{"functions", "local"}, DocDefault: "built-in",
		Meaning: "HMAC key that makes page cursors tamper-evident (the CDK stack sets a generated one per deployment)"},
	{Name: EnvInvitesPerHour, UsedBy: []string{"functions", "local"}, DocDefault: docInt(domain.DefaultInviteEmailsPerHour),
		Meaning: "invite emails per organization per hour (`-1`: no cap)"},
	{Name: EnvMailConcurrency, UsedBy: []string{"functions", "local"}, DocDefault: docInt(domain.DefaultMailConcurrency),
		Meaning: "mails (and address writes) of one invite request in flight at once, 1–50; `1`: each address written and mailed before the next (see below)"},
	{Name: EnvUserInvitesPerHour, UsedBy: []string{"functions", "local"}, DocDefault: docInt(domain.DefaultUserInviteEmailsPerHour),
		Meaning: "invite emails one person sends per hour across all their organizations (`-1`: no cap)"},
	{Name: EnvOrgsPerUserPerDay, UsedBy: []string{"functions", "local"}, DocDefault: docInt(domain.DefaultOrgsPerUserPerDay),
		Meaning: "organizations one person creates per UTC day (`-1`: no cap)"},
	{Name: EnvLinkJoinsPerHour, UsedBy: []string{"functions", "local"}, DocDefault: docInt(domain.DefaultLinkJoinsCap),
		Meaning: "people joining through one invite link per hour (`-1`: no cap)"},
	{Name: EnvOrgLinkJoinsPerHour, UsedBy: []string{"functions", "local"}, DocDefault: docInt(domain.DefaultOrgJoinsCap),
		Meaning: "people joining one organization through any of its invite links per hour (`-1`: no cap)"},
	{Name: EnvExistingAccounts, UsedBy: []string{"functions", "local"}, DocDefault: "`" + domain.ExistingAccountsAdd + "`",
		Meaning: "what inviting an address that has an account does: `add` (access at once) or `invite` (a normal invite); see [Abuse limits](#abuse-limits)"},
	{Name: EnvDNSResolver, UsedBy: []string{"functions", "local"}, DocDefault: "functions: the system's resolver; `make local`: a DNS server of its own (`POST /_local/dns`)",
		Meaning: "`host:port` of the DNS server that domain verification asks for `_members-challenge` TXT records (e.g. `127.0.0.1:53`)"},
	{Name: EnvEventBusName, UsedBy: []string{"publish-events"},
		Meaning: "the EventBridge bus (name or ARN) membership events go to; required by publish-events"},
	{Name: EnvEventsEndpoint, UsedBy: []string{"publish-events"},
		Meaning: "an EventBridge stand-in (tests)"},
	{Name: EnvLocalEventsURL, UsedBy: []string{"local"},
		Meaning: "where the local server also POSTs each membership event (`GET /_local/events` lists them)"},
	{Name: EnvPort, UsedBy: []string{"local"}, LocalDefault: "3000", Meaning: "the local server"},
	{Name: EnvHost, UsedBy: []string{"local"}, LocalDefault: DefaultHost,
		Meaning: "the address the local server listens on; `/_local/token` mints tokens for anyone who can reach it, so keep it local"},
	{Name: EnvSESPort, UsedBy: []string{"make local"}, DocDefault: "`8005`", Meaning: "the emulator's port"},
}

// Config is the environment of a function or of the local server.
type Config struct {
	TableName        string // TABLE_NAME (required)
	AppBaseURL       string // APP_BASE_URL (required): the console origin for links
	MailFrom         string // MAIL_FROM (required)
	ConfigurationSet string // SES_CONFIGURATION_SET (optional)
	DynamoEndpoint   string // DYNAMODB_ENDPOINT (optional: DynamoDB Local in Docker, …)
	SESEndpoint      string // SES_ENDPOINT (optional: the SES v2 emulator)
	Region           string // AWS_REGION (default us-east-1)
	CursorKey        string // CURSOR_KEY (optional: signs pagination cursors)
	// InviteEmailsPerHour is INVITES_PER_HOUR (0: the service's default,
	// 100; -1: no cap).
	InviteEmailsPerHour int
	// MailConcurrency is MAIL_CONCURRENCY: the mails of one invite request
	// in flight at once (0: the service's default, 8; at most 50).
	MailConcurrency int
	// UserInviteEmailsPerHour is USER_INVITES_PER_HOUR (0: the service's
	// default, 200; -1: no cap).
	UserInviteEmailsPerHour int
	// OrgsPerUserPerDay is ORGS_PER_USER_PER_DAY (0: the service's
	// default, 10; -1: no cap).
	OrgsPerUserPerDay int
	// ExistingAccounts is EXISTING_ACCOUNTS: add or invite ("": the
	// service's default, add).
	ExistingAccounts string
	// LinkJoinsPerHour and OrgLinkJoinsPerHour are LINK_JOINS_PER_HOUR
	// and ORG_LINK_JOINS_PER_HOUR (0: the service's defaults, 100 and
	// 500; -1: no cap).
	LinkJoinsPerHour, OrgLinkJoinsPerHour int
	// DynamoData is DYNAMODB_DATA, read by Local only: where the DynamoDB
	// Local it starts keeps its data ("": in memory).
	DynamoData string
	// LocalEventsURL is LOCAL_EVENTS_URL, read by Local only: where the
	// local server POSTs each membership event.
	LocalEventsURL string
	// DNSResolver is DNS_RESOLVER: host:port of the DNS server verifying
	// domains ("": the system's).
	DNSResolver string
	// Host is HOST, read by Local only: the address the local server
	// listens on (DefaultHost, this machine only, when unset).
	Host string
}

func docInt(n int) string { return "`" + strconv.Itoa(n) + "`" }

// FromEnv reads Config from the environment (getenv is os.Getenv when
// nil). Returns an error naming every missing variable, or the first
// malformed one.
func FromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{
		TableName: getenv(EnvTableName), AppBaseURL: getenv(EnvAppBaseURL), MailFrom: getenv(EnvMailFrom),
		ConfigurationSet: getenv(EnvSESConfiguration), DynamoEndpoint: getenv(EnvDynamoDBEndpoint),
		SESEndpoint: getenv(EnvSESEndpoint), Region: getenv(EnvRegion), CursorKey: getenv(EnvCursorKey),
		DNSResolver: getenv(EnvDNSResolver),
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	var missing []string
	for _, v := range Variables {
		if v.Required && getenv(v.Name) == "" {
			missing = append(missing, v.Name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment variables: %v", missing)
	}
	if u, err := url.Parse(c.AppBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("%s must be an http(s) URL, got %q", EnvAppBaseURL, c.AppBaseURL)
	}
	for _, l := range []struct {
		name string
		dst  *int
	}{
		{EnvInvitesPerHour, &c.InviteEmailsPerHour},
		{EnvUserInvitesPerHour, &c.UserInviteEmailsPerHour},
		{EnvOrgsPerUserPerDay, &c.OrgsPerUserPerDay},
		{EnvLinkJoinsPerHour, &c.LinkJoinsPerHour},
		{EnvOrgLinkJoinsPerHour, &c.OrgLinkJoinsPerHour},
	} {
		n, err := ParseCap(l.name, getenv(l.name))
		if err != nil {
			return c, err
		}
		*l.dst = n
	}
	if err := ParseDNSResolver(EnvDNSResolver, c.DNSResolver); err != nil {
		return c, err
	}
	var err error
	if c.MailConcurrency, err = ParseMailConcurrency(EnvMailConcurrency, getenv(EnvMailConcurrency)); err != nil {
		return c, err
	}
	c.ExistingAccounts, err = ParseExistingAccounts(EnvExistingAccounts, getenv(EnvExistingAccounts))
	return c, err
}

// ParseCap parses v, the value of the cap named name (a variable, or the
// CDK context key that sets it): a positive number, or -1 for no cap; ""
// is 0, the service's default. Returns an error naming name.
func ParseCap(name, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n == 0 || n < -1 {
		return 0, fmt.Errorf("%s must be a positive number or -1, got %q", name, v)
	}
	return n, nil
}

// ParseDNSResolver checks v, the value of DNS_RESOLVER (or of the CDK
// context key name that sets it): "" (the system's resolver) or host:port
// with a port from 1 to 65535. Returns an error naming name.
func ParseDNSResolver(name, v string) error {
	if v == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(v)
	p, perr := strconv.Atoi(port)
	if err != nil || host == "" || perr != nil || p < 1 || p > 65535 || strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("%s must be host:port (e.g. 127.0.0.1:53), got %q", name, v)
	}
	return nil
}

// ParseMailConcurrency parses v, the value of MAIL_CONCURRENCY (or of the
// CDK context key name that sets it): a number from 1 to the most
// addresses one invite request takes; "" is 0, the service's default.
// Returns an error naming name.
func ParseMailConcurrency(name, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > domain.MaxInviteEmails {
		return 0, fmt.Errorf("%s must be a number from 1 to %d, got %q", name, domain.MaxInviteEmails, v)
	}
	return n, nil
}

// ParseExistingAccounts checks v, the value of EXISTING_ACCOUNTS (or of
// the CDK context key name that sets it): add, invite, or "" for the
// service's default. Returns an error naming name.
func ParseExistingAccounts(name, v string) (string, error) {
	switch v {
	case "", domain.ExistingAccountsAdd, domain.ExistingAccountsInvite:
		return v, nil
	}
	return "", fmt.Errorf("%s must be %q or %q, got %q", name, domain.ExistingAccountsAdd, domain.ExistingAccountsInvite, v)
}

// Local reads the local server's Config and port: like FromEnv, with each
// variable's LocalDefault filling in what the environment leaves unset.
func Local(getenv func(string) string) (c Config, port string, err error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	port = getenv(EnvPort)
	if port == "" {
		port = localDefault(EnvPort)
	}
	c, err = FromEnv(func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return strings.ReplaceAll(localDefault(name), "$PORT", port)
	})
	c.LocalEventsURL = getenv(EnvLocalEventsURL)
	c.DynamoData = getenv(EnvDynamoDBData)
	if c.Host = getenv(EnvHost); c.Host == "" {
		c.Host = localDefault(EnvHost)
	}
	return c, port, err
}

// Publish is the environment of functions/publish-events, which reads the
// table's stream rather than the table.
type Publish struct {
	EventBusName   string // EVENT_BUS_NAME (required): the bus name or ARN
	EventsEndpoint string // EVENTS_ENDPOINT (optional: a stand-in for EventBridge)
	Region         string // AWS_REGION (default us-east-1)
}

// PublishFromEnv reads Publish from the environment (getenv is os.Getenv
// when nil). Returns an error when EVENT_BUS_NAME is missing.
func PublishFromEnv(getenv func(string) string) (Publish, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	p := Publish{EventBusName: getenv(EnvEventBusName), EventsEndpoint: getenv(EnvEventsEndpoint), Region: getenv(EnvRegion)}
	if p.Region == "" {
		p.Region = DefaultRegion
	}
	if p.EventBusName == "" {
		return p, fmt.Errorf("missing environment variables: [%s]", EnvEventBusName)
	}
	return p, nil
}

func localDefault(name string) string {
	for _, v := range Variables {
		if v.Name == name {
			return v.LocalDefault
		}
	}
	return ""
}

// Service is the domain configuration for c; now is the clock (time.Now
// when nil).
func (c Config) Service(now func() time.Time, log *slog.Logger) domain.Config {
	return domain.Config{AppBaseURL: c.AppBaseURL, CursorKey: []byte(c.CursorKey), Now: now,
		InviteEmailsPerHour: c.InviteEmailsPerHour, UserInviteEmailsPerHour: c.UserInviteEmailsPerHour,
		OrgsPerUserPerDay: c.OrgsPerUserPerDay, ExistingAccounts: c.ExistingAccounts, Logger: log,
		MailConcurrency: c.MailConcurrency, LinkJoinsPerHour: c.LinkJoinsPerHour, OrgLinkJoinsPerHour: c.OrgLinkJoinsPerHour}
}
