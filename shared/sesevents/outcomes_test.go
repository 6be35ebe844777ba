package sesevents_test

import (
	"encoding/json"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/sesevents"
)

func TestOutcomes(t *testing.T) {
	var all events.SNSEvent
	for _, f := range []string{"ses-send", "ses-delivery", "ses-bounce", "ses-complaint"} {
		b, err := os.ReadFile("../../events/" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var ev events.SNSEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		all.Records = append(all.Records, ev.Records...)
	}
	// A transient bounce, an undetermined one, an unreadable record and an
	// event type that is no delivery outcome.
	bounce := all.Records[2]
	for _, typ := range []string{"Transient", "Undetermined"} {
		r := bounce
		r.SNS.Message = strings.Replace(r.SNS.Message, `"bounceType":"Permanent"`, `"bounceType":"`+typ+`"`, 1)
		all.Records = append(all.Records, r)
	}
	all.Records = append(all.Records,
		events.SNSEventRecord{SNS: events.SNSEntity{Message: "not json"}},
		events.SNSEventRecord{SNS: events.SNSEntity{Message: `{"eventType":"Open","mail":{}}`}})

	got := sesevents.Outcomes(all)
	want := metrics.Counts{metrics.DeliverySent: 1, metrics.DeliveryDelivered: 1, metrics.DeliveryBouncedPermanent: 1,
		metrics.DeliveryBouncedTransient: 2, metrics.DeliveryComplained: 1}
	if !maps.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
