package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/tests/testenv"
)

// The expire-members binary under the runtime emulator, invoked as
// EventBridge Scheduler invokes it, against DynamoDB Local and the SES
// emulator: it removes the membership whose access ended, mails the
// member whose access ends in 3 days, and reports its counts as EMF.
func TestExpireMembersFunction(t *testing.T) {
	p := startParts(t)
	emulator(t)
	table, st := p.newTable(t)
	ctx := context.Background()
	now := time.Now().UTC()
	org := domain.Org{ID: "org_01kbf9w8xg7s3v3c4a2mjdexp1", Name: "Expiry Co", CreatedAt: now, CreatedBy: "u-owner"}
	owner := domain.Membership{OrgID: org.ID, OrgName: org.Name, UserID: "u-owner", Email: "owner@expiry.test", Role: domain.OrgOwner,
		Projects: map[string]domain.ProjectRole{}, JoinedAt: now}
	if err := st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: org.ID, UserID: owner.UserID}, After: &owner,
		CreateOrg: &org, Now: now}); err != nil {
		t.Fatal(err)
	}
	add := func(uid, email string, end time.Time) {
		m := domain.Membership{OrgID: org.ID, OrgName: org.Name, UserID: uid, Email: email, Role: domain.OrgMember,
			Projects: map[string]domain.ProjectRole{}, JoinedAt: now, AccessExpiresAt: end}
		if err := st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: org.ID, UserID: uid}, After: &m, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	soon := testenv.Email("rie-expiry-soon")
	add("u-gone", testenv.Email("rie-expiry-gone"), now.Add(-time.Minute))
	add("u-soon", soon, now.Add(3*24*time.Hour))
	add("u-later", testenv.Email("rie-expiry-later"), now.Add(30*24*time.Hour))

	f := start(t, routes.FnExpireMembers, p.env(routes.FnExpireMembers, table))
	res, err := f.Invoke(ctx, []byte(`{"source":"members.expiry-schedule"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("emulator status %d, payload %s", res.Status, res.Body)
	}
	var out domain.SweepResult
	if err := json.Unmarshal(res.Body, &out); err != nil || out != (domain.SweepResult{Due: 2, Expired: 1, Reminded: 1}) {
		t.Fatalf("result %s (%v), want 2 due, 1 expired, 1 reminded", res.Body, err)
	}
	if _, err := st.GetMembership(ctx, org.ID, "u-gone"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the expired membership: %v, want gone", err)
	}
	for _, uid := range []string{"u-soon", "u-later", "u-owner"} {
		if _, err := st.GetMembership(ctx, org.ID, uid); err != nil {
			t.Errorf("%s: %v, want kept", uid, err)
		}
	}
	mails, err := p.ses.Mails(soon)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "Expiry Co") || !strings.Contains(mails[0].Body.Text, "ends on") {
		t.Errorf("reminder mails %+v, want one", mails)
	}
	// A second run finds nothing to do and mails nobody again.
	if res, err = f.Invoke(ctx, []byte(`{}`)); err != nil || !strings.Contains(string(res.Body), `"expired":0,"reminded":0`) {
		t.Errorf("second run %s (%v)", res.Body, err)
	}
	lines, err := testenv.EMFLines(f.Logs())
	if err != nil {
		t.Fatal(err)
	}
	got := metrics.Counts{}
	for _, l := range lines {
		if l.Dimensions[metrics.DimFunction] == routes.FnExpireMembers {
			for k, v := range l.Values {
				got.Add(metrics.Name(k), v)
			}
		}
	}
	want := metrics.Counts{metrics.SweepsCompleted: 2, metrics.MembersExpired: 1, metrics.ExpiryReminders: 1}
	if js(got) != js(want) {
		t.Errorf("EMF counts %v, want %v", got, want)
	}
}
