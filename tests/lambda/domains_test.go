package lambda_test

import (
	"context"
	"time"

	"github.com/members-saas/members/shared/domain"
	rie "github.com/members-saas/members/tests/lambda"
)

// The expectations of the verified-domain and join routes' sample events
// (events/*-domain*.json, join.json, *-join-request*.json): each seeds
// the example domain first, as its route needs it.
func init() {
	seed := func(policy domain.JoinPolicy, request bool) func(f *fixture) any {
		return func(f *fixture) any {
			f.t.Helper()
			if err := rie.SeedDomain(context.Background(), f.st, time.Now(), policy, request); err != nil {
				f.t.Fatal(err)
			}
			return nil
		}
	}
	getDomain := func(f *fixture) domain.Domain {
		f.t.Helper()
		d, err := f.st.GetDomain(context.Background(), rie.ExampleOrgID, rie.ExampleDomain)
		if err != nil {
			f.t.Fatal(err)
		}
		return d
	}
	joinRequest := func(f *fixture) domain.JoinRequest {
		f.t.Helper()
		r, err := f.st.GetJoinRequest(context.Background(), rie.ExampleOrgID, rie.ExampleJoinRequestID)
		if err != nil {
			f.t.Fatal(err)
		}
		return r
	}
	for route, e := range map[string]expectation{
		"POST /orgs/{orgId}/domains": {status: 201, check: func(f *fixture, _ any) {
			var d domain.Domain
			f.json(&d)
			if d.Domain != "example.org" || d.Status != domain.DomainPending || d.Record.Name != "_members-challenge.example.org" {
				f.t.Errorf("domain %+v", d)
			}
		}},
		"GET /orgs/{orgId}/domains": {status: 200, before: seed(domain.JoinPolicyAuto, false), check: func(f *fixture, _ any) {
			var b struct{ Domains []domain.Domain }
			f.json(&b)
			if len(b.Domains) != 1 || b.Domains[0].Domain != rie.ExampleDomain || b.Domains[0].JoinPolicy != domain.JoinPolicyAuto {
				f.t.Errorf("domains %+v", b.Domains)
			}
		}},
		"POST /orgs/{orgId}/domains/{domain}/verify": {status: 200, before: seed("", false), check: func(f *fixture, _ any) {
			if d := getDomain(f); d.Status != domain.DomainVerified {
				f.t.Errorf("domain %+v", d)
			}
			if c, err := f.st.DomainClaim(context.Background(), rie.ExampleDomain); err != nil || c.OrgID != rie.ExampleOrgID {
				f.t.Errorf("claim %+v, %v", c, err)
			}
		}},
		"PATCH /orgs/{orgId}/domains/{domain}": {status: 200, before: seed(domain.JoinPolicyAuto, false), check: func(f *fixture, _ any) {
			if d := getDomain(f); d.JoinPolicy != domain.JoinPolicyRequest {
				f.t.Errorf("domain %+v", d)
			}
		}},
		"DELETE /orgs/{orgId}/domains/{domain}": {status: 204, before: seed(domain.JoinPolicyAuto, false), check: func(f *fixture, _ any) {
			if _, err := f.st.DomainClaim(context.Background(), rie.ExampleDomain); err == nil {
				f.t.Error("the claim is still there")
			}
		}},
		"POST /orgs/{orgId}/join": {status: 200, before: seed(domain.JoinPolicyAuto, false), check: func(f *fixture, _ any) {
			if m, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleInviteeID); err != nil || m.Role != domain.OrgMember {
				f.t.Errorf("membership %+v, %v", m, err)
			}
		}},
		"GET /orgs/{orgId}/join-requests": {status: 200, before: seed(domain.JoinPolicyRequest, true), check: func(f *fixture, _ any) {
			var b domain.JoinRequestPage
			f.json(&b)
			if len(b.Requests) != 1 || b.Requests[0].ID != rie.ExampleJoinRequestID {
				f.t.Errorf("requests %+v", b.Requests)
			}
		}},
		"POST /orgs/{orgId}/join-requests/{requestId}/approve": {status: 200, before: func(f *fixture) any {
			seed(domain.JoinPolicyRequest, true)(f)
			return f.mails(rie.ExampleInviteeEmail)
		}, check: func(f *fixture, before any) {
			if r := joinRequest(f); r.Status != domain.JoinApproved {
				f.t.Errorf("request %+v", r)
			}
			if _, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleInviteeID); err != nil {
				f.t.Errorf("no membership: %v", err)
			}
			if f.mails(rie.ExampleInviteeEmail) <= before.(int) {
				f.t.Error("the requester was not mailed")
			}
		}},
		"POST /orgs/{orgId}/join-requests/{requestId}/deny": {status: 200, before: seed(domain.JoinPolicyRequest, true), check: func(f *fixture, _ any) {
			if r := joinRequest(f); r.Status != domain.JoinDenied {
				f.t.Errorf("request %+v", r)
			}
		}},
	} {
		expectations[route] = e
	}
}
