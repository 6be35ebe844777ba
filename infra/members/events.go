package members

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/store"
)

// WebhookSecretHeader is the header in which EventBridge sends the webhook
// secret with every POST to webhookUrl.
const WebhookSecretHeader = "X-Members-Webhook-Secret"

// Stream processing of publish-events (docs/deploy.md, "Membership events").
const (
	// publishBatchSize records per invocation: a few PutEvents calls.
	publishBatchSize = 100
	// publishRetryAttempts: a record that keeps failing is retried this
	// often (bisecting its batch each time) before it goes to the DLQ.
	publishRetryAttempts = 8
	// webhookRetryAttempts and the day of maxEventAge are EventBridge's own
	// maximums for a target.
	webhookRetryAttempts = 185
)

// Events is the membership events path: the table's stream, the
// publish-events function's event source mapping, the bus, and the
// optional webhook.
type Events struct {
	Bus awsevents.EventBus
	// DeadLetters receives what the event source mapping gives up on: the
	// shard and sequence numbers of records not published.
	DeadLetters awssqs.Queue
	// Webhook, WebhookDeadLetters: only with webhookUrl.
	Webhook            awsevents.ApiDestination
	WebhookDeadLetters awssqs.Queue
}

// AuditStreamFilter is the event source mapping's filter: inserts of audit
// items only, so publish-events is not invoked for other writes.
func AuditStreamFilter() *map[string]interface{} {
	return awslambda.FilterCriteria_Filter(&map[string]interface{}{
		"eventName": awslambda.FilterRule_IsEqual(jsii.String("INSERT")),
		"dynamodb": map[string]interface{}{
			"NewImage": map[string]interface{}{
				store.AttrType: map[string]interface{}{"S": awslambda.FilterRule_IsEqual(jsii.String(store.TypeAudit))},
			},
		},
	})
}

// NewEvents adds the bus and connects fn (publish-events) to the table's
// stream (the table must have one: NewTable's new images). With
// cfg.WebhookURL it adds the API destination and the rule that sends every
// event there.
func NewEvents(scope constructs.Construct, id string, table awsdynamodb.Table, fn awslambda.Function, cfg Config) *Events {
	c := constructs.NewConstruct(scope, jsii.String(id))
	e := &Events{}
	e.Bus = awsevents.NewEventBus(c, jsii.String("Bus"), &awsevents.EventBusProps{
		Description: jsii.String("Members: one event per audit event (source " + eventbus.Source + ")"),
	})
	fn.AddEnvironment(jsii.String(config.EnvEventBusName), e.Bus.EventBusName(), nil)
	e.Bus.GrantPutEventsTo(fn, nil)

	e.DeadLetters = deadLetterQueue(c, "PublishDeadLetters")
	fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(table, &awslambdaeventsources.DynamoEventSourceProps{
		// From the oldest record the stream holds: no event is skipped.
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(publishBatchSize),
		MaxBatchingWindow:       awscdk.Duration_Seconds(jsii.Number(1)),
		ParallelizationFactor:   jsii.Number(1), // in order per shard
		BisectBatchOnError:      jsii.Bool(true),
		ReportBatchItemFailures: jsii.Bool(true),
		RetryAttempts:           jsii.Number(publishRetryAttempts),
		// The stream keeps records 24 h; give up (to the DLQ) before that.
		MaxRecordAge: awscdk.Duration_Hours(jsii.Number(23)),
		OnFailure:    awslambdaeventsources.NewSqsDlq(e.DeadLetters),
		Filters:      &[]*map[string]interface{}{AuditStreamFilter()},
	}))

	if cfg.WebhookURL != "" {
		conn := awsevents.NewConnection(c, jsii.String("WebhookConnection"), &awsevents.ConnectionProps{
			Description: jsii.String("Members webhook: the secret " + cfg.WebhookSecretName + " in " + WebhookSecretHeader),
			Authorization: awsevents.Authorization_ApiKey(jsii.String(WebhookSecretHeader),
				awscdk.SecretValue_SecretsManager(jsii.String(cfg.WebhookSecretName), nil)),
		})
		e.Webhook = awsevents.NewApiDestination(c, jsii.String("Webhook"), &awsevents.ApiDestinationProps{
			Connection:         conn,
			Endpoint:           jsii.String(cfg.WebhookURL),
			HttpMethod:         awsevents.HttpMethod_POST,
			RateLimitPerSecond: jsii.Number(20),
			Description:        jsii.String("Members membership events"),
		})
		e.WebhookDeadLetters = deadLetterQueue(c, "WebhookDeadLetters")
		awsevents.NewRule(c, jsii.String("WebhookRule"), &awsevents.RuleProps{
			EventBus:     e.Bus,
			Description:  jsii.String("Every membership event to the webhook"),
			EventPattern: &awsevents.EventPattern{Source: jsii.Strings(eventbus.Source)},
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewApiDestination(e.Webhook, &awseventstargets.ApiDestinationProps{
				RetryAttempts:   jsii.Number(webhookRetryAttempts),
				MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
				DeadLetterQueue: e.WebhookDeadLetters,
			})},
		})
	}
	return e
}

func deadLetterQueue(scope constructs.Construct, id string) awssqs.Queue {
	return awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
}

// validateWebhook checks webhookUrl and webhookSecretName (both or neither).
func (c Config) validateWebhook() error {
	if (c.WebhookURL == "") != (c.WebhookSecretName == "") {
		return fmt.Errorf("context %s and %s go together: give both or neither", CtxWebhookURL, CtxWebhookSecretName)
	}
	if c.WebhookURL == "" {
		return nil
	}
	u, err := url.Parse(c.WebhookURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("context %s: %q must be an https URL", CtxWebhookURL, c.WebhookURL)
	}
	if len(c.WebhookSecretName) > 512 {
		return errors.New("context " + CtxWebhookSecretName + " is too long for a Secrets Manager secret name")
	}
	return nil
}
