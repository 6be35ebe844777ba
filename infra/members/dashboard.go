package members

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// Dashboard widget titles, in order (the CDK test finds them by title).
const (
	WidgetAlarms         = "Alarms"
	WidgetAPI            = "API: requests, 4xx, 5xx"
	WidgetLatency        = "API latency (p50, p90, p99; p99 of the integration)"
	WidgetRequestsPerFn  = "Requests per route family"
	WidgetErrorsPerFn    = "Errors per route family (4xx left, 5xx right)"
	WidgetFunctionP99    = "Function duration p99"
	WidgetInvites        = "Invites sent vs accepted"
	WidgetConversion     = "Invite conversion (accepted ÷ invited, %)"
	WidgetMail           = "Mail: SES accepted vs refused"
	WidgetDelivery       = "Delivery outcomes (SES events)"
	WidgetSESReputation  = "SES reputation (account)"
	WidgetThrottles      = "Throttles: Lambda, DynamoDB, rate-limited requests"
	WidgetEvents         = "Membership events: published, failed, stream lag (ms, right)"
	dashboardWidgetWidth = 12
	dashboardWidgetRows  = 6
)

// DashboardProps configures NewDashboard.
type DashboardProps struct {
	API       *API
	Functions map[string]awslambda.Function
	Table     awsdynamodb.Table
	Alarms    *Alarms
}

// NewDashboard adds the one CloudWatch dashboard, "<stack>": alarm states;
// API traffic, errors and latency; requests and errors per route family
// (function); invites sent vs accepted; mail and delivery outcomes; SES
// reputation; and throttles everywhere. The business metrics are the EMF
// metrics of shared/metrics.
func NewDashboard(scope constructs.Construct, id string, props DashboardProps) awscloudwatch.Dashboard {
	period := awscdk.Duration_Minutes(jsii.Number(5))
	api := props.API.HttpApi
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: period}
	emf := func(name metrics.Name, fn, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(string(name)),
			DimensionsMap: &map[string]*string{metrics.DimFunction: jsii.String(fn)},
			Statistic:     jsii.String("Sum"), Period: period, Label: jsii.String(label),
		})
	}
	perFn := func(name metrics.Name) *[]awscloudwatch.IMetric {
		var ms []awscloudwatch.IMetric
		for _, fn := range routes.Functions() {
			ms = append(ms, emf(name, fn, fn))
		}
		return &ms
	}
	graph := func(title string, left []awscloudwatch.IMetric, right []awscloudwatch.IMetric) awscloudwatch.IWidget {
		p := &awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left,
			Width: jsii.Number(dashboardWidgetWidth), Height: jsii.Number(dashboardWidgetRows)}
		if right != nil {
			p.Right = &right
		}
		return awscloudwatch.NewGraphWidget(p)
	}

	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, id := range slices.Sorted(maps.Keys(props.Alarms.ByID)) {
		alarms = append(alarms, props.Alarms.ByID[id])
	}
	alarmWidget := awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String(WidgetAlarms), Alarms: &alarms, Width: jsii.Number(24), Height: jsii.Number(4),
		SortBy: awscloudwatch.AlarmStatusWidgetSortBy_STATE_UPDATED_TIMESTAMP,
	})

	latency := func(stat string) awscloudwatch.IMetric {
		return api.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String(stat), Period: period, Label: jsii.String(stat)})
	}
	var fnP99, fnThrottles []awscloudwatch.IMetric
	for _, name := range FunctionNames() {
		fn := props.Functions[name]
		fnP99 = append(fnP99, fn.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: period, Label: jsii.String(name)}))
		fnThrottles = append(fnThrottles, fn.MetricThrottles(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: period, Label: jsii.String(name)}))
	}
	invited := emf(metrics.InvitesCreated, routes.FnInvite, "invited (new addresses)")
	accepted := emf(metrics.InvitesAccepted, routes.FnAccept, "accepted")
	conversion := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("IF(invited > 0, 100 * accepted / invited, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"invited": invited, "accepted": accepted},
		Label:        jsii.String("accepted ÷ invited (%)"),
		Period:       awscdk.Duration_Days(jsii.Number(1)),
	})
	var rateLimited []awscloudwatch.IMetric
	for _, fn := range []string{routes.FnInvite, routes.FnInvites} {
		rateLimited = append(rateLimited, emf(metrics.RateLimited, fn, "429 rate_limited: "+fn))
	}
	ses := func(name, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/SES"), MetricName: jsii.String(name),
			Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Hours(jsii.Number(1)), Label: jsii.String(label)})
	}

	rows := [][]awscloudwatch.IWidget{
		{alarmWidget},
		{
			graph(WidgetAPI, []awscloudwatch.IMetric{api.MetricCount(sum), api.MetricClientError(sum), api.MetricServerError(sum)}, nil),
			graph(WidgetLatency, []awscloudwatch.IMetric{latency("p50"), latency("p90"), latency("p99"),
				api.MetricIntegrationLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: period,
					Label: jsii.String("p99 integration (the function)")})}, nil),
		},
		{
			graph(WidgetRequestsPerFn, *perFn(metrics.Requests), nil),
			graph(WidgetErrorsPerFn, *perFn(metrics.ClientErrors), *perFn(metrics.ServerErrors)),
		},
		{
			graph(WidgetInvites, []awscloudwatch.IMetric{invited, accepted,
				emf(metrics.MembersAdded, routes.FnInvite, "existing accounts added"),
				emf(metrics.InvitesRevoked, routes.FnInvites, "revoked"),
				emf(metrics.InvitesRevoked, routes.FnMembers, "revoked: sender left the org or lost its role"),
				emf(metrics.InvitesRevoked, routes.FnProjectMembers, "revoked: sender left a project or lost its role")}, nil),
			awscloudwatch.NewSingleValueWidget(&awscloudwatch.SingleValueWidgetProps{
				Title: jsii.String(WidgetConversion), Metrics: &[]awscloudwatch.IMetric{conversion},
				Width: jsii.Number(dashboardWidgetWidth), Height: jsii.Number(dashboardWidgetRows),
				SetPeriodToTimeRange: jsii.Bool(true),
			}),
		},
		{
			graph(WidgetMail, []awscloudwatch.IMetric{
				emf(metrics.EmailsSent, routes.FnInvite, "sent: invite"), emf(metrics.EmailsSent, routes.FnInvites, "sent: resend"),
				emf(metrics.EmailsFailed, routes.FnInvite, "refused: invite"), emf(metrics.EmailsFailed, routes.FnInvites, "refused: resend"),
			}, nil),
			graph(WidgetDelivery, []awscloudwatch.IMetric{
				emf(metrics.DeliverySent, routes.FnSESEvents, "sent"),
				emf(metrics.DeliveryDelivered, routes.FnSESEvents, "delivered"),
				emf(metrics.DeliveryBouncedPermanent, routes.FnSESEvents, "bounced (permanent)"),
				emf(metrics.DeliveryBouncedTransient, routes.FnSESEvents, "bounced (transient)"),
				emf(metrics.DeliveryComplained, routes.FnSESEvents, "complained"),
			}, nil),
		},
		{
			graph(WidgetSESReputation, []awscloudwatch.IMetric{
				ses("Reputation.BounceRate", "bounce rate (alarm > 0.02)"), ses("Reputation.ComplaintRate", "complaint rate (alarm > 0.0005)"),
			}, nil),
			graph(WidgetThrottles, append(fnThrottles,
				props.Table.MetricThrottledRequestsForOperations(&awsdynamodb.OperationsMetricOptions{
					Operations: &tableOperations, Statistic: jsii.String("Sum"), Period: period, Label: jsii.String("DynamoDB throttled requests"),
				})), rateLimited),
		},
		{
			graph(WidgetFunctionP99, fnP99, nil),
			graph(WidgetEvents, []awscloudwatch.IMetric{
				emf(metrics.EventsPublished, routes.FnPublishEvents, "published"),
				emf(metrics.EventsFailed, routes.FnPublishEvents, "failed (retried, then dead-lettered)"),
			}, []awscloudwatch.IMetric{props.Functions[routes.FnPublishEvents].Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{
				Statistic: jsii.String("Maximum"), Period: period, Label: jsii.String("stream iterator age (max)"),
			})}),
		},
	}
	widgets := make([]*[]awscloudwatch.IWidget, len(rows))
	for i := range rows {
		widgets[i] = &rows[i]
	}
	return awscloudwatch.NewDashboard(scope, jsii.String(id), &awscloudwatch.DashboardProps{
		DashboardName:   awscdk.Stack_Of(scope).StackName(),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(24)),
		Widgets:         &widgets,
	})
}
