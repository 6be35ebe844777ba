package integration

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/sesevents"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

// sesNotification is the SNS event SES causes for one event about a mail
// tagged like an invite email.
func sesNotification(t *testing.T, eventType string, inv domain.Invite, messageID string, at time.Time) events.SNSEvent {
	t.Helper()
	ev := map[string]any{
		"eventType": eventType,
		"mail": map[string]any{"timestamp": at.Format(time.RFC3339Nano), "messageId": messageID,
			"tags": map[string][]string{sesevents.TagOrgID: {inv.OrgID}, sesevents.TagInviteID: {inv.ID}, sesevents.TagMailID: {inv.MailID}}},
	}
	switch eventType {
	case "Delivery":
		ev["delivery"] = map[string]any{"timestamp": at.Format(time.RFC3339Nano)}
	case "Bounce":
		ev["bounce"] = map[string]any{"bounceType": "Permanent", "timestamp": at.Format(time.RFC3339Nano)}
	case "Send":
		ev["send"] = map[string]any{}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return events.SNSEvent{Records: []events.SNSEventRecord{{SNS: events.SNSEntity{Message: string(b)}}}}
}

// TestDeliveryStateFollowsSESEvents: the invite function writes nothing
// after SES accepts a mail; the stored delivery state comes from SES events
// (the local stack emulates the Send event) and only moves forward, and
// events about an email older than the invite's current one change nothing.
func TestDeliveryStateFollowsSESEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, testenv.Options{})
	ctx := context.Background()
	st := store.New(e.Stack.Clients.DynamoDB, e.Stack.Config.TableName)
	svc := newService(e.Stack.Config, e.Stack.Clients, nil, slog.New(slog.DiscardHandler))
	apply := func(eventType string, inv domain.Invite, messageID string) domain.Invite {
		t.Helper()
		ds, err := sesevents.FromSNS(sesNotification(t, eventType, inv, messageID, time.Now().UTC()))
		if err != nil || len(ds) != 1 {
			t.Fatalf("%s event: %v, %+v", eventType, err, ds)
		}
		if err := svc.RecordDelivery(ctx, ds[0]); err != nil {
			t.Fatalf("record %s: %v", eventType, err)
		}
		got, err := st.GetInvite(ctx, inv.OrgID, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	o, orgID := newOrg(t, e, "delivery")
	x := testenv.Email("tracked")
	r := invite(t, e, o.Token, orgID, map[string]any{"emails": []string{x}})[x]
	if r.Status != "invited" || r.Delivery != "sent" {
		t.Fatalf("invite: %+v", r)
	}
	// GIVEN the invite as the emulated Send event left it
	first, err := st.GetInvite(ctx, orgID, r.InviteID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Delivery != domain.DeliverySent || first.MessageID == "" || first.MailID == "" {
		t.Fatalf("after the Send event: delivery %q, message %q, mail %q; want sent with both ids", first.Delivery, first.MessageID, first.MailID)
	}

	// THEN Delivery moves it on, a late or repeated Send does not move it back
	if got := apply("Delivery", first, first.MessageID); got.Delivery != domain.DeliveryDelivered {
		t.Errorf("after Delivery: %q", got.Delivery)
	}
	if got := apply("Send", first, first.MessageID); got.Delivery != domain.DeliveryDelivered {
		t.Errorf("a late Send moved delivered to %q", got.Delivery)
	}
	// AND a bounce is final: a late Delivery does not hide it
	if got := apply("Bounce", first, first.MessageID); got.Delivery != domain.DeliveryBounced {
		t.Errorf("after Bounce: %q", got.Delivery)
	}
	if got := apply("Delivery", first, first.MessageID); got.Delivery != domain.DeliveryBounced {
		t.Errorf("a late Delivery hid the bounce: %q", got.Delivery)
	}

	// WHEN the invite is resent (a new token and a new mail id)
	var v inviteView
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/invites/"+r.InviteID+"/resend", o.Token, nil, &v)
	second, err := st.GetInvite(ctx, orgID, r.InviteID)
	if err != nil {
		t.Fatal(err)
	}
	if second.MailID == first.MailID || second.Delivery != domain.DeliverySent || second.MessageID == first.MessageID {
		t.Fatalf("after resend: mail %q (was %q), delivery %q, message %q (was %q)", second.MailID, first.MailID,
			second.Delivery, second.MessageID, first.MessageID)
	}
	// THEN events about the first email change nothing
	if got := apply("Bounce", first, first.MessageID); got.Delivery != domain.DeliverySent || got.MessageID != second.MessageID {
		t.Errorf("a stale bounce changed the resent invite: %q, %q", got.Delivery, got.MessageID)
	}

	// AND a send the invite function saw fail but SES took after all (its
	// answer was lost) ends up sent when the Send event comes
	third := second
	third.MailID, third.TokenHash = "mail_lost_answer", domain.HashToken("lost-answer-token-0123456789012345678901234")
	third.Delivery, third.MessageID = domain.DeliveryPending, ""
	if err := st.ReplaceInvite(ctx, third, second, domain.AuditEvent{ID: domain.NewID("evt", time.Now()),
		OrgID: orgID, At: time.Now(), ActorID: o.ID, Actor: o.Email, Action: domain.AuditInviteResent, Target: third.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkSendFailed(ctx, orgID, third.ID, third.TokenHash); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetInvite(ctx, orgID, third.ID); got.Delivery != domain.DeliveryFailed {
		t.Fatalf("after MarkSendFailed: %q", got.Delivery)
	}
	if got := apply("Send", third, "late-message"); got.Delivery != domain.DeliverySent || got.MessageID != "late-message" {
		t.Errorf("the Send event after a lost answer: %q, %q; want sent", got.Delivery, got.MessageID)
	}
	// AND a failure recorded after the Send event got there does not undo it
	if err := st.MarkSendFailed(ctx, orgID, third.ID, third.TokenHash); err == nil {
		t.Errorf("MarkSendFailed overrode a recorded Send event")
	}
	invariants(t, e)
}
