package members

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/members-saas/members/shared/routes"
)

// NagPack is the cdk-nag rule pack every Members stack is held to; its rule
// ids are NagPack + "-" + rule ("AwsSolutions-IAM5").
const NagPack = "AwsSolutions"

// NagReportFile is the name of the report cdk-nag writes for stack into
// the cloud assembly directory (cdk.out): one line per rule and resource,
// suppressed findings with their reason. cdk-nag names it
// <pack>-<stage id>-<stack name>, and an App's id is empty:
// AwsSolutions--Members-NagReport.csv.
func NagReportFile(stack awscdk.Stack) string {
	stage := ""
	if s := awscdk.Stage_Of(stack); s != nil {
		stage = *s.Node().Id()
	}
	return NagPack + "-" + stage + "-" + *stack.StackName() + "-NagReport.csv"
}

// compliance is what checkCompliance suppresses findings on.
type compliance struct {
	Config  Config
	Console *Console
	Auth    *Auth
	API     *API
	// Events are the membership events' constructs, whose dead-letter
	// queues are destinations, not queues with a redrive policy.
	Events *Events
	// Functions are the Members functions, whose roles carry the grants
	// on "*" of resourceWildcardReason.
	Functions map[string]awslambda.Function
	// CursorKey is the generated key of page cursors (limits.go).
	CursorKey awssecretsmanager.Secret
}

// checkCompliance applies cdk-nag's AwsSolutionsChecks to stack as an
// aspect and records the findings the stack accepts, each on one resource
// for one rule with its reason. At synthesis every other finding becomes an
// error (or warning) annotation on its resource, which makes `cdk synth`
// fail, and the report (NagReportFile) lists all of them.
//
// What the rules found and the stack fixed instead (docs/deploy.md,
// Security review): IAM5 (index/* grants → each index by name, for the
// functions that query it), S1 and CFR3 (access logs), CFR4 with a custom
// domain, SNS3 (TLS-only topic policy), COG1 (password policy), COG8 with
// the Plus plan, CFR2 with a web ACL.
func checkCompliance(stack awscdk.Stack, c compliance) {
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Reports:       jsii.Bool(true),
		ReportFormats: &[]cdknag.NagReportFormat{cdknag.NagReportFormat_CSV},
	}), nil)

	dist := c.Console.Distribution
	suppress(dist, "CFR1", "No geo restriction: the console serves the users customers invite, wherever they are. "+
		"A deployment that must block countries can add it, or a WAF rule (webAclArn).")
	if c.Config.WebACLARN == "" {
		suppress(dist, "CFR2", "No WAF by default: the distribution serves static files only (the API is separate and throttled), "+
			"and a web ACL costs per month and per request. Context webAclArn attaches one (scope CLOUDFRONT).")
	}
	if c.Config.ConsoleDomain == "" {
		suppress(dist, "CFR4", "Without a custom domain the distribution uses CloudFront's *.cloudfront.net certificate, "+
			"whose security policy CloudFront fixes at TLSv1; a minimum TLS version needs an own certificate. "+
			"Context consoleDomain and consoleCertificateArn serve the console with one and require TLS 1.2 (TLSv1.2_2021).")
	}

	if pool := c.Auth.UserPool; pool != nil {
		suppress(pool, "COG2", "MFA is optional, with authenticator apps (TOTP): invitees create their own accounts from an invite mail, "+
			"and requiring an authenticator app before they can join would turn many away. A user who registers one "+
			"(Cognito's AssociateSoftwareToken API) is asked for its code at every sign-in.")
		if c.Config.CognitoFeaturePlan != CognitoPlus {
			suppress(pool, "COG8", "The Essentials feature plan: Plus (threat protection: compromised-credential checks, adaptive authentication) "+
				"is billed per monthly active user on top. Context cognitoFeaturePlan=plus turns it on (docs/deploy.md).")
		}
	}

	if err := validatePublicRoutes(publicRoutes); err != nil {
		panic("members: " + err.Error())
	}
	for _, n := range *c.API.HttpApi.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if !*awsapigatewayv2.CfnRoute_IsCfnRoute(n) {
			continue
		}
		r, ok := routeByKey(*n.(awsapigatewayv2.CfnRoute).RouteKey())
		if reason, public := publicRoutes[r.Op]; ok && !r.Auth && public {
			suppress(n, "APIG4", reason)
		}
	}

	// The functions' roles hold a few actions that take no resource but
	// "*" (resourceWildcardReason says which and why); TestFunctionResourceWildcards
	// fails on any other action on "*".
	for _, name := range slices.Sorted(maps.Keys(c.Functions)) {
		suppress(c.Functions[name].Role().Node().TryFindChild(jsii.String("DefaultPolicy")), "IAM5",
			resourceWildcardReason(name), "Resource::*")
	}

	// The membership events' dead-letter queues are on-failure destinations
	// (of the stream's event source mapping, of the webhook rule's target):
	// cdk-nag recognizes a dead-letter queue only by another queue's
	// redrive policy.
	dlqs := []awssqs.Queue{c.Events.DeadLetters}
	if c.Events.WebhookDeadLetters != nil {
		dlqs = append(dlqs, c.Events.WebhookDeadLetters)
	}
	for _, q := range dlqs {
		suppress(q, "SQS3", "This queue is itself a dead-letter queue: the on-failure destination of the stream's event source mapping "+
			"(publish-events) or the webhook rule target's dead-letter queue; an alarm fires on its first message (docs/operations.md).")
	}

	// The cursor key reaches the functions through a dynamic reference,
	// which CloudFormation resolves only when it deploys them: a rotated
	// value would not reach them until the next deploy.
	suppress(c.CursorKey, "SMG4", "The page-cursor HMAC key (CURSOR_KEY) is read through a CloudFormation dynamic reference, "+
		"resolved only when the stack deploys, so a rotated value would not reach the functions until the next deploy, and "+
		"Secrets Manager has no hosted rotation for a generic key. It signs only page cursors (no credentials, no data): "+
		"a new value only makes cursors already handed out answer invalid_cursor. To rotate it, change the secret's value and redeploy.")

	// The BucketDeployment's function is CDK's own (a singleton per stack):
	// its runtime, managed policy and grants are CDK's to choose.
	role := c.Console.Files.HandlerRole()
	fn := role.Node().Scope()
	suppress(fn, "L1", "CDK's BucketDeployment function (console files upload): its Python runtime is chosen and updated by the CDK, not this stack.")
	suppress(role, "IAM4", "CDK's BucketDeployment function (console files upload) uses the AWS managed AWSLambdaBasicExecutionRole for its logs; "+
		"the role is created and managed by the CDK.", "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	suppress(role.Node().TryFindChild(jsii.String("DefaultPolicy")), "IAM5", "CDK's BucketDeployment function copies the console files from the "+
		"CDK asset bucket into the console bucket and invalidates the distribution: CDK grants object-level actions on those two buckets "+
		"and CloudFront invalidation on any distribution (CDK-managed).",
		bucketDeploymentWildcards...)
}

// publicRoutes are why routes without an authorizer (routes.Table's Auth
// false) are public, by operation. A public route missing here fails
// synthesis (AwsSolutions-APIG4); an entry whose operation has no public
// route makes checkCompliance panic (validatePublicRoutes).
var publicRoutes = func() map[routes.Op]string {
	m := map[routes.Op]string{
		routes.OpHealthz: "Public by design: a liveness probe for load balancers and monitors, without a token; " +
			"it reads nothing and returns only {\"status\":\"ok\"}.",
		routes.OpPreviewInvite: "Public by design: the invite link's landing page shows the invite to a recipient " +
			"who may not have an account yet; the invite token in the body is the credential and only its holder sees the invite.",
		routes.OpPreviewInviteLink: "Public by design: the invite link's landing page shows the organization, inviter and roles " +
			"to someone who may not have signed in yet; the link token in the body is the credential (256 random bits, stored hashed).",
	}
	for _, r := range routes.Table {
		if routes.IsSCIM(r.Path) {
			m[r.Op] = "Authorized in the function: SCIM clients (Okta, Entra ID) send an organization's directory token, " +
				"not a JWT of the authorizer's issuer; the scim function answers 401 unless the token's SHA-256 names a live token."
		}
	}
	return m
}()

// validatePublicRoutes returns an error naming an operation of reasons
// that routes.Table has no route for, or whose route requires a token: a
// reason for a route that is not public would hide a stale entry.
func validatePublicRoutes(reasons map[routes.Op]string) error {
	for _, op := range slices.Sorted(maps.Keys(reasons)) {
		r, ok := routeOf(op)
		if !ok {
			return fmt.Errorf("publicRoutes names %s, which has no route in shared/routes.Table", op)
		}
		if r.Auth {
			return fmt.Errorf("publicRoutes names %s, but its route %s requires a token (Auth)", op, r.Key())
		}
	}
	return nil
}

// tracingWildcard is why every function's role holds X-Ray actions on "*":
// active tracing (docs/operations.md#tracing).
const tracingWildcard = "Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, " +
	"so CDK grants them on \"*\" (AWS's own managed policy AWSXRayDaemonWriteAccess does the same)."

// streamListWildcard is why publish-events' role holds dynamodb:ListStreams
// on "*": CDK's DynamoEventSource grants it there (Table.grantStreamRead),
// because ListStreams takes no resource but "*".
const streamListWildcard = "Also dynamodb:ListStreams, for the table stream's event source mapping: CDK's DynamoEventSource grants it on \"*\" because " +
	"ListStreams supports no resource-level permissions (IAM Service Authorization Reference; AWS's managed policy " +
	"AWSLambdaDynamoDBExecutionRole does the same). It returns stream ARNs only, no items; the stream reads " +
	"(dynamodb:DescribeStream, GetRecords, GetShardIterator) are granted on this table's stream ARN only."

// resourceWildcardReason is the reason of the IAM5 suppression on function
// fn's role policy: every action the role holds on Resource "*", and why.
// A grant on "*" this does not name must not be added silently:
// TestFunctionResourceWildcards checks each "*" statement's actions
// against a table and against this reason.
func resourceWildcardReason(fn string) string {
	if fn == routes.FnPublishEvents {
		return tracingWildcard + " " + streamListWildcard
	}
	return tracingWildcard
}

// bucketDeploymentWildcards are the wildcard findings (AwsSolutions-IAM5)
// of CDK's BucketDeployment role: object-level actions on the asset and
// console buckets.
var bucketDeploymentWildcards = []any{
	"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
	"Action::s3:Abort*", "Action::s3:DeleteObject*",
	// the CDK asset bucket's objects, whatever the bootstrap qualifier
	&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\/\*$/`)},
	// the console bucket's objects; its logical id ends in a hash
	&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<ConsoleBucket[0-9A-F]{8}\.Arn>\/\*$/`)},
	// cloudfront:CreateInvalidation and GetInvalidation
	"Resource::*",
}

// routeByKey returns the route of routes.Table with the API Gateway route
// key ("GET /healthz").
func routeByKey(key string) (routes.Route, bool) {
	for _, r := range routes.Table {
		if r.Key() == key {
			return r, true
		}
	}
	return routes.Route{}, false
}

// suppress accepts the finding of rule (without the pack's prefix: "S1")
// on one resource: c itself when it is a CloudFormation resource, else its
// default child (the resource of an L2 construct). appliesTo narrows
// granular rules (IAM4, IAM5) to the findings named: strings as cdk-nag
// prints them ("Action::s3:List*"), or *cdknag.RegexAppliesTo. reason is
// what a reviewer reads in the report and in docs/deploy.md.
func suppress(c constructs.IConstruct, rule, reason string, appliesTo ...any) {
	res := c
	if c != nil && !*awscdk.CfnResource_IsCfnResource(c) {
		res = c.Node().DefaultChild()
	}
	if res == nil || !*awscdk.CfnResource_IsCfnResource(res) {
		panic(fmt.Sprintf("members: suppressing %s-%s: %v is not a CloudFormation resource", NagPack, rule, c))
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(NagPack + "-" + rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		a := append([]any{}, appliesTo...)
		s.AppliesTo = &a
	}
	cdknag.NagSuppressions_AddResourceSuppressions(res, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(false))
}

// Suppression is one finding a stack accepts, as recorded on its resource.
type Suppression struct {
	// Path is the resource's construct path below the stack
	// ("Console/Distribution/Resource").
	Path string
	// Rule is the full rule id ("AwsSolutions-CFR4").
	Rule string
	// AppliesTo are the granular findings it covers (or a regular
	// expression between slashes); empty means all of Rule's on the
	// resource.
	AppliesTo []string
	Reason    string
}

// Suppressions returns the findings stack accepts, by path and rule.
func Suppressions(stack awscdk.Stack) []Suppression {
	var out []Suppression
	prefix := *stack.Node().Path() + "/"
	for _, n := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if !*awscdk.CfnResource_IsCfnResource(n) {
			continue
		}
		md, _ := n.(awscdk.CfnResource).GetMetadata(jsii.String("cdk_nag")).(map[string]interface{})
		rules, _ := md["rules_to_suppress"].([]interface{})
		for _, r := range rules {
			m, _ := r.(map[string]interface{})
			s := Suppression{Path: strings.TrimPrefix(*n.Node().Path(), prefix)}
			s.Rule, _ = m["id"].(string)
			s.Reason, _ = m["reason"].(string)
			applies, _ := m["applies_to"].([]interface{})
			for _, a := range applies {
				if re, ok := a.(map[string]interface{}); ok {
					a = re["regex"] // "/expression/"
				}
				s.AppliesTo = append(s.AppliesTo, fmt.Sprint(a))
			}
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}
