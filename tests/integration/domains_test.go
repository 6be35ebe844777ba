package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

// domainJSON is a domain as the API answers it.
type domainJSON struct {
	Domain string `json:"domain"`
	Status string `json:"status"`
	Record struct {
		Type, Name, Value string
	} `json:"record"`
	JoinPolicy string `json:"joinPolicy"`
	OrgRole    string `json:"orgRole"`
	Projects   []struct {
		ID, Role string
	} `json:"projects"`
	VerifiedAt *time.Time `json:"verifiedAt"`
}

type meJSON struct {
	Orgs []struct {
		ID, Name, Role string
	} `json:"orgs"`
	Projects []struct {
		ID, OrgID, Role string
	} `json:"projects"`
	SuggestedOrgs []struct {
		ID, Name, Domain, JoinPolicy, RequestID string
	} `json:"suggestedOrgs"`
	JoinRequests []struct {
		ID, OrgID, Status string
	} `json:"joinRequests"`
}

// newDomainName is a fresh domain under the reserved .test TLD.
func newDomainName() string { return "acme-" + randHex(4) + ".test" }

// addVerifiedDomain adds name to orgID, publishes its record on dns and
// verifies it.
func addVerifiedDomain(t testing.TB, e *testenv.Env, dns *testenv.DNS, owner, orgID, name string) domainJSON {
	t.Helper()
	var d domainJSON
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/domains", owner, map[string]string{"domain": name}, &d)
	dns.SetTXT(d.Record.Name, "v=spf1 -all", d.Record.Value)
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/domains/"+name+"/verify", owner, nil, &d)
	return d
}

func domainEnv(t *testing.T) (*testenv.Env, *sesStub, *testenv.DNS) {
	t.Helper()
	dns := testenv.StartDNS(t)
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL, DNSResolver: dns.Addr})
	return e, ses, dns
}

// TestDomainVerification: a domain is added pending with the TXT record to
// publish, verified only when the local DNS server answers that record
// with that value, stays verified when the record is removed later (a
// re-check then fails without changing it), is the organization's alone
// once verified, and public mail domains are refused.
func TestDomainVerification(t *testing.T) {
	t.Parallel()
	e, _, dns := domainEnv(t)
	owner, orgID := newOrg(t, e, "dnsowner")
	name := newDomainName()
	base := "/orgs/" + orgID + "/domains"

	var d domainJSON
	e.Must(t, 201, "POST", base, owner.Token, map[string]string{"domain": "  " + strings.ToUpper(name) + ". "}, &d)
	if d.Domain != name || d.Status != "pending" || d.Record.Type != "TXT" || d.Record.Name != "_members-challenge."+name ||
		!strings.HasPrefix(d.Record.Value, "members-verify=") || len(d.Record.Value) < len("members-verify=")+20 || d.JoinPolicy != "off" {
		t.Fatalf("added domain: %+v", d)
	}
	if p := e.Must(t, 409, "POST", base, owner.Token, map[string]string{"domain": name}, nil).Problem(t); p.Code != "domain_exists" {
		t.Errorf("second add: %+v", p)
	}

	// Missing record, then a wrong value: 422, still pending.
	verify := base + "/" + name + "/verify"
	if p := e.Must(t, 422, "POST", verify, owner.Token, nil, nil).Problem(t); p.Code != "domain_verification_failed" {
		t.Errorf("verify without a record: %+v", p)
	}
	dns.SetTXT(d.Record.Name, "members-verify=somethingelse")
	if p := e.Must(t, 422, "POST", verify, owner.Token, nil, nil).Problem(t); p.Code != "domain_verification_failed" || !strings.Contains(p.Detail, "does not have the value") {
		t.Errorf("verify with a wrong value: %+v", p)
	}
	// A join policy needs a verified domain.
	if p := e.Must(t, 409, "PATCH", base+"/"+name, owner.Token, map[string]string{"joinPolicy": "auto"}, nil).Problem(t); p.Code != "domain_not_verified" {
		t.Errorf("policy on a pending domain: %+v", p)
	}
	// Found among other TXT values.
	dns.SetTXT(d.Record.Name, "google-site-verification=x", d.Record.Value)
	var v domainJSON
	e.Must(t, 200, "POST", verify, owner.Token, nil, &v)
	if v.Status != "verified" || v.VerifiedAt == nil {
		t.Fatalf("verified: %+v", v)
	}
	// Removed later: a re-check fails, the domain stays verified.
	dns.SetTXT(d.Record.Name)
	if p := e.Must(t, 422, "POST", verify, owner.Token, nil, nil).Problem(t); p.Code != "domain_verification_failed" {
		t.Errorf("re-verify after removal: %+v", p)
	}
	var list struct{ Domains []domainJSON }
	e.Must(t, 200, "GET", base, owner.Token, nil, &list)
	if len(list.Domains) != 1 || list.Domains[0].Status != "verified" {
		t.Errorf("after the record was removed: %+v", list)
	}

	// Another organization can neither add nor verify it.
	other, orgB := newOrg(t, e, "dnsother")
	if p := e.Must(t, 409, "POST", "/orgs/"+orgB+"/domains", other.Token, map[string]string{"domain": name}, nil).Problem(t); p.Code != "domain_claimed" {
		t.Errorf("claimed domain added by another org: %+v", p)
	}

	// Public mail domains and malformed names.
	for _, pub := range []string{"gmail.com", "Outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me", "mail.gmail.com"} {
		if p := e.Must(t, 422, "POST", base, owner.Token, map[string]string{"domain": pub}, nil).Problem(t); p.Code != "public_email_domain" {
			t.Errorf("%s: %+v", pub, p)
		}
	}
	for _, bad := range []string{"", "localhost", "acme..com", "-acme.com", "ada@acme.com", "acme.com/x", "10.0.0.1", strings.Repeat("a", 64) + ".com"} {
		if p := e.Must(t, 400, "POST", base, owner.Token, map[string]string{"domain": bad}, nil).Problem(t); p.Code != "validation_failed" {
			t.Errorf("%q: %+v", bad, p)
		}
	}
	e.Must(t, 400, "POST", base, owner.Token, map[string]any{"domain": 5}, nil)

	// Removing it frees the claim: the other organization verifies it.
	e.Must(t, 404, "DELETE", base+"/other-"+name, owner.Token, nil, nil)
	e.Must(t, 204, "DELETE", base+"/"+name, owner.Token, nil, nil)
	e.Must(t, 404, "POST", verify, owner.Token, nil, nil)
	addVerifiedDomain(t, e, dns, other.Token, orgB, name)

	var audit struct {
		Events []struct{ Action, Target string }
	}
	e.Must(t, 200, "GET", "/orgs/"+orgID+"/audit", owner.Token, nil, &audit)
	var actions []string
	for _, ev := range audit.Events {
		if strings.HasPrefix(ev.Action, "domain.") {
			actions = append(actions, ev.Action)
		}
	}
	if got := strings.Join(actions, " "); got != "domain.removed domain.verified domain.added" {
		t.Errorf("audit: %s", got)
	}
	invariants(t, e)
}

// TestDomainClaimRace: two organizations that added the same domain and
// both see the record verify at once: exactly one wins, the other gets
// domain_claimed.
func TestDomainClaimRace(t *testing.T) {
	t.Parallel()
	e, _, dns := domainEnv(t)
	name := newDomainName()
	type org struct {
		tok, id string
	}
	var orgs []org
	for i := range 2 {
		o, id := newOrg(t, e, fmt.Sprintf("race%d", i))
		var d domainJSON
		e.Must(t, 201, "POST", "/orgs/"+id+"/domains", o.Token, map[string]string{"domain": name}, &d)
		dns.AddTXT(d.Record.Name, d.Record.Value)
		orgs = append(orgs, org{o.Token, id})
	}
	codes := make([]int, 2)
	burst(2, func(i int) {
		r, err := call(e, "POST", "/orgs/"+orgs[i].id+"/domains/"+name+"/verify", orgs[i].tok, nil)
		if err == nil {
			codes[i] = r.Status
		}
	})
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("verify race: %v, want one 200 and one 409", codes)
	}
}

// TestJoinByDomainAuto: a person whose verified address is at an
// organization's verified domain with policy auto sees it in GET /me and
// joins it at once with the configured roles (a membership event says
// via "domain"); others do not see it nor join.
func TestJoinByDomainAuto(t *testing.T) {
	t.Parallel()
	e, _, dns := domainEnv(t)
	owner, orgID := newOrg(t, e, "autoowner")
	var p struct{ ID string }
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/projects", owner.Token, map[string]string{"name": "Web"}, &p)
	name := newDomainName()
	addVerifiedDomain(t, e, dns, owner.Token, orgID, name)
	var d domainJSON
	e.Must(t, 400, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "sometimes"}, nil)
	e.Must(t, 404, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token,
		map[string]any{"joinPolicy": "auto", "projects": []map[string]string{{"id": "prj_unknown", "role": "member"}}}, nil)
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token,
		map[string]any{"joinPolicy": "auto", "orgRole": "member", "projects": []map[string]string{{"id": p.ID, "role": "viewer"}}}, &d)
	if d.JoinPolicy != "auto" || d.OrgRole != "member" || len(d.Projects) != 1 || d.Projects[0].Role != "viewer" {
		t.Fatalf("patched: %+v", d)
	}

	ada := e.SignIn(t, "ada-"+randHex(3)+"@"+name)
	var me meJSON
	e.Must(t, 200, "GET", "/me", ada.Token, nil, &me)
	if len(me.SuggestedOrgs) != 1 || me.SuggestedOrgs[0].ID != orgID || me.SuggestedOrgs[0].JoinPolicy != "auto" || me.SuggestedOrgs[0].Domain != name {
		t.Fatalf("suggestions: %+v", me.SuggestedOrgs)
	}
	// Not for an unverified address, nor at another domain.
	unv := e.SignIn(t, "eve-"+randHex(3)+"@"+name, false)
	e.Must(t, 200, "GET", "/me", unv.Token, nil, &me)
	if len(me.SuggestedOrgs) != 0 {
		t.Errorf("unverified address gets suggestions: %+v", me.SuggestedOrgs)
	}
	e.Must(t, 403, "POST", "/orgs/"+orgID+"/join", unv.Token, nil, nil)
	stranger := register(t, e, "stranger")
	if pr := e.Must(t, 404, "POST", "/orgs/"+orgID+"/join", stranger.Token, nil, nil).Problem(t); pr.Code != "org_not_found" {
		t.Errorf("join from another domain: %+v", pr)
	}
	e.Must(t, 401, "POST", "/orgs/"+orgID+"/join", "", nil, nil)

	var res struct {
		Status, OrgID, OrgRole string
		Projects               []struct{ ID, Role string }
	}
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, &res)
	if res.Status != "joined" || res.OrgID != orgID || res.OrgRole != "member" || len(res.Projects) != 1 || res.Projects[0].Role != "viewer" {
		t.Fatalf("join: %+v", res)
	}
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, &res)
	if res.Status != "member" {
		t.Errorf("second join: %+v", res)
	}
	e.Must(t, 200, "GET", "/orgs/"+orgID+"/projects/"+p.ID+"/members", ada.Token, nil, nil)
	waitFor(t, func() bool {
		e.Must(t, 200, "GET", "/me", ada.Token, nil, &me)
		return len(me.Orgs) == 1 && len(me.SuggestedOrgs) == 0
	}, "GET /me shows the organization and no suggestion")

	ev := waitEvent(t, e, "member.added", ada.ID)
	if !strings.Contains(ev, `"via":"domain"`) {
		t.Errorf("member.added event without via domain: %s", ev)
	}

	// Policy off: no suggestion, no join.
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "off"}, nil)
	bob := e.SignIn(t, "bob-"+randHex(3)+"@"+name)
	e.Must(t, 200, "GET", "/me", bob.Token, nil, &me)
	if len(me.SuggestedOrgs) != 0 {
		t.Errorf("policy off still suggested: %+v", me.SuggestedOrgs)
	}
	e.Must(t, 404, "POST", "/orgs/"+orgID+"/join", bob.Token, nil, nil)
	validEvents(t, e, "domain.added", "domain.verified", "domain.updated", "member.added")
	invariants(t, e)
}

// TestJoinRequests: with policy request, joining creates a pending request
// (idempotent), approvers get one mail for the batch, a manager approves
// within their grant, the requester is mailed and sees the organization;
// a denied requester sees "denied"; once none is pending, the next request
// mails again.
func TestJoinRequests(t *testing.T) {
	t.Parallel()
	e, ses, dns := domainEnv(t)
	owner, orgID := newOrg(t, e, "reqowner")
	mgr := register(t, e, "reqmanager")
	invite(t, e, owner.Token, orgID, map[string]any{"emails": []string{mgr.Email}, "orgRole": "manager"})
	name := newDomainName()
	addVerifiedDomain(t, e, dns, owner.Token, orgID, name)
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "request"}, nil)
	ownerMails, mgrMails := ses.mailCount(owner.Email), ses.mailCount(mgr.Email)

	ada := e.SignIn(t, "ada-"+randHex(3)+"@"+name)
	bob := e.SignIn(t, "bob-"+randHex(3)+"@"+name)
	var r1, r1again, r2 struct {
		Status  string
		Request struct{ ID, Status string }
	}
	e.Must(t, 202, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, &r1)
	e.Must(t, 202, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, &r1again)
	if r1.Status != "requested" || r1.Request.Status != "pending" || r1again.Request.ID != r1.Request.ID {
		t.Fatalf("requests: %+v %+v", r1, r1again)
	}
	e.Must(t, 202, "POST", "/orgs/"+orgID+"/join", bob.Token, nil, &r2)
	if got := ses.mailCount(owner.Email) - ownerMails; got != 1 {
		t.Errorf("owner got %d mails for a batch of 2 requests, want 1", got)
	}
	if got := ses.mailCount(mgr.Email) - mgrMails; got != 1 {
		t.Errorf("manager got %d mails for a batch of 2 requests, want 1", got)
	}
	var me meJSON
	e.Must(t, 200, "GET", "/me", ada.Token, nil, &me)
	if len(me.SuggestedOrgs) != 1 || me.SuggestedOrgs[0].RequestID != r1.Request.ID || len(me.JoinRequests) != 1 || me.JoinRequests[0].Status != "pending" {
		t.Errorf("requester's /me: %+v", me)
	}

	var list struct {
		Requests []struct{ ID, Email, Status string }
	}
	e.Must(t, 200, "GET", "/orgs/"+orgID+"/join-requests", mgr.Token, nil, &list)
	if len(list.Requests) != 2 || list.Requests[0].ID != r1.Request.ID || list.Requests[1].Email != bob.Email {
		t.Fatalf("pending list: %+v", list)
	}
	e.Must(t, 200, "GET", "/orgs/"+orgID+"/join-requests?limit=1", owner.Token, nil, nil)
	base := "/orgs/" + orgID + "/join-requests/"
	// A manager cannot make an owner; an owner can.
	e.Must(t, 403, "POST", base+r1.Request.ID+"/approve", mgr.Token, map[string]string{"orgRole": "owner"}, nil)
	e.Must(t, 404, "POST", base+"jrq_unknown/approve", mgr.Token, nil, nil)
	var ap struct{ Status, AnsweredBy, OrgRole string }
	e.Must(t, 200, "POST", base+r1.Request.ID+"/approve", mgr.Token, map[string]string{"orgRole": "manager"}, &ap)
	if ap.Status != "approved" || ap.AnsweredBy != mgr.Email || ap.OrgRole != "manager" {
		t.Errorf("approved: %+v", ap)
	}
	if p := e.Must(t, 409, "POST", base+r1.Request.ID+"/deny", owner.Token, nil, nil).Problem(t); p.Code != "join_request_not_pending" {
		t.Errorf("deny an approved request: %+v", p)
	}
	if ses.mailCount(ada.Email) != 1 {
		t.Errorf("approved requester got %d mails, want 1", ses.mailCount(ada.Email))
	}
	waitFor(t, func() bool {
		e.Must(t, 200, "GET", "/me", ada.Token, nil, &me)
		return len(me.Orgs) == 1 && me.Orgs[0].Role == "manager" && len(me.SuggestedOrgs) == 0 && len(me.JoinRequests) == 0
	}, "the approved requester's /me shows the organization")
	ev := waitEvent(t, e, "member.added", ada.ID)
	if !strings.Contains(ev, `"via":"request"`) {
		t.Errorf("member.added event without via request: %s", ev)
	}

	// Deny the other: they see it denied and may ask again.
	e.Must(t, 200, "POST", base+r2.Request.ID+"/deny", owner.Token, nil, nil)
	e.Must(t, 200, "GET", "/me", bob.Token, nil, &me)
	if len(me.JoinRequests) != 1 || me.JoinRequests[0].Status != "denied" || len(me.Orgs) != 0 || me.SuggestedOrgs[0].RequestID != "" {
		t.Errorf("denied requester's /me: %+v", me)
	}
	e.Must(t, 200, "GET", "/orgs/"+orgID+"/join-requests", owner.Token, nil, &list)
	if len(list.Requests) != 0 {
		t.Errorf("pending after answers: %+v", list)
	}
	// None pending: the next request starts a new batch, mailed again.
	e.Must(t, 202, "POST", "/orgs/"+orgID+"/join", bob.Token, nil, &r2)
	if got := ses.mailCount(owner.Email) - ownerMails; got != 2 {
		t.Errorf("owner got %d mails after a second batch, want 2", got)
	}
	// Policy off: pending requests stay answerable.
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "off"}, nil)
	e.Must(t, 200, "POST", base+r2.Request.ID+"/approve", owner.Token, nil, nil)
	validEvents(t, e, "join_request.created", "join_request.approved", "join_request.denied", "member.added")
	invariants(t, e)
}

// validEvents checks that the table's events include each of types and
// that every one is valid against its docs/events schema.
func validEvents(t *testing.T, e *testenv.Env, types ...string) {
	t.Helper()
	schemas := compileEventSchemas(t)
	seen := map[string]bool{}
	for _, ev := range tableEvents(t, e) {
		seen[ev.DetailType] = true
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(ev.Detail)))
		if err != nil {
			t.Fatal(err)
		}
		if sch := schemas[ev.DetailType]; sch == nil {
			t.Errorf("no schema for %s", ev.DetailType)
		} else if err := sch.Validate(v); err != nil {
			t.Errorf("%s: %v\n%s", ev.DetailType, err, ev.Detail)
		}
	}
	for _, ty := range types {
		if !seen[ty] {
			t.Errorf("no %s event", ty)
		}
	}
}

// waitFor polls cond (GET /me reads an index, eventually consistent) for
// up to 10 s.
func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	for range 100 {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting: %s", what)
}

// tableEvents turns every audit item of the table into the membership
// event publish-events makes of it (store.AuditFromItem, then
// eventbus.FromAudit: the code the stream runs), in table order. It reads
// the table rather than DynamoDB Local's stream, whose reader is shared by
// every test and may lag behind under load.
func tableEvents(t *testing.T, e *testenv.Env) []eventbus.Entry {
	t.Helper()
	var out []eventbus.Entry
	p := dynamodb.NewScanPaginator(e.Stack.Clients.DynamoDB, &dynamodb.ScanInput{TableName: aws.String(e.Stack.Config.TableName)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Items {
			if !store.IsAuditItem(raw) {
				continue
			}
			rec, err := store.AuditFromItem(raw)
			if err != nil {
				t.Fatal(err)
			}
			en, err := eventbus.FromAudit(rec.AuditEvent, rec.TargetEmail)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, en)
		}
	}
	return out
}

// waitEvent returns the membership event of action about userID as JSON.
func waitEvent(t *testing.T, e *testenv.Env, action, userID string) string {
	t.Helper()
	for _, en := range tableEvents(t, e) {
		if en.DetailType == action && strings.Contains(string(en.Detail), userID) {
			return string(en.Detail)
		}
	}
	t.Fatalf("no %s event about %s", action, userID)
	return ""
}

// TestJoinByDomainSeats: joining through a domain and approving a join
// request take a seat like every other way in: with none free both answer
// 409 seat_limit and add no one; with a seat free they succeed.
func TestJoinByDomainSeats(t *testing.T) {
	t.Parallel()
	e, _, dns := domainEnv(t)
	owner, orgID := newOrg(t, e, "seatowner")
	name := newDomainName()
	addVerifiedDomain(t, e, dns, owner.Token, orgID, name)
	e.Must(t, 200, "PATCH", "/orgs/"+orgID, owner.Token, map[string]any{"seatLimit": 1}, nil)
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "auto"}, nil)

	ada := e.SignIn(t, "ada-"+randHex(3)+"@"+name)
	if p := e.Must(t, 409, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, nil).Problem(t); p.Code != "seat_limit" {
		t.Errorf("auto-join without a free seat: %+v", p)
	}
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "request"}, nil)
	var r struct{ Request struct{ ID string } }
	e.Must(t, 202, "POST", "/orgs/"+orgID+"/join", ada.Token, nil, &r)
	if p := e.Must(t, 409, "POST", "/orgs/"+orgID+"/join-requests/"+r.Request.ID+"/approve", owner.Token, nil, nil).Problem(t); p.Code != "seat_limit" {
		t.Errorf("approval without a free seat: %+v", p)
	}
	var org struct{ SeatsUsed int }
	e.Must(t, 200, "GET", "/orgs/"+orgID, owner.Token, nil, &org)
	if org.SeatsUsed != 1 {
		t.Errorf("seats used %d, want 1", org.SeatsUsed)
	}
	e.Must(t, 200, "PATCH", "/orgs/"+orgID, owner.Token, map[string]any{"seatLimit": 3}, nil)
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/join-requests/"+r.Request.ID+"/approve", owner.Token, nil, nil)
	e.Must(t, 200, "PATCH", "/orgs/"+orgID+"/domains/"+name, owner.Token, map[string]string{"joinPolicy": "auto"}, nil)
	bob := e.SignIn(t, "bob-"+randHex(3)+"@"+name)
	e.Must(t, 200, "POST", "/orgs/"+orgID+"/join", bob.Token, nil, nil)
	e.Must(t, 200, "GET", "/orgs/"+orgID, owner.Token, nil, &org)
	if org.SeatsUsed != 3 {
		t.Errorf("seats used %d, want 3", org.SeatsUsed)
	}
	invariants(t, e)
}
