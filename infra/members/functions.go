package members

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/shared/store"
)

// LogRetention is how long function and API access logs are kept.
const LogRetention = awslogs.RetentionDays_ONE_MONTH

type tableAccess int

const (
	noTable tableAccess = iota
	readTable
	readWriteTable
)

// DynamoDB actions per access level: what shared/store calls, nothing more.
// TransactWriteItems is authorized per item as Put/Update/Delete/
// ConditionCheckItem; there is no Scan (the store never scans).
var (
	tableReadActions  = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
	tableWriteActions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}
)

// fnSpec is what one function needs.
//
// Memory: Go binaries use 20-40 MB, but Lambda gives CPU in proportion to
// memory, and at 128 MB the TLS handshakes and SDK set-up of a cold start
// take noticeably longer; 256 MB roughly halves that for little money. Only
// healthz, which does no I/O, stays at 128 MB.
//
// Timeout: API Gateway gives up on an integration after 30 s, so an HTTP
// function must finish well before. A request is a handful of DynamoDB calls
// (tens of ms), so 10 s only cuts off a stuck call. invite and invites
// (resend) send up to 50 mails one SES call at a time after their
// transactions: 25 s. ses-events is invoked asynchronously (no API limit) and
// writes one item: 15 s, and failures are retried.
//
// Whether a function may send mail is routes.SendsMail's to say.
type fnSpec struct {
	memoryMB float64
	timeoutS float64
	table    tableAccess
}

var fnSpecs = map[string]fnSpec{
	routes.FnHealthz:        {128, 3, noTable},
	routes.FnMe:             {256, 10, readWriteTable}, // registers the caller on first call
	routes.FnOrgs:           {256, 10, readWriteTable},
	routes.FnInvite:         {256, 25, readWriteTable},
	routes.FnInvites:        {256, 25, readWriteTable}, // revoke, resend
	routes.FnPreview:        {256, 10, readTable},
	routes.FnAccept:         {256, 10, readWriteTable},
	routes.FnListMembers:    {256, 10, readTable},
	routes.FnMembers:        {256, 10, readWriteTable},
	routes.FnProjectMembers: {256, 10, readWriteTable},
	routes.FnAudit:          {256, 10, readTable},
	routes.FnAccess:         {256, 5, readTable},       // products authorize requests with it: read-only, short
	routes.FnDomains:        {256, 15, readWriteTable}, // a DNS lookup takes at most 5 s
	routes.FnJoin:           {256, 25, readWriteTable}, // mails approvers and the approved requester
	// The directory (SCIM): a group's grant change or deletion updates each
	// member's access, one transaction per member: 25 s.
	routes.FnScim:      {256, 25, readWriteTable},
	routes.FnSESEvents: {256, 15, readWriteTable},
	// Reads the table's stream (granted by its event source mapping), not
	// the table; PutEvents retries stay well within 60 s.
	routes.FnPublishEvents: {256, 60, noTable},
	// The expiry sweep: a few reads and one transaction per due membership,
	// and a mail per reminder; 5 minutes leaves room for thousands.
	routes.FnExpireMembers: {256, 300, readWriteTable},
}

// indexReaders are the functions that query an index of the table, with
// the indexes each queries: GET /me lists the caller's memberships from
// gsi1 (shared/store's ListUserMemberships); the member lists search by
// address in gsi2 (SearchMembers, SearchProjectMembers); a role change or
// removal finds the pending invites its member sent in gsi1
// (ListPendingInvitesBySender). The others get no permission on any index.
var indexReaders = map[string][]string{
	routes.FnMe:             {store.IndexGSI1},
	routes.FnListMembers:    {store.IndexGSI2},
	routes.FnMembers:        {store.IndexGSI1},
	routes.FnProjectMembers: {store.IndexGSI1, store.IndexGSI2},
	// The sweep finds due memberships in gsi3; removing access revokes the
	// member's pending invites it can no longer grant (gsi1).
	routes.FnExpireMembers: {store.IndexGSI1, store.IndexGSI3},
	// A directory change of a member finds the invites they sent, as a
	// role change does.
	routes.FnScim: {store.IndexGSI1},
}

// FunctionNames returns every function the stack deploys: those of the HTTP
// route table, then ses-events, publish-events and expire-members.
func FunctionNames() []string {
	return append(routes.Functions(), routes.FnSESEvents, routes.FnPublishEvents, routes.FnExpireMembers)
}

// FunctionLogicalID is the CloudFormation logical id of function name, e.g.
// "ListMembersFunction"; stable, so `sam local invoke` can name it.
func FunctionLogicalID(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "Function"
}

// Functions are the service's Lambda functions, by name.
type Functions struct {
	Construct constructs.Construct // everything else is added under it
	ByName    map[string]awslambda.Function
	// DeadLetters holds ses-events invocations that failed after Lambda's
	// retries, to inspect and redrive.
	DeadLetters awssqs.Queue
}

// FunctionsProps configures NewFunctions.
type FunctionsProps struct {
	// AssetDir holds <name>/bootstrap for every function (make build).
	AssetDir   string
	Table      awsdynamodb.Table
	Mail       *Mail
	AppBaseURL *string
	MailFrom   string
	// ExtraEnv is added to every function's environment (limits.go:
	// the abuse limits and CURSOR_KEY).
	ExtraEnv map[string]*string
}

// NewFunctions adds one function per FunctionNames entry: provided.al2023 on
// arm64, the bootstrap from AssetDir/<name>, JSON logs in its own log group,
// the environment the functions read, and the table and SES permissions its
// spec asks for. ses-events is subscribed to the SES events topic. It returns
// an error when a function has no spec or no bootstrap.
func NewFunctions(scope constructs.Construct, id string, props FunctionsProps) (*Functions, error) {
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &Functions{Construct: c, ByName: map[string]awslambda.Function{}}

	// The variables config.FromEnv reads. The endpoints are empty in AWS
	// (the SDK's own endpoints) but declared anyway, because `sam local
	// --env-vars` only overrides variables the template has: that is how
	// DynamoDB Local and the SES emulator are reached (docs/deploy.md).
	env := map[string]*string{
		config.EnvTableName:        props.Table.TableName(),
		config.EnvAppBaseURL:       props.AppBaseURL,
		config.EnvMailFrom:         jsii.String(props.MailFrom),
		config.EnvSESConfiguration: props.Mail.ConfigurationSet.ConfigurationSetName(),
		config.EnvDynamoDBEndpoint: jsii.String(""),
		config.EnvSESEndpoint:      jsii.String(""),
	}
	for k, v := range props.ExtraEnv {
		env[k] = v
	}

	for _, name := range FunctionNames() {
		spec, ok := fnSpecs[name]
		if !ok {
			return nil, fmt.Errorf("function %q has no spec: add its memory, timeout and permissions to fnSpecs in infra/members/functions.go", name)
		}
		dir := filepath.Join(props.AssetDir, name)
		if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
			return nil, fmt.Errorf("function %q: %w (make build writes it from functions/%s)", name, err, name)
		}
		logicalID := FunctionLogicalID(name)

		logs := awslogs.NewLogGroup(c, jsii.String(logicalID+"Logs"), &awslogs.LogGroupProps{
			Retention: LogRetention,
			// Logs are not customer data; let `make destroy` remove them.
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		// An own role instead of AWSLambdaBasicExecutionRole, whose log
		// permissions cover every log group in the account.
		role := awsiam.NewRole(c, jsii.String(logicalID+"Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Members " + name + " function"),
		})
		logs.GrantWrite(role)
		fnProps := &awslambda.FunctionProps{
			Role:         role,
			Description:  jsii.String("Members " + name),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String("bootstrap"),
			Code:         awslambda.Code_FromAsset(jsii.String(dir), nil),
			MemorySize:   jsii.Number(spec.memoryMB),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(spec.timeoutS)),
			Environment:  &env,
			// slog writes JSON; JSON format makes Lambda's own lines JSON too
			// and lets the log level filter apply.
			LoggingFormat:         awslambda.LoggingFormat_JSON,
			ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
			SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
			LogGroup:              logs,
			// Lambda records each invocation in X-Ray; the binaries link no
			// X-Ray SDK (docs/operations.md#tracing).
			Tracing: awslambda.Tracing_ACTIVE,
		}
		if name == routes.FnPublishEvents {
			// Only EVENT_BUS_NAME (NewEvents): it reads no table and sends no mail.
			fnProps.Environment = &map[string]*string{}
		}
		if name == routes.FnSESEvents {
			f.DeadLetters = awssqs.NewQueue(c, jsii.String("SesEventsDeadLetters"), &awssqs.QueueProps{
				RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
				Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
				EnforceSSL:      jsii.Bool(true),
			})
			fnProps.DeadLetterQueue = f.DeadLetters
			fnProps.RetryAttempts = jsii.Number(2)
		}
		fn := awslambda.NewFunction(c, jsii.String(logicalID), fnProps)
		fn.Node().DefaultChild().(awslambda.CfnFunction).OverrideLogicalId(jsii.String(logicalID))

		switch spec.table {
		case readTable:
			grantTable(fn, props.Table, tableReadActions, indexReaders[name])
		case readWriteTable:
			grantTable(fn, props.Table, append(append([]string{}, tableReadActions...), tableWriteActions...), indexReaders[name])
		}
		if routes.SendsMail(name) {
			props.Mail.GrantSend(fn)
		}
		f.ByName[name] = fn
	}

	f.ByName[routes.FnSESEvents].AddEventSource(awslambdaeventsources.NewSnsEventSource(props.Mail.Events, nil))
	return f, nil
}

// grantTable lets grantee call actions on table and on each of indexes,
// by name. (Table.Grant would add <table>/index/*: every index.)
func grantTable(grantee awsiam.IGrantable, table awsdynamodb.Table, actions []string, indexes []string) {
	arns := []*string{table.TableArn()}
	for _, ix := range indexes {
		arns = append(arns, awscdk.Fn_Join(jsii.String(""), &[]*string{table.TableArn(), jsii.String("/index/" + ix)}))
	}
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(actions...),
		ResourceArns: &arns,
	})
}
