package members

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Mail is the SES side of the service: the sending identity, the
// configuration set every mail goes through, and the SNS topic that receives
// the delivery, bounce and complaint events of those mails.
//
// Why SNS and not EventBridge: SES delivers to EventBridge on a best-effort
// basis, while SNS retries delivery to a Lambda subscription for days; a lost
// bounce would leave an invite shown as delivered. The topic also keeps the
// ses-events function independent of the account's default event bus.
type Mail struct {
	Construct        constructs.Construct // everything else is added under it
	Identity         awsses.EmailIdentity
	ConfigurationSet awsses.ConfigurationSet
	// ConfigurationSetArn is the set's ARN, for IAM.
	ConfigurationSetArn *string
	// Events receives the SES events of every mail sent with the set.
	Events awssns.Topic
	// DomainIdentity is true when the identity is a domain (DKIM records to publish).
	DomainIdentity bool
}

// mailEvents are the SES events the ses-events function maps onto invites
// (see shared/sesevents). Send is how an invite's delivery becomes "sent":
// the invite function itself writes nothing after SES accepts a mail.
var mailEvents = []awsses.EmailSendingEvent{
	awsses.EmailSendingEvent_SEND,
	awsses.EmailSendingEvent_DELIVERY,
	awsses.EmailSendingEvent_BOUNCE,
	awsses.EmailSendingEvent_COMPLAINT,
}

// NewMail adds the SES identity for cfg.SESIdentity, a configuration set
// (also the identity's default) and its event destination, an SNS topic.
func NewMail(scope constructs.Construct, id string, cfg Config) *Mail {
	c := constructs.NewConstruct(scope, jsii.String(id))
	m := &Mail{Construct: c, DomainIdentity: !strings.Contains(cfg.SESIdentity, "@")}

	m.ConfigurationSet = awsses.NewConfigurationSet(c, jsii.String("ConfigurationSet"), &awsses.ConfigurationSetProps{
		// Stop sending to addresses that bounced or complained: repeated
		// bounces hurt the account's reputation and may get it paused.
		SuppressionReasons: awsses.SuppressionReasons_BOUNCES_AND_COMPLAINTS,
		ReputationMetrics:  jsii.Bool(true),
		SendingEnabled:     jsii.Bool(true),
	})
	m.ConfigurationSetArn = awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ses"),
		Resource:     jsii.String("configuration-set"),
		ResourceName: m.ConfigurationSet.ConfigurationSetName(),
	})

	identity := awsses.Identity_Domain(jsii.String(cfg.SESIdentity))
	if !m.DomainIdentity {
		identity = awsses.Identity_Email(jsii.String(cfg.SESIdentity))
	}
	m.Identity = awsses.NewEmailIdentity(c, jsii.String("Identity"), &awsses.EmailIdentityProps{
		Identity:         identity,
		ConfigurationSet: m.ConfigurationSet,
	})

	m.Events = awssns.NewTopic(c, jsii.String("EventsTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Members SES delivery events"),
		// Deny publishing over plain HTTP (SES publishes over TLS).
		EnforceSSL: jsii.Bool(true),
	})
	// Adds the topic policy that lets SES (this account, this configuration
	// set only) publish.
	m.ConfigurationSet.AddEventDestination(jsii.String("ToSns"), &awsses.ConfigurationSetEventDestinationOptions{
		Destination: awsses.EventDestination_SnsTopic(m.Events),
		Events:      &mailEvents,
	})
	return m
}

// GrantSend lets grantee call ses:SendEmail with this identity and
// configuration set, and nothing else. (SendEmail with Simple or Template
// content needs no ses:SendRawEmail.)
func (m *Mail) GrantSend(grantee awsiam.IGrantable) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: grantee,
		Actions: jsii.Strings("ses:SendEmail"),
		ResourceArns: &[]*string{
			m.Identity.EmailIdentityArn(),
			m.ConfigurationSetArn,
		},
	})
}
