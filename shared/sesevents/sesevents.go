// Package sesevents turns the SES event-publishing records that reach the
// ses-events function into delivery events for invites.
//
// The path is SES configuration set → SNS topic → Lambda subscription
// (infra/members/mail.go), so the function receives an events.SNSEvent whose
// records each carry one SES event as a JSON string in Sns.Message. The invite
// mailer tags every invite email with the SES message tags orgId, inviteId
// and mailId; SES copies them into mail.tags of every event about that
// message. The Send event is how an invite learns that SES took its email:
// the invite function writes nothing after a successful send.
package sesevents

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/domain"
)

// Message tags the invite mailer sets on every invite email.
const (
	TagOrgID    = "orgId"
	TagInviteID = "inviteId"
	TagMailID   = "mailId"
)

// Tags SES itself adds to every event (the local server's emulated events
// carry them too).
const (
	TagSESOperation        = "ses:operation"
	TagSESConfigurationSet = "ses:configuration-set"
)

// isTagValue reports whether v may be an SES message tag value: 1–256 of
// A–Z, a–z, 0–9, _ and - (SES rejects others on send), so anything else did
// not come from our mailer. A loop, not a regexp: compiling
// ^[A-Za-z0-9_-]{1,256}$ took 0.5 ms of every mail-sending function's
// cold start (the {1,256} repeats its class 256 times).
func isTagValue(v string) bool {
	if len(v) == 0 || len(v) > 256 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// sesEvent is the part of an SES event record that we read. The full format
// is "Contents of event data that Amazon SES publishes to Amazon SNS".
type sesEvent struct {
	EventType string `json:"eventType"`
	Mail      struct {
		MessageID string              `json:"messageId"`
		Timestamp time.Time           `json:"timestamp"`
		Tags      map[string][]string `json:"tags"`
	} `json:"mail"`
	Delivery *struct {
		Timestamp time.Time `json:"timestamp"`
	} `json:"delivery"`
	Bounce *struct {
		BounceType string    `json:"bounceType"`
		Timestamp  time.Time `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		Timestamp time.Time `json:"timestamp"`
	} `json:"complaint"`
}

// FromSNS returns the delivery events carried by an SNS event, in record
// order. Records that say nothing about an invite (see Parse) are skipped.
// Records that cannot be parsed are skipped as well and reported in the
// returned error (one joined error for all of them) so that the caller can
// log them and still apply the rest: redelivering a malformed record would
// not make it readable.
func FromSNS(ev events.SNSEvent) ([]domain.DeliveryEvent, error) {
	var out []domain.DeliveryEvent
	var errs []error
	for i, rec := range ev.Records {
		d, ok, err := Parse([]byte(rec.SNS.Message))
		if err != nil {
			errs = append(errs, fmt.Errorf("record %d (sns message %s): %w", i, rec.SNS.MessageID, err))
			continue
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, errors.Join(errs...)
}

// Parse reads one SES event record (the Message of an SNS notification).
//
// ok is false, with a nil error, for records that say nothing about an
// invite's delivery: event types other than Send, Delivery, Bounce and
// Complaint; bounces that are not Permanent (Transient and Undetermined
// bounces are not final); and mail without the three invite tags (e.g. "you
// were added" mails).
// It returns an error for a record that is not valid JSON, lacks its message
// id or event section, or carries an invite tag with an impossible value.
func Parse(message []byte) (d domain.DeliveryEvent, ok bool, err error) {
	var ev sesEvent
	if err := json.Unmarshal(message, &ev); err != nil {
		return domain.DeliveryEvent{}, false, fmt.Errorf("sesevents: decode SES event: %w", err)
	}

	var kind domain.Delivery
	var at time.Time
	switch ev.EventType {
	case "Send":
		kind, at = domain.DeliverySent, ev.Mail.Timestamp
	case "Delivery":
		if ev.Delivery == nil {
			return domain.DeliveryEvent{}, false, errors.New("sesevents: Delivery event without delivery section")
		}
		kind, at = domain.DeliveryDelivered, ev.Delivery.Timestamp
	case "Bounce":
		if ev.Bounce == nil {
			return domain.DeliveryEvent{}, false, errors.New("sesevents: Bounce event without bounce section")
		}
		if ev.Bounce.BounceType != "Permanent" {
			return domain.DeliveryEvent{}, false, nil
		}
		kind, at = domain.DeliveryBounced, ev.Bounce.Timestamp
	case "Complaint":
		if ev.Complaint == nil {
			return domain.DeliveryEvent{}, false, errors.New("sesevents: Complaint event without complaint section")
		}
		kind, at = domain.DeliveryComplained, ev.Complaint.Timestamp
	default:
		return domain.DeliveryEvent{}, false, nil
	}

	orgID, hasOrg := singleTag(ev.Mail.Tags, TagOrgID)
	inviteID, hasInvite := singleTag(ev.Mail.Tags, TagInviteID)
	mailID, hasMail := singleTag(ev.Mail.Tags, TagMailID)
	if !hasOrg || !hasInvite || !hasMail {
		return domain.DeliveryEvent{}, false, nil
	}
	if !isTagValue(orgID) || !isTagValue(inviteID) || !isTagValue(mailID) {
		return domain.DeliveryEvent{}, false, fmt.Errorf("sesevents: invalid invite tags orgId=%q inviteId=%q mailId=%q", orgID, inviteID, mailID)
	}
	if ev.Mail.MessageID == "" {
		return domain.DeliveryEvent{}, false, errors.New("sesevents: event without mail.messageId")
	}
	if at.IsZero() {
		at = ev.Mail.Timestamp
	}
	return domain.DeliveryEvent{
		MessageID: ev.Mail.MessageID,
		OrgID:     orgID,
		InviteID:  inviteID,
		MailID:    mailID,
		Kind:      kind,
		At:        at.UTC(),
	}, true, nil
}

// singleTag returns the first value of tag name; SES lists each tag's values
// even though a message tag has exactly one.
func singleTag(tags map[string][]string, name string) (string, bool) {
	v := tags[name]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}
