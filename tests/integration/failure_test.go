package integration

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/members-saas/members/tests/testenv"
)

// failTable makes the fault proxy in front of the shared DynamoDB Local
// answer every call on this test's table (and only it: other tests share
// the server) with an InternalServerError until the returned func, also
// run at cleanup, clears it.
func failTable(t *testing.T, e *testenv.Env) (clear func()) {
	t.Helper()
	table := e.Stack.Config.TableName
	var once sync.Once
	clear = func() {
		once.Do(func() { e.Faults.Fail(table, testenv.FaultNone) })
	}
	e.Faults.Fail(table, testenv.FaultInternal)
	t.Cleanup(clear)
	return clear
}

// withoutRate drops the per-hour invite counters: they count attempts,
// so a refused invite may have used one; they are not data.
func withoutRate(items []item) []item {
	var out []item
	for _, it := range items {
		if !strings.HasPrefix(it.str("sk"), "RATE#") {
			out = append(out, it)
		}
	}
	return out
}

// TestFailureSESUnreachable: with SES unreachable an invite is kept with
// delivery "failed", the result says so, and it is listed under
// status=failed; an already registered invitee still gets access. Once
// SES is back (a second stack over the same table), resend mails a new
// token, delivery becomes "sent" and the invitee can accept.
func TestFailureSESUnreachable(t *testing.T) {
	t.Parallel()
	down := newEnv(t, nil, testenv.Options{SESEndpoint: "http://127.0.0.1:1"})
	o, orgID := newOrg(t, down, "sesdown")
	var p struct{ ID string }
	down.Must(t, 201, "POST", "/orgs/"+orgID+"/projects", o.Token, map[string]string{"name": "P"}, &p)
	y := register(t, down, "registered")
	x := testenv.Email("newcomer")
	res := invite(t, down, o.Token, orgID, map[string]any{"emails": []string{x, y.Email}, "projectIds": []string{p.ID}, "projectRole": "member"})
	if r := res[x]; r.Status != "invited" || r.Delivery != "failed" || r.InviteID == "" {
		t.Errorf("new address with SES down: %+v, want invited with delivery failed", r)
	}
	if r := res[y.Email]; r.Status != "added" || r.Delivery != "failed" {
		t.Errorf("registered address with SES down: %+v, want added with delivery failed", r)
	}
	if !isMember(t, down, o.Token, orgID, y.ID) {
		t.Errorf("registered invitee not added while SES was down")
	}
	failed := listInvites(t, down, o.Token, orgID, "failed")
	if len(failed) != 1 || failed[0].Email != x || failed[0].Delivery != "failed" || failed[0].Status != "pending" {
		t.Fatalf("status=failed lists %+v, want the one invite to %s, pending with delivery failed", failed, x)
	}
	if !strings.Contains(down.LogText(), "invite email not sent") {
		t.Errorf("the failed send was not logged")
	}

	up := newRig(t, rigOptions{TableName: down.Stack.Config.TableName})
	o2 := up.SignIn(t, o.Email)
	var v inviteView
	up.Must(t, 200, "POST", "/orgs/"+orgID+"/invites/"+failed[0].ID+"/resend", o2.Token, nil, &v)
	if v.Delivery != "sent" || v.Status != "pending" {
		t.Errorf("resend with SES back: %+v, want pending, delivery sent", v)
	}
	if got := listInvites(t, up.Env, o2.Token, orgID, "failed"); len(got) != 0 {
		t.Errorf("still listed as failed after a good resend: %+v", got)
	}
	if got := listInvites(t, up.Env, o2.Token, orgID, "pending"); len(got) != 1 || got[0].Delivery != "sent" {
		t.Errorf("pending after resend: %+v, want one with delivery sent", got)
	}
	xu := up.SignIn(t, x)
	var acc struct {
		OrgID    string
		Projects []struct{ ID, Role string }
	}
	up.Must(t, 200, "POST", "/invites/accept", xu.Token, map[string]string{"token": up.LastInviteToken(t, x)}, &acc)
	if acc.OrgID != orgID || len(acc.Projects) != 1 || acc.Projects[0].ID != p.ID {
		t.Errorf("accept: %+v", acc)
	}
	invariants(t, down)
	assertNoSecrets(t, "log", up.LogText(), up.InviteLinks(t, x))
	assertNoSecrets(t, "log", down.LogText(), up.InviteLinks(t, x))
}

// TestFailureSESThrottled: SES answering 429 TooManyRequestsException is
// retried by the SDK, then the invite is kept with delivery "failed"; when
// SES accepts again, resend delivers a working token.
func TestFailureSESThrottled(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	ses.setMode(sesThrottle)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL})
	o, orgID := newOrg(t, e, "sesthrottle")
	x := testenv.Email("throttled")
	res := invite(t, e, o.Token, orgID, map[string]any{"emails": []string{x}})
	if r := res[x]; r.Status != "invited" || r.Delivery != "failed" {
		t.Errorf("throttled send: %+v, want invited with delivery failed", r)
	}
	if n := ses.calls.Load(); n < 2 {
		t.Errorf("SES called %d times; the SDK should retry a throttled send", n)
	}
	failed := listInvites(t, e, o.Token, orgID, "failed")
	if len(failed) != 1 || failed[0].Email != x {
		t.Fatalf("status=failed lists %+v", failed)
	}

	ses.setMode(sesAccept)
	var v inviteView
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/invites/"+failed[0].ID+"/resend", o.Token, nil, &v)
	if v.Delivery != "sent" {
		t.Errorf("resend after the throttling: %+v, want delivery sent", v)
	}
	if got := listInvites(t, e, o.Token, orgID, "failed"); len(got) != 0 {
		t.Errorf("still failed: %+v", got)
	}
	xu := e.SignIn(t, x)
	e.Must(t, 200, "POST", "/invites/accept", xu.Token, map[string]string{"token": ses.lastToken(t, x)}, nil)
	if !isMember(t, e, o.Token, orgID, xu.ID) {
		t.Errorf("not a member after accepting the resent invite")
	}
	invariants(t, e)
}

// failureFixture is an organization with a project, a registered member
// and a pending invite (with its token), for the DynamoDB failure tests.
type failureFixture struct {
	owner, member, invitee testenv.User
	orgID, projectID       string
	inviteID, token        string
}

func newFailureFixture(t *testing.T, e *testenv.Env, ses *sesStub) failureFixture {
	t.Helper()
	var f failureFixture
	f.owner, f.orgID = newOrg(t, e, "dbfail")
	var p struct{ ID string }
	e.Must(t, 201, "POST", "/orgs/"+f.orgID+"/projects", f.owner.Token, map[string]string{"name": "P"}, &p)
	f.projectID = p.ID
	f.member = register(t, e, "member")
	invite(t, e, f.owner.Token, f.orgID, map[string]any{"emails": []string{f.member.Email}, "projectIds": []string{p.ID}, "projectRole": "member"})
	x := testenv.Email("pending")
	res := invite(t, e, f.owner.Token, f.orgID, map[string]any{"emails": []string{x}, "projectIds": []string{p.ID}, "projectRole": "member"})
	f.inviteID, f.token = res[x].InviteID, ses.lastToken(t, x)
	f.invitee = e.SignIn(t, x)
	e.Must(t, 200, "GET", "/me", f.invitee.Token, nil, nil)
	return f
}

// request is one call of a failure test.
type request struct {
	name, method, path, token string
	body                      any
}

func (f failureFixture) requests() []request {
	org := "/orgs/" + f.orgID
	return []request{
		{"me", "GET", "/me", f.member.Token, nil},
		{"create org", "POST", "/orgs", f.owner.Token, map[string]string{"name": "Another"}},
		{"list projects", "GET", org + "/projects", f.owner.Token, nil},
		{"create project", "POST", org + "/projects", f.owner.Token, map[string]string{"name": "Q"}},
		{"invite", "POST", org + "/invites", f.owner.Token, map[string]any{"emails": []string{testenv.Email("during")}}},
		{"list invites", "GET", org + "/invites", f.owner.Token, nil},
		{"revoke", "DELETE", org + "/invites/" + f.inviteID, f.owner.Token, nil},
		{"resend", "POST", org + "/invites/" + f.inviteID + "/resend", f.owner.Token, nil},
		{"preview", "POST", "/invites/preview", "", map[string]string{"token": f.token}},
		{"accept", "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token}},
		{"list members", "GET", org + "/members", f.member.Token, nil},
		{"change role", "PATCH", org + "/members/" + f.member.ID, f.owner.Token, map[string]string{"role": "owner"}},
		{"remove member", "DELETE", org + "/members/" + f.member.ID, f.owner.Token, nil},
		{"list project members", "GET", org + "/projects/" + f.projectID + "/members", f.owner.Token, nil},
		{"change project role", "PATCH", org + "/projects/" + f.projectID + "/members/" + f.member.ID, f.owner.Token, map[string]string{"role": "owner"}},
		{"remove project member", "DELETE", org + "/projects/" + f.projectID + "/members/" + f.member.ID, f.owner.Token, nil},
		{"audit", "GET", org + "/audit", f.owner.Token, nil},
	}
}

// sendAll sends the requests concurrently (the SDK's backoff makes each
// failing call take a while) and returns the answers by name.
func sendAll(t *testing.T, e *testenv.Env, reqs []request) map[string]testenv.Resp {
	t.Helper()
	out := map[string]testenv.Resp{}
	var mu sync.Mutex
	var errs []error
	burst(len(reqs), func(i int) {
		r := reqs[i]
		resp, err := call(e, r.method, r.path, r.token, r.body)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, err))
		}
		out[r.name] = resp
	})
	for _, err := range errs {
		t.Error(err)
	}
	return out
}

// TestFailureDynamoUnavailable: with DynamoDB failing every call, each
// route that needs it answers a 503 problem with Retry-After and no
// internal detail, /healthz stays up, and nothing is written; once
// DynamoDB is back the same requests work on consistent data.
func TestFailureDynamoUnavailable(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL})
	f := newFailureFixture(t, e, ses)
	db, table := e.Stack.Clients.DynamoDB, e.Stack.Config.TableName
	before := scanTable(t, db, table)

	clear := failTable(t, e)
	start := time.Now()
	answers := sendAll(t, e, f.requests())
	for _, r := range f.requests() {
		assertUnavailable(t, r.name, answers[r.name], table)
	}
	e.Must(t, 200, "GET", "/healthz", "", nil, nil)
	t.Logf("%d requests against a failing DynamoDB answered in %v", len(answers), time.Since(start))
	clear()

	if d := diffItems(withoutRate(before), withoutRate(scanTable(t, db, table))); d != "" {
		t.Errorf("a failing DynamoDB left writes behind:\n%s", d)
	}
	invariants(t, e)
	e.Must(t, 200, "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token}, nil)
	e.Must(t, 200, "PATCH", "/orgs/"+f.orgID+"/members/"+f.member.ID, f.owner.Token, map[string]string{"role": "owner"}, nil)
	invariants(t, e)
	if !strings.Contains(e.LogText(), `"code":"service_unavailable"`) {
		t.Errorf("the 503s were not logged with their code")
	}
}

// assertFailedResult checks a 201 bulk-invite answer whose one result
// failed with a 503 problem (one address failing does not fail a batch).
func assertFailedResult(t *testing.T, what string, r testenv.Resp) {
	t.Helper()
	if r.Status != 201 {
		t.Errorf("%s: status %d, want 201 with a failed result: %s", what, r.Status, r.Body)
		return
	}
	var out struct{ Results []inviteResult }
	r.JSON(t, &out)
	if len(out.Results) != 1 || out.Results[0].Status != "failed" || out.Results[0].Error == nil ||
		out.Results[0].Error.Status != 503 || out.Results[0].Error.Code != "service_unavailable" {
		t.Errorf("%s: results %s, want one failed with a 503 problem", what, r.Body)
	}
	for _, w := range internalWords {
		if strings.Contains(string(r.Body), w) {
			t.Errorf("%s: answer shows internal detail %q: %s", what, w, r.Body)
		}
	}
}

// TestFailureDynamoThrottled: DynamoDB throttling (ThrottlingException, and
// a transaction cancelled for throttling) is retried by the SDK and then
// answered 503 with Retry-After; nothing is half-written.
func TestFailureDynamoThrottled(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	r := newRig(t, rigOptions{SESEndpoint: ses.URL})
	f := newFailureFixture(t, r.Env, ses)
	before := scanTable(t, r.Stack.Clients.DynamoDB, r.Table)

	r.Proxy.setFault(func(op string) *dynamoFault {
		return &dynamoFault{Status: 400, Type: "ThrottlingException"}
	})
	gets := r.Proxy.count("GetItem")
	resp := r.Do(t, "GET", "/orgs/"+f.orgID+"/members", f.member.Token, nil)
	assertUnavailable(t, "list members, throttled", resp)
	if n := r.Proxy.count("GetItem") - gets; n < 2 {
		t.Errorf("throttled GetItem sent %d times; the SDK should retry it", n)
	}

	// A transaction cancelled because of throttling: no point retrying at once.
	r.Proxy.setFault(func(op string) *dynamoFault {
		if op != "TransactWriteItems" {
			return nil
		}
		return &dynamoFault{Status: 400, Body: cancelledBody("ThrottlingError")}
	})
	assertUnavailable(t, "accept, transaction throttled", r.Do(t, "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token}))
	assertUnavailable(t, "change role, transaction throttled",
		r.Do(t, "PATCH", "/orgs/"+f.orgID+"/members/"+f.member.ID, f.owner.Token, map[string]string{"role": "owner"}))
	r.Proxy.setFault(nil)

	if d := diffItems(withoutRate(before), withoutRate(scanTable(t, r.Stack.Clients.DynamoDB, r.Table))); d != "" {
		t.Errorf("throttling left writes behind:\n%s", d)
	}
	r.Must(t, 200, "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token}, nil)
	invariants(t, r.Env)
}

// cancelledBody is a TransactionCanceledException whose first reason is code.
func cancelledBody(code string) string {
	return fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",`+
		`"message":"Transaction cancelled, please refer cancellation reasons for specific reasons [%s]",`+
		`"CancellationReasons":[{"Code":%q,"Message":"injected by the test"}]}`, code, code)
}

// TestFailureTransactionCancelled: a transaction that keeps being cancelled
// by conflicts is retried a bounded number of times, then answered 503
// with Retry-After; nothing is half-written, and it works once the
// conflicts stop.
func TestFailureTransactionCancelled(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	r := newRig(t, rigOptions{SESEndpoint: ses.URL})
	f := newFailureFixture(t, r.Env, ses)
	before := scanTable(t, r.Stack.Clients.DynamoDB, r.Table)
	r.Proxy.setFault(func(op string) *dynamoFault {
		if op != "TransactWriteItems" {
			return nil
		}
		return &dynamoFault{Status: 400, Body: cancelledBody("TransactionConflict")}
	})
	bounded := func(what string, do func() testenv.Resp, check func(testenv.Resp)) {
		n0 := r.Proxy.count("TransactWriteItems")
		start := time.Now()
		check(do())
		n := r.Proxy.count("TransactWriteItems") - n0
		t.Logf("%s: %d transaction attempts in %v", what, n, time.Since(start))
		if n < 2 || n > 10 {
			t.Errorf("%s: %d transaction attempts; want a few retries, bounded", what, n)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: gave up only after %v", what, d)
		}
	}
	bounded("accept", func() testenv.Resp {
		return r.Do(t, "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token})
	}, func(resp testenv.Resp) { assertUnavailable(t, "accept", resp) })
	bounded("change role", func() testenv.Resp {
		return r.Do(t, "PATCH", "/orgs/"+f.orgID+"/members/"+f.member.ID, f.owner.Token, map[string]string{"role": "owner"})
	}, func(resp testenv.Resp) { assertUnavailable(t, "change role", resp) })
	bounded("revoke", func() testenv.Resp {
		return r.Do(t, "DELETE", "/orgs/"+f.orgID+"/invites/"+f.inviteID, f.owner.Token, nil)
	}, func(resp testenv.Resp) { assertUnavailable(t, "revoke", resp) })
	bounded("invite", func() testenv.Resp {
		return r.Do(t, "POST", "/orgs/"+f.orgID+"/invites", f.owner.Token, map[string]any{"emails": []string{testenv.Email("conflicted")}})
	}, func(resp testenv.Resp) { assertFailedResult(t, "invite", resp) })
	r.Proxy.setFault(nil)

	if d := diffItems(withoutRate(before), withoutRate(scanTable(t, r.Stack.Clients.DynamoDB, r.Table))); d != "" {
		t.Errorf("cancelled transactions left writes behind:\n%s", d)
	}
	r.Must(t, 200, "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token}, nil)
	invariants(t, r.Env)
}

// TestFailureMidOperation: DynamoDB fails after an invite (or a resend) was
// written and while its email is being sent, so its delivery state cannot
// be recorded and the next address of the batch cannot be read. The
// written invite is whole (claim, token, audit) and its token works; the
// address that failed is reported failed and has nothing stored.
func TestFailureMidOperation(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	// One address at a time (MAIL_CONCURRENCY=1): the fault starts during
	// the first address's send, so it must come before the second's write.
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, MailConcurrency: 1})
	o, orgID := newOrg(t, e, "midop")
	table := e.Stack.Config.TableName
	clear := func() { e.Faults.Fail(table, testenv.FaultNone) }
	t.Cleanup(clear)
	failDuringSend := func() { e.Faults.Fail(table, testenv.FaultInternal) }
	ses.onSend(failDuringSend)
	first, second := testenv.Email("first"), testenv.Email("second")
	res := invite(t, e, o.Token, orgID, map[string]any{"emails": []string{first, second}})
	ses.onSend(nil)
	clear()
	if r := res[first]; r.Status != "invited" {
		t.Errorf("first address: %+v, want invited", r)
	}
	if r := res[second]; r.Status != "failed" || r.Error == nil || r.Error.Code != "service_unavailable" {
		t.Errorf("second address: %+v, want failed with service_unavailable", r)
	}
	items := invariants(t, e)
	for _, it := range items {
		if strings.Contains(itemsText([]item{it}), second) && !strings.HasPrefix(it.str("sk"), "AUDIT#") {
			t.Errorf("the failed address has a stored item: %s", it.key())
		}
	}
	pend := listInvites(t, e, o.Token, orgID, "pending")
	if len(pend) != 1 || pend[0].Email != first {
		t.Fatalf("pending invites %+v, want the first address's", pend)
	}
	t.Logf("delivery of the invite whose state could not be recorded: %q", pend[0].Delivery)

	// A resend whose delivery state cannot be recorded: the new token is in
	// place, the old one is dead.
	old := ses.lastToken(t, first)
	ses.onSend(failDuringSend)
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/invites/"+pend[0].ID+"/resend", o.Token, nil, nil)
	ses.onSend(nil)
	clear()
	invariants(t, e)
	wantProblem(t, e.Do(t, "POST", "/invites/preview", "", map[string]string{"token": old}), 404, "invite_not_found")
	u := e.SignIn(t, first)
	e.Must(t, 200, "POST", "/invites/accept", u.Token, map[string]string{"token": ses.lastToken(t, first)}, nil)
	invariants(t, e)
}

// TestFailureDynamoThrottledAndConflicting: the fault proxy fails only the
// writes of this test's table, with DynamoDB's throttling error
// (ProvisionedThroughputExceededException, retried by the SDK) and then
// with a TransactionCanceledException whose reasons are
// TransactionConflict (a write racing each transaction). Reads still
// work; every write route answers a 503 problem with Retry-After and no
// internal detail; nothing is written; once the writes pass again the same
// requests work.
func TestFailureDynamoThrottledAndConflicting(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL})
	f := newFailureFixture(t, e, ses)
	db, table := e.Stack.Clients.DynamoDB, e.Stack.Config.TableName
	writes := []string{"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}
	for _, c := range []struct {
		name  string
		fault testenv.Fault
		ops   []string
	}{
		{"throttled", testenv.FaultThrottle, writes},
		{"transaction conflicts", testenv.FaultTxCanceled, []string{"TransactWriteItems"}},
	} {
		before := scanTable(t, db, table)
		e.Faults.Fail(table, c.fault, c.ops...)
		assertUnavailable(t, c.name+": accept", e.Do(t, "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token}), table)
		assertUnavailable(t, c.name+": role change", e.Do(t, "PATCH", "/orgs/"+f.orgID+"/members/"+f.member.ID, f.owner.Token,
			map[string]string{"role": "manager"}), table)
		assertUnavailable(t, c.name+": new project", e.Do(t, "POST", "/orgs/"+f.orgID+"/projects", f.owner.Token,
			map[string]string{"name": "Q"}), table)
		// Reads are not failed: the member list still answers.
		e.Must(t, 200, "GET", "/orgs/"+f.orgID+"/members", f.owner.Token, nil, nil)
		e.Faults.Fail(table, testenv.FaultNone)
		if d := diffItems(withoutRate(before), withoutRate(scanTable(t, db, table))); d != "" {
			t.Errorf("%s: failed writes left items behind:\n%s", c.name, d)
		}
	}
	invariants(t, e)
	e.Must(t, 200, "POST", "/invites/accept", f.invitee.Token, map[string]string{"token": f.token}, nil)
	e.Must(t, 200, "PATCH", "/orgs/"+f.orgID+"/members/"+f.member.ID, f.owner.Token, map[string]string{"role": "manager"}, nil)
	invariants(t, e)
}
