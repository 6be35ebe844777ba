package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// The directory's initial sync: an identity provider pushing 10,000 users
// and 50 groups into an organization, as Okta does it (for each user a
// userName lookup, then POST /Users; for each group a displayName lookup,
// POST /Groups, then PATCH add members). The costs per user, per group
// and per membership are measured on samples through the real handlers;
// the rest of the 10,000 users are copies (BatchWriteItem) of the items
// the real code wrote for one of them, so the organization holds 10,000
// users when the filter lookup is measured, and the benchmark takes well
// under three minutes.

const (
	bmSCIMUsers       = 10000
	bmSCIMGroups      = 50
	bmSCIMSampleUsers = 200 // users provisioned through the handlers
	bmSCIMSampleAdds  = 200 // group memberships added through the handlers
)

// bmSCIMFixture is the organization after the initial sync, built once per
// process, with what the samples cost.
type bmSCIMFixture struct {
	t                    *bmTable
	token                string
	user, group, addOne  bmRun
	users, groups, adds  int
	lookupName           string
	seeded, seedDuration time.Duration
}

var (
	bmSCIMOnce sync.Once
	bmSCIM     *bmSCIMFixture
)

// scim serves one SCIM request with the directory token.
func (f *bmSCIMFixture) scim(b *testing.B, want int, method, path string, params, query map[string]string, body string, out any) time.Duration {
	b.Helper()
	tmpl := path
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	ev := events.APIGatewayV2HTTPRequest{RouteKey: method + " " + tmpl, RawPath: path, PathParameters: params,
		QueryStringParameters: query, Headers: map[string]string{"authorization": "Bearer " + f.token}, Body: body}
	ev.RequestContext.RequestID = fmt.Sprintf("bench-%d", f.t.reqs.Add(1))
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.DomainName = "api.bench.test"
	if body != "" {
		ev.Headers["content-type"] = "application/scim+json"
	}
	start := time.Now()
	resp := f.t.api.Serve(context.Background(), ev)
	d := time.Since(start)
	if resp.StatusCode != want {
		b.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, resp.Body)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

func bmSCIMEmail(i int) string { return fmt.Sprintf("sync-%05d@bench.test", i) }

// provision is Okta's sequence for one user: look the userName up, then
// create the user.
func (f *bmSCIMFixture) provision(b *testing.B, email, ext string) (string, time.Duration) {
	var l struct{ TotalResults int }
	d := f.scim(b, 200, "GET", "/scim/v2/Users", nil, map[string]string{"filter": `userName eq "` + email + `"`, "startIndex": "1", "count": "100"}, "", &l)
	if l.TotalResults != 0 {
		b.Fatalf("%s exists already", email)
	}
	var u struct{ ID string }
	d += f.scim(b, 201, "POST", "/scim/v2/Users", nil, nil, oktaUser(email, "Sync", "User", ext), &u)
	return u.ID, d
}

func newBmSCIMFixture(b *testing.B) *bmSCIMFixture {
	b.Helper()
	s := newBmStack(b)
	f := &bmSCIMFixture{t: s.table(b)}
	var tok struct{ Token string }
	f.t.must(b, 201, "POST", "/orgs/{orgId}/scim-tokens", map[string]string{"orgId": f.t.orgID}, nil, &f.t.owner,
		map[string]string{"name": "Okta"}, &tok)
	f.token = tok.Token
	ctx := context.Background()

	// One user through the handlers is the template of the copies.
	tmplID, _ := f.provision(b, bmSCIMEmail(0), "ext-00000")
	start := time.Now()
	f.seedCopies(b, ctx, tmplID, bmSCIMEmail(0), "ext-00000", bmSCIMUsers-bmSCIMSampleUsers)
	f.seeded = time.Since(start)

	// The sample: the last users of the sync, through the handlers; one in
	// two has an account already (they get access at once).
	var ids []string
	for i := bmSCIMUsers - bmSCIMSampleUsers + 1; i <= bmSCIMUsers; i++ {
		email := bmSCIMEmail(i)
		if i%2 == 0 {
			u := domain.User{ID: fmt.Sprintf("bench-sync-%05d", i), Email: email, CreatedAt: time.Now()}
			if err := f.t.store.SaveUser(ctx, u, ""); err != nil {
				b.Fatal(err)
			}
		}
		var id string
		f.user.measure(s.meter, func() time.Duration {
			var d time.Duration
			id, d = f.provision(b, email, fmt.Sprintf("ext-%05d", i))
			return d
		})
		ids = append(ids, id)
		f.users++
	}
	// The groups: lookup, create; then members added one request each.
	var gids []string
	for g := range bmSCIMGroups {
		name := fmt.Sprintf("Group %02d", g)
		var gr struct{ ID string }
		f.group.measure(s.meter, func() time.Duration {
			d := f.scim(b, 200, "GET", "/scim/v2/Groups", nil, map[string]string{"filter": `displayName eq "` + name + `"`, "excludedAttributes": "members"}, "", nil)
			return d + f.scim(b, 201, "POST", "/scim/v2/Groups", nil, nil, `{"schemas":["`+scimGroup+`"],"displayName":"`+name+`","members":[]}`, &gr)
		})
		gids = append(gids, gr.ID)
		f.groups++
	}
	f.t.must(b, 200, "PUT", "/orgs/{orgId}/scim-groups/{groupId}/grants", map[string]string{"orgId": f.t.orgID, "groupId": gids[0]}, nil, &f.t.owner,
		map[string]any{"orgRole": "manager", "projects": []map[string]string{{"id": f.t.prjID, "role": "owner"}}}, nil)
	for i := range bmSCIMSampleAdds {
		gid, uid := gids[i%2], ids[i%len(ids)] // half into the mapped group
		f.addOne.measure(s.meter, func() time.Duration {
			return f.scim(b, 204, "PATCH", "/scim/v2/Groups/{id}", map[string]string{"id": gid}, nil,
				`{"schemas":["`+scimPatch+`"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+uid+`"}]}]}`, nil)
		})
		f.adds++
	}
	f.lookupName = bmSCIMEmail(bmSCIMUsers / 2) // a copy, in the middle
	return f
}

// seedCopies writes n copies of the template user's items (those whose
// strings name its id, address or external id: the user, its claims,
// its wait for a first sign-in and the address's marker of waits), the copies' keys and values replaced, in
// parallel BatchWriteItem calls, then sets the organization's counter.
func (f *bmSCIMFixture) seedCopies(b *testing.B, ctx context.Context, id, email, ext string, n int) {
	b.Helper()
	db, table := f.t.cl.DynamoDB, f.t.name
	var items []map[string]ddbtypes.AttributeValue
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: &table})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range page.Items {
			pk := it["pk"].(*ddbtypes.AttributeValueMemberS).Value
			sk := it["sk"].(*ddbtypes.AttributeValueMemberS).Value
			if strings.Contains(pk+sk, id) || strings.Contains(pk+sk, email) || strings.Contains(sk, ext) {
				items = append(items, it)
			}
		}
	}
	if len(items) != 6 { // user, 3 claims, wait, the address's marker of waits
		b.Fatalf("template user has %d items, want 6", len(items))
	}
	work := make(chan []ddbtypes.WriteRequest)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reqs := range work {
				for len(reqs) > 0 {
					out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}})
					if err != nil {
						b.Error(err)
						return
					}
					reqs = out.UnprocessedItems[table]
				}
			}
		}()
	}
	var reqs []ddbtypes.WriteRequest
	for i := 1; i <= n; i++ {
		r := strings.NewReplacer(id, fmt.Sprintf("scu_seed%08d", i), email, bmSCIMEmail(i), ext, fmt.Sprintf("ext-%05d", i))
		for _, it := range items {
			c := map[string]ddbtypes.AttributeValue{}
			for k, v := range it {
				c[k] = replaceStrings(v, r)
			}
			reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: c}})
			if len(reqs) == 25 {
				work <- reqs
				reqs = nil
			}
		}
	}
	if len(reqs) > 0 {
		work <- reqs
	}
	close(work)
	wg.Wait()
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
		Key:                       map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "ORG#" + f.t.orgID}, "sk": &ddbtypes.AttributeValueMemberS{Value: "SCIMSTATS"}},
		UpdateExpression:          aws.String("ADD #u :n"),
		ExpressionAttributeNames:  map[string]string{"#u": "users"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":n": &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(n)}}})
	if err != nil {
		b.Fatal(err)
	}
}

// replaceStrings copies v with r applied to every string in it.
func replaceStrings(v ddbtypes.AttributeValue, r *strings.Replacer) ddbtypes.AttributeValue {
	switch x := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return &ddbtypes.AttributeValueMemberS{Value: r.Replace(x.Value)}
	case *ddbtypes.AttributeValueMemberM:
		m := map[string]ddbtypes.AttributeValue{}
		for k, e := range x.Value {
			m[k] = replaceStrings(e, r)
		}
		return &ddbtypes.AttributeValueMemberM{Value: m}
	case *ddbtypes.AttributeValueMemberSS:
		ss := make([]string, len(x.Value))
		for i, e := range x.Value {
			ss[i] = r.Replace(e)
		}
		return &ddbtypes.AttributeValueMemberSS{Value: ss}
	case *ddbtypes.AttributeValueMemberL:
		l := make([]ddbtypes.AttributeValue, len(x.Value))
		for i, e := range x.Value {
			l[i] = replaceStrings(e, r)
		}
		return &ddbtypes.AttributeValueMemberL{Value: l}
	}
	return v
}

// BenchmarkSCIMInitialSync: an identity provider's initial sync of 10,000
// users and 50 groups (calls and capacity per user, per group, per
// membership, measured on samples), then the op: Okta's userName filter
// lookup in the organization of 10,000 users. Targets: a lookup reads
// O(1) items (the claim and the user: 2), whatever the number of users.
func BenchmarkSCIMInitialSync(b *testing.B) {
	bmSCIMOnce.Do(func() { bmSCIM = newBmSCIMFixture(b) })
	f := bmSCIM
	if f == nil {
		b.Fatal("no fixture")
	}
	var run bmRun
	q := map[string]string{"filter": `userName eq "` + f.lookupName + `"`, "startIndex": "1", "count": "100"}
	b.ResetTimer()
	for range b.N {
		run.measure(f.t.meter, func() time.Duration {
			var l struct{ TotalResults int }
			d := f.scim(b, 200, "GET", "/scim/v2/Users", nil, q, "", &l)
			if l.TotalResults != 1 {
				b.Fatalf("lookup of %s found %d", f.lookupName, l.TotalResults)
			}
			return d
		})
	}
	b.StopTimer()
	run.report(b, b.N, "lookup")
	b.ReportMetric(float64(run.calls.calls[bmItemsRead])/float64(b.N), "items-read/lookup")
	report := func(r bmRun, n int, per string) {
		ddbN, _ := r.calls.service("DynamoDB")
		b.ReportMetric(float64(ddbN)/float64(n), "ddb-calls/"+per)
		r.calls.reportUnits(b, float64(n), per, "")
		b.ReportMetric(r.handler.Seconds()*1e3/float64(n), "handler-ms/"+per)
		b.Logf("per %s (%d measured): %s", per, n, r.calls.breakdown(n))
	}
	report(f.user, f.users, "user")
	report(f.group, f.groups, "group")
	report(f.addOne, f.adds, "member-add")
	b.Logf("organization of %d directory users (%d copies seeded in %s), %d groups; lookup of %s",
		bmSCIMUsers, bmSCIMUsers-bmSCIMSampleUsers, f.seeded.Round(time.Millisecond), bmSCIMGroups, url.QueryEscape(f.lookupName))
}
