package members_test

import (
	"cmp"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/members-saas/members/infra/members"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// withProp returns the id of the one resource of type typ whose property
// key equals value.
func (s *synthesized) withProp(t *testing.T, typ, key string, value any) string {
	t.Helper()
	var ids []string
	for id, r := range s.resources(typ) {
		if reflect.DeepEqual(props(r)[key], value) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d resources of type %s with %s = %s, want 1", len(ids), typ, key, js(value))
	}
	return ids[0]
}

// alarmTopicID returns the logical id of the alarm topic, from the stack
// output that names it.
func (s *synthesized) alarmTopicID(t *testing.T) string {
	t.Helper()
	out, _ := s.doc["Outputs"].(map[string]any)[members.OutAlarmTopic].(map[string]any)
	id, _ := path(out, "Value", "Ref").(string)
	topic := props(s.resource(t, id, "AWS::SNS::Topic"))
	if topic["DisplayName"] != "Members alarms" {
		t.Errorf("alarm topic %s", js(topic))
	}
	return id
}

// alarmsByName returns the template's alarms by AlarmName.
func (s *synthesized) alarmsByName() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range s.resources("AWS::CloudWatch::Alarm") {
		p := props(r)
		name, _ := p["AlarmName"].(string)
		out[name] = p
	}
	return out
}

// wantMetric is what one alarm watches: a single metric, or (expr set) a
// metric-math expression over metrics.
type wantMetric struct {
	namespace, name, stat string
	dims                  map[string]any // dimension name → value (JSON of a Ref for tokens)
	period                float64
	expr                  string
	using                 []wantMetric
}

type wantAlarm struct {
	metric    wantMetric
	threshold float64
	op        string
	periods   float64
	missing   string // TreatMissingData; "" for notBreaching
}

func TestAlarms(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	topicID := s.alarmTopicID(t)
	apiID, _ := s.only(t, "AWS::ApiGatewayV2::Api")
	tableID, _ := s.only(t, "AWS::DynamoDB::Table")
	queueID, _ := s.byPrefix(t, "FunctionsSesEventsDeadLetters", "AWS::SQS::Queue")
	publishDLQ, _ := s.byPrefix(t, "EventsPublishDeadLetters", "AWS::SQS::Queue")
	api := map[string]any{"ApiId": js(ref(apiID))}

	// THEN these alarms exist, each with its metric, threshold and period
	want := map[string]wantAlarm{
		members.AlarmAPI5xx: {wantMetric{expr: "IF(requests > 0, 100 * errors / requests, 0)", using: []wantMetric{
			{namespace: "AWS/ApiGateway", name: "5xx", stat: "Sum", dims: api, period: 300},
			{namespace: "AWS/ApiGateway", name: "Count", stat: "Sum", dims: api, period: 300},
		}}, 1, "GreaterThanThreshold", 1, ""},
		members.AlarmAPILatency: {wantMetric{namespace: "AWS/ApiGateway", name: "Latency", stat: "p99", dims: api, period: 300},
			2000, "GreaterThanThreshold", 2, ""},
		members.AlarmQueueMessages + "SesEventsDeadLetters": {wantMetric{namespace: "AWS/SQS", name: "ApproximateNumberOfMessagesVisible",
			stat: "Maximum", dims: map[string]any{"QueueName": js(getAtt(queueID, "QueueName"))}, period: 300},
			1, "GreaterThanOrEqualToThreshold", 1, ""},
		members.AlarmQueueMessages + "PublishEventsDeadLetters": {wantMetric{namespace: "AWS/SQS", name: "ApproximateNumberOfMessagesVisible",
			stat: "Maximum", dims: map[string]any{"QueueName": js(getAtt(publishDLQ, "QueueName"))}, period: 300},
			1, "GreaterThanOrEqualToThreshold", 1, ""},
		members.AlarmSESBounceRate: {wantMetric{namespace: "AWS/SES", name: "Reputation.BounceRate", stat: "Maximum", dims: map[string]any{}, period: 3600},
			0.02, "GreaterThanThreshold", 1, ""},
		members.AlarmSESComplaintRate: {wantMetric{namespace: "AWS/SES", name: "Reputation.ComplaintRate", stat: "Maximum", dims: map[string]any{}, period: 3600},
			0.0005, "GreaterThanThreshold", 1, ""},
	}
	// AND publish-events falling behind the table's stream: the oldest
	// record of its batches over 5 minutes (in ms) for 3 periods in a row
	want[members.AlarmStreamIteratorAge] = wantAlarm{wantMetric{namespace: "AWS/Lambda", name: "IteratorAge", stat: "Maximum",
		dims: map[string]any{"FunctionName": js(ref(members.FunctionLogicalID(routes.FnPublishEvents)))}, period: 300},
		5 * 60 * 1000, "GreaterThanThreshold", 3, ""}
	// AND the expiry sweep: no completed sweep in three 15-minute periods
	// (a missing metric counts: a sweep that never runs writes none), and
	// any membership it could not handle
	sweepDims := map[string]any{"Function": js(routes.FnExpireMembers)}
	want[members.AlarmSweepMissing] = wantAlarm{wantMetric{namespace: "Members", name: "SweepsCompleted", stat: "Sum", dims: sweepDims, period: 900},
		1, "LessThanThreshold", 3, "breaching"}
	want[members.AlarmSweepFailures] = wantAlarm{wantMetric{namespace: "Members", name: "SweepFailures", stat: "Sum", dims: sweepDims, period: 900},
		1, "GreaterThanOrEqualToThreshold", 1, ""}
	tableOps := func(name string) []wantMetric {
		var ms []wantMetric
		for _, op := range []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"} {
			ms = append(ms, wantMetric{namespace: "AWS/DynamoDB", name: name, stat: "Sum", period: 300,
				dims: map[string]any{"Operation": js(op), "TableName": js(ref(tableID))}})
		}
		return ms
	}
	sumOfOps := "getitem + batchgetitem + query + putitem + updateitem + deleteitem + transactwriteitems"
	want[members.AlarmTableThrottles] = wantAlarm{wantMetric{expr: sumOfOps, using: tableOps("ThrottledRequests")}, 1, "GreaterThanOrEqualToThreshold", 1, ""}
	want[members.AlarmTableSystemErrors] = wantAlarm{wantMetric{expr: sumOfOps, using: tableOps("SystemErrors")}, 5, "GreaterThanOrEqualToThreshold", 1, ""}
	for _, fn := range members.FunctionNames() {
		dims := map[string]any{"FunctionName": js(ref(members.FunctionLogicalID(fn)))}
		want[members.AlarmFunctionErrors+fn] = wantAlarm{wantMetric{namespace: "AWS/Lambda", name: "Errors", stat: "Sum", dims: dims, period: 300},
			1, "GreaterThanOrEqualToThreshold", 1, ""}
		want[members.AlarmFunctionThrottles+fn] = wantAlarm{wantMetric{namespace: "AWS/Lambda", name: "Throttles", stat: "Sum", dims: dims, period: 300},
			1, "GreaterThanOrEqualToThreshold", 1, ""}
	}

	got := s.alarmsByName()
	if len(got) != len(want) {
		t.Errorf("%d alarms, want %d", len(got), len(want))
	}
	for id, w := range want {
		t.Run(id, func(t *testing.T) {
			p, ok := got["Members-"+id]
			if !ok {
				t.Fatalf("no alarm Members-%s", id)
			}
			// AND it notifies the topic when it fires and when it clears
			topic := []any{ref(topicID)}
			if !reflect.DeepEqual(p["AlarmActions"], topic) || !reflect.DeepEqual(p["OKActions"], topic) {
				t.Errorf("actions %s / %s, want the alarm topic", js(p["AlarmActions"]), js(p["OKActions"]))
			}
			if p["Threshold"] != w.threshold || p["ComparisonOperator"] != w.op ||
				p["EvaluationPeriods"] != w.periods || p["DatapointsToAlarm"] != w.periods || p["TreatMissingData"] != cmp.Or(w.missing, "notBreaching") {
				t.Errorf("threshold %v %v, periods %v/%v, missing data %v; want %v %v, %v",
					p["ComparisonOperator"], p["Threshold"], p["DatapointsToAlarm"], p["EvaluationPeriods"], p["TreatMissingData"], w.op, w.threshold, w.periods)
			}
			// AND its description points at its runbook section
			if d, _ := p["AlarmDescription"].(string); !strings.Contains(d, "docs/operations.md#") {
				t.Errorf("description %q has no runbook link", d)
			}
			if w.metric.expr == "" {
				checkSingleMetric(t, p, w.metric)
				return
			}
			checkMathMetric(t, p, w.metric)
		})
	}
}

func checkSingleMetric(t *testing.T, p map[string]any, w wantMetric) {
	t.Helper()
	stat := p["Statistic"]
	if stat == nil {
		stat = p["ExtendedStatistic"]
	}
	if p["Namespace"] != w.namespace || p["MetricName"] != w.name || stat != w.stat || p["Period"] != w.period {
		t.Errorf("metric %v %v %v %v, want %s %s %s %v", p["Namespace"], p["MetricName"], stat, p["Period"], w.namespace, w.name, w.stat, w.period)
	}
	checkDims(t, p["Dimensions"], w.dims)
}

func checkMathMetric(t *testing.T, p map[string]any, w wantMetric) {
	t.Helper()
	ms := asSlice(p["Metrics"])
	if len(ms) != len(w.using)+1 {
		t.Fatalf("%d metric-math entries, want %d", len(ms), len(w.using)+1)
	}
	e := ms[0].(map[string]any)
	if e["Expression"] != w.expr || e["ReturnData"] != true {
		t.Errorf("expression %s, want %q", js(e), w.expr)
	}
	for i, u := range w.using {
		m := ms[i+1].(map[string]any)
		st := path(m, "MetricStat").(map[string]any)
		if path(st, "Metric", "Namespace") != u.namespace || path(st, "Metric", "MetricName") != u.name ||
			st["Stat"] != u.stat || st["Period"] != u.period || m["ReturnData"] != false {
			t.Errorf("metric %d: %s, want %s %s %s %v", i, js(m), u.namespace, u.name, u.stat, u.period)
		}
		checkDims(t, path(st, "Metric", "Dimensions"), u.dims)
	}
}

func checkDims(t *testing.T, got any, want map[string]any) {
	t.Helper()
	g := map[string]any{}
	for _, d := range asSlice(got) {
		dm := d.(map[string]any)
		g[dm["Name"].(string)] = js(dm["Value"])
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("dimensions %v, want %v", g, want)
	}
}

func TestAlarmEmailSubscription(t *testing.T) {
	// GIVEN the default stack (no alarmEmail) and the OIDC one (alarmEmail set)
	for _, c := range []struct {
		name string
		s    func(*testing.T) *synthesized
		want []string
	}{{"default", defaultStack, nil}, {"oidc", oidcStack, []string{"oncall@example.org"}}} {
		t.Run(c.name, func(t *testing.T) {
			s := c.s(t)
			topicID := s.alarmTopicID(t)
			// THEN the alarm topic has exactly the configured email subscriptions
			var got []string
			for _, r := range s.resources("AWS::SNS::Subscription") {
				p := props(r)
				if reflect.DeepEqual(p["TopicArn"], ref(topicID)) {
					if p["Protocol"] != "email" {
						t.Errorf("subscription %s", js(p))
					}
					got = append(got, p["Endpoint"].(string))
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("subscriptions %v, want %v", got, c.want)
			}
			// AND the topic takes TLS publishers only
			if !strings.Contains(js(s.doc["Resources"]), `"aws:SecureTransport":"false"`) {
				t.Errorf("no TLS guard in the template")
			}
		})
	}
}

func TestDashboard(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	// WHEN we read its one dashboard's body
	_, d := s.only(t, "AWS::CloudWatch::Dashboard")
	p := props(d)
	if p["DashboardName"] != "Members" {
		t.Errorf("dashboard name %v", p["DashboardName"])
	}
	body := js(p["DashboardBody"])

	// THEN it has every widget, by title
	for _, title := range []string{members.WidgetAlarms, members.WidgetAPI, members.WidgetLatency, members.WidgetRequestsPerFn,
		members.WidgetErrorsPerFn, members.WidgetFunctionP99, members.WidgetInvites, members.WidgetConversion, members.WidgetMail,
		members.WidgetDelivery, members.WidgetSESReputation, members.WidgetThrottles, members.WidgetEvents} {
		if !strings.Contains(body, js(title)[1:len(js(title))-1]) {
			t.Errorf("no widget %q", title)
		}
	}
	// AND requests and errors per route family are the EMF metrics of every HTTP function
	for _, m := range []metrics.Name{metrics.Requests, metrics.ClientErrors, metrics.ServerErrors} {
		for _, fn := range routes.Functions() {
			if !strings.Contains(body, `[\"Members\",\"`+string(m)+`\",\"Function\",\"`+fn+`\"`) {
				t.Errorf("no %s of %s", m, fn)
			}
		}
	}
	// AND invites sent vs accepted, mail and delivery outcomes, throttles and latency percentiles
	for _, m := range []metrics.Name{metrics.InvitesCreated, metrics.InvitesAccepted, metrics.EmailsSent, metrics.EmailsFailed,
		metrics.DeliverySent, metrics.DeliveryDelivered, metrics.DeliveryBouncedPermanent, metrics.DeliveryBouncedTransient,
		metrics.DeliveryComplained, metrics.RateLimited, metrics.InvitesRevoked, metrics.EventsPublished, metrics.EventsFailed} {
		if !strings.Contains(body, `\"`+string(m)+`\"`) {
			t.Errorf("no %s", m)
		}
	}
	// AND invites revoked with their sender count wherever a membership
	// change revokes them
	for _, fn := range []string{routes.FnInvites, routes.FnMembers, routes.FnProjectMembers} {
		if !strings.Contains(body, `[\"Members\",\"`+string(metrics.InvitesRevoked)+`\",\"Function\",\"`+fn+`\"`) {
			t.Errorf("no %s of %s", metrics.InvitesRevoked, fn)
		}
	}
	for _, s := range []string{`\"IteratorAge\"`, `100 * accepted / invited`, `\"AWS/Lambda\",\"Throttles\"`, `\"ThrottledRequests\"`,
		`\"stat\":\"p50\"`, `\"stat\":\"p90\"`, `\"stat\":\"p99\"`, `Reputation.BounceRate`, `Reputation.ComplaintRate`} {
		if !strings.Contains(body, s) {
			t.Errorf("dashboard lacks %s", s)
		}
	}
	// AND the alarm widget shows every alarm
	for id := range s.resources("AWS::CloudWatch::Alarm") {
		if !strings.Contains(body, js(getAtt(id, "Arn"))) {
			t.Errorf("alarm %s not on the dashboard", id)
		}
	}
}

func TestTracing(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	// THEN every function traces actively (HTTP APIs have no X-Ray tracing;
	// docs/operations.md#tracing)
	for _, fn := range members.FunctionNames() {
		p := props(s.resource(t, members.FunctionLogicalID(fn), "AWS::Lambda::Function"))
		if path(p, "TracingConfig", "Mode") != "Active" {
			t.Errorf("%s: tracing %s", fn, js(p["TracingConfig"]))
		}
	}
}

// TestRunbook: docs/operations.md has a section per alarm, and its alarm
// and metric tables are generated from AlarmDocs and metrics.Catalog
// (MEMBERS_UPDATE_DOCS=1 rewrites them).
func TestRunbook(t *testing.T) {
	file := filepath.Join("..", "..", "docs", "operations.md")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, a := range members.AlarmDocs() {
		if !regexp.MustCompile(`(?m)^### ` + regexp.QuoteMeta(strings.TrimSuffix(a.ID, "-")) + `\b`).MatchString(doc) {
			t.Errorf("docs/operations.md has no section ### %s", strings.TrimSuffix(a.ID, "-"))
		}
	}
	for name, want := range map[string]string{"alarms": members.AlarmTable(), "metrics": members.MetricTable()} {
		checkGeneratedSection(t, file, name, want) // MEMBERS_UPDATE_DOCS=1 rewrites it
	}
}
