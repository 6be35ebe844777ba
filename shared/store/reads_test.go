package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/dynamolocal"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/store"
)

// dynamoURL is AWS's DynamoDB Local (one process, from node_modules),
// shared by the tests of this package; each uses its own table.
var dynamoURL string

func TestMain(m *testing.M) {
	srv, err := dynamolocal.Start(context.Background(), dynamolocal.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "store tests:", err)
		os.Exit(1)
	}
	dynamoURL = srv.URL
	code := m.Run()
	srv.Stop()
	os.Exit(code)
}

// newStore returns a Store over a fresh table on the embedded server.
func newStore(t *testing.T) *store.Store {
	t.Helper()
	st, _, _ := newStoreDB(t)
	return st
}

// newStoreDB is newStore with the DynamoDB client and the table's name,
// for tests that look at items as stored.
func newStoreDB(t *testing.T) (*store.Store, *dynamodb.Client, string) {
	t.Helper()
	c := config.Config{TableName: tableName(t), DynamoEndpoint: dynamoURL, Region: "us-east-1"}
	cl, err := localserver.NewClients(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.EnsureTable(context.Background(), cl.DynamoDB, c.TableName); err != nil {
		t.Fatal(err)
	}
	return store.New(cl.DynamoDB, c.TableName), cl.DynamoDB, c.TableName
}

// tableName is a fresh table name for t, in the characters DynamoDB allows.
func tableName(t *testing.T) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, t.Name())
	return fmt.Sprintf("store-%.200s-%d", name, time.Now().UnixNano())
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func invite(orgID, email string, expires time.Time) domain.Invite {
	_, hash := domain.NewToken()
	return domain.Invite{ID: domain.NewID("inv", time.Now()), OrgID: orgID, OrgName: "Acme", Email: email,
		OrgRole: domain.OrgMember, CreatedAt: time.Now(), ExpiresAt: expires, ExpiresInDays: 7,
		Status: domain.InvitePending, Delivery: domain.DeliveryPending, TokenHash: hash}
}

func TestReadForInvite(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Now().UTC()
	const orgID, owner = "org_reads", "user-owner"
	org := domain.Org{ID: orgID, Name: "Acme", CreatedAt: now, CreatedBy: owner}
	m := domain.Membership{OrgID: orgID, OrgName: "Acme", UserID: owner, Email: "owner@acme.test", Role: domain.OrgOwner,
		Projects: map[string]domain.ProjectRole{}, JoinedAt: now}
	mustNil(t, st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: orgID, UserID: owner}, After: &m, CreateOrg: &org, Now: now}))
	m.Rev = 1
	prj := domain.Project{ID: "prj_1", OrgID: orgID, Name: "Web", CreatedAt: now}
	after := m
	after.Projects = map[string]domain.ProjectRole{prj.ID: domain.ProjectOwner}
	mustNil(t, st.ApplyChange(ctx, domain.Change{Before: m, After: &after, CreateProject: &prj, Now: now,
		ProjectNames: map[string]string{prj.ID: prj.Name}}))
	mustNil(t, st.SaveUser(ctx, domain.User{ID: "user-reg", Email: "reg@x.test", CreatedAt: now}, ""))
	open := invite(orgID, "open@x.test", now.Add(time.Hour))
	mustNil(t, st.CreateInvite(ctx, open, domain.AuditEvent{ID: "evt_1", OrgID: orgID, At: now}, nil))
	// Expired long enough that its claim's TTL has passed: no longer open.
	gone := invite(orgID, "gone@x.test", now.Add(-40*24*time.Hour))
	mustNil(t, st.CreateInvite(ctx, gone, domain.AuditEvent{ID: "evt_2", OrgID: orgID, At: now}, nil))

	if _, err := st.ReadForInvite(ctx, orgID, "user-stranger", nil, nil); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("stranger: %v, want ErrNotFound", err)
	}
	emails := []string{"reg@x.test", "open@x.test", "gone@x.test", "new@x.test"}
	for i := range 60 { // 1 + 2 projects + 2×64 emails: two BatchGetItem calls
		emails = append(emails, fmt.Sprintf("more%d@x.test", i))
	}
	got, err := st.ReadForInvite(ctx, orgID, owner, []string{"prj_1", "prj_missing"}, emails)
	mustNil(t, err)
	if got.Membership.Role != domain.OrgOwner || got.Membership.Rev != 2 || got.Membership.Projects["prj_1"] != domain.ProjectOwner {
		t.Errorf("membership %+v", got.Membership)
	}
	if len(got.Projects) != 1 || got.Projects["prj_1"].Name != "Web" {
		t.Errorf("projects %+v, want prj_1 only", got.Projects)
	}
	if len(got.UserIDs) != 1 || got.UserIDs["reg@x.test"] != "user-reg" {
		t.Errorf("user ids %v, want reg@x.test only", got.UserIDs)
	}
	if len(got.OpenInvites) != 1 || got.OpenInvites["open@x.test"] != open.ID {
		t.Errorf("open invites %v, want open@x.test → %s only", got.OpenInvites, open.ID)
	}
}

func TestReadForAccept(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Now().UTC()
	inv := invite("org_acc", "ada@x.test", now.Add(time.Hour))
	mustNil(t, st.CreateInvite(ctx, inv, domain.AuditEvent{ID: "evt_1", OrgID: inv.OrgID, At: now}, nil))

	if _, err := st.ReadForAccept(ctx, "0000", "user-ada"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown token: %v, want ErrNotFound", err)
	}
	got, err := st.ReadForAccept(ctx, inv.TokenHash, "user-ada")
	mustNil(t, err)
	if got.Invite.ID != inv.ID || got.Invite.TokenHash != inv.TokenHash || got.User != nil || got.Membership != nil {
		t.Fatalf("before registering: %+v", got)
	}
	mustNil(t, st.SaveUser(ctx, domain.User{ID: "user-ada", Email: "ada@x.test", CreatedAt: now}, ""))
	m := domain.Membership{OrgID: inv.OrgID, OrgName: "Acme", UserID: "user-ada", Email: "ada@x.test", Role: domain.OrgMember,
		Projects: map[string]domain.ProjectRole{}, JoinedAt: now}
	mustNil(t, st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: inv.OrgID, UserID: "user-ada"}, After: &m, Now: now}))
	got, err = st.ReadForAccept(ctx, inv.TokenHash, "user-ada")
	mustNil(t, err)
	if got.User == nil || got.User.Email != "ada@x.test" || got.Membership == nil || got.Membership.Rev != 1 {
		t.Fatalf("after registering and joining: user %+v, membership %+v", got.User, got.Membership)
	}
}
