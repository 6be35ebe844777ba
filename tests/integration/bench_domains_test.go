package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
)

// bmDomain verifies domain name for t's organization with join policy p,
// through the store (as POST …/verify would after a DNS lookup), and
// returns it.
func (t *bmTable) bmDomain(b *testing.B, name string, p domain.JoinPolicy) domain.Domain {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	d := domain.Domain{Domain: name, OrgID: t.orgID, OrgName: "Bench", Status: domain.DomainPending, JoinPolicy: domain.JoinPolicyOff,
		OrgRole: domain.OrgMember, Projects: []domain.ProjectGrant{{ID: t.prjID, Role: domain.ProjectViewer}},
		ProjectNames: map[string]string{t.prjID: "Web"}, CreatedAt: now, Challenge: "bench", Rev: 1}
	ev := func(action string) domain.AuditEvent {
		return domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: t.orgID, At: now, Action: action, Target: name}
	}
	if err := t.store.CreateDomain(ctx, d, ev(domain.AuditDomainAdded)); err != nil {
		b.Fatal(err)
	}
	d.Status, d.VerifiedAt, d.JoinPolicy, d.Rev = domain.DomainVerified, &now, p, 2
	if err := t.store.SaveDomain(ctx, d, 1, true, ev(domain.AuditDomainVerified)); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkJoinByDomain: POST /orgs/{orgId}/join by a new person whose
// verified address is at the organization's verified domain. auto: they
// become a member (with a project role) at once; request: a pending join
// request (the approvers' mail goes out once per batch, so not per op).
// Target: a bounded number of DynamoDB calls, whatever the organization's
// size (auto: one BatchGetItem, one transaction). me-suggested is GET /me
// of such a person before joining: the suggestion costs no call of its own
// (the domain's claim rides in the profile's BatchGetItem).
func BenchmarkJoinByDomain(b *testing.B) {
	for _, c := range []struct {
		name   string
		policy domain.JoinPolicy
		want   int
	}{{"auto", domain.JoinPolicyAuto, 200}, {"request", domain.JoinPolicyRequest, 202}, {"me-suggested", domain.JoinPolicyAuto, 200}} {
		b.Run(c.name, func(b *testing.B) {
			s := newBmStack(b)
			var t *bmTable
			var dom string
			var run bmRun
			b.ResetTimer()
			for i := range b.N {
				if i%bmRotate == 0 {
					b.StopTimer()
					t.drop()
					t = s.table(b)
					dom = fmt.Sprintf("bench-%d.test", bmSeq.Add(1))
					t.bmDomain(b, dom, c.policy)
					b.StartTimer()
				}
				u := bmUser{id: fmt.Sprintf("bench-joiner-%d", bmSeq.Add(1)), email: fmt.Sprintf("joiner-%d@%s", bmSeq.Add(1), dom)}
				params := map[string]string{"orgId": t.orgID}
				if c.name == "me-suggested" {
					run.measure(s.meter, func() time.Duration {
						var me domain.MeView
						d := t.must(b, 200, "GET", "/me", nil, nil, &u, nil, &me)
						if len(me.SuggestedOrgs) != 1 {
							b.Fatalf("suggestions %+v", me.SuggestedOrgs)
						}
						return d
					})
					continue
				}
				run.measure(s.meter, func() time.Duration {
					var res domain.JoinResult
					d := t.must(b, c.want, "POST", "/orgs/{orgId}/join", params, nil, &u, nil, &res)
					if res.Status != map[int]string{200: domain.JoinResultJoined, 202: domain.JoinResultRequested}[c.want] {
						b.Fatalf("join: %+v", res)
					}
					return d
				})
			}
			b.StopTimer()
			t.drop()
			run.report(b, b.N, "op")
		})
	}
}
