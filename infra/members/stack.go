// Package members is the CDK app's stack: the DynamoDB table, SES, the Lambda
// functions, the HTTP API built from shared/routes, sign-in (Cognito or an
// OIDC issuer), and the console on S3 + CloudFront, each a small construct
// composed by NewMembersStack.
package members

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/console"
	"github.com/members-saas/members/shared/routes"
)

// Output keys of the stack (cdk.out/<stack>.template.json, `cdk deploy`).
const (
	OutAPIURL           = "ApiUrl"
	OutConsoleURL       = "ConsoleUrl"
	OutTableName        = "TableName"
	OutUserPoolID       = "UserPoolId"
	OutUserPoolClientID = "UserPoolClientId"
	OutHostedUIDomain   = "CognitoDomain"
	OutConfigurationSet = "SesConfigurationSet"
	OutDeadLetterQueue  = "SesEventsDeadLetterQueue"
	OutDKIMRecord       = "DkimRecord" // + 1..3, domain identities only
	OutEventBusName     = "EventBusName"
	OutEventBusArn      = "EventBusArn"
	OutEventsDeadLetter = "PublishEventsDeadLetterQueue"
)

// MembersStackProps configures NewMembersStack.
type MembersStackProps struct {
	awscdk.StackProps
	Config Config
	// AssetDir holds <function>/bootstrap for every function; make build
	// writes build/. Relative paths are relative to the working directory.
	AssetDir string
	// ConsoleDir holds the console's static files (shared/console/static).
	ConsoleDir string
}

// NewMembersStack composes the whole service in one stack, held to
// cdk-nag's AWS Solutions rules (nag.go). It returns an error for an invalid
// Config, or a missing function bootstrap.
func NewMembersStack(scope constructs.Construct, id string, props *MembersStackProps) (awscdk.Stack, error) {
	cfg, err := props.Config.withDefaults()
	if err != nil {
		return nil, err
	}
	sprops := props.StackProps
	if sprops.Description == nil {
		sprops.Description = jsii.String("Members: organizations, projects, invites and members (API, functions, table, mail, console)")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sprops)
	if cfg.SESIdentity == PlaceholderSESIdentity {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("members:placeholder-identity"), jsii.String(
			"context sesIdentity is not set: using the placeholder "+PlaceholderSESIdentity+
				"; deploy with -c sesIdentity=<your domain or address> (see docs/deploy.md)"), nil)
	}

	table := NewTable(stack)
	mail := NewMail(stack, "Mail", cfg)

	// Origins the pages may call: any HTTP API in this region (the API's own
	// id would make the distribution depend on the API, which depends on the
	// distribution for CORS), and the sign-in service.
	apiOrigin := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://*.execute-api."), awscdk.Aws_REGION(), jsii.String("."), awscdk.Aws_URL_SUFFIX(),
	})
	var authOrigin *string
	if cfg.UsesOIDC() {
		authOrigin = jsii.String(originOf(cfg.OIDCIssuer))
	} else {
		authOrigin = jsii.String("https://" + *hostedUIHost(cfg))
	}
	site := NewConsole(stack, "Console", ConsoleProps{
		APIOrigin: apiOrigin, AuthOrigin: authOrigin, ExtraOrigins: cfg.OIDCExtraOrigins,
		Domain: cfg.ConsoleDomain, CertificateARN: cfg.ConsoleCertificateARN, WebACLARN: cfg.WebACLARN,
	})

	// The console's address: links in mails, CORS and sign-in callbacks.
	appURL := site.URL
	origins := []*string{site.URL}
	if cfg.ConsoleOrigin != "" {
		appURL = jsii.String(cfg.ConsoleOrigin)
		origins = []*string{appURL, site.URL}
	}

	auth := NewAuth(stack, "Auth", AuthProps{Config: cfg, ConsoleOrigins: origins})
	extraEnv := cfg.Limits.env() // limits.go
	cursorKey := NewCursorKey(stack, "CursorKey")
	extraEnv[config.EnvCursorKey] = cursorKey.SecretValue().UnsafeUnwrap()
	fns, err := NewFunctions(stack, "Functions", FunctionsProps{
		AssetDir:   props.AssetDir,
		Table:      table,
		Mail:       mail,
		AppBaseURL: appURL,
		MailFrom:   cfg.MailFrom,
		ExtraEnv:   extraEnv,
	})
	if err != nil {
		return nil, err
	}
	evs := NewEvents(stack, "Events", table, fns.ByName[routes.FnPublishEvents], cfg)
	sweep := NewExpirySchedule(stack, "ExpirySweep", fns.ByName[routes.FnExpireMembers])
	awscdk.NewCfnOutput(stack, jsii.String(OutSweepSchedule), &awscdk.CfnOutputProps{Value: sweep.Schedule.Ref(),
		Description: jsii.String("EventBridge Scheduler schedule of the expiry sweep (functions/expire-members)")})
	api := NewAPI(stack, "Api", APIProps{Functions: fns.ByName, Authorizer: auth.Authorizer, CorsOrigins: origins})
	// Operations (docs/operations.md): alarms on one topic, one dashboard.
	queues := map[string]awssqs.IQueue{"SesEventsDeadLetters": fns.DeadLetters, "PublishEventsDeadLetters": evs.DeadLetters}
	if evs.WebhookDeadLetters != nil {
		queues["WebhookDeadLetters"] = evs.WebhookDeadLetters
	}
	alarms := NewAlarms(stack, "Alarms", AlarmsProps{API: api, Functions: fns.ByName, Table: table, Email: cfg.AlarmEmail,
		Queues: queues})
	NewDashboard(stack, "Dashboard", DashboardProps{API: api, Functions: fns.ByName, Table: table, Alarms: alarms})

	consoleCfg := console.Config{APIBaseURL: *api.URL, Region: *awscdk.Aws_REGION()}
	var extra map[string]*string
	if cfg.UsesOIDC() {
		// The console's OIDC mode discovers the provider from oidcIssuer.
		consoleCfg.Auth = console.AuthOIDC
		consoleCfg.ClientID = auth.ClientID
		extra = map[string]*string{"oidcIssuer": jsii.String(auth.Issuer)}
	} else {
		consoleCfg.Auth = console.AuthCognito
		consoleCfg.ClientID = *auth.Client.UserPoolClientId()
		consoleCfg.CognitoDomain = *auth.HostedUIHost
	}
	site.Deploy(props.ConsoleDir, consoleCfg, extra)
	checkCompliance(stack, compliance{Config: cfg, Console: site, Auth: auth, API: api, Functions: fns.ByName, Events: evs,
		CursorKey: cursorKey})

	out := func(key string, value *string, desc string) {
		awscdk.NewCfnOutput(stack, jsii.String(key), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(desc)})
	}
	out(OutAPIURL, api.URL, "HTTP API base URL")
	out(OutConsoleURL, appURL, "Console URL (APP_BASE_URL of the functions)")
	out(OutTableName, table.TableName(), "DynamoDB table")
	out(OutConfigurationSet, mail.ConfigurationSet.ConfigurationSetName(), "SES configuration set")
	out(OutDeadLetterQueue, fns.DeadLetters.QueueUrl(), "SES events that failed processing after retries")
	out(OutEventBusName, evs.Bus.EventBusName(), "EventBridge bus of membership events (source members)")
	out(OutEventBusArn, evs.Bus.EventBusArn(), "EventBridge bus of membership events (source members)")
	out(OutEventsDeadLetter, evs.DeadLetters.QueueUrl(), "Stream records of membership events not published after retries")
	if !cfg.UsesOIDC() {
		out(OutUserPoolID, auth.UserPool.UserPoolId(), "Cognito user pool")
		out(OutUserPoolClientID, auth.Client.UserPoolClientId(), "Cognito app client of the console")
		out(OutHostedUIDomain, auth.HostedUIHost, "Cognito hosted UI host")
	}
	if mail.DomainIdentity {
		names := []*string{mail.Identity.DkimDnsTokenName1(), mail.Identity.DkimDnsTokenName2(), mail.Identity.DkimDnsTokenName3()}
		values := []*string{mail.Identity.DkimDnsTokenValue1(), mail.Identity.DkimDnsTokenValue2(), mail.Identity.DkimDnsTokenValue3()}
		for i := range names {
			out(fmt.Sprintf("%s%d", OutDKIMRecord, i+1),
				awscdk.Fn_Join(jsii.String(" "), &[]*string{names[i], jsii.String("CNAME"), values[i]}),
				"DNS record that verifies the SES domain identity (DKIM)")
		}
	}
	return stack, nil
}

// originOf returns scheme://host of an https URL.
func originOf(u string) string {
	rest := strings.TrimPrefix(u, "https://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return "https://" + rest
}
