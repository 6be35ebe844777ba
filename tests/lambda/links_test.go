package lambda_test

import (
	"context"
	"strings"
	"time"

	"github.com/members-saas/members/shared/domain"
	rie "github.com/members-saas/members/tests/lambda"
)

// The expectations of the organization (seats) and invite link routes'
// sample events (get-org.json, update-org.json, *-invite-link*.json): the
// link routes that need a link seed the example one first.
func init() {
	seedLink := func(f *fixture) any {
		f.t.Helper()
		if err := rie.SeedLink(context.Background(), f.st, time.Now()); err != nil {
			f.t.Fatal(err)
		}
		return nil
	}
	for route, e := range map[string]expectation{
		"GET /orgs/{orgId}": {status: 200, check: func(f *fixture, _ any) {
			var o domain.OrgView
			f.json(&o)
			if o.ID != rie.ExampleOrgID || o.Name != rie.ExampleOrgName || o.Role != domain.OrgMember || o.SeatLimit != nil || o.Members < 2 {
				f.t.Errorf("org %+v", o)
			}
		}},
		"PATCH /orgs/{orgId}": {status: 200, check: func(f *fixture, _ any) {
			var o domain.OrgView
			f.json(&o)
			if o.SeatLimit == nil || *o.SeatLimit != 25 || !o.SeatsCountPendingInvites || o.Role != domain.OrgOwner {
				f.t.Errorf("org %+v", o)
			}
			_, s, err := f.st.GetOrg(context.Background(), rie.ExampleOrgID)
			if err != nil || s.Limit == nil || *s.Limit != 25 || !s.CountInvites {
				f.t.Errorf("stored seats %+v, %v", s, err)
			}
		}},
		"POST /orgs/{orgId}/invite-links": {status: 201, check: func(f *fixture, _ any) {
			var v domain.InviteLinkView
			f.json(&v)
			if !strings.HasPrefix(v.ID, "lnk_") || v.Status != domain.LinkActive || v.OrgRole != domain.OrgMember || v.MaxUses != 25 ||
				len(v.Projects) != 1 || v.Projects[0].Role != domain.ProjectViewer || len(v.AllowedDomains) != 1 ||
				!strings.HasPrefix(v.URL, appBaseURL+"/join#token=") {
				f.t.Errorf("link %+v", v)
			}
			if l, err := f.st.GetInviteLink(context.Background(), rie.ExampleOrgID, v.ID); err != nil || l.TokenHash == "" ||
				strings.Contains(v.URL, l.TokenHash) {
				f.t.Errorf("stored link %+v, %v", l, err)
			}
		}},
		"GET /orgs/{orgId}/invite-links": {status: 200, before: seedLink, check: func(f *fixture, _ any) {
			var b domain.InviteLinkList
			f.json(&b)
			if len(b.Links) != 1 || b.Links[0].ID != rie.ExampleLinkID || b.Links[0].Status != domain.LinkActive ||
				b.Links[0].URL != "" || !b.Links[0].CanManage {
				f.t.Errorf("links %+v", b.Links)
			}
		}},
		"DELETE /orgs/{orgId}/invite-links/{linkId}": {status: 204, before: seedLink, check: func(f *fixture, _ any) {
			if l, err := f.st.GetInviteLink(context.Background(), rie.ExampleOrgID, rie.ExampleLinkID); err != nil || !l.Disabled {
				f.t.Errorf("link after disabling %+v, %v", l, err)
			}
		}},
		"POST /invite-links/preview": {status: 200, before: seedLink, check: func(f *fixture, _ any) {
			var v domain.LinkPreviewView
			f.json(&v)
			if v.OrgID != rie.ExampleOrgID || v.OrgName != rie.ExampleOrgName || v.InvitedBy != rie.ExampleOwnerEmail ||
				v.OrgRole != domain.OrgMember || len(v.Projects) != 1 || v.Projects[0].Name != rie.ExampleProjectName {
				f.t.Errorf("preview %+v", v)
			}
		}},
		"POST /invite-links/join": {status: 200, before: seedLink, check: func(f *fixture, _ any) {
			var v domain.LinkJoinView
			f.json(&v)
			if v.OrgID != rie.ExampleOrgID || !v.Joined || v.OrgRole != domain.OrgMember || len(v.Projects) != 1 {
				f.t.Errorf("join %+v", v)
			}
			m, err := f.st.GetMembership(context.Background(), rie.ExampleOrgID, rie.ExampleInviteeID)
			if err != nil || m.Role != domain.OrgMember || m.Projects[rie.ExampleProjectID] != domain.ProjectViewer {
				f.t.Errorf("the joiner's membership %+v, %v", m, err)
			}
			if l, err := f.st.GetInviteLink(context.Background(), rie.ExampleOrgID, rie.ExampleLinkID); err != nil || l.Uses != 1 {
				f.t.Errorf("link after the join %+v, %v", l, err)
			}
		}},
	} {
		expectations[route] = e
	}
}
