package localserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/shared/sesevents"
)

// SESEventPublisher emulates SES event publishing for the local stack. In
// AWS, SES publishes a Send event for every mail it accepts to the
// configuration set's SNS topic, which invokes the ses-events function; that
// event is what records an invite's delivery as "sent". The SES v2 emulator
// keeps mail in its inbox but publishes no events, so after every SendEmail
// the emulator accepts, this builds the SNS notification SES would cause and
// hands it to what the ses-events function runs: sesevents.FromSNS, then
// Record (the service's RecordDelivery). It publishes synchronously, before
// SendEmail returns, so the local stack settles at once.
//
// Delivery, Bounce and Complaint events are not emulated (the emulator does
// not deliver anywhere); post events/ses-*.json to try them.
type SESEventPublisher struct {
	Next   mailer.API
	Record func(context.Context, domain.DeliveryEvent) error
	Log    *slog.Logger
	// Now stamps the events (time.Now when nil).
	Now func() time.Time
	// Metrics receives the delivery metrics the ses-events function would
	// write (nil: none).
	Metrics *metrics.Sink
}

var _ mailer.API = (*SESEventPublisher)(nil)

// SendEmail sends through Next and, when Next accepted the mail, publishes
// its Send event. It returns what Next returned; a failure to record the
// event is logged, as the ses-events function would.
func (p *SESEventPublisher) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opt ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	out, err := p.Next.SendEmail(ctx, in, opt...)
	if err != nil || p.Record == nil {
		return out, err
	}
	p.publish(context.WithoutCancel(ctx), in, aws.ToString(out.MessageId))
	return out, nil
}

func (p *SESEventPublisher) publish(ctx context.Context, in *sesv2.SendEmailInput, messageID string) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	tags := map[string][]string{sesevents.TagSESOperation: {"SendEmail"}}
	if cs := aws.ToString(in.ConfigurationSetName); cs != "" {
		tags[sesevents.TagSESConfigurationSet] = []string{cs}
	}
	for _, t := range in.EmailTags {
		tags[aws.ToString(t.Name)] = []string{aws.ToString(t.Value)}
	}
	var to []string
	if in.Destination != nil {
		to = in.Destination.ToAddresses
	}
	ev := map[string]any{
		"eventType": "Send",
		"mail": map[string]any{
			"timestamp": now().UTC().Format("2006-01-02T15:04:05.000Z"), "messageId": messageID,
			"source": aws.ToString(in.FromEmailAddress), "destination": to, "tags": tags,
		},
		"send": map[string]any{},
	}
	msg, err := json.Marshal(ev)
	if err != nil {
		p.Log.ErrorContext(ctx, "SES event not built", "err", err)
		return
	}
	sns := events.SNSEvent{Records: []events.SNSEventRecord{{
		EventSource: "aws:sns", SNS: events.SNSEntity{Type: "Notification", Message: string(msg)},
	}}}
	if err := p.Metrics.Emit(routes.FnSESEvents, sesevents.Outcomes(sns), nil); err != nil {
		p.Log.WarnContext(ctx, "metrics not written", "err", err)
	}
	ds, err := sesevents.FromSNS(sns)
	if err != nil {
		p.Log.WarnContext(ctx, "unreadable SES events skipped", "err", err)
	}
	for _, d := range ds {
		if err := p.Record(ctx, d); err != nil {
			p.Log.ErrorContext(ctx, "delivery event not recorded", "org", d.OrgID, "invite", d.InviteID, "kind", d.Kind, "err", err)
		}
	}
}
