package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/store"
)

// An organization's projects are listed from its catalog, kept by the
// transactions that create the organization and its projects; an
// organization without a complete catalog (made before catalogs) is read
// project by project until BackfillProjectCatalogs completes it.
func TestProjectCatalogs(t *testing.T) {
	ctx := context.Background()
	st, db, table := newStoreDB(t)
	now := time.Now().UTC()
	mkOrg := func(orgID string, projects ...string) {
		t.Helper()
		org := domain.Org{ID: orgID, Name: orgID, CreatedAt: now, CreatedBy: "owner"}
		m := domain.Membership{OrgID: orgID, OrgName: orgID, UserID: "owner", Email: "owner@x.test", Role: domain.OrgOwner,
			Projects: map[string]domain.ProjectRole{}, JoinedAt: now}
		mustNil(t, st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: orgID, UserID: "owner"}, After: &m, CreateOrg: &org, Now: now}))
		m.Rev = 1
		for _, name := range projects {
			p := domain.Project{ID: "prj_" + orgID + "_" + name, OrgID: orgID, Name: name, CreatedAt: now}
			after := m
			after.Projects = map[string]domain.ProjectRole{}
			for k, v := range m.Projects {
				after.Projects[k] = v
			}
			after.Projects[p.ID] = domain.ProjectOwner
			mustNil(t, st.ApplyChange(ctx, domain.Change{Before: m, After: &after, CreateProject: &p, Now: now,
				ProjectNames: map[string]string{p.ID: name}}))
			m = after
			m.Rev++
		}
	}
	names := func(got map[string][]domain.Project, orgID string) []string {
		var out []string
		for _, p := range got[orgID] {
			if p.OrgID != orgID {
				t.Errorf("project %+v listed under %s", p, orgID)
			}
			out = append(out, p.Name)
		}
		return out
	}
	mkOrg("org_a", "a1", "a2", "a3")
	mkOrg("org_b")
	mkOrg("org_c", "c1")
	got, err := st.ListProjectsOfOrgs(ctx, []string{"org_a", "org_b", "org_c", "org_missing"})
	mustNil(t, err)
	if !slices.Equal(names(got, "org_a"), []string{"a1", "a2", "a3"}) || len(got["org_b"]) != 0 ||
		!slices.Equal(names(got, "org_c"), []string{"c1"}) || len(got["org_missing"]) != 0 {
		t.Fatalf("projects %+v", got)
	}
	// The same as the organization's project items.
	all, err := st.ListProjects(ctx, "org_a")
	mustNil(t, err)
	for i, p := range all {
		if got["org_a"][i].ID != p.ID || got["org_a"][i].Name != p.Name {
			t.Errorf("catalog %+v, projects %+v", got["org_a"], all)
		}
	}

	// An organization from before catalogs: no catalog item at all.
	catalogKey := func(orgID string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "ORG#" + orgID},
			"sk": &types.AttributeValueMemberS{Value: "PROJECTS"}}
	}
	_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: catalogKey("org_a")})
	mustNil(t, err)
	// Then a project created since: in an incomplete catalog.
	mkOrgProject := func(orgID, name string) {
		m, err := st.GetMembership(ctx, orgID, "owner")
		mustNil(t, err)
		p := domain.Project{ID: fmt.Sprintf("prj_%s_%s", orgID, name), OrgID: orgID, Name: name, CreatedAt: now}
		after := m
		after.Projects = map[string]domain.ProjectRole{p.ID: domain.ProjectOwner}
		for k, v := range m.Projects {
			after.Projects[k] = v
		}
		mustNil(t, st.ApplyChange(ctx, domain.Change{Before: m, After: &after, CreateProject: &p, Now: now,
			ProjectNames: map[string]string{p.ID: name}}))
	}
	mkOrgProject("org_a", "a4")
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: catalogKey("org_a"), ConsistentRead: aws.Bool(true)})
	mustNil(t, err)
	if _, ok := out.Item["complete"]; ok || len(out.Item) == 0 {
		t.Fatalf("catalog after a project of an old organization: %v", out.Item)
	}
	got, err = st.ListProjectsOfOrgs(ctx, []string{"org_a"})
	mustNil(t, err)
	if want := []string{"a1", "a2", "a3", "a4"}; !slices.Equal(names(got, "org_a"), want) {
		t.Fatalf("incomplete catalog: %v, want %v (read from the project items)", names(got, "org_a"), want)
	}
	n, err := store.BackfillProjectCatalogs(ctx, db, table)
	mustNil(t, err)
	if n != 1 {
		t.Errorf("backfill completed %d catalogs, want 1", n)
	}
	if n, err = store.BackfillProjectCatalogs(ctx, db, table); err != nil || n != 0 {
		t.Errorf("second backfill: %d, %v", n, err)
	}
	out, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: catalogKey("org_a"), ConsistentRead: aws.Bool(true)})
	mustNil(t, err)
	for _, a := range []string{"p_prj_org_a_a1", "p_prj_org_a_a4", "complete"} {
		if _, ok := out.Item[a]; !ok {
			t.Errorf("backfilled catalog lacks %s: %v", a, out.Item)
		}
	}
	got, err = st.ListProjectsOfOrgs(ctx, []string{"org_a"})
	mustNil(t, err)
	if want := []string{"a1", "a2", "a3", "a4"}; !slices.Equal(names(got, "org_a"), want) {
		t.Fatalf("backfilled catalog: %v, want %v", names(got, "org_a"), want)
	}
}
