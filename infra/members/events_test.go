package members_test

import (
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/infra/members"
	"github.com/members-saas/members/shared/routes"
)

var (
	// streamRead is what the event source mapping lets publish-events do.
	streamRead = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
	// publishDLQActions let the event source mapping (as the function's
	// role) send what it gives up on to the dead-letter queue.
	publishDLQActions = map[string]bool{"sqs:SendMessage": true, "sqs:GetQueueAttributes": true, "sqs:GetQueueUrl": true}

	webhookOnce sync.Once
	webhookSyn  *synthesized
)

// webhookStack is the default deployment with the webhook context.
func webhookStack(t *testing.T) *synthesized {
	t.Helper()
	webhookOnce.Do(func() {
		ctx := map[string]string{members.CtxWebhookURL: "https://hooks.example.com/members", members.CtxWebhookSecretName: "members/webhook"}
		for k, v := range defaultContext {
			ctx[k] = v
		}
		webhookSyn = synth(t, "webhook", ctx)
	})
	if webhookSyn == nil {
		t.Fatal("webhook stack did not synthesize (see the first failure)")
	}
	return webhookSyn
}

func TestMembershipEvents(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	tableID, table := s.only(t, "AWS::DynamoDB::Table")
	busID, _ := s.only(t, "AWS::Events::EventBus")
	fnID := members.FunctionLogicalID(routes.FnPublishEvents)

	// THEN the table has a stream of new images
	if v := path(props(table), "StreamSpecification", "StreamViewType"); v != "NEW_IMAGE" {
		t.Errorf("stream view type %v, want NEW_IMAGE", v)
	}

	// AND publish-events reads it through one event source mapping:
	// inserts of audit items only, from the oldest record, in order,
	// batches of 100, bisected on error, failures reported per record,
	// finally to a dead-letter queue
	_, esm := s.only(t, "AWS::Lambda::EventSourceMapping")
	p := props(esm)
	if js(p["EventSourceArn"]) != js(getAtt(tableID, "StreamArn")) || js(p["FunctionName"]) != js(ref(fnID)) {
		t.Errorf("mapping source %s, function %s", js(p["EventSourceArn"]), js(p["FunctionName"]))
	}
	filters := asSlice(path(p, "FilterCriteria", "Filters"))
	wantFilter := `{"dynamodb":{"NewImage":{"type":{"S":["audit"]}}},"eventName":["INSERT"]}`
	if len(filters) != 1 || path(filters[0], "Pattern") != wantFilter {
		t.Errorf("filters %s, want the one pattern %s", js(filters), wantFilter)
	}
	for k, want := range map[string]any{"StartingPosition": "TRIM_HORIZON", "BatchSize": float64(100),
		"BisectBatchOnFunctionError": true, "ParallelizationFactor": float64(1), "MaximumRetryAttempts": float64(8),
		"MaximumRecordAgeInSeconds": float64(23 * 3600)} {
		if p[k] != want {
			t.Errorf("%s = %v, want %v", k, p[k], want)
		}
	}
	if js(p["FunctionResponseTypes"]) != `["ReportBatchItemFailures"]` {
		t.Errorf("FunctionResponseTypes = %s", js(p["FunctionResponseTypes"]))
	}
	dlqID, _ := path(p, "DestinationConfig", "OnFailure", "Destination", "Fn::GetAtt", 0).(string)
	dlq := s.resource(t, dlqID, "AWS::SQS::Queue")
	if props(dlq)["SqsManagedSseEnabled"] != true {
		t.Errorf("DLQ %s", js(props(dlq)))
	}

	// AND an alarm on the alarm topic fires as soon as the DLQ holds a message
	alarmed := false
	for _, a := range s.resources("AWS::CloudWatch::Alarm") {
		ap := props(a)
		if strings.Contains(js(ap["Dimensions"]), js(getAtt(dlqID, "QueueName"))) &&
			ap["MetricName"] == "ApproximateNumberOfMessagesVisible" && ap["Threshold"] == float64(1) &&
			ap["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" && len(asSlice(ap["AlarmActions"])) == 1 {
			alarmed = true
		}
	}
	if !alarmed {
		t.Errorf("no alarm on the publish-events DLQ")
	}

	// AND publish-events may put events on that bus and no other
	fn := props(s.resource(t, fnID, "AWS::Lambda::Function"))
	roleID, _ := path(fn, "Role", "Fn::GetAtt", 0).(string)
	actions, resources := actionsOn(s.roleStatements(roleID), "events:")
	if !reflect.DeepEqual(actions, []string{"events:PutEvents"}) || !reflect.DeepEqual(resources, []string{js(getAtt(busID, "Arn"))}) {
		t.Errorf("events permissions %v on %v, want PutEvents on the bus", actions, resources)
	}
	// AND no other function may
	for _, name := range members.FunctionNames() {
		if name == routes.FnPublishEvents {
			continue
		}
		r := props(s.resource(t, members.FunctionLogicalID(name), "AWS::Lambda::Function"))
		id, _ := path(r, "Role", "Fn::GetAtt", 0).(string)
		if a, _ := actionsOn(s.roleStatements(id), "events:"); len(a) != 0 {
			t.Errorf("%s may %v", name, a)
		}
	}

	// AND the outputs name the bus; no webhook without webhookUrl
	noPanic(t, func() {
		s.tpl.HasOutput(jsii.String(members.OutEventBusName), map[string]any{"Value": ref(busID)})
		s.tpl.HasOutput(jsii.String(members.OutEventBusArn), map[string]any{"Value": getAtt(busID, "Arn")})
	})
	for _, typ := range []string{"AWS::Events::ApiDestination", "AWS::Events::Connection", "AWS::Events::Rule"} {
		if n := len(s.resources(typ)); n != 0 {
			t.Errorf("%d %s without webhookUrl", n, typ)
		}
	}
}

func TestWebhook(t *testing.T) {
	// GIVEN the stack with webhookUrl and webhookSecretName
	s := webhookStack(t)
	busID, _ := s.only(t, "AWS::Events::EventBus")
	connID, conn := s.only(t, "AWS::Events::Connection")
	destID, dest := s.only(t, "AWS::Events::ApiDestination")
	_, rule := s.only(t, "AWS::Events::Rule")

	// THEN the connection sends the secret from Secrets Manager in a header
	cp := props(conn)
	if cp["AuthorizationType"] != "API_KEY" || path(cp, "AuthParameters", "ApiKeyAuthParameters", "ApiKeyName") != members.WebhookSecretHeader ||
		!strings.Contains(js(path(cp, "AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue")), "resolve:secretsmanager:members/webhook") {
		t.Errorf("connection %s", js(cp))
	}
	// AND the API destination POSTs to the URL through it
	dp := props(dest)
	if dp["InvocationEndpoint"] != "https://hooks.example.com/members" || dp["HttpMethod"] != "POST" ||
		js(dp["ConnectionArn"]) != js(getAtt(connID, "Arn")) {
		t.Errorf("API destination %s", js(dp))
	}
	// AND a rule on the bus sends every members event there, with
	// EventBridge's longest retry and a dead-letter queue
	rp := props(rule)
	if js(rp["EventBusName"]) != js(ref(busID)) || js(rp["EventPattern"]) != `{"source":["members"]}` {
		t.Errorf("rule %s", js(rp))
	}
	targets := asSlice(rp["Targets"])
	if len(targets) != 1 {
		t.Fatalf("targets %s", js(targets))
	}
	tg := targets[0]
	if js(path(tg, "Arn")) != js(getAtt(destID, "Arn")) || path(tg, "RetryPolicy", "MaximumRetryAttempts") != float64(185) ||
		path(tg, "RetryPolicy", "MaximumEventAgeInSeconds") != float64(86400) || path(tg, "DeadLetterConfig", "Arn") == nil {
		t.Errorf("target %s", js(tg))
	}
	// AND the rule's role may invoke that destination only
	roleID, _ := path(tg, "RoleArn", "Fn::GetAtt", 0).(string)
	actions, resources := actionsOn(s.roleStatements(roleID), "events:")
	sort.Strings(resources)
	if !reflect.DeepEqual(actions, []string{"events:InvokeApiDestination"}) || len(resources) != 1 || !strings.Contains(resources[0], destID) {
		t.Errorf("rule role %v on %v", actions, resources)
	}
}

func TestWebhookContext(t *testing.T) {
	for _, c := range []members.Config{
		{WebhookURL: "https://hooks.example.com/x"},
		{WebhookSecretName: "members/webhook"},
		{WebhookURL: "http://hooks.example.com/x", WebhookSecretName: "s"},
		{WebhookURL: "https://user:pw@hooks.example.com/x", WebhookSecretName: "s"},
	} {
		app := newApp(t, "webhook-bad", map[string]string{members.CtxWebhookURL: c.WebhookURL, members.CtxWebhookSecretName: c.WebhookSecretName})
		if _, err := members.ConfigFromContext(app.Node()); err == nil || !strings.Contains(err.Error(), "webhook") {
			t.Errorf("%+v: err = %v", c, err)
		}
	}
}
