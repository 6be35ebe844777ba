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

// gsi3 holds exactly the memberships with an end, keyed by when the sweep
// is next due: ListDueMemberships finds those due at a time, and a
// membership whose end is removed leaves the index.
func TestListDueMemberships(t *testing.T) {
	ctx := context.Background()
	st, db, table := newStoreDB(t)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	org := domain.Org{ID: "org_01kbf9w8xg7s3v3c4a2mjdue01", Name: "Due", CreatedAt: now, CreatedBy: "u-owner"}
	owner := domain.Membership{OrgID: org.ID, OrgName: org.Name, UserID: "u-owner", Email: "o@due.test", Role: domain.OrgOwner,
		Projects: map[string]domain.ProjectRole{}, JoinedAt: now}
	mustNil(t, st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: org.ID, UserID: owner.UserID}, After: &owner, CreateOrg: &org, Now: now}))
	add := func(uid string, end time.Time, projectEnd time.Time) domain.Membership {
		m := domain.Membership{OrgID: org.ID, OrgName: org.Name, UserID: uid, Email: uid + "@due.test", Role: domain.OrgMember,
			Projects: map[string]domain.ProjectRole{"prj_a": domain.ProjectViewer}, JoinedAt: now, AccessExpiresAt: end,
			ProjectExpiry: map[string]time.Time{"prj_a": projectEnd}}
		mustNil(t, st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: org.ID, UserID: uid}, After: &m, Now: now}))
		got, err := st.GetMembership(ctx, org.ID, uid)
		mustNil(t, err)
		return got
	}
	add("u-ends-soon", now.Add(2*24*time.Hour), time.Time{})            // due now: its reminder
	add("u-project", time.Time{}, now.Add(20*24*time.Hour))             // due in 13 days
	later := add("u-ends-later", now.Add(30*24*time.Hour), time.Time{}) // due in 23 days
	add("u-never", time.Time{}, time.Time{})

	due := func(at time.Time) []string {
		keys, err := st.ListDueMemberships(ctx, at)
		mustNil(t, err)
		var out []string
		for _, k := range keys {
			if k.OrgID != org.ID {
				t.Errorf("key %+v of another organization", k)
			}
			out = append(out, k.UserID)
		}
		slices.Sort(out)
		return out
	}
	if got := due(now); !slices.Equal(got, []string{"u-ends-soon"}) {
		t.Errorf("due now: %v", got)
	}
	if got := due(now.Add(14 * 24 * time.Hour)); !slices.Equal(got, []string{"u-ends-soon", "u-project"}) {
		t.Errorf("due in 14 days: %v", got)
	}
	if got := due(now.Add(60 * 24 * time.Hour)); !slices.Equal(got, []string{"u-ends-later", "u-ends-soon", "u-project"}) {
		t.Errorf("due in 60 days: %v", got)
	}
	// The end removed: out of the index (no gsi3 keys on the item).
	after := later
	after.AccessExpiresAt = time.Time{}
	mustNil(t, st.ApplyChange(ctx, domain.Change{Before: later, After: &after, Now: now}))
	if got := due(now.Add(60 * 24 * time.Hour)); slices.Contains(got, "u-ends-later") {
		t.Errorf("an end removed is still due: %v", got)
	}
	item, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{store.AttrPK: &types.AttributeValueMemberS{Value: "ORG#" + org.ID},
			store.AttrSK: &types.AttributeValueMemberS{Value: "MEMBER#u-ends-later"}}})
	mustNil(t, err)
	if _, has := item.Item[store.AttrGSI3PK]; has {
		t.Errorf("a membership without end keeps gsi3 keys: %v", item.Item[store.AttrGSI3PK])
	}
}
