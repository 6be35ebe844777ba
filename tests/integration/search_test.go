package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/client"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

// searchAll follows a member search to its end with the client's iterator.
func searchAll(t *testing.T, it func(yield func(client.Member, error) bool)) []string {
	t.Helper()
	var out []string
	for m, err := range it {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m.Email)
	}
	return out
}

// TestMemberSearch: GET /orgs/{orgId}/members?email=<prefix> and the same
// on a project: a case-insensitive prefix of the address, sorted by
// address, paged with limit/cursor; a cursor only works with its prefix;
// the project's search sees only the project's members; memberships
// stored before the index existed are found after store.BackfillEmailIndex.
func TestMemberSearch(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	ownerU := env.SignIn(t, testenv.Email("zed-owner"))
	owner := env.Client(t, ownerU)
	result(owner.GetMe(ctx)).ok(t)
	org := result(owner.CreateOrg(ctx, "Search")).ok(t)
	web := result(owner.CreateProject(ctx, org.Id, "Web")).ok(t)

	// 24 registered people, added at once by two bulk invites: 12 "ann…",
	// 8 "bob…" (in Web too) and 4 "anna-…".
	var anns, bobs, annas []string
	add := func(name string, n int) []string {
		var out []string
		for i := range n {
			u := env.SignIn(t, testenv.Email(fmt.Sprintf("%s%02d", name, i)))
			result(env.Client(t, u).GetMe(ctx)).ok(t)
			out = append(out, u.Email)
		}
		return out
	}
	anns, bobs, annas = add("ann", 12), add("bob", 8), add("anna-", 4)
	role := client.ProjectMember
	pids := []string{web.Id}
	for _, r := range result(owner.CreateInvites(ctx, org.Id, client.InviteRequest{Emails: slices.Concat(anns, annas)})).ok(t) {
		if r.Status != "added" {
			t.Fatalf("%+v", r)
		}
	}
	result(owner.CreateInvites(ctx, org.Id, client.InviteRequest{Emails: bobs, ProjectIds: &pids, ProjectRole: &role})).ok(t)

	search := func(email string, limit int) []string {
		return searchAll(t, owner.Members(ctx, org.Id, client.MemberListOptions{Email: email, PageOptions: client.PageOptions{Limit: limit}}))
	}
	wantAnn := slices.Sorted(slices.Values(slices.Concat(anns, annas)))
	if got := search("ANN", 5); !slices.Equal(got, wantAnn) {
		t.Fatalf("ann (5 a page): %v, want %v", got, wantAnn)
	}
	if got, want := search("anna-", 3), slices.Sorted(slices.Values(annas)); !slices.Equal(got, want) {
		t.Fatalf("anna-: %v, want %v", got, want)
	}
	if got := search("nobody", 10); len(got) != 0 {
		t.Fatalf("nobody: %v", got)
	}
	// Project search: only Web's members (the bobs and the owner).
	got := searchAll(t, owner.ProjectMembers(ctx, org.Id, web.Id, client.MemberListOptions{Email: "b", PageOptions: client.PageOptions{Limit: 3}}))
	if want := slices.Sorted(slices.Values(bobs)); !slices.Equal(got, want) {
		t.Fatalf("Web, b: %v, want %v", got, want)
	}
	if got := searchAll(t, owner.ProjectMembers(ctx, org.Id, web.Id, client.MemberListOptions{Email: "ann"})); len(got) != 0 {
		t.Fatalf("Web, ann: %v", got)
	}

	// Paging by hand: a full first page, a cursor; the cursor is bound to
	// its prefix (another search's or the plain list's is invalid_cursor).
	p1 := result(owner.ListMembers(ctx, org.Id, client.MemberListOptions{Email: "ann", PageOptions: client.PageOptions{Limit: 4}})).ok(t)
	if len(p1.Members) != 4 || p1.NextCursor == nil || p1.Members[0].Email != wantAnn[0] {
		t.Fatalf("first page %+v", p1)
	}
	_, err := owner.ListMembers(ctx, org.Id, client.MemberListOptions{Email: "bob", PageOptions: client.PageOptions{Cursor: *p1.NextCursor}})
	wantCode(t, err, 400, "invalid_cursor")
	_, err = owner.ListMembers(ctx, org.Id, client.MemberListOptions{PageOptions: client.PageOptions{Cursor: *p1.NextCursor}})
	wantCode(t, err, 400, "invalid_cursor")
	_, err = owner.ListProjectMembers(ctx, org.Id, web.Id, client.MemberListOptions{Email: "ann", PageOptions: client.PageOptions{Cursor: *p1.NextCursor}})
	wantCode(t, err, 400, "invalid_cursor")
	// Bad prefixes and callers.
	r := env.Do(t, "GET", "/orgs/"+org.Id+"/members?email=a%20b", ownerU.Token, nil)
	if p := r.Problem(t); r.Status != 400 || p.Code != "validation_failed" || p.Errors[0].Field != "email" {
		t.Fatalf("email with a space: %d %+v", r.Status, p)
	}
	r = env.Do(t, "GET", "/orgs/"+org.Id+"/members?email="+strings.Repeat("a", 255), ownerU.Token, nil)
	if r.Status != 400 {
		t.Fatalf("255-character prefix: %d %s", r.Status, r.Body)
	}
	stranger := env.Client(t, env.SignIn(t, testenv.Email("stranger")))
	_, err = stranger.ListMembers(ctx, org.Id, client.MemberListOptions{Email: "a"})
	wantCode(t, err, 404, "org_not_found")
	annU := env.SignIn(t, anns[0])
	_, err = env.Client(t, annU).ListProjectMembers(ctx, org.Id, web.Id, client.MemberListOptions{Email: "b"})
	wantCode(t, err, 403, "forbidden")

	// A membership stored before gsi2 existed lacks its keys: search misses
	// it until the backfill.
	db := env.Stack.Clients.DynamoDB
	table := env.Stack.Config.TableName
	// (Written again without them: the way the code before search wrote it.)
	key := map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "ORG#" + org.Id},
		"sk": &ddbtypes.AttributeValueMemberS{Value: "MEMBER#" + annU.ID}}
	old, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil || old.Item == nil {
		t.Fatalf("member item: %v", err)
	}
	delete(old.Item, "gsi2pk")
	delete(old.Item, "gsi2sk")
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: old.Item}); err != nil {
		t.Fatal(err)
	}
	var n int
	if got := search(anns[0], 10); len(got) != 0 {
		t.Fatalf("unindexed member found: %v", got)
	}
	n, err = store.BackfillEmailIndex(ctx, db, table)
	if err != nil || n != 1 {
		t.Fatalf("backfill: %d items, %v; want 1", n, err)
	}
	if got := search(anns[0], 10); !slices.Equal(got, []string{anns[0]}) {
		t.Fatalf("after backfill: %v", got)
	}
	if n, err = store.BackfillEmailIndex(ctx, db, table); err != nil || n != 0 {
		t.Fatalf("second backfill: %d, %v; want 0", n, err)
	}
}
