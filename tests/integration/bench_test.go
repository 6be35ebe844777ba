package integration

// Benchmarks of what each operation costs, against the real local parts:
// the real handlers (httpapi.API.Serve, the code each Lambda runs) over the
// real AWS SDK clients, talking HTTP to AWS's DynamoDB Local and the SES
// v2 emulator. SDK middleware added through localserver.NewClients counts
// and times every DynamoDB and SES call, so each benchmark reports
//
//	ddb-calls/op, ses-calls/op  calls the operation makes
//	rcu/op, wcu/op              DynamoDB read and write capacity units it
//	                            consumed (ReturnConsumedCapacity INDEXES,
//	                            as DynamoDB Local computes them: indexes
//	                            and transactions' double cost included)
//	handler-ms/op               time inside the handler
//	ddb-ms/op, ses-ms/op        time inside those SDK calls
//	overhead-x                  handler time / DynamoDB time (target ≤ 1.5)
//	overhead-io-x               handler time / (DynamoDB + SES) time
//
// `make bench` runs them; docs/benchmarks.md records the figures.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

// bmMeter counts and times SDK calls by service and operation, and keeps
// the newest invite token mailed to each address (read from SendEmail's
// input, as the invitee would read it from the email).
type bmMeter struct {
	mu     sync.Mutex
	calls  map[string]int // "DynamoDB GetItem"
	spent  map[string]time.Duration
	tokens map[string]string
}

func newBmMeter() *bmMeter {
	return &bmMeter{calls: map[string]int{}, spent: map[string]time.Duration{}, tokens: map[string]string{}}
}

// bmItemsRead and bmItemsWritten are the meter's keys for items read
// and written (not service calls).
const (
	bmItemsRead    = "items-read"
	bmItemsWritten = "items-written"
)

// The meter's keys for capacity units, in hundredths (calls is a count).
const (
	bmRCU = "rcu-centi"
	bmWCU = "wcu-centi"
)

// askCapacity sets ReturnConsumedCapacity on a DynamoDB input that has it.
func askCapacity(params any) {
	const x = ddbtypes.ReturnConsumedCapacityIndexes
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.BatchGetItemInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.QueryInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.ScanInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.TransactGetItemsInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.PutItemInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.UpdateItemInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.DeleteItemInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.BatchWriteItemInput:
		in.ReturnConsumedCapacity = x
	case *dynamodb.TransactWriteItemsInput:
		in.ReturnConsumedCapacity = x
	}
}

// consumed returns the capacity units an output reports and whether they
// are read units (else write units).
func consumed(result any) (units float64, read bool) {
	var cs []ddbtypes.ConsumedCapacity
	switch r := result.(type) {
	case *dynamodb.GetItemOutput:
		cs, read = append(cs, deref(r.ConsumedCapacity)...), true
	case *dynamodb.BatchGetItemOutput:
		cs, read = r.ConsumedCapacity, true
	case *dynamodb.QueryOutput:
		cs, read = append(cs, deref(r.ConsumedCapacity)...), true
	case *dynamodb.ScanOutput:
		cs, read = append(cs, deref(r.ConsumedCapacity)...), true
	case *dynamodb.TransactGetItemsOutput:
		cs, read = r.ConsumedCapacity, true
	case *dynamodb.PutItemOutput:
		cs = deref(r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		cs = deref(r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		cs = deref(r.ConsumedCapacity)
	case *dynamodb.BatchWriteItemOutput:
		cs = r.ConsumedCapacity
	case *dynamodb.TransactWriteItemsOutput:
		cs = r.ConsumedCapacity
	}
	for _, c := range cs {
		if c.CapacityUnits != nil {
			units += *c.CapacityUnits
		}
	}
	return units, read
}

func deref(c *ddbtypes.ConsumedCapacity) []ddbtypes.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []ddbtypes.ConsumedCapacity{*c}
}

var bmTokenRE = regexp.MustCompile(`/accept#token=([A-Za-z0-9_-]{43})`)

// option installs the meter as the first Initialize step of every call, so
// the time covers the whole SDK call: serialization, signing, retries, the
// HTTP round trip and deserialization.
func (m *bmMeter) option() func(*awsconfig.LoadOptions) error {
	mw := middleware.InitializeMiddlewareFunc("benchMeter", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		askCapacity(in.Parameters)
		start := time.Now()
		out, md, err := next.HandleInitialize(ctx, in)
		d := time.Since(start)
		key := awsmiddleware.GetServiceID(ctx) + " " + awsmiddleware.GetOperationName(ctx)
		m.mu.Lock()
		defer m.mu.Unlock()
		m.calls[key]++
		m.spent[key] += d
		if u, read := consumed(out.Result); read {
			m.calls[bmRCU] += int(math.Round(u * 100))
		} else {
			m.calls[bmWCU] += int(math.Round(u * 100))
		}
		// Items read, for the list benchmarks: a Query's ScannedCount (what
		// it read before any filter), a GetItem's one item, a
		// BatchGetItem's items.
		switch r := out.Result.(type) {
		case *dynamodb.QueryOutput:
			m.calls[bmItemsRead] += int(r.ScannedCount)
		case *dynamodb.GetItemOutput:
			if r.Item != nil {
				m.calls[bmItemsRead]++
			}
		case *dynamodb.BatchGetItemOutput:
			for _, items := range r.Responses {
				m.calls[bmItemsRead] += len(items)
			}
		}
		// Items written: DynamoDB Local's ConsumedCapacity of a
		// transaction counts each table and index once, however many
		// items it writes, so wcu under-counts transactions; this counts
		// the items (DynamoDB bills 2 WCU per KB for each).
		if err == nil {
			switch w := in.Parameters.(type) {
			case *dynamodb.PutItemInput, *dynamodb.UpdateItemInput, *dynamodb.DeleteItemInput:
				m.calls[bmItemsWritten]++
			case *dynamodb.BatchWriteItemInput:
				for _, reqs := range w.RequestItems {
					m.calls[bmItemsWritten] += len(reqs)
				}
			case *dynamodb.TransactWriteItemsInput:
				m.calls[bmItemsWritten] += len(w.TransactItems)
			}
		}
		if se, ok := in.Parameters.(*sesv2.SendEmailInput); ok && err == nil && se.Content != nil && se.Content.Simple != nil &&
			se.Content.Simple.Body != nil && se.Content.Simple.Body.Text != nil && se.Destination != nil && len(se.Destination.ToAddresses) == 1 {
			if mm := bmTokenRE.FindStringSubmatch(*se.Content.Simple.Body.Text.Data); mm != nil {
				m.tokens[se.Destination.ToAddresses[0]] = mm[1]
			}
		}
		return out, md, err
	})
	return awsconfig.WithAPIOptions([]func(*middleware.Stack) error{func(st *middleware.Stack) error {
		return st.Initialize.Add(mw, middleware.Before)
	}})
}

// bmCount is what the meter saw between two snapshots.
type bmCount struct {
	calls map[string]int
	spent map[string]time.Duration
}

func (m *bmMeter) snap() bmCount {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bmCount{calls: maps.Clone(m.calls), spent: maps.Clone(m.spent)}
}

func (m *bmMeter) token(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[email]
}

// since returns the calls and time from before to now.
func (m *bmMeter) since(before bmCount) bmCount {
	now := m.snap()
	for k, v := range before.calls {
		now.calls[k] -= v
		now.spent[k] -= before.spent[k]
	}
	return now
}

func (c bmCount) add(o bmCount) bmCount {
	if c.calls == nil {
		c = bmCount{calls: map[string]int{}, spent: map[string]time.Duration{}}
	}
	for k, v := range o.calls {
		c.calls[k] += v
		c.spent[k] += o.spent[k]
	}
	return c
}

// reportUnits reports the read and write capacity units per op (f ops),
// with suffix after the unit's name (e.g. "@10k").
func (c bmCount) reportUnits(b *testing.B, f float64, per, suffix string) {
	b.ReportMetric(float64(c.calls[bmRCU])/100/f, "rcu/"+per+suffix)
	b.ReportMetric(float64(c.calls[bmWCU])/100/f, "wcu/"+per+suffix)
	b.ReportMetric(float64(c.calls[bmItemsWritten])/f, "items-written/"+per+suffix)
}

// service sums calls and time of one service ("DynamoDB", "SESv2").
func (c bmCount) service(name string) (int, time.Duration) {
	n, d := 0, time.Duration(0)
	for k, v := range c.calls {
		if strings.HasPrefix(k, name+" ") {
			n += v
			d += c.spent[k]
		}
	}
	return n, d
}

// breakdown lists calls per operation, e.g. "DynamoDB GetItem ×4".
func (c bmCount) breakdown(per int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c.calls)) {
		if k == bmRCU || k == bmWCU {
			parts = append(parts, fmt.Sprintf("%s %g", strings.TrimSuffix(k, "-centi"), float64(c.calls[k])/100/float64(per)))
		} else if c.calls[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%g", k, float64(c.calls[k])/float64(per)))
		}
	}
	return strings.Join(parts, ", ")
}

// bmStack holds the real clients (with the meter) for one benchmark;
// table gives it a fresh table behind the real service and handlers.
type bmStack struct {
	cfg   config.Config
	cl    localserver.Clients
	log   *slog.Logger
	meter *bmMeter
	reqs  atomic.Int64
}

// bmTable is one fresh table with an owner, an organization and a project.
type bmTable struct {
	*bmStack
	api   *httpapi.API
	store *store.Store
	name  string
	owner bmUser
	orgID string
	prjID string
}

// bmRotate is how many operations a benchmark runs on one table before
// moving to a fresh one (the old one is deleted), so each operation sees a
// table of the same small size whatever b.N is.
const bmRotate = 25

// BenchmarkAccess: the authorization checks a product's backend makes,
// GET /orgs/{orgId}/access and GET /orgs/{orgId}/projects/{projectId}/access,
// as a project member ("project") and as an org owner whose project access
// comes from the org role ("via-org"). Target: 1 DynamoDB call each.
func BenchmarkAccess(b *testing.B) {
	for _, c := range []struct{ name, path string }{
		{"org", "/orgs/{orgId}/access"},
		{"project", "/orgs/{orgId}/projects/{projectId}/access"},
		{"project-via-org", "/orgs/{orgId}/projects/{projectId}/access"},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newBmStack(b)
			t := s.table(b)
			u := t.owner
			if c.name != "project-via-org" {
				u = bmNewUser("member")
				t.must(b, 200, "GET", "/me", nil, nil, &u, nil, nil)
				t.must(b, 201, "POST", "/orgs/{orgId}/invites", map[string]string{"orgId": t.orgID}, nil, &t.owner,
					map[string]any{"emails": []string{u.email}, "projects": []map[string]string{{"id": t.prjID, "role": "viewer"}}}, nil)
			}
			params := map[string]string{"orgId": t.orgID, "projectId": t.prjID}
			var run bmRun
			b.ResetTimer()
			for range b.N {
				run.measure(s.meter, func() time.Duration {
					var a domain.Access
					d := t.must(b, 200, "GET", c.path, params, nil, &u, nil, &a)
					if a.Role == "" || len(a.Permissions) == 0 {
						b.Fatalf("access %+v", a)
					}
					return d
				})
			}
			b.StopTimer()
			run.report(b, b.N, "op")
		})
	}
}

var bmSeq atomic.Int64

func newBmStack(b *testing.B) *bmStack {
	b.Helper()
	return newBmStackSES(b, testenv.Parts(b).SES.URL)
}

// newBmStackSES is newBmStack sending mail to sesURL.
func newBmStackSES(b *testing.B, sesURL string) *bmStack {
	b.Helper()
	return newBmStackAt(b, testenv.Parts(b).DynamoURL, sesURL)
}

// newBmStackAt is newBmStack over the DynamoDB at dynamoURL, sending mail
// to sesURL.
func newBmStackAt(b *testing.B, dynamoURL, sesURL string) *bmStack {
	b.Helper()
	m := newBmMeter()
	c := config.Config{AppBaseURL: "http://console.test", MailFrom: "invites@members.test", DynamoEndpoint: dynamoURL,
		SESEndpoint: sesURL, Region: "us-east-1",
		// Caps never reached, so the counters are still charged as in
		// production (in the first write's transaction).
		InviteEmailsPerHour: 1 << 30, UserInviteEmailsPerHour: 1 << 30, OrgsPerUserPerDay: 1 << 30}
	cl, err := localserver.NewClients(context.Background(), c, m.option())
	if err != nil {
		b.Fatal(err)
	}
	// The handlers log one line per request, as in Lambda; here to nowhere.
	return &bmStack{cfg: c, cl: cl, log: logging.New(io.Discard, slog.LevelInfo), meter: m}
}

// table creates a fresh table, the service and handlers over it, and an
// owner with an organization and one project.
func (s *bmStack) table(b *testing.B) *bmTable {
	b.Helper()
	c := s.cfg
	c.TableName = fmt.Sprintf("bench-%d-%d", os.Getpid(), bmSeq.Add(1))
	bmCreateTable(b, s.cl.DynamoDB, c.TableName)
	t := &bmTable{bmStack: s, api: httpapi.New(newService(c, s.cl, nil, s.log), s.log, httpapi.AllOps()...),
		store: store.New(s.cl.DynamoDB, c.TableName), name: c.TableName}
	t.owner = bmNewUser("owner")
	t.must(b, 200, "GET", "/me", nil, nil, &t.owner, nil, nil)
	var org struct{ ID string }
	t.must(b, 201, "POST", "/orgs", nil, nil, &t.owner, map[string]string{"name": "Bench"}, &org)
	var prj struct{ ID string }
	t.must(b, 201, "POST", "/orgs/{orgId}/projects", map[string]string{"orgId": org.ID}, nil, &t.owner, map[string]string{"name": "Web"}, &prj)
	t.orgID, t.prjID = org.ID, prj.ID
	return t
}

// bmCreateTable creates table name as store.EnsureTable does (keys,
// indexes) but without its stream. In DynamoDB a stream costs a write
// nothing; in DynamoDB Local every write costs more with each stream
// record the process holds, deleted tables' included (48 invites: about
// 0.3 s of Java CPU on a fresh process, 1 s after 20 such rounds; without
// a stream 0.15 s throughout), so a benchmark run on tables with streams
// slows with every write before it, the 100,000-member fixture most of
// all. No request measured reads the stream (publish-events does, after
// the fact).
func bmCreateTable(b *testing.B, db *dynamodb.Client, name string) {
	b.Helper()
	in := store.CreateTableInput(name)
	in.StreamSpecification = nil
	ctx := context.Background()
	if _, err := db.CreateTable(ctx, in); err != nil {
		b.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, time.Minute); err != nil {
		b.Fatal(err)
	}
}

// drop deletes t's table (nil: nothing), so that a run of many fresh
// tables does not keep them all in DynamoDB Local's memory.
func (t *bmTable) drop() {
	if t == nil {
		return
	}
	_, _ = t.cl.DynamoDB.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &t.name})
}

// bmUser is a caller as the JWT authorizer would pass it.
type bmUser struct{ id, email string }

func bmNewUser(kind string) bmUser {
	n := bmSeq.Add(1)
	return bmUser{id: fmt.Sprintf("bench-%s-%d-%d", kind, os.Getpid(), n), email: fmt.Sprintf("%s-%d-%d@bench.test", kind, n, os.Getpid())}
}

// serve runs the handler for one request and returns the response and the
// time spent in the handler.
func (t *bmTable) serve(method, path string, params map[string]string, query map[string]string, u *bmUser, body any) (events.APIGatewayV2HTTPResponse, time.Duration) {
	ev := events.APIGatewayV2HTTPRequest{RouteKey: method + " " + path, RawPath: path, PathParameters: params,
		QueryStringParameters: query, Headers: map[string]string{}}
	ev.RequestContext.RequestID = fmt.Sprintf("bench-%d", t.reqs.Add(1))
	ev.RequestContext.HTTP.Method = method
	if body != nil {
		raw, _ := json.Marshal(body)
		ev.Body = string(raw)
		ev.Headers["content-type"] = "application/json"
	}
	if u != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": u.id, "email": u.email, "email_verified": "true"}}}
	}
	start := time.Now()
	resp := t.api.Serve(context.Background(), ev)
	return resp, time.Since(start)
}

// must is serve that fails unless the status is want, decoding into out.
func (t *bmTable) must(b *testing.B, want int, method, path string, params, query map[string]string, u *bmUser, body, out any) time.Duration {
	b.Helper()
	resp, d := t.serve(method, path, params, query, u, body)
	if resp.StatusCode != want {
		b.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, resp.Body)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			b.Fatalf("decode %s: %v", resp.Body, err)
		}
	}
	return d
}

// invite invites new addresses to the project as members and checks each
// was invited and mailed. It returns the handler time.
func (t *bmTable) invite(b *testing.B, emails ...string) time.Duration {
	b.Helper()
	var out struct {
		Results []struct{ Email, Status, Delivery string }
	}
	d := t.must(b, 201, "POST", "/orgs/{orgId}/invites", map[string]string{"orgId": t.orgID}, nil, &t.owner,
		map[string]any{"emails": emails, "projectIds": []string{t.prjID}, "projectRole": "member"}, &out)
	if len(out.Results) != len(emails) {
		b.Fatalf("invite: %d results for %d addresses", len(out.Results), len(emails))
	}
	for _, r := range out.Results {
		if r.Status != domain.ResultInvited || r.Delivery != string(domain.DeliverySent) {
			b.Fatalf("invite %s: status %s, delivery %s", r.Email, r.Status, r.Delivery)
		}
	}
	return d
}

// bmRun measures n operations: op runs the i-th on table t and returns its
// handler time; only the SDK calls made inside op are counted. A fresh
// table (prepared with the timer stopped) comes every bmRotate operations.
type bmRun struct {
	calls   bmCount
	handler time.Duration
}

func (r *bmRun) measure(m *bmMeter, op func() time.Duration) {
	before := m.snap()
	r.handler += op()
	r.calls = r.calls.add(m.since(before))
}

// report reports the calls and times of n operations (per: "op" or
// "address").
func (r *bmRun) report(b *testing.B, n int, per string) {
	b.Helper()
	ddbN, ddbD := r.calls.service("DynamoDB")
	sesN, sesD := r.calls.service("SESv2")
	f := float64(n)
	b.ReportMetric(float64(ddbN)/f, "ddb-calls/"+per)
	r.calls.reportUnits(b, f, per, "")
	b.ReportMetric(float64(sesN)/f, "ses-calls/"+per)
	b.ReportMetric(r.handler.Seconds()*1e3/f, "handler-ms/"+per)
	b.ReportMetric(ddbD.Seconds()*1e3/f, "ddb-ms/"+per)
	b.ReportMetric(sesD.Seconds()*1e3/f, "ses-ms/"+per)
	if ddbD > 0 {
		b.ReportMetric(r.handler.Seconds()/ddbD.Seconds(), "overhead-x")
	}
	if ddbD+sesD > 0 {
		b.ReportMetric(r.handler.Seconds()/(ddbD+sesD).Seconds(), "overhead-io-x")
	}
	b.Logf("b.N=%d, per %s: %s", b.N, per, r.calls.breakdown(n))
}

// BenchmarkInvite: POST /orgs/{orgId}/invites of one new address (no
// account, no open invite) to one project. Target: 2 DynamoDB calls.
func BenchmarkInvite(b *testing.B) {
	s := newBmStack(b)
	var t *bmTable
	var run bmRun
	b.ResetTimer()
	for i := range b.N {
		if i%bmRotate == 0 {
			b.StopTimer()
			t.drop()
			t = s.table(b)
			b.StartTimer()
		}
		email := bmNewUser("invitee").email
		run.measure(s.meter, func() time.Duration { return t.invite(b, email) })
	}
	b.StopTimer()
	run.report(b, b.N, "op")
}

// BenchmarkInviteBulk50: one POST /orgs/{orgId}/invites of 50 new
// addresses to one project (the contract's maximum), on a fresh table
// each; calls are reported per address.
func BenchmarkInviteBulk50(b *testing.B) {
	const size = 50
	s := newBmStack(b)
	var run bmRun
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		t := s.table(b)
		b.Cleanup(t.drop)
		emails := make([]string, size)
		for j := range emails {
			emails[j] = bmNewUser("bulk").email
		}
		b.StartTimer()
		run.measure(s.meter, func() time.Duration { return t.invite(b, emails...) })
	}
	b.StopTimer()
	run.report(b, b.N*size, "address")
	b.ReportMetric(run.handler.Seconds()*1e3/float64(b.N), "handler-ms/request")
}

// BenchmarkInviteSESLatency: a single invite and a bulk invite of 50 new
// addresses, alternating on a fresh table each, with 30 ms added to every
// SES call by a delaying proxy in front of the emulator (SES's latency from
// a Lambda is tens of milliseconds; the emulator's is well under one). The
// bulk request's mails go out MAIL_CONCURRENCY (8) at a time while its
// writes go on, so it takes a few times a single invite, not 50 times.
// Reports ms/single, ms/bulk50 and bulk50/single-x (target ≤ 10).
func BenchmarkInviteSESLatency(b *testing.B) {
	proxy := testenv.NewDelayProxy(b, testenv.Parts(b).SES.URL, 30*time.Millisecond)
	s := newBmStackSES(b, proxy.URL)
	var single, bulk time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		t := s.table(b)
		b.Cleanup(t.drop)
		one := bmNewUser("invitee").email
		emails := make([]string, 50)
		for j := range emails {
			emails[j] = bmNewUser("bulk").email
		}
		b.StartTimer()
		single += t.invite(b, one)
		bulk += t.invite(b, emails...)
	}
	b.StopTimer()
	f := float64(b.N)
	b.ReportMetric(single.Seconds()*1e3/f, "ms/single")
	b.ReportMetric(bulk.Seconds()*1e3/f, "ms/bulk50")
	b.ReportMetric(bulk.Seconds()/single.Seconds(), "bulk50/single-x")
	b.Logf("b.N=%d, SES requests through the proxy: %d, at most %d at once", b.N, proxy.Requests(), proxy.Peak())
}

// BenchmarkAccept: POST /invites/accept of a pending invite to one project
// by the invited, verified address. "registered": the invitee's console
// called GET /me first (sign in, then accept); "first-request": accept is
// the new user's first call, so it registers them too. Target: 2 DynamoDB
// calls.
func BenchmarkAccept(b *testing.B) {
	for _, registered := range []bool{true, false} {
		name := "registered"
		if !registered {
			name = "first-request"
		}
		b.Run(name, func(b *testing.B) {
			s := newBmStack(b)
			var run bmRun
			var t *bmTable
			var invitees []bmUser
			var tokens []string
			b.ResetTimer()
			for i := range b.N {
				if i%bmRotate == 0 {
					// A fresh table with the next bmRotate invites pending.
					b.StopTimer()
					t.drop()
					t = s.table(b)
					invitees, tokens = invitees[:0], tokens[:0]
					for range min(bmRotate, b.N-i) {
						u := bmNewUser("acceptor")
						t.invite(b, u.email)
						tok := s.meter.token(u.email)
						if tok == "" {
							b.Fatalf("no invite token mailed to %s", u.email)
						}
						if registered {
							t.must(b, 200, "GET", "/me", nil, nil, &u, nil, nil)
						}
						invitees, tokens = append(invitees, u), append(tokens, tok)
					}
					b.StartTimer()
				}
				u, tok := invitees[i%bmRotate], tokens[i%bmRotate]
				run.measure(s.meter, func() time.Duration {
					return t.must(b, 200, "POST", "/invites/accept", nil, nil, &u, map[string]string{"token": tok}, nil)
				})
			}
			b.StopTimer()
			run.report(b, b.N, "op")
		})
	}
}

// seedMembers adds n members (org role user) to the organization: one
// through store.ApplyChange, as an accepted invite writes it, then copies
// of its items (the user id replaced) in BatchWriteItem calls, which is
// much faster than n transactions and keeps the store's item shape.
func (t *bmTable) seedMembers(b *testing.B, n int) {
	b.Helper()
	ctx := context.Background()
	const tmpl = "seed-template-000000"
	joined := time.Now().UTC()
	m := domain.Membership{OrgID: t.orgID, OrgName: "Bench", UserID: tmpl, Email: tmpl + "@bench.test",
		Role: domain.OrgMember, Projects: map[string]domain.ProjectRole{}, JoinedAt: joined}
	if err := t.store.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: t.orgID, UserID: tmpl}, After: &m, Now: joined}); err != nil {
		b.Fatal(err)
	}
	// The template's items are those whose strings mention its user id.
	var items []map[string]ddbtypes.AttributeValue
	p := dynamodb.NewScanPaginator(t.cl.DynamoDB, &dynamodb.ScanInput{TableName: &t.name})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range page.Items {
			for _, v := range it {
				if sv, ok := v.(*ddbtypes.AttributeValueMemberS); ok && strings.Contains(sv.Value, tmpl) {
					items = append(items, it)
					break
				}
			}
		}
	}
	if len(items) != 1 {
		b.Fatalf("template member has %d items, want 1", len(items))
	}
	var reqs []ddbtypes.WriteRequest
	flush := func() {
		for len(reqs) > 0 {
			out, err := t.cl.DynamoDB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]ddbtypes.WriteRequest{t.name: reqs}})
			if err != nil {
				b.Fatal(err)
			}
			reqs = out.UnprocessedItems[t.name]
		}
	}
	for i := 1; i < n; i++ {
		id := fmt.Sprintf("seed-member-%08d", i)
		for _, it := range items {
			c := map[string]ddbtypes.AttributeValue{}
			for k, v := range it {
				if sv, ok := v.(*ddbtypes.AttributeValueMemberS); ok {
					v = &ddbtypes.AttributeValueMemberS{Value: strings.ReplaceAll(sv.Value, tmpl, id)}
				}
				c[k] = v
			}
			reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: c}})
		}
		if len(reqs) >= 25 {
			flush()
		}
	}
	flush()
}

type bmPage struct {
	Members    []struct{ UserID string }
	NextCursor *string
}

// bmListOrg is an organization with a given number of members, each in
// its own table: in DynamoDB other partitions cost a Query nothing, while
// the local server walks the keys of the whole table.
type bmListOrg struct {
	*bmTable
	cursor string // a cursor 100 members before the end (large lists)
}

func newBmListOrg(b *testing.B, s *bmStack, members int) *bmListOrg {
	b.Helper()
	t := s.table(b)
	t.seedMembers(b, members-1) // the owner is a member too
	o := &bmListOrg{bmTable: t}
	total, cur := 0, ""
	for {
		var p bmPage
		q := map[string]string{"limit": "100"}
		if cur != "" {
			q["cursor"] = cur
		}
		t.must(b, 200, "GET", "/orgs/{orgId}/members", map[string]string{"orgId": t.orgID}, q, &t.owner, nil, &p)
		total += len(p.Members)
		if p.NextCursor == nil {
			break
		}
		cur = *p.NextCursor
		if total == members-100 {
			o.cursor = cur
		}
	}
	if total != members {
		b.Fatalf("listed %d members, want %d", total, members)
	}
	return o
}

// page lists one page of limit members (after cursor) and returns the handler time.
func (o *bmListOrg) page(b *testing.B, limit int, cursor string) time.Duration {
	d, _ := o.listPage(b, map[string]string{}, limit, cursor)
	return d
}

// listPage runs GET /orgs/{orgId}/members with query q, limit and cursor,
// fails unless the page is full, and returns the handler time and the
// next cursor ("" at the end).
func (o *bmListOrg) listPage(b *testing.B, q map[string]string, limit int, cursor string) (time.Duration, string) {
	q["limit"] = fmt.Sprint(limit)
	if cursor != "" {
		q["cursor"] = cursor
	}
	var p bmPage
	d := o.must(b, 200, "GET", "/orgs/{orgId}/members", map[string]string{"orgId": o.orgID}, q, &o.owner, nil, &p)
	if len(p.Members) != limit {
		b.Fatalf("page of %d members (%v), want %d", len(p.Members), q, limit)
	}
	next := ""
	if p.NextCursor != nil {
		next = *p.NextCursor
	}
	return d, next
}

var bmListOrgs struct {
	once         sync.Once
	small, large *bmListOrg
}

// bmListFixtures returns the organizations of 10 and 10,000 members,
// built once per run for the list benchmarks.
func bmListFixtures(b *testing.B) (small, large *bmListOrg) {
	b.Helper()
	bmListOrgs.once.Do(func() {
		s := newBmStack(b)
		bmListOrgs.small = newBmListOrg(b, s, 10)
		bmListOrgs.large = newBmListOrg(b, s, 10_000)
	})
	if bmListOrgs.small == nil || bmListOrgs.large == nil {
		b.Fatal("list fixtures failed to build")
	}
	return bmListOrgs.small, bmListOrgs.large
}

// BenchmarkListMembers: GET /orgs/{orgId}/members?limit=10 at 10 and at
// 10,000 members, interleaved so both see the same machine noise. Reports
// each page's handler time, their ratio (target ≤ 1.5), the DynamoDB calls
// per page (target 2, at most 3) and the overhead. "first-page" has no
// cursor; "deep-page" starts 9,900 members in (the small list: first page).
func BenchmarkListMembers(b *testing.B) {
	small, large := bmListFixtures(b)
	for _, deep := range []bool{false, true} {
		name := "first-page"
		if deep {
			name = "deep-page"
		}
		b.Run(name, func(b *testing.B) {
			cursor := ""
			if deep {
				cursor = large.cursor
			}
			var rs, rl bmRun
			b.ResetTimer()
			for range b.N {
				rs.measure(small.meter, func() time.Duration { return small.page(b, 10, "") })
				rl.measure(large.meter, func() time.Duration { return large.page(b, 10, cursor) })
			}
			b.StopTimer()
			f := float64(b.N)
			b.ReportMetric(rs.handler.Seconds()*1e3/f, "ms/page@10")
			b.ReportMetric(rl.handler.Seconds()*1e3/f, "ms/page@10k")
			b.ReportMetric(rl.handler.Seconds()/rs.handler.Seconds(), "ratio-10k/10")
			nl, dl := rl.calls.service("DynamoDB")
			ns, ds := rs.calls.service("DynamoDB")
			b.ReportMetric(float64(nl)/f, "ddb-calls/op")
			b.ReportMetric(float64(ns)/f, "ddb-calls/op@10")
			rl.calls.reportUnits(b, f, "page", "@10k")
			rs.calls.reportUnits(b, f, "page", "@10")
			b.ReportMetric(rl.handler.Seconds()/dl.Seconds(), "overhead-x")
			b.ReportMetric(rs.handler.Seconds()/ds.Seconds(), "overhead-x@10")
			b.Logf("b.N=%d, per page at 10k: %s", b.N, rl.calls.breakdown(b.N))
		})
	}
}

// searchPage runs GET /orgs/{orgId}/members?email=<prefix>&limit=limit
// (after cursor) and returns the handler time and the next cursor.
func (o *bmListOrg) searchPage(b *testing.B, prefix string, limit int, cursor string) (time.Duration, string) {
	return o.listPage(b, map[string]string{"email": prefix}, limit, cursor)
}

// BenchmarkSearchMembers: GET /orgs/{orgId}/members?email=seed-&limit=8 in
// the organizations of 10 and of 10,000 members (BenchmarkListMembers's),
// interleaved. Every seeded address starts with "seed-": 9 match in the
// small one, 9,999 in the large one. Reports the items DynamoDB read per
// page (target: the same at both sizes: the membership check, then the
// page and one more), the DynamoDB calls, and the handler times and their
// ratio. "first-page" has no cursor; "later-page" starts after the first
// 100 matches (the small list: first page).
func BenchmarkSearchMembers(b *testing.B) {
	small, large := bmListFixtures(b)
	const prefix, limit = "seed-", 8
	_, later := large.searchPage(b, prefix, 100, "")
	for _, name := range []string{"first-page", "later-page"} {
		b.Run(name, func(b *testing.B) {
			cursor := ""
			if name == "later-page" {
				cursor = later
			}
			var rs, rl bmRun
			b.ResetTimer()
			for range b.N {
				rs.measure(small.meter, func() time.Duration { d, _ := small.searchPage(b, prefix, limit, ""); return d })
				rl.measure(large.meter, func() time.Duration { d, _ := large.searchPage(b, prefix, limit, cursor); return d })
			}
			b.StopTimer()
			reportSizes(b, rs, rl, "page", "10", "10k")
			b.ReportMetric(rl.handler.Seconds()/rs.handler.Seconds(), "ratio-10k/10")
		})
	}
}

// bmInvitesOrg is an organization where a manager sent 2 pending invites
// and the owner sent others more.
type bmInvitesOrg struct {
	*bmTable
	manager bmUser
}

func newBmInvitesOrg(b *testing.B, s *bmStack, others int) *bmInvitesOrg {
	b.Helper()
	t := s.table(b)
	o := &bmInvitesOrg{bmTable: t, manager: bmNewUser("manager")}
	t.must(b, 200, "GET", "/me", nil, nil, &o.manager, nil, nil)
	org := map[string]string{"orgId": t.orgID}
	t.must(b, 201, "POST", "/orgs/{orgId}/invites", org, nil, &t.owner,
		map[string]any{"emails": []string{o.manager.email}, "orgRole": "manager"}, nil)
	t.must(b, 201, "POST", "/orgs/{orgId}/invites", org, nil, &o.manager,
		map[string]any{"emails": []string{bmNewUser("sent").email, bmNewUser("sent").email}}, nil)
	for sent := 0; sent < others; sent += 50 {
		emails := make([]string, min(50, others-sent))
		for j := range emails {
			emails[j] = bmNewUser("other").email
		}
		t.invite(b, emails...)
	}
	return o
}

// changeRole makes the manager an owner (i even) or a manager again (i
// odd): a role change that keeps their invites, so every one finds them.
func (o *bmInvitesOrg) changeRole(b *testing.B, i int) time.Duration {
	role := []string{"owner", "manager"}[i%2]
	var m struct{ Role string }
	d := o.must(b, 200, "PATCH", "/orgs/{orgId}/members/{userId}", map[string]string{"orgId": o.orgID, "userId": o.manager.id},
		nil, &o.owner, map[string]string{"role": role}, &m)
	if m.Role != role {
		b.Fatalf("role %q, want %q", m.Role, role)
	}
	return d
}

// BenchmarkRoleChangeWithInvites: PATCH /orgs/{orgId}/members/{userId} of
// a manager who sent 2 pending invites, in an organization where others
// sent 10 and one where they sent 1,000, interleaved. Every role change
// looks for the invites its member sent (they die with their sender's
// authority); it reads those only. Reports the items DynamoDB read per
// change at both sizes (target: the same), the DynamoDB calls and the
// handler times.
func BenchmarkRoleChangeWithInvites(b *testing.B) {
	s := newBmStack(b)
	small, large := newBmInvitesOrg(b, s, 10), newBmInvitesOrg(b, s, 1_000)
	var rs, rl bmRun
	b.ResetTimer()
	for i := range b.N {
		rs.measure(s.meter, func() time.Duration { return small.changeRole(b, i) })
		rl.measure(s.meter, func() time.Duration { return large.changeRole(b, i) })
	}
	b.StopTimer()
	reportSizes(b, rs, rl, "op", "10", "1k")
}

// reportSizes reports, per b.N operations (per: "op" or "page"), the items
// read, DynamoDB calls and handler time of the runs at a small and a large
// size, named by their sizes, and logs the large run's calls.
func reportSizes(b *testing.B, rs, rl bmRun, per, small, large string) {
	b.Helper()
	f := float64(b.N)
	b.ReportMetric(float64(rs.calls.calls[bmItemsRead])/f, "items-read/"+per+"@"+small)
	b.ReportMetric(float64(rl.calls.calls[bmItemsRead])/f, "items-read/"+per+"@"+large)
	ns, _ := rs.calls.service("DynamoDB")
	nl, _ := rl.calls.service("DynamoDB")
	b.ReportMetric(float64(ns)/f, "ddb-calls/op@"+small)
	b.ReportMetric(float64(nl)/f, "ddb-calls/op@"+large)
	rs.calls.reportUnits(b, f, per, "@"+small)
	rl.calls.reportUnits(b, f, per, "@"+large)
	b.ReportMetric(rs.handler.Seconds()*1e3/f, "ms/"+per+"@"+small)
	b.ReportMetric(rl.handler.Seconds()*1e3/f, "ms/"+per+"@"+large)
	b.Logf("b.N=%d, per %s at %s: %s", b.N, per, large, rl.calls.breakdown(b.N))
}

// bmLink creates an invite link on t's organization (its project as
// member, 1,000 uses) and returns its token.
func (t *bmTable) bmLink(b *testing.B) string {
	b.Helper()
	var l struct{ URL string }
	t.must(b, 201, "POST", "/orgs/{orgId}/invite-links", map[string]string{"orgId": t.orgID}, nil, &t.owner,
		map[string]any{"projects": []map[string]string{{"id": t.prjID, "role": "member"}}, "maxUses": 1000}, &l)
	_, tok, ok := strings.Cut(l.URL, "#token=")
	if !ok {
		b.Fatalf("link url %q", l.URL)
	}
	return tok
}

// BenchmarkJoinByLink: POST /invite-links/join by someone new (the first
// request of their account). Target: 2 DynamoDB calls — the token's
// snapshot of the link, then one transaction (registration, membership,
// project membership, the link's use, the seat counter, the join caps,
// the audit event).
func BenchmarkJoinByLink(b *testing.B) {
	s := newBmStack(b)
	var run bmRun
	var t *bmTable
	var tok string
	b.ResetTimer()
	for i := range b.N {
		if i%bmRotate == 0 {
			b.StopTimer()
			t.drop()
			t = s.table(b)
			tok = t.bmLink(b)
			b.StartTimer()
		}
		u := bmNewUser("joiner")
		run.measure(s.meter, func() time.Duration {
			return t.must(b, 200, "POST", "/invite-links/join", nil, nil, &u, map[string]string{"token": tok}, nil)
		})
	}
	b.StopTimer()
	bmNoQuery(b, run.calls)
	run.report(b, b.N, "op")
}

// BenchmarkSeatCheck: the same join by link, in an organization of 10 and
// of 1,000 members, without and with a seat limit (and with pending
// invites taking seats). The seat check is a condition on the seat
// counter inside the join's transaction: calls per join are the same in
// every case (+0), and nothing queries the members.
func BenchmarkSeatCheck(b *testing.B) {
	for _, c := range []struct {
		name    string
		members int
		seats   map[string]any // PATCH /orgs/{orgId}; nil: no limit
	}{
		{"no-limit@10", 10, nil},
		{"limit@10", 10, map[string]any{"seatLimit": 100000}},
		{"no-limit@1000", 1000, nil},
		{"limit@1000", 1000, map[string]any{"seatLimit": 100000}},
		{"limit-invites@1000", 1000, map[string]any{"seatLimit": 100000, "seatsCountPendingInvites": true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newBmStack(b)
			var run bmRun
			var t *bmTable
			var tok string
			b.ResetTimer()
			for i := range b.N {
				if i%bmRotate == 0 {
					b.StopTimer()
					t.drop()
					t = s.table(b)
					t.seedMembers(b, c.members)
					if c.seats != nil {
						t.must(b, 200, "PATCH", "/orgs/{orgId}", map[string]string{"orgId": t.orgID}, nil, &t.owner, c.seats, nil)
					}
					tok = t.bmLink(b)
					b.StartTimer()
				}
				u := bmNewUser("seat")
				run.measure(s.meter, func() time.Duration {
					return t.must(b, 200, "POST", "/invite-links/join", nil, nil, &u, map[string]string{"token": tok}, nil)
				})
			}
			b.StopTimer()
			bmNoQuery(b, run.calls)
			run.report(b, b.N, "op")
		})
	}
}

// bmNoQuery fails the benchmark when the measured calls include a Query
// or Scan: a seat check or join that reads the members.
func bmNoQuery(b *testing.B, c bmCount) {
	b.Helper()
	for k, n := range c.calls {
		if n > 0 && (strings.HasSuffix(k, " Query") || strings.HasSuffix(k, " Scan")) {
			b.Fatalf("a join made %d %s calls: it must not read the members", n, k)
		}
	}
}
