package members_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/infra/members"
	"github.com/members-saas/members/shared/routes"
)

// Expectations stated independently of infra/members' own tables.
var (
	readOnlyFunctions = map[string]bool{routes.FnPreview: true, routes.FnListMembers: true, routes.FnAudit: true, routes.FnAccess: true}
	noTableFunctions  = map[string]bool{routes.FnHealthz: true}

	tableRead      = []string{"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"}
	tableReadWrite = []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}
)

func TestTable(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)

	// WHEN we look at its one table
	_, table := s.only(t, "AWS::DynamoDB::Table")
	p := props(table)

	// THEN it has pk/sk, gsi1 (gsi1pk/gsi1sk, ALL), gsi2 (gsi2pk/gsi2sk,
	// the listed fields), TTL on ttl, on-demand
	// billing, PITR, deletion protection, and is retained
	want := map[string]any{
		"KeySchema":                        []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "sk", "KeyType": "RANGE"}},
		"BillingMode":                      "PAY_PER_REQUEST",
		"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		"DeletionProtectionEnabled":        true,
		"GlobalSecondaryIndexes": []any{map[string]any{
			"IndexName":  "gsi1",
			"KeySchema":  []any{map[string]any{"AttributeName": "gsi1pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "gsi1sk", "KeyType": "RANGE"}},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		}, map[string]any{
			"IndexName":  "gsi2",
			"KeySchema":  []any{map[string]any{"AttributeName": "gsi2pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "gsi2sk", "KeyType": "RANGE"}},
			"Projection": map[string]any{"NonKeyAttributes": []any{"userId", "email", "role", "joinedAt"}, "ProjectionType": "INCLUDE"},
		}, map[string]any{
			"IndexName":  "gsi3",
			"KeySchema":  []any{map[string]any{"AttributeName": "gsi3pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "gsi3sk", "KeyType": "RANGE"}},
			"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"},
		}},
	}
	for k, v := range want {
		if js(p[k]) != js(v) {
			t.Errorf("%s = %s, want %s", k, js(p[k]), js(v))
		}
	}
	var attrs []string
	for _, a := range asSlice(p["AttributeDefinitions"]) {
		attrs = append(attrs, js(a))
	}
	sort.Strings(attrs)
	wantAttrs := []string{
		`{"AttributeName":"gsi1pk","AttributeType":"S"}`, `{"AttributeName":"gsi1sk","AttributeType":"S"}`,
		`{"AttributeName":"gsi2pk","AttributeType":"S"}`, `{"AttributeName":"gsi2sk","AttributeType":"S"}`,
		`{"AttributeName":"gsi3pk","AttributeType":"S"}`, `{"AttributeName":"gsi3sk","AttributeType":"S"}`,
		`{"AttributeName":"pk","AttributeType":"S"}`, `{"AttributeName":"sk","AttributeType":"S"}`,
	}
	if !reflect.DeepEqual(attrs, wantAttrs) {
		t.Errorf("AttributeDefinitions = %v, want %v", attrs, wantAttrs)
	}
	if table["DeletionPolicy"] != "Retain" || table["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("DeletionPolicy %v, UpdateReplacePolicy %v, want Retain both", table["DeletionPolicy"], table["UpdateReplacePolicy"])
	}
	if p["TableName"] != nil {
		t.Errorf("table name is hard-coded: %v", p["TableName"])
	}
}

func TestFunctions(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	tableID, _ := s.only(t, "AWS::DynamoDB::Table")
	setID, _ := s.only(t, "AWS::SES::ConfigurationSet")
	distID, _ := s.only(t, "AWS::CloudFront::Distribution")
	cursorKeyID, _ := s.only(t, "AWS::SecretsManager::Secret")

	// WHEN we look at the functions built from functions/*
	ours := 0
	for _, r := range s.resources("AWS::Lambda::Function") {
		if props(r)["Runtime"] == "provided.al2023" {
			ours++
		}
	}
	if want := len(routes.Functions()) + 3; ours != want {
		t.Errorf("%d provided.al2023 functions, want %d (the route table's plus ses-events, publish-events and expire-members)", ours, want)
	}

	for _, name := range members.FunctionNames() {
		t.Run(name, func(t *testing.T) {
			fn := s.resource(t, members.FunctionLogicalID(name), "AWS::Lambda::Function")
			p := props(fn)

			// THEN each is an arm64 provided.al2023 bootstrap
			if p["Runtime"] != "provided.al2023" || js(p["Architectures"]) != `["arm64"]` || p["Handler"] != "bootstrap" {
				t.Errorf("runtime %v, architectures %v, handler %v", p["Runtime"], p["Architectures"], p["Handler"])
			}
			// AND memory and timeout are set, HTTP functions finishing
			// before API Gateway's 30 s
			mem, _ := p["MemorySize"].(float64)
			timeout, _ := p["Timeout"].(float64)
			if mem < 128 || mem > 1024 || timeout <= 0 {
				t.Errorf("memory %v MB, timeout %v s", mem, timeout)
			}
			if name != routes.FnSESEvents && name != routes.FnPublishEvents && name != routes.FnExpireMembers && timeout >= 29 {
				t.Errorf("timeout %v s is too close to API Gateway's 30 s", timeout)
			}
			// AND JSON logs go to its own log group with a retention
			lc, _ := p["LoggingConfig"].(map[string]any)
			if lc["LogFormat"] != "JSON" {
				t.Errorf("LogFormat = %v, want JSON", lc["LogFormat"])
			}
			lgRef, _ := path(lc, "LogGroup", "Ref").(string)
			lg := s.resource(t, lgRef, "AWS::Logs::LogGroup")
			if props(lg)["RetentionInDays"] != float64(30) {
				t.Errorf("log retention = %v, want 30 days", props(lg)["RetentionInDays"])
			}
			// AND the environment names the resources, not literals, and
			// points at no emulator
			env, _ := path(p, "Environment", "Variables").(map[string]any)
			wantEnv := map[string]any{
				"TABLE_NAME":            ref(tableID),
				"SES_CONFIGURATION_SET": ref(setID),
				"MAIL_FROM":             "Members <no-reply@members.example.com>",
				"APP_BASE_URL":          map[string]any{"Fn::Join": []any{"", []any{"https://", getAtt(distID, "DomainName")}}},
				// empty (= the SDK's endpoints), there for sam local --env-vars
				"DYNAMODB_ENDPOINT": "",
				"SES_ENDPOINT":      "",
				// the deployment's own cursor key, by dynamic reference
				"CURSOR_KEY": map[string]any{"Fn::Join": []any{"", []any{"{{resolve:secretsmanager:", ref(cursorKeyID), ":SecretString:::}}"}}},
			}
			if name == routes.FnPublishEvents { // it reads no table and sends no mail
				busID, _ := s.only(t, "AWS::Events::EventBus")
				wantEnv = map[string]any{"EVENT_BUS_NAME": ref(busID)}
			}
			if js(env) != js(wantEnv) {
				t.Errorf("environment = %s\nwant %s", js(env), js(wantEnv))
			}
		})
	}
}

func TestRoutesComeFromTheRouteTable(t *testing.T) {
	// GIVEN the default stack and the route table
	s := defaultStack(t)
	authID, authorizer := s.only(t, "AWS::ApiGatewayV2::Authorizer")
	apiID, _ := s.only(t, "AWS::ApiGatewayV2::Api")

	// WHEN we collect the API's routes by route key
	got := map[string]map[string]any{}
	for _, r := range s.resources("AWS::ApiGatewayV2::Route") {
		got[props(r)["RouteKey"].(string)] = props(r)
	}

	// THEN the keys are exactly the table's
	var gotKeys, wantKeys []string
	for k := range got {
		gotKeys = append(gotKeys, k)
	}
	for _, r := range routes.Table {
		wantKeys = append(wantKeys, r.Key())
	}
	sort.Strings(gotKeys)
	sort.Strings(wantKeys)
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Fatalf("route keys\n got %v\nwant %v", gotKeys, wantKeys)
	}

	// AND the authorizer is a JWT one on the Authorization header
	ap := props(authorizer)
	if ap["AuthorizerType"] != "JWT" || js(ap["IdentitySource"]) != `["$request.header.Authorization"]` || js(ap["ApiId"]) != js(ref(apiID)) {
		t.Errorf("authorizer = %s", js(ap))
	}

	for _, r := range routes.Table {
		p := got[r.Key()]
		// AND it guards exactly the routes with Auth
		if r.Auth {
			if p["AuthorizationType"] != "JWT" || js(p["AuthorizerId"]) != js(ref(authID)) {
				t.Errorf("%s: authorization %v %v, want JWT by %s", r.Key(), p["AuthorizationType"], js(p["AuthorizerId"]), authID)
			}
		} else if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
			t.Errorf("%s: authorization %v %v, want NONE", r.Key(), p["AuthorizationType"], js(p["AuthorizerId"]))
		}
		// AND each route reaches its function with payload format 2.0
		integID, _ := path(p, "Target", "Fn::Join", 1, 1, "Ref").(string)
		integ := props(s.resource(t, integID, "AWS::ApiGatewayV2::Integration"))
		if js(integ["IntegrationUri"]) != js(getAtt(members.FunctionLogicalID(r.Function), "Arn")) || integ["PayloadFormatVersion"] != "2.0" || integ["IntegrationType"] != "AWS_PROXY" {
			t.Errorf("%s: integration %s, want %s with payload 2.0", r.Key(), js(integ), r.Function)
		}
	}
}

func TestCognito(t *testing.T) {
	// GIVEN the default stack (no OIDC context)
	s := defaultStack(t)
	poolID, pool := s.only(t, "AWS::Cognito::UserPool")
	clientID, client := s.only(t, "AWS::Cognito::UserPoolClient")
	_, domain := s.only(t, "AWS::Cognito::UserPoolDomain")
	distID, _ := s.only(t, "AWS::CloudFront::Distribution")

	// THEN the pool signs in by email, verifies it, allows sign-up, and is kept
	pp := props(pool)
	if js(pp["UsernameAttributes"]) != `["email"]` || js(pp["AutoVerifiedAttributes"]) != `["email"]` ||
		path(pp, "AdminCreateUserConfig", "AllowAdminCreateUserOnly") != false {
		t.Errorf("user pool = %s", js(pp))
	}
	if pool["DeletionPolicy"] != "Retain" {
		t.Errorf("user pool DeletionPolicy = %v, want Retain", pool["DeletionPolicy"])
	}

	// AND the client is public, authorization code only, calling back to
	// the console's /, /accept and /join
	cp := props(client)
	if cp["GenerateSecret"] != false || js(cp["AllowedOAuthFlows"]) != `["code"]` || cp["AllowedOAuthFlowsUserPoolClient"] != true {
		t.Errorf("client = %s", js(cp))
	}
	for _, scope := range []string{"openid", "email"} {
		if !strings.Contains(js(cp["AllowedOAuthScopes"]), `"`+scope+`"`) {
			t.Errorf("scopes %s lack %s", js(cp["AllowedOAuthScopes"]), scope)
		}
	}
	console := func(p string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{"https://", getAtt(distID, "DomainName"), p}}}
	}
	wantURLs := js([]any{console("/"), console("/accept"), console("/join")})
	if js(cp["CallbackURLs"]) != wantURLs || js(cp["LogoutURLs"]) != wantURLs {
		t.Errorf("callback URLs %s, logout URLs %s, want %s", js(cp["CallbackURLs"]), js(cp["LogoutURLs"]), wantURLs)
	}

	// AND there is a hosted UI domain
	if js(props(domain)["UserPoolId"]) != js(ref(poolID)) {
		t.Errorf("domain = %s", js(props(domain)))
	}

	// AND the authorizer trusts this pool's tokens for this client
	_, authorizer := s.only(t, "AWS::ApiGatewayV2::Authorizer")
	jwt := path(props(authorizer), "JwtConfiguration")
	if js(path(jwt, "Audience")) != js([]any{ref(clientID)}) || !strings.Contains(js(path(jwt, "Issuer")), `"https://cognito-idp."`) || !strings.Contains(js(path(jwt, "Issuer")), js(ref(poolID))) {
		t.Errorf("JWT configuration = %s", js(jwt))
	}
}

func TestCORS(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	distID, _ := s.only(t, "AWS::CloudFront::Distribution")
	_, api := s.only(t, "AWS::ApiGatewayV2::Api")

	// THEN only the console's origin may call the API, with the table's
	// methods and the two headers it sends
	cors := path(props(api), "CorsConfiguration")
	wantOrigin := js([]any{map[string]any{"Fn::Join": []any{"", []any{"https://", getAtt(distID, "DomainName")}}}})
	if js(path(cors, "AllowOrigins")) != wantOrigin {
		t.Errorf("AllowOrigins = %s, want %s", js(path(cors, "AllowOrigins")), wantOrigin)
	}
	methods := strs(path(cors, "AllowMethods"))
	for _, r := range routes.Table {
		if i := sort.SearchStrings(methods, r.Method); i == len(methods) || methods[i] != r.Method {
			t.Errorf("AllowMethods %v lacks %s", methods, r.Method)
		}
	}
	if got := strs(path(cors, "AllowHeaders")); !reflect.DeepEqual(got, []string{"authorization", "content-type"}) {
		t.Errorf("AllowHeaders = %v", got)
	}
	if path(cors, "AllowCredentials") != false {
		t.Errorf("AllowCredentials = %v, want false (bearer tokens)", path(cors, "AllowCredentials"))
	}
}

func TestAPIStage(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	_, stage := s.only(t, "AWS::ApiGatewayV2::Stage")
	p := props(stage)

	// THEN the default stage deploys automatically, is throttled, and logs
	// one JSON line per request to a log group with a retention
	if p["StageName"] != "$default" || p["AutoDeploy"] != true {
		t.Errorf("stage = %s", js(p))
	}
	if path(p, "DefaultRouteSettings", "ThrottlingRateLimit") == nil || path(p, "DefaultRouteSettings", "ThrottlingBurstLimit") == nil {
		t.Errorf("no throttling: %s", js(p["DefaultRouteSettings"]))
	}
	lgID, _ := path(p, "AccessLogSettings", "DestinationArn", "Fn::GetAtt", 0).(string)
	if props(s.resource(t, lgID, "AWS::Logs::LogGroup"))["RetentionInDays"] != float64(30) {
		t.Errorf("access log group %s has no 30-day retention", lgID)
	}
	format, _ := path(p, "AccessLogSettings", "Format").(string)
	for _, v := range []string{"$context.requestId", "$context.routeKey", "$context.status", "$context.authorizer.error"} {
		if !strings.Contains(format, v) {
			t.Errorf("access log format lacks %s: %s", v, format)
		}
	}
}

func TestEveryLogGroupHasARetention(t *testing.T) {
	s := defaultStack(t)
	for id, lg := range s.resources("AWS::Logs::LogGroup") {
		if props(lg)["RetentionInDays"] == nil {
			t.Errorf("log group %s keeps logs forever", id)
		}
	}
}

func TestMail(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	setID, _ := s.only(t, "AWS::SES::ConfigurationSet")
	_, identity := s.only(t, "AWS::SES::EmailIdentity")
	topicID := s.withProp(t, "AWS::SNS::Topic", "DisplayName", "Members SES delivery events")
	_, dest := s.only(t, "AWS::SES::ConfigurationSetEventDestination")

	// THEN the identity is the context's domain, with the set as default
	ip := props(identity)
	if ip["EmailIdentity"] != "members.example.com" || js(path(ip, "ConfigurationSetAttributes", "ConfigurationSetName")) != js(ref(setID)) {
		t.Errorf("identity = %s", js(ip))
	}

	// AND send, delivery, bounce and complaint events of the set go to the topic
	dp := props(dest)
	if js(dp["ConfigurationSetName"]) != js(ref(setID)) || path(dp, "EventDestination", "Enabled") != true ||
		js(path(dp, "EventDestination", "SnsDestination", "TopicARN")) != js(ref(topicID)) {
		t.Errorf("event destination = %s", js(dp))
	}
	if got := strs(path(dp, "EventDestination", "MatchingEventTypes")); !reflect.DeepEqual(got, []string{"bounce", "complaint", "delivery", "send"}) {
		t.Errorf("event types = %v", got)
	}

	// AND only SES, for this account and set, may publish to the topic
	// (the policy's other statement denies plain HTTP:
	// TestEventsTopicRequiresTLS)
	policy := s.resource(t, s.withProp(t, "AWS::SNS::TopicPolicy", "Topics", []any{ref(topicID)}), "AWS::SNS::TopicPolicy")
	var allows []any
	for _, st := range asSlice(path(props(policy), "PolicyDocument", "Statement")) {
		if path(st, "Effect") == "Allow" {
			allows = append(allows, st)
		}
	}
	if len(allows) != 1 || len(asSlice(path(props(policy), "PolicyDocument", "Statement"))) != 2 {
		t.Fatalf("topic policy = %s", js(props(policy)))
	}
	st := allows[0]
	if path(st, "Principal", "Service") != "ses.amazonaws.com" || path(st, "Action") != "sns:Publish" ||
		!strings.Contains(js(path(st, "Condition", "StringEquals", "AWS:SourceArn")), js(ref(setID))) {
		t.Errorf("topic policy statement = %s", js(st))
	}

	// AND the ses-events function is subscribed, with retries and a
	// dead-letter queue
	fnID := members.FunctionLogicalID(routes.FnSESEvents)
	_, sub := s.only(t, "AWS::SNS::Subscription")
	if props(sub)["Protocol"] != "lambda" || js(props(sub)["Endpoint"]) != js(getAtt(fnID, "Arn")) || js(props(sub)["TopicArn"]) != js(ref(topicID)) {
		t.Errorf("subscription = %s", js(props(sub)))
	}
	queueID, _ := path(props(s.resource(t, fnID, "AWS::Lambda::Function")), "DeadLetterConfig", "TargetArn", "Fn::GetAtt", 0).(string)
	if queueID == "" || s.resource(t, queueID, "AWS::SQS::Queue") == nil {
		t.Errorf("ses-events has no dead-letter queue")
	}
	_, invoke := s.only(t, "AWS::Lambda::EventInvokeConfig")
	if js(props(invoke)["FunctionName"]) != js(ref(fnID)) || props(invoke)["MaximumRetryAttempts"] != float64(2) {
		t.Errorf("event invoke config = %s", js(props(invoke)))
	}

	// AND the DKIM records to publish are outputs
	for _, k := range []string{"DkimRecord1", "DkimRecord2", "DkimRecord3"} {
		noPanic(t, func() { s.tpl.HasOutput(jsii.String(k), map[string]any{}) })
	}
}

func TestFunctionPermissions(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	tableID, _ := s.only(t, "AWS::DynamoDB::Table")
	setID, _ := s.only(t, "AWS::SES::ConfigurationSet")
	identityID, _ := s.only(t, "AWS::SES::EmailIdentity")

	// The table, and by name the indexes a function queries: gsi1 for GET
	// /me and for the invites a changed member sent (role changes,
	// removals), gsi2 for the member lists (search by address); no function
	// may use every index ("/index/*").
	wantTableResources := func(name string) []string {
		want := []string{js(getAtt(tableID, "Arn"))}
		indexes := map[string][]string{routes.FnMe: {"gsi1"}, routes.FnListMembers: {"gsi2"},
			routes.FnMembers: {"gsi1"}, routes.FnProjectMembers: {"gsi1", "gsi2"}, routes.FnExpireMembers: {"gsi1", "gsi3"}, routes.FnScim: {"gsi1"}}[name]
		for _, index := range indexes {
			want = append(want, js(map[string]any{"Fn::Join": []any{"", []any{getAtt(tableID, "Arn"), "/index/" + index}}}))
		}
		sort.Strings(want)
		return want
	}

	for _, name := range members.FunctionNames() {
		t.Run(name, func(t *testing.T) {
			// WHEN we collect the statements of the function's role
			fn := props(s.resource(t, members.FunctionLogicalID(name), "AWS::Lambda::Function"))
			roleID, _ := path(fn, "Role", "Fn::GetAtt", 0).(string)
			role := props(s.resource(t, roleID, "AWS::IAM::Role"))
			sts := s.roleStatements(roleID)

			// THEN it has no managed policy (not even basic execution)
			if role["ManagedPolicyArns"] != nil {
				t.Errorf("managed policies %s", js(role["ManagedPolicyArns"]))
			}
			// AND it may write its own log group only
			logActions, logResources := actionsOn(sts, "logs:")
			lgID, _ := path(fn, "LoggingConfig", "LogGroup", "Ref").(string)
			if !reflect.DeepEqual(logActions, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) ||
				len(logResources) != 1 || !strings.Contains(logResources[0], lgID) {
				t.Errorf("log permissions %v on %v, want stream and events on %s", logActions, logResources, lgID)
			}

			// AND table access matches what the function does
			actions, resources := actionsOn(sts, "dynamodb:")
			switch {
			case name == routes.FnPublishEvents:
				// the table's stream only, through its event source mapping
				if !reflect.DeepEqual(actions, streamRead) || len(resources) != 2 || !strings.Contains(strings.Join(resources, " "), js(getAtt(tableID, "StreamArn"))) {
					t.Errorf("dynamodb actions %v on %v, want %v on the table's stream", actions, resources, streamRead)
				}
			case noTableFunctions[name]:
				if len(actions) != 0 {
					t.Errorf("dynamodb actions %v, want none", actions)
				}
			case readOnlyFunctions[name]:
				if !reflect.DeepEqual(actions, tableRead) {
					t.Errorf("dynamodb actions %v, want read only %v", actions, tableRead)
				}
			default:
				if !reflect.DeepEqual(actions, tableReadWrite) {
					t.Errorf("dynamodb actions %v, want %v", actions, tableReadWrite)
				}
			}
			if len(actions) > 0 && name != routes.FnPublishEvents && !reflect.DeepEqual(resources, wantTableResources(name)) {
				t.Errorf("dynamodb resources %v, want %v", resources, wantTableResources(name))
			}

			// AND only the mail senders (routes.SendsMail, whose binaries
			// shared/awsenv's deps test checks) may send, and only as the
			// identity through the set
			sesActions, sesResources := actionsOn(sts, "ses:")
			if !routes.SendsMail(name) {
				if len(sesActions) != 0 {
					t.Errorf("ses actions %v, want none", sesActions)
				}
			} else {
				if !reflect.DeepEqual(sesActions, []string{"ses:SendEmail"}) || len(sesResources) != 2 ||
					!strings.Contains(strings.Join(sesResources, " "), `":identity/",`+js(ref(identityID))) ||
					!strings.Contains(strings.Join(sesResources, " "), `":configuration-set/",`+js(ref(setID))) {
					t.Errorf("ses permissions %v on %v", sesActions, sesResources)
				}
			}

			// AND it may send its traces (active tracing), and nothing more:
			// X-Ray's write actions take no resource but "*"
			xrayActions, xrayResources := actionsOn(sts, "xray:")
			if !reflect.DeepEqual(xrayActions, []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}) ||
				!reflect.DeepEqual(xrayResources, []string{`"*"`}) {
				t.Errorf("xray permissions %v on %v", xrayActions, xrayResources)
			}

			// AND nothing else but ses-events' dead-letter queue
			for _, st := range sts {
				for _, a := range strs(st["Action"]) {
					svc := a[:strings.Index(a, ":")+1]
					if svc != "logs:" && svc != "dynamodb:" && svc != "ses:" && svc != "xray:" && !(name == routes.FnSESEvents && a == "sqs:SendMessage") &&
						!(name == routes.FnPublishEvents && (a == "events:PutEvents" || publishDLQActions[a])) {
						t.Errorf("unexpected action %s", a)
					}
				}
			}
		})
	}
}

// TestNoWildcardActions walks the whole template, custom resources included.
func TestNoWildcardActions(t *testing.T) {
	for _, variant := range []struct {
		name string
		s    func(*testing.T) *synthesized
	}{{"default", defaultStack}, {"oidc", oidcStack}} {
		t.Run(variant.name, func(t *testing.T) {
			// GIVEN a synthesized template
			s := variant.s(t)

			// WHEN we visit every IAM statement in it
			var visit func(v any, where string)
			visit = func(v any, where string) {
				switch v := v.(type) {
				case []any:
					for _, e := range v {
						visit(e, where)
					}
				case map[string]any:
					if _, isStatement := v["Effect"]; isStatement {
						checkStatement(t, where, v)
					}
					for k, e := range v {
						if k == "ManagedPolicyArns" && strings.Contains(js(e), "FullAccess") {
							t.Errorf("%s: FullAccess managed policy %s", where, js(e))
						}
						visit(e, where)
					}
				}
			}
			for id, r := range s.doc["Resources"].(map[string]any) {
				visit(r, id)
			}
		})
	}
}

// checkStatement: no "*" action at all, no NotAction, and no service-wide
// wildcard ("s3:*") in an Allow. The one Deny with a service wildcard CDK
// writes is the TLS guard (deny everything over plain HTTP), which grants
// nothing; it is allowed only in that form.
func checkStatement(t *testing.T, where string, st map[string]any) {
	t.Helper()
	if st["NotAction"] != nil {
		t.Errorf("%s: NotAction %s", where, js(st["NotAction"]))
	}
	for _, a := range strs(st["Action"]) {
		if a == "*" {
			t.Errorf("%s: action \"*\" in %s", where, js(st))
			continue
		}
		if !strings.HasSuffix(a, ":*") {
			continue
		}
		tlsGuard := st["Effect"] == "Deny" && path(st, "Condition", "Bool", "aws:SecureTransport") == "false"
		if !tlsGuard {
			t.Errorf("%s: service-wide action %s in %s", where, a, js(st))
		}
	}
}

func TestConsoleHosting(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	bucketID, bucket := s.byPrefix(t, "ConsoleBucket", "AWS::S3::Bucket")
	distID, dist := s.only(t, "AWS::CloudFront::Distribution")
	oacID, oac := s.only(t, "AWS::CloudFront::OriginAccessControl")

	// THEN the bucket is private
	if js(path(props(bucket), "PublicAccessBlockConfiguration")) != `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}` {
		t.Errorf("bucket public access = %s", js(path(props(bucket), "PublicAccessBlockConfiguration")))
	}
	// AND CloudFront reads it through origin access control, no OAI
	cfg := path(props(dist), "DistributionConfig")
	origin := path(cfg, "Origins", 0)
	if js(path(origin, "OriginAccessControlId")) != js(getAtt(oacID, "Id")) || path(origin, "S3OriginConfig", "OriginAccessIdentity") != "" ||
		js(path(origin, "DomainName")) != js(getAtt(bucketID, "RegionalDomainName")) {
		t.Errorf("origin = %s", js(origin))
	}
	if js(path(props(oac), "OriginAccessControlConfig", "OriginAccessControlOriginType")) != `"s3"` || path(props(oac), "OriginAccessControlConfig", "SigningBehavior") != "always" {
		t.Errorf("OAC = %s", js(props(oac)))
	}
	// AND only this distribution may read objects
	_, policy := s.byPrefix(t, "ConsoleBucketPolicy", "AWS::S3::BucketPolicy")
	var cloudfrontRead bool
	for _, st := range asSlice(path(props(policy), "PolicyDocument", "Statement")) {
		if path(st, "Principal", "Service") == "cloudfront.amazonaws.com" {
			cloudfrontRead = path(st, "Action") == "s3:GetObject" &&
				strings.Contains(js(path(st, "Condition", "StringEquals", "AWS:SourceArn")), js(ref(distID)))
		}
	}
	if !cloudfrontRead {
		t.Errorf("no GetObject for this distribution in %s", js(props(policy)))
	}
	// AND viewers use HTTPS, get index.html at /, and the security headers
	behavior := path(cfg, "DefaultCacheBehavior")
	if path(behavior, "ViewerProtocolPolicy") != "redirect-to-https" || path(cfg, "DefaultRootObject") != "index.html" {
		t.Errorf("distribution = %s", js(cfg))
	}
	_, headers := s.only(t, "AWS::CloudFront::ResponseHeadersPolicy")
	csp := js(path(props(headers), "ResponseHeadersPolicyConfig", "SecurityHeadersConfig", "ContentSecurityPolicy", "ContentSecurityPolicy"))
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self' https://*.execute-api.", ".amazoncognito.com", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
}

func TestConsoleFilesAndConfig(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	apiID, _ := s.only(t, "AWS::ApiGatewayV2::Api")
	clientID, _ := s.only(t, "AWS::Cognito::UserPoolClient")
	distID, _ := s.only(t, "AWS::CloudFront::Distribution")
	_, deploy := s.only(t, "Custom::CDKBucketDeployment")
	p := props(deploy)

	// THEN the files, config.json, openapi.yaml and the three pages with
	// their <meta> CSP are deployed and the cache invalidated
	if js(p["DistributionId"]) != js(ref(distID)) || js(p["DistributionPaths"]) != `["/*"]` || len(asSlice(p["SourceObjectKeys"])) != 6 {
		t.Errorf("bucket deployment = %s", js(p))
	}

	// AND config.json holds the console's fields, filled in at deploy time
	doc, resolved := s.consoleConfig(t)
	if doc["auth"] != "cognito" {
		t.Errorf("auth = %q, want cognito", doc["auth"])
	}
	want := map[string]string{
		"apiBaseUrl":    js(getAtt(apiID, "ApiEndpoint")),
		"clientId":      js(ref(clientID)),
		"region":        js(ref("AWS::Region")),
		"cognitoDomain": "amazoncognito.com",
	}
	for k, v := range want {
		if got := resolved(k); !strings.Contains(got, v) {
			t.Errorf("config.json %s = %q → %s, want %s", k, doc[k], got, v)
		}
	}
}

func TestPagePathRewrite(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found (the CDK needs it anyway)")
	}
	// GIVEN the CloudFront function of the default stack
	s := defaultStack(t)
	_, fn := s.only(t, "AWS::CloudFront::Function")
	code, _ := props(fn)["FunctionCode"].(string)

	// WHEN it sees the console's paths
	script := code + `
for (const uri of ["/", "/accept", "/assets/users.js", "/config.json", "/accept/"]) {
  console.log(uri + " " + handler({request: {uri}}).uri);
}`
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}

	// THEN pages map onto their files and files pass unchanged
	want := "/ /index.html\n/accept /accept.html\n/assets/users.js /assets/users.js\n/config.json /config.json\n/accept/ /accept/index.html\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestOutputs(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)

	// THEN it outputs the API URL, console URL, table and Cognito ids
	for _, k := range []string{"ApiUrl", "ConsoleUrl", "TableName", "UserPoolId", "UserPoolClientId", "CognitoDomain", "SesConfigurationSet"} {
		noPanic(t, func() { s.tpl.HasOutput(jsii.String(k), map[string]any{}) })
	}
	tableID, _ := s.only(t, "AWS::DynamoDB::Table")
	apiID, _ := s.only(t, "AWS::ApiGatewayV2::Api")
	noPanic(t, func() {
		s.tpl.HasOutput(jsii.String("TableName"), map[string]any{"Value": ref(tableID)})
		s.tpl.HasOutput(jsii.String("ApiUrl"), map[string]any{"Value": getAtt(apiID, "ApiEndpoint")})
	})
}

func TestOIDCVariant(t *testing.T) {
	// GIVEN context oidcIssuer, oidcAudience, consoleOrigin and an address identity
	s := oidcStack(t)

	// THEN no user pool is created
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"} {
		noPanic(t, func() { s.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
	}
	// AND the authorizer trusts the issuer for the audiences
	noPanic(t, func() {
		s.tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]any{
			"AuthorizerType": "JWT",
			"JwtConfiguration": map[string]any{
				"Issuer":   "https://example.eu.auth0.com/",
				"Audience": []any{"members-console", "members-cli"},
			},
		})
	})
	// AND it still guards exactly the routes with Auth
	authID, _ := s.only(t, "AWS::ApiGatewayV2::Authorizer")
	for _, r := range s.resources("AWS::ApiGatewayV2::Route") {
		key := props(r)["RouteKey"].(string)
		guarded := js(props(r)["AuthorizerId"]) == js(ref(authID))
		for _, rt := range routes.Table {
			if rt.Key() == key && rt.Auth != guarded {
				t.Errorf("%s: guarded %v, want %v", key, guarded, rt.Auth)
			}
		}
	}
	// AND the console origin is the given one: mail links, CORS
	fn := props(s.resource(t, members.FunctionLogicalID(routes.FnInvite), "AWS::Lambda::Function"))
	if got := path(fn, "Environment", "Variables", "APP_BASE_URL"); got != "https://members.example.org" {
		t.Errorf("APP_BASE_URL = %s", js(got))
	}
	if got := path(fn, "Environment", "Variables", "MAIL_FROM"); got != "invites@example.org" {
		t.Errorf("MAIL_FROM = %s", js(got))
	}
	_, api := s.only(t, "AWS::ApiGatewayV2::Api")
	if origins := js(path(props(api), "CorsConfiguration", "AllowOrigins")); !strings.Contains(origins, `"https://members.example.org"`) {
		t.Errorf("AllowOrigins = %s", origins)
	}
	// AND the address identity has no DKIM outputs, and no Cognito outputs
	noPanic(t, func() {
		s.tpl.HasResourceProperties(jsii.String("AWS::SES::EmailIdentity"), map[string]any{"EmailIdentity": "invites@example.org"})
	})
	outputs := s.doc["Outputs"].(map[string]any)
	for _, k := range []string{"UserPoolId", "UserPoolClientId", "CognitoDomain", "DkimRecord1"} {
		if outputs[k] != nil {
			t.Errorf("output %s in the OIDC variant", k)
		}
	}
	for _, k := range []string{"ApiUrl", "ConsoleUrl", "TableName"} {
		if outputs[k] == nil {
			t.Errorf("no output %s", k)
		}
	}
	// AND the CSP lets the pages reach the issuer instead of Cognito
	_, headers := s.only(t, "AWS::CloudFront::ResponseHeadersPolicy")
	csp := js(path(props(headers), "ResponseHeadersPolicyConfig", "SecurityHeadersConfig", "ContentSecurityPolicy", "ContentSecurityPolicy"))
	if !strings.Contains(csp, "https://example.eu.auth0.com") || strings.Contains(csp, "amazoncognito") {
		t.Errorf("CSP = %s", csp)
	}
}

func TestOIDCConsoleConfig(t *testing.T) {
	// GIVEN the OIDC variant
	s := oidcStack(t)
	apiID, _ := s.only(t, "AWS::ApiGatewayV2::Api")

	// WHEN we read the console's config.json
	doc, resolved := s.consoleConfig(t)

	// THEN the pages sign in with the issuer, as given, and the first
	// audience as client id (the ID token's aud), and know nothing of Cognito
	want := map[string]string{"auth": "oidc", "oidcIssuer": "https://example.eu.auth0.com/", "clientId": "members-console"}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("config.json %s = %q, want %q", k, doc[k], v)
		}
	}
	if _, ok := doc["cognitoDomain"]; ok {
		t.Errorf("config.json has cognitoDomain %q", doc["cognitoDomain"])
	}
	if got := resolved("apiBaseUrl"); !strings.Contains(got, js(getAtt(apiID, "ApiEndpoint"))) {
		t.Errorf("config.json apiBaseUrl → %s", got)
	}

	// AND the CSP lets the pages fetch the API and the issuer's origin
	// (discovery, token endpoint)
	_, headers := s.only(t, "AWS::CloudFront::ResponseHeadersPolicy")
	csp := path(props(headers), "ResponseHeadersPolicyConfig", "SecurityHeadersConfig", "ContentSecurityPolicy", "ContentSecurityPolicy")
	wantCSP := regexp.MustCompile(`connect-src 'self' https://\*\.execute-api\.[^ ;]+ https://example\.eu\.auth0\.com;`)
	if !wantCSP.MatchString(js(csp)) {
		t.Errorf("CSP %s does not match %s", js(csp), wantCSP)
	}
}

// TestTemplateMatchesIdiom shows the assertions library's matchers on the
// properties above, as the CDK examples write them.
func TestTemplateMatchesIdiom(t *testing.T) {
	s := defaultStack(t)
	noPanic(t, func() {
		s.tpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]any{
				"DeletionProtectionEnabled": true,
				"TimeToLiveSpecification":   map[string]any{"AttributeName": "ttl", "Enabled": true},
			}),
		})
		s.tpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(float64(len(routes.Table))))
		s.tpl.AllResourcesProperties(jsii.String("AWS::ApiGatewayV2::Integration"), map[string]any{"PayloadFormatVersion": "2.0"})
	})
}

// TestPermissionsDoc: docs/deploy.md's Permissions note names exactly the
// functions whose role may only read the table, and those with no
// permission on it, as the template grants them.
func TestPermissionsDoc(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	// WHEN we sort the functions by what their roles may do to the table
	var readers, none []string
	for _, name := range members.FunctionNames() {
		actions, _ := actionsOn(s.roleStatements(s.functionRoleID(t, name)), "dynamodb:")
		switch {
		case !slices.Contains(actions, "dynamodb:GetItem"):
			none = append(none, name)
		case !slices.Contains(actions, "dynamodb:PutItem") && !slices.Contains(actions, "dynamodb:UpdateItem") &&
			!slices.Contains(actions, "dynamodb:DeleteItem"):
			readers = append(readers, name)
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "deploy.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(b)), " ")
	names := func(sentence *regexp.Regexp) []string {
		m := sentence.FindStringSubmatch(doc)
		if m == nil {
			t.Fatalf("docs/deploy.md has no sentence %s", sentence)
		}
		var out []string
		for _, n := range regexp.MustCompile("`([a-z-]+)`").FindAllStringSubmatch(m[1], -1) {
			out = append(out, n[1])
		}
		sort.Strings(out)
		return out
	}
	sort.Strings(readers)
	sort.Strings(none)
	// THEN the docs list the same functions
	if got := names(regexp.MustCompile("((?:`[a-z-]+`(?:, | and ))+`[a-z-]+`) may only read the table")); !slices.Equal(got, readers) {
		t.Errorf("docs/deploy.md: %v may only read the table; the template: %v", got, readers)
	}
	if got := names(regexp.MustCompile("((?:`[a-z-]+`(?:, | and ))+`[a-z-]+`) have no permission on it")); !slices.Equal(got, none) {
		t.Errorf("docs/deploy.md: %v have no permission on the table; the template: %v", got, none)
	}
}
