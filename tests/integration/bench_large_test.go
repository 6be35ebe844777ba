package integration

// The benchmarks at scale. The 100,000-member organization lives in a
// DynamoDB Local process of its own: in the shared one, its items would
// slow every later benchmark (DynamoDB Local keeps all tables in one
// SQLite database), and they would slow its build.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/members-saas/members/tests/testenv"
)

// BenchmarkLargeOrg: an organization of 100,000 members (one table,
// built once; DynamoDB Local holds it, so every figure is at that size):
// the first page of members (limit 100), the last page by cursor (the
// cursor 100 members before the end), a search page
// (?email=seed-&limit=8: 99,999 addresses match), and the removal of a
// manager who sent 2 pending invites (revoked with the removal; a fresh
// manager each time, prepared with the timer stopped). Reports DynamoDB
// calls, capacity units, items read and handler time per operation.
func BenchmarkLargeOrg(b *testing.B) {
	large := bmLargeFixture(b)
	org := map[string]string{"orgId": large.orgID}
	cases := []struct {
		name string
		op   func(b *testing.B) time.Duration
	}{
		{"first-page", func(b *testing.B) time.Duration { return large.page(b, 100, "") }},
		{"last-page", func(b *testing.B) time.Duration {
			d, next := large.listPage(b, map[string]string{}, 100, large.cursor)
			if next != "" {
				b.Fatal("the page after the cursor 100 members before the end is not the last")
			}
			return d
		}},
		{"search-page", func(b *testing.B) time.Duration { d, _ := large.searchPage(b, "seed-", 8, ""); return d }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var run bmRun
			b.ResetTimer()
			for range b.N {
				run.measure(large.meter, func() time.Duration { return c.op(b) })
			}
			b.StopTimer()
			run.report(b, b.N, "op")
			b.ReportMetric(float64(run.calls.calls[bmItemsRead])/float64(b.N), "items-read/op")
		})
	}
	b.Run("remove-member-with-invites", func(b *testing.B) {
		var run bmRun
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			mgr := bmNewUser("manager")
			large.must(b, 200, "GET", "/me", nil, nil, &mgr, nil, nil)
			large.must(b, 201, "POST", "/orgs/{orgId}/invites", org, nil, &large.owner,
				map[string]any{"emails": []string{mgr.email}, "orgRole": "manager"}, nil)
			sent := []string{bmNewUser("sent").email, bmNewUser("sent").email}
			large.must(b, 201, "POST", "/orgs/{orgId}/invites", org, nil, &mgr, map[string]any{"emails": sent}, nil)
			b.StartTimer()
			run.measure(large.meter, func() time.Duration {
				return large.must(b, 204, "DELETE", "/orgs/{orgId}/members/{userId}",
					map[string]string{"orgId": large.orgID, "userId": mgr.id}, nil, &large.owner, nil, nil)
			})
		}
		b.StopTimer()
		run.report(b, b.N, "op")
		b.ReportMetric(float64(run.calls.calls[bmItemsRead])/float64(b.N), "items-read/op")
	})
}

var bmLarge struct {
	once sync.Once
	org  *bmListOrg
}

// bmLargeFixture returns the organization of 100,000 members, built once.
func bmLargeFixture(b *testing.B) *bmListOrg {
	b.Helper()
	bmLarge.once.Do(func() {
		start := time.Now()
		dyn, err := testenv.StartDynamo()
		if err != nil {
			b.Fatalf("DynamoDB Local for the 100,000-member organization: %v", err)
		}
		testenv.AtExit(dyn.Stop)
		bmLarge.org = newBmListOrg(b, newBmStackAt(b, dyn.URL, testenv.Parts(b).SES.URL), 100_000)
		b.Logf("built the 100,000-member organization in %s", time.Since(start).Round(time.Second))
	})
	if bmLarge.org == nil {
		b.Fatal("the 100,000-member organization failed to build")
	}
	return bmLarge.org
}

// BenchmarkMeManyOrgs: GET /me of a user who owns 50 organizations with
// 2 projects each (their owner role reaches every project, so /me lists
// all 100), beside one who owns 1, interleaved. Target: the same number of
// DynamoDB calls at both sizes (was 1 + 1 per organization).
func BenchmarkMeManyOrgs(b *testing.B) {
	s := newBmStack(b)
	t := s.table(b) // the owner of t owns 1 organization with 1 project
	many := bmNewUser("owner50")
	t.must(b, 200, "GET", "/me", nil, nil, &many, nil, nil)
	for i := range 50 {
		var org struct{ ID string }
		t.must(b, 201, "POST", "/orgs", nil, nil, &many, map[string]string{"name": fmt.Sprintf("Org %d", i)}, &org)
		for _, p := range []string{"Web", "API"} {
			t.must(b, 201, "POST", "/orgs/{orgId}/projects", map[string]string{"orgId": org.ID}, nil, &many, map[string]string{"name": p}, nil)
		}
	}
	me := func(u *bmUser, orgs, projects int) time.Duration {
		var v struct {
			Orgs     []struct{ ID string }
			Projects []struct{ ID string }
		}
		d := t.must(b, 200, "GET", "/me", nil, nil, u, nil, &v)
		if len(v.Orgs) != orgs || len(v.Projects) != projects {
			b.Fatalf("GET /me lists %d organizations and %d projects, want %d and %d", len(v.Orgs), len(v.Projects), orgs, projects)
		}
		return d
	}
	var rs, rl bmRun
	b.ResetTimer()
	for range b.N {
		rs.measure(s.meter, func() time.Duration { return me(&t.owner, 1, 1) })
		rl.measure(s.meter, func() time.Duration { return me(&many, 50, 100) })
	}
	b.StopTimer()
	reportSizes(b, rs, rl, "op", "1", "50")
}
