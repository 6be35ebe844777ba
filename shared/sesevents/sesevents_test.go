package sesevents_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/sesevents"
)

// loadEvent reads a sample Lambda event from the repository's events/ folder:
// the same files the docs use with sam local invoke.
func loadEvent(t *testing.T, name string) events.SNSEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SNSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFromSNS_SampleEvents(t *testing.T) {
	const org = "org_01hqz8m3k5x7c9v2b4n6p8r0t2"
	tests := []struct {
		file string
		want domain.DeliveryEvent
	}{
		{"ses-send.json", domain.DeliveryEvent{
			MessageID: "0102018e05f2a0b6-3c1f5e2a-7b9d-4c8e-a1f0-6d2b9e4c7a31-000000",
			OrgID:     org, InviteID: "inv_01hqz9a1b3c5d7e9f1g3h5j7k9", MailID: "mail_01hqz9a1b3c5d7e9f1g3h5j7k9",
			Kind: domain.DeliverySent, At: mustTime(t, "2026-03-02T10:15:04.118Z"),
		}},
		{"ses-delivery.json", domain.DeliveryEvent{
			MessageID: "0102018e05f2a0b6-3c1f5e2a-7b9d-4c8e-a1f0-6d2b9e4c7a31-000000",
			OrgID:     org, InviteID: "inv_01hqz9a1b3c5d7e9f1g3h5j7k9", MailID: "mail_01hqz9a1b3c5d7e9f1g3h5j7k9",
			Kind: domain.DeliveryDelivered, At: mustTime(t, "2026-03-02T10:15:05.530Z"),
		}},
		{"ses-bounce.json", domain.DeliveryEvent{
			MessageID: "0102018e05f2b0aa-81c4d2e3-5f6a-4b7c-8d9e-0f1a2b3c4d5e-000000",
			OrgID:     org, InviteID: "inv_01hqz9c2d4f6g8h0j2k4m6n8p0", MailID: "mail_01hqz9c2d4f6g8h0j2k4m6n8p0",
			Kind: domain.DeliveryBounced, At: mustTime(t, "2026-03-02T10:16:11Z"),
		}},
		{"ses-complaint.json", domain.DeliveryEvent{
			MessageID: "0102018e05f2a0b6-3c1f5e2a-7b9d-4c8e-a1f0-6d2b9e4c7a31-000000",
			OrgID:     org, InviteID: "inv_01hqz9a1b3c5d7e9f1g3h5j7k9", MailID: "mail_01hqz9a1b3c5d7e9f1g3h5j7k9",
			Kind: domain.DeliveryComplained, At: mustTime(t, "2026-03-03T08:02:47Z"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			// GIVEN the Lambda event the ses-events function receives from SNS
			ev := loadEvent(t, tt.file)

			// WHEN it is parsed
			got, err := sesevents.FromSNS(ev)

			// THEN it yields exactly the invite's delivery event
			if err != nil {
				t.Fatalf("FromSNS: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("got %d events, want 1: %+v", len(got), got)
			}
			if got[0] != tt.want {
				t.Errorf("got  %+v\nwant %+v", got[0], tt.want)
			}
		})
	}
}

// sesJSON builds an SES event record with the given type, event section and
// mail tags.
func sesJSON(eventType, section, tags string) string {
	s := `{"eventType":"` + eventType + `","mail":{"timestamp":"2026-03-02T10:15:04.118Z",` +
		`"messageId":"m-1","tags":{` + tags + `}}`
	if section != "" {
		s += "," + section
	}
	return s + "}"
}

const inviteTags = `"ses:configuration-set":["cs"],"orgId":["org_1"],"inviteId":["inv_1"],"mailId":["mail_1"]`

func TestParse(t *testing.T) {
	delivered := `"delivery":{"timestamp":"2026-03-02T10:15:05.530Z"}`
	tests := []struct {
		name    string
		msg     string
		wantOK  bool
		wantErr string
		want    domain.DeliveryEvent
	}{
		{
			name: "delivery", msg: sesJSON("Delivery", delivered, inviteTags), wantOK: true,
			want: domain.DeliveryEvent{MessageID: "m-1", OrgID: "org_1", InviteID: "inv_1", MailID: "mail_1", Kind: domain.DeliveryDelivered, At: mustTime(t, "2026-03-02T10:15:05.530Z")},
		},
		{
			name: "event time missing falls back to the send time",
			msg:  sesJSON("Delivery", `"delivery":{}`, inviteTags), wantOK: true,
			want: domain.DeliveryEvent{MessageID: "m-1", OrgID: "org_1", InviteID: "inv_1", MailID: "mail_1", Kind: domain.DeliveryDelivered, At: mustTime(t, "2026-03-02T10:15:04.118Z")},
		},
		{
			name: "permanent bounce", wantOK: true,
			msg:  sesJSON("Bounce", `"bounce":{"bounceType":"Permanent","bounceSubType":"Suppressed","timestamp":"2026-03-02T10:16:11Z"}`, inviteTags),
			want: domain.DeliveryEvent{MessageID: "m-1", OrgID: "org_1", InviteID: "inv_1", MailID: "mail_1", Kind: domain.DeliveryBounced, At: mustTime(t, "2026-03-02T10:16:11Z")},
		},
		{
			name: "transient bounce is not final",
			msg:  sesJSON("Bounce", `"bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","timestamp":"2026-03-02T10:16:11Z"}`, inviteTags),
		},
		{
			name: "undetermined bounce is not final",
			msg:  sesJSON("Bounce", `"bounce":{"bounceType":"Undetermined","timestamp":"2026-03-02T10:16:11Z"}`, inviteTags),
		},
		{
			name: "complaint", wantOK: true,
			msg:  sesJSON("Complaint", `"complaint":{"timestamp":"2026-03-03T08:02:47Z","complaintFeedbackType":"abuse"}`, inviteTags),
			want: domain.DeliveryEvent{MessageID: "m-1", OrgID: "org_1", InviteID: "inv_1", MailID: "mail_1", Kind: domain.DeliveryComplained, At: mustTime(t, "2026-03-03T08:02:47Z")},
		},
		{
			name: "send", msg: sesJSON("Send", `"send":{}`, inviteTags), wantOK: true,
			want: domain.DeliveryEvent{MessageID: "m-1", OrgID: "org_1", InviteID: "inv_1", MailID: "mail_1", Kind: domain.DeliverySent, At: mustTime(t, "2026-03-02T10:15:04.118Z")},
		},
		{name: "reject is not mapped", msg: sesJSON("Reject", `"reject":{"reason":"Bad content"}`, inviteTags)},
		{name: "delivery delay is not mapped", msg: sesJSON("DeliveryDelay", `"deliveryDelay":{"delayType":"MailboxFull"}`, inviteTags)},
		{name: "open is not mapped", msg: sesJSON("Open", `"open":{}`, inviteTags)},
		{name: "mail without invite tags", msg: sesJSON("Delivery", delivered, `"ses:configuration-set":["cs"],"orgId":["org_1"]`)},
		{name: "mail without its mail id", msg: sesJSON("Delivery", delivered, `"orgId":["org_1"],"inviteId":["inv_1"]`)},
		{name: "mail without tags", msg: sesJSON("Delivery", delivered, ``)},
		{name: "not JSON", msg: `Hello from SNS!`, wantErr: "decode"},
		{name: "delivery without section", msg: sesJSON("Delivery", "", inviteTags), wantErr: "without delivery"},
		{name: "bounce without section", msg: sesJSON("Bounce", "", inviteTags), wantErr: "without bounce"},
		{
			name: "impossible tag value", wantErr: "invalid invite tags",
			msg: sesJSON("Delivery", delivered, `"orgId":["org 1"],"inviteId":["inv_1"],"mailId":["mail_1"]`),
		},
		{
			name: "impossible mail id", wantErr: "invalid invite tags",
			msg: sesJSON("Delivery", delivered, `"orgId":["org_1"],"inviteId":["inv_1"],"mailId":["m\u00e9l"]`),
		},
		{
			name: "no message id", wantErr: "messageId",
			msg: strings.Replace(sesJSON("Delivery", delivered, inviteTags), `"messageId":"m-1",`, "", 1),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := sesevents.Parse([]byte(tt.msg))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v (event %+v)", ok, tt.wantOK, got)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFromSNS_SkipsAndReportsBadRecords(t *testing.T) {
	// GIVEN an SNS event with a good record, a malformed one and an unmapped one
	good := events.SNSEventRecord{SNS: events.SNSEntity{MessageID: "a", Message: sesJSON("Delivery", `"delivery":{"timestamp":"2026-03-02T10:15:05Z"}`, inviteTags)}}
	bad := events.SNSEventRecord{SNS: events.SNSEntity{MessageID: "b", Message: `{"eventType":`}}
	unmapped := events.SNSEventRecord{SNS: events.SNSEntity{MessageID: "c", Message: sesJSON("Open", `"open":{}`, inviteTags)}}
	ev := events.SNSEvent{Records: []events.SNSEventRecord{bad, good, unmapped}}

	// WHEN it is parsed
	got, err := sesevents.FromSNS(ev)

	// THEN the good record is returned and the bad one reported by message id
	if len(got) != 1 || got[0].InviteID != "inv_1" {
		t.Errorf("got %+v, want the one delivery of inv_1", got)
	}
	if err == nil || !strings.Contains(err.Error(), "sns message b") {
		t.Errorf("err = %v, want it to name sns message b", err)
	}
}
