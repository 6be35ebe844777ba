package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/store"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestAuditFromItem(t *testing.T) {
	item := func() map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": s("ORG#org_1"), "sk": s("AUDIT#evt_1"), "type": s("audit"),
			"eventId": s("evt_1"), "at": s("2026-12-01T10:00:00.5Z"), "actorId": s("u_1"), "actor": s("a@example.com"),
			"action": s("member.added"), "target": s("u_2"), "targetEmail": s("b@example.com"),
			"after": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"role": s("viewer")}}}
	}
	// An item without orgId (written before it was stored) takes it from its key.
	rec, err := store.AuditFromItem(item())
	if err != nil || rec.OrgID != "org_1" || rec.ID != "evt_1" || rec.TargetEmail != "b@example.com" ||
		rec.After["role"] != "viewer" || !rec.At.Equal(time.Date(2026, 12, 1, 10, 0, 0, 5e8, time.UTC)) {
		t.Errorf("AuditFromItem = %+v, %v", rec, err)
	}
	notAudit := item()
	notAudit["type"] = s("member")
	if _, err := store.AuditFromItem(notAudit); !errors.Is(err, store.ErrNotAudit) {
		t.Errorf("member item: %v, want ErrNotAudit", err)
	}
	for _, drop := range []string{"eventId", "action", "at", "pk"} {
		it := item()
		delete(it, drop)
		if _, err := store.AuditFromItem(it); err == nil || errors.Is(err, store.ErrNotAudit) {
			t.Errorf("audit item without %s: %v, want an error", drop, err)
		}
	}
	wrong := item()
	wrong["at"] = s("yesterday")
	if _, err := store.AuditFromItem(wrong); err == nil {
		t.Errorf("audit item with an unreadable time decoded")
	}
}

// A bounce is recorded with one invite.delivery_failed audit event, however
// often SES reports it.
func TestDeliveryFailureAudited(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Now().UTC()
	inv := invite("org_bounce", "ada@example.com", now.Add(time.Hour))
	inv.MailID = "mail_1"
	mustNil(t, st.CreateInvite(ctx, inv, domain.AuditEvent{ID: "evt_0", OrgID: inv.OrgID, At: now, Action: domain.AuditInviteCreated, Target: inv.ID}, nil))
	ev := domain.DeliveryEvent{MessageID: "m-1", OrgID: inv.OrgID, InviteID: inv.ID, MailID: "mail_1", Kind: domain.DeliveryBounced, At: now}
	mustNil(t, st.RecordDeliveryEvent(ctx, ev))
	if err := st.RecordDeliveryEvent(ctx, ev); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("second bounce: %v, want ErrConflict", err)
	}
	stale := ev
	stale.MailID, stale.Kind = "mail_old", domain.DeliveryComplained
	if err := st.RecordDeliveryEvent(ctx, stale); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("complaint about an older email: %v, want ErrConflict", err)
	}
	evs, _, err := st.ListAudit(ctx, inv.OrgID, "", 10)
	mustNil(t, err)
	if len(evs) != 2 || evs[0].Action != domain.AuditInviteDeliveryFailed || evs[0].Target != inv.ID || evs[0].ActorID != "" ||
		evs[0].After["delivery"] != "bounced" || evs[0].Before["delivery"] != "pending" {
		t.Errorf("audit trail %+v", evs)
	}
	got, err := st.GetInvite(ctx, inv.OrgID, inv.ID)
	if err != nil || got.Delivery != domain.DeliveryBounced || got.MessageID != "m-1" {
		t.Errorf("invite %+v, %v", got, err)
	}
}
