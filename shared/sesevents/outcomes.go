package sesevents

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/metrics"
)

// Outcomes counts the delivery outcomes an SNS event carries, for the
// delivery metrics: Send, Delivery, Bounce (Permanent apart from Transient
// and Undetermined) and Complaint events of every mail sent through the
// configuration set, invite mails or not, since SES's account reputation
// counts them all. Unreadable records and other event types count nothing.
func Outcomes(ev events.SNSEvent) metrics.Counts {
	c := metrics.Counts{}
	for _, rec := range ev.Records {
		var e struct {
			EventType string `json:"eventType"`
			Bounce    *struct {
				BounceType string `json:"bounceType"`
			} `json:"bounce"`
		}
		if json.Unmarshal([]byte(rec.SNS.Message), &e) != nil {
			continue
		}
		switch e.EventType {
		case "Send":
			c.Add(metrics.DeliverySent, 1)
		case "Delivery":
			c.Add(metrics.DeliveryDelivered, 1)
		case "Bounce":
			if e.Bounce != nil && e.Bounce.BounceType == "Permanent" {
				c.Add(metrics.DeliveryBouncedPermanent, 1)
			} else {
				c.Add(metrics.DeliveryBouncedTransient, 1)
			}
		case "Complaint":
			c.Add(metrics.DeliveryComplained, 1)
		}
	}
	return c
}
