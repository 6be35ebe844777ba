package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/store"
)

// TestPendingInvitesBySender: gsi1 holds exactly the pending invites of a
// sender in an organization: created, refreshed, edited and expired ones
// are listed; accepted and revoked ones leave the index in the write that
// ends them; another sender's or another organization's are not listed; a
// refresh by another sender moves the invite to them; an invite stored
// before the index existed is found after store.BackfillSenderIndex.
func TestPendingInvitesBySender(t *testing.T) {
	ctx := context.Background()
	st, db, table := newStoreDB(t)
	now := time.Now().UTC()
	const org, other = "org_senders", "org_other"
	send := func(orgID, by, email string, expires time.Time) domain.Invite {
		inv := invite(orgID, email, expires)
		inv.InvitedBy = by
		mustNil(t, st.CreateInvite(ctx, inv, domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: orgID, At: now}, nil))
		return inv
	}
	listed := func(orgID, by string) []string {
		t.Helper()
		invs, err := st.ListPendingInvitesBySender(ctx, orgID, by)
		mustNil(t, err)
		var ids []string
		for _, inv := range invs {
			if inv.InvitedBy != by || inv.OrgID != orgID || inv.Status != domain.InvitePending {
				t.Errorf("listed %+v for %s in %s", inv, by, orgID)
			}
			ids = append(ids, inv.ID)
		}
		return ids
	}
	// inRange lists the ids in the range of gsi1 that
	// ListPendingInvitesBySender reads, straight from the index.
	inRange := func(orgID, by string) []string {
		t.Helper()
		out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: &table, IndexName: aws.String(store.IndexGSI1),
			KeyConditionExpression: aws.String("gsi1pk = :s AND begins_with(gsi1sk, :pre)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "SENDER#" + by},
				":pre": &types.AttributeValueMemberS{Value: "ORG#" + orgID + "#INVITE#"}}})
		mustNil(t, err)
		var ids []string
		for _, it := range out.Items {
			if v, ok := it["inviteId"].(*types.AttributeValueMemberS); ok {
				ids = append(ids, v.Value)
			}
		}
		return ids
	}
	// want checks both, in the index's order: by invite id.
	want := func(orgID, by string, ids ...string) {
		t.Helper()
		slices.Sort(ids)
		if got := listed(orgID, by); !slices.Equal(got, ids) {
			t.Fatalf("%s's pending invites in %s: %v, want %v", by, orgID, got, ids)
		}
		if got := inRange(orgID, by); !slices.Equal(got, ids) {
			t.Fatalf("gsi1 range of %s in %s: %v, want %v", by, orgID, got, ids)
		}
	}

	a1 := send(org, "user-a", "a1@x.test", now.Add(time.Hour))
	a2 := send(org, "user-a", "a2@x.test", now.Add(time.Hour))
	a3 := send(org, "user-a", "a3@x.test", now.Add(time.Hour))
	expired := send(org, "user-a", "old@x.test", now.Add(-time.Hour))
	b1 := send(org, "user-b", "b1@x.test", now.Add(time.Hour))
	elsewhere := send(other, "user-a", "a1@x.test", now.Add(time.Hour))
	want(org, "user-a", a1.ID, a2.ID, a3.ID, expired.ID)
	want(org, "user-b", b1.ID)
	want(other, "user-a", elsewhere.ID)
	want(org, "user-nobody")

	// Accepted: out of the index in the accept's transaction.
	m := domain.Membership{OrgID: org, OrgName: "Acme", UserID: "user-a1", Email: a1.Email, Role: domain.OrgMember,
		Projects: map[string]domain.ProjectRole{}, JoinedAt: now}
	acc := a1
	acc.AcceptedBy, acc.ResultOrgRole = m.UserID, domain.OrgMember
	mustNil(t, st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: org, UserID: m.UserID}, After: &m,
		AcceptInvite: &acc, Now: now}))
	// Revoked: likewise.
	mustNil(t, st.RevokeInvite(ctx, a2, domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: org, At: now}))
	want(org, "user-a", a3.ID, expired.ID)
	// Both left gsi1 (a sparse index): no gsi1 key is left on their items.
	for _, ended := range []domain.Invite{a1, a2} {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "ORG#" + org},
				"sk": &types.AttributeValueMemberS{Value: "INVITE#" + ended.ID}}})
		mustNil(t, err)
		if out.Item == nil {
			t.Fatalf("invite %s not stored", ended.ID)
		}
		if _, ok := out.Item["gsi1pk"]; ok {
			t.Errorf("ended invite %s still has gsi1pk", ended.ID)
		}
		if _, ok := out.Item["gsi1sk"]; ok {
			t.Errorf("ended invite %s still has gsi1sk", ended.ID)
		}
	}
	// Revoked by a membership change (sender lost access): likewise.
	mustNil(t, st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: org, UserID: "user-c"},
		After: &domain.Membership{OrgID: org, UserID: "user-c", Email: "c@x.test", Role: domain.OrgMember, JoinedAt: now}, Now: now,
		Revoke: []domain.Revocation{{Invite: expired, Audit: domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: org, At: now}}}}))
	want(org, "user-a", a3.ID)

	// Edited with the same token: still listed.
	ed := a3
	ed.Rev, ed.OrgRole = 1, domain.OrgManager
	mustNil(t, st.UpdateInvite(ctx, ed, a3, domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: org, At: now}))
	want(org, "user-a", a3.ID)
	// Refreshed by user-b (new token): now user-b's, no longer user-a's.
	re := ed
	_, re.TokenHash = domain.NewToken()
	re.InvitedBy = "user-b"
	mustNil(t, st.ReplaceInvite(ctx, re, ed, domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: org, At: now}, nil))
	want(org, "user-a")
	want(org, "user-b", a3.ID, b1.ID)

	// An invite stored before the index: found after the backfill, once;
	// the backfill leaves accepted and revoked invites out.
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "ORG#" + org},
		"sk": &types.AttributeValueMemberS{Value: "INVITE#" + b1.ID}}
	// (Written again without them, as the code before the index wrote it.)
	old, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	mustNil(t, err)
	delete(old.Item, "gsi1pk")
	delete(old.Item, "gsi1sk")
	_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key})
	mustNil(t, err)
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: old.Item})
	mustNil(t, err)
	want(org, "user-b", a3.ID)
	n, err := store.BackfillSenderIndex(ctx, db, table)
	if err != nil || n != 1 {
		t.Fatalf("backfill: %d items, %v; want 1", n, err)
	}
	want(org, "user-b", a3.ID, b1.ID)
	if n, err = store.BackfillSenderIndex(ctx, db, table); err != nil || n != 0 {
		t.Fatalf("second backfill: %d, %v; want 0", n, err)
	}
	want(org, "user-a")
}
