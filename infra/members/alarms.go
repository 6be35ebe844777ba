package members

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// Alarm thresholds. docs/operations.md (the runbook) gives the reasoning;
// its alarm table is generated from AlarmDocs.
const (
	// A 5xx is always our fault (bad input gets a 4xx), so 1% of requests
	// in 5 minutes is already an incident.
	api5xxPercent = 1.0
	// The console waits on every call; a p99 over 2 s is a visibly slow
	// product. Two periods in a row, so that one slow bulk invite in a quiet
	// period does not page.
	apiLatencyP99Ms      = 2000
	apiLatencyPeriods    = 2
	tableSystemErrors    = 5      // SDK retries single 500s; several in 5 minutes is an AWS-side problem
	sesBounceRate        = 0.02   // SES reviews the account at 5%, and pauses sending at 10%
	sesComplaintRate     = 0.0005 // SES reviews the account at 0.1%, and pauses sending at 0.5%
	sesReputationPeriodH = 1      // SES updates the reputation metrics about hourly
	// publish-events normally reads a record a second or two after the
	// write (a 1 s batching window, one PutEvents call). A poison record's
	// retries clear within minutes (FunctionErrors and the dead-letter
	// queue's alarm report those); an age over 5 minutes for 15 minutes in
	// a row is a backlog: events reach the bus and webhook late. The
	// stream keeps records 24 h and the mapping gives them up to the DLQ
	// at 23 h (events.go), so this leaves most of a day to act.
	streamIteratorAgeMinutes = 5
	streamIteratorAgePeriods = 3
	// The expiry sweep runs every 15 minutes (expiry.go). Three periods of
	// 15 minutes without a completed sweep (SweepsCompleted, missing data
	// counting as none) is two schedules missed in a row: expired
	// memberships stay listed (their access is already refused) and
	// reminders wait. One failed membership is already worth a look.
	sweepMissingPeriods = 3
)

// sweepPeriod is the period of the sweep alarms: the schedule's.
var sweepPeriod = awscdk.Duration_Minutes(jsii.Number(15))

// alarmPeriod is the period of every alarm but the SES reputation ones.
var alarmPeriod = awscdk.Duration_Minutes(jsii.Number(5))

// tableOperations are the DynamoDB operations shared/store calls, whose
// throttles and system errors the table alarms sum.
var tableOperations = []awsdynamodb.Operation{
	awsdynamodb.Operation_GET_ITEM, awsdynamodb.Operation_BATCH_GET_ITEM, awsdynamodb.Operation_QUERY,
	awsdynamodb.Operation_PUT_ITEM, awsdynamodb.Operation_UPDATE_ITEM, awsdynamodb.Operation_DELETE_ITEM,
	awsdynamodb.Operation_TRANSACT_WRITE_ITEMS,
}

// Alarm ids (also the end of each alarm's name, "<stack>-<id>"; the
// runbook has a section per id). Per-function and per-queue alarms end in
// the function's or queue's name.
const (
	AlarmAPI5xx            = "Api5xxShare"
	AlarmAPILatency        = "ApiLatencyP99"
	AlarmFunctionErrors    = "FunctionErrors-"
	AlarmFunctionThrottles = "FunctionThrottles-"
	AlarmQueueMessages     = "QueueMessages-"
	AlarmTableThrottles    = "TableThrottledRequests"
	AlarmTableSystemErrors = "TableSystemErrors"
	AlarmSESBounceRate     = "SesBounceRate"
	AlarmSESComplaintRate  = "SesComplaintRate"
	AlarmStreamIteratorAge = "StreamIteratorAge"
	AlarmSweepMissing      = "SweepMissing"
	AlarmSweepFailures     = "SweepFailures"
	// OutAlarmTopic is the stack output with the alarm topic's ARN.
	OutAlarmTopic = "AlarmTopic"
)

// AlarmDoc describes one alarm (or one per function or queue) for the
// runbook's generated table.
type AlarmDoc struct {
	ID        string // AlarmXxx; ends in "-" for one alarm per function or queue
	Metric    string
	Threshold string
}

// AlarmDocs lists the alarms NewAlarms adds, with their thresholds.
func AlarmDocs() []AlarmDoc {
	return []AlarmDoc{
		{AlarmAPI5xx, "AWS/ApiGateway 5xx ÷ Count (metric math), the API", fmt.Sprintf("> %g%% over 5 minutes", api5xxPercent)},
		{AlarmAPILatency, "AWS/ApiGateway Latency p99, the API", fmt.Sprintf("> %d ms in %d consecutive 5-minute periods", apiLatencyP99Ms, apiLatencyPeriods)},
		{AlarmFunctionErrors, "AWS/Lambda Errors, each function", "≥ 1 in 5 minutes"},
		{AlarmFunctionThrottles, "AWS/Lambda Throttles, each function", "≥ 1 in 5 minutes"},
		{AlarmQueueMessages, "AWS/SQS ApproximateNumberOfMessagesVisible (maximum), each queue", "≥ 1 in 5 minutes"},
		{AlarmTableThrottles, "AWS/DynamoDB ThrottledRequests, summed over the store's operations", "≥ 1 in 5 minutes"},
		{AlarmTableSystemErrors, "AWS/DynamoDB SystemErrors, summed over the store's operations", fmt.Sprintf("≥ %d in 5 minutes", tableSystemErrors)},
		{AlarmSESBounceRate, "AWS/SES Reputation.BounceRate (maximum), the account", fmt.Sprintf("> %g%% in an hour", sesBounceRate*100)},
		{AlarmSESComplaintRate, "AWS/SES Reputation.ComplaintRate (maximum), the account", fmt.Sprintf("> %g%% in an hour", sesComplaintRate*100)},
		{AlarmStreamIteratorAge, "AWS/Lambda IteratorAge (maximum), publish-events (the table stream's event source mapping)",
			fmt.Sprintf("> %d minutes in %d consecutive 5-minute periods", streamIteratorAgeMinutes, streamIteratorAgePeriods)},
		{AlarmSweepMissing, "Members SweepsCompleted (sum), expire-members; missing data is breaching",
			fmt.Sprintf("< 1 in %d consecutive 15-minute periods", sweepMissingPeriods)},
		{AlarmSweepFailures, "Members SweepFailures (sum), expire-members", "≥ 1 in 15 minutes"},
	}
}

// Alarms is the service's alarms and the topic they notify.
type Alarms struct {
	Construct constructs.Construct // everything else is added under it
	// Topic receives every alarm's ALARM and OK notifications.
	Topic awssns.Topic
	// ByID holds every alarm by its id (per-function and per-queue ids
	// completed with the name).
	ByID map[string]awscloudwatch.Alarm
}

// AlarmsProps configures NewAlarms.
type AlarmsProps struct {
	API       *API
	Functions map[string]awslambda.Function
	Table     awsdynamodb.Table
	// Queues are every queue whose messages need a person: dead-letter
	// queues, by a short name ("SesEventsDeadLetters").
	Queues map[string]awssqs.IQueue
	// Email, when set, is subscribed to the topic (context alarmEmail).
	Email string
}

// NewAlarms adds the alarm topic (subscribing props.Email) and the alarms
// of AlarmDocs, each notifying the topic when it fires and when it clears.
func NewAlarms(scope constructs.Construct, id string, props AlarmsProps) *Alarms {
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &Alarms{Construct: c, ByID: map[string]awscloudwatch.Alarm{}}
	a.Topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("Members alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if props.Email != "" {
		a.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.Email), nil))
	}
	action := awscloudwatchactions.NewSnsAction(a.Topic)
	prefix := *awscdk.Stack_Of(c).StackName() + "-"

	add := func(id, what string, metric awscloudwatch.IMetric, threshold float64, op awscloudwatch.ComparisonOperator, periods float64,
		missing ...awscloudwatch.TreatMissingData) {
		// No traffic is no news: quiet hours must not alarm (unless the
		// metric is a heartbeat).
		treat := awscloudwatch.TreatMissingData_NOT_BREACHING
		if len(missing) > 0 {
			treat = missing[0]
		}
		al := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(prefix + id),
			AlarmDescription:   jsii.String(what + " " + "Runbook: docs/operations.md#" + runbookAnchor(id)),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: op,
			EvaluationPeriods:  jsii.Number(periods),
			DatapointsToAlarm:  jsii.Number(periods),
			TreatMissingData:   treat,
		})
		al.AddAlarmAction(action)
		al.AddOkAction(action)
		a.ByID[id] = al
	}
	gt, gte := awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	sum := func(o *awscloudwatch.MetricOptions) *awscloudwatch.MetricOptions {
		o.Statistic, o.Period = jsii.String("Sum"), alarmPeriod
		return o
	}

	api := props.API.HttpApi
	share := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors":   api.MetricServerError(sum(&awscloudwatch.MetricOptions{})),
			"requests": api.MetricCount(sum(&awscloudwatch.MetricOptions{})),
		},
		Label:  jsii.String("5xx share of requests (%)"),
		Period: alarmPeriod,
	})
	add(AlarmAPI5xx, "More than 1% of API requests answered 5xx in 5 minutes.", share, api5xxPercent, gt, 1)
	add(AlarmAPILatency, "The API's p99 latency is over 2 s.",
		api.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: alarmPeriod}),
		apiLatencyP99Ms, gt, apiLatencyPeriods)

	for _, name := range FunctionNames() {
		fn := props.Functions[name]
		add(AlarmFunctionErrors+name, "The "+name+" function failed (crash, timeout or returned error).",
			fn.MetricErrors(sum(&awscloudwatch.MetricOptions{})), 1, gte, 1)
		add(AlarmFunctionThrottles+name, "Lambda throttled the "+name+" function (concurrency exhausted).",
			fn.MetricThrottles(sum(&awscloudwatch.MetricOptions{})), 1, gte, 1)
	}
	for _, name := range slices.Sorted(maps.Keys(props.Queues)) {
		add(AlarmQueueMessages+name, "Messages wait in the "+name+" queue for a person.",
			props.Queues[name].MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Statistic: jsii.String("Maximum"), Period: alarmPeriod,
			}), 1, gte, 1)
	}

	ops := &tableOperations
	add(AlarmTableThrottles, "DynamoDB throttled requests to the table.",
		props.Table.MetricThrottledRequestsForOperations(&awsdynamodb.OperationsMetricOptions{
			Operations: ops, Statistic: jsii.String("Sum"), Period: alarmPeriod,
		}), 1, gte, 1)
	add(AlarmTableSystemErrors, "DynamoDB answered the table's requests with internal errors.",
		props.Table.MetricSystemErrorsForOperations(&awsdynamodb.SystemErrorsForOperationsMetricOptions{
			Operations: ops, Statistic: jsii.String("Sum"), Period: alarmPeriod,
		}), tableSystemErrors, gte, 1)

	// IteratorAge is in milliseconds.
	add(AlarmStreamIteratorAge, fmt.Sprintf("publish-events is more than %d minutes behind the table's stream: membership events are late.", streamIteratorAgeMinutes),
		props.Functions[routes.FnPublishEvents].Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{
			Statistic: jsii.String("Maximum"), Period: alarmPeriod,
		}), streamIteratorAgeMinutes*60*1000, gt, streamIteratorAgePeriods)

	sweepMetric := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{metrics.DimFunction: jsii.String(routes.FnExpireMembers)},
			Statistic:     jsii.String("Sum"), Period: sweepPeriod,
		})
	}
	add(AlarmSweepMissing, "No expiry sweep completed in 45 minutes: expired memberships stay listed and reminders wait.",
		sweepMetric(string(metrics.SweepsCompleted)), 1, awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, sweepMissingPeriods,
		awscloudwatch.TreatMissingData_BREACHING)
	add(AlarmSweepFailures, "The expiry sweep could not handle some memberships (or read its index).",
		sweepMetric(string(metrics.SweepFailures)), 1, gte, 1)

	reputation := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/SES"), MetricName: jsii.String(name),
			Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Hours(jsii.Number(sesReputationPeriodH)),
		})
	}
	add(AlarmSESBounceRate, "The SES account's bounce rate is over 2% (SES reviews at 5%).",
		reputation("Reputation.BounceRate"), sesBounceRate, gt, 1)
	add(AlarmSESComplaintRate, "The SES account's complaint rate is over 0.05% (SES reviews at 0.1%).",
		reputation("Reputation.ComplaintRate"), sesComplaintRate, gt, 1)

	awscdk.NewCfnOutput(awscdk.Stack_Of(c), jsii.String(OutAlarmTopic), &awscdk.CfnOutputProps{
		Value: a.Topic.TopicArn(), Description: jsii.String("SNS topic every alarm notifies (subscribe on-call here)"),
	})
	return a
}

// runbookAnchor is the runbook section of an alarm id: per-function and
// per-queue alarms share one section.
func runbookAnchor(id string) string {
	for _, d := range AlarmDocs() {
		if strings.HasSuffix(d.ID, "-") && strings.HasPrefix(id, d.ID) {
			id = d.ID
			break
		}
	}
	return strings.ToLower(strings.TrimSuffix(id, "-"))
}
