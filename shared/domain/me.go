package domain

import (
	"context"
	"errors"
	"slices"
	"time"
)

// MeView is GET /me.
type MeView struct {
	User     User        `json:"user"`
	Orgs     []MeOrg     `json:"orgs"`
	Projects []MeProject `json:"projects"`
	// SuggestedOrgs are organizations the caller may join (or ask to):
	// one verified the domain of the caller's verified address and lets
	// people at it join, and the caller is not a member.
	SuggestedOrgs []SuggestedOrg `json:"suggestedOrgs"`
	// JoinRequests are the caller's join requests still pending, or
	// denied (approved ones made them members).
	JoinRequests []JoinRequestView `json:"joinRequests"`
}

// SuggestedOrg is an organization the caller may join through its
// verified domain: at once (joinPolicy auto) or by asking (request).
type SuggestedOrg struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Domain     string     `json:"domain"`
	JoinPolicy JoinPolicy `json:"joinPolicy"`
	// RequestID is the caller's pending request to join it, if any.
	RequestID string `json:"requestId,omitempty"`
}

// MeOrg is an organization in MeView with the caller's role there and
// what it permits.
type MeOrg struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Role        OrgRole      `json:"role"`
	Permissions []Permission `json:"permissions"`
	// AccessExpiresAt is when the caller's access ends (absent: no end).
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
	// GrantableOrgRoles are the organization roles the caller may give
	// without naming a project: in an invite, and as a new role of the
	// members whose rows say canManage. Strongest first; empty for none.
	GrantableOrgRoles []OrgRole `json:"grantableOrgRoles"`
}

// MeProject is a project the caller is a member of, with their effective
// role there (an organization owner or manager acts as its owner), what it
// permits, and where it comes from.
type MeProject struct {
	ID          string       `json:"id"`
	OrgID       string       `json:"orgId"`
	Name        string       `json:"name"`
	Role        ProjectRole  `json:"role"`
	Permissions []Permission `json:"permissions"`
	Via         string       `json:"via"`
	// AccessExpiresAt is when the caller's access ends (absent: no end).
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
	// GrantableProjectRoles are the project roles the caller may give in
	// the project (invites, role changes). Strongest first; empty for none.
	GrantableProjectRoles []ProjectRole `json:"grantableProjectRoles"`
}

// Me registers the caller if needed and returns their organizations and
// the projects they have access to, each with their effective role, its
// permissions, the roles they may give there, and where it comes from: the projects they are members of,
// and every project of an organization whose role acts on all of them
// (owners and managers; one more store call per such organization).
// It also lists the organization that verified the domain of the
// caller's verified address when it lets people join (suggestedOrgs), and
// the caller's join requests. Three store calls at most: the profile with
// that domain's claim, the memberships with the join requests, the
// projects of the organizations the caller owns or manages.
// Returns unauthorized, email_in_use.
func (s *Service) Me(ctx context.Context, id Identity) (MeView, error) {
	if err := requireSignedIn(id); err != nil {
		return MeView{}, err
	}
	dom := ""
	if id.EmailVerified {
		dom = EmailDomain(id.Email)
	}
	stored, claim, err := s.store.ReadForMe(ctx, id.UserID, dom)
	if err != nil {
		return MeView{}, storeErr(err)
	}
	u, err := s.registerWith(ctx, id, stored)
	switch {
	case errors.Is(err, ErrExists):
		return MeView{}, errEmailInUse()
	case errors.Is(err, ErrConflict): // changed meanwhile: the careful path
		u, err = s.Register(ctx, id)
	}
	if err != nil {
		return MeView{}, storeErr(err)
	}
	orgs, projects, reqs, err := s.store.ListUserJoinRequests(ctx, id.UserID)
	if err != nil {
		return MeView{}, storeErr(err)
	}
	now := s.now()
	// Access that ended is gone (expiry.go), even before the sweep removes
	// it: not listed, and its organization may be suggested again.
	orgs = slices.DeleteFunc(orgs, func(o OrgMembership) bool { return ended(o.AccessExpiresAt, now) })
	v := MeView{User: u, Orgs: []MeOrg{}, Projects: []MeProject{}, SuggestedOrgs: []SuggestedOrg{}, JoinRequests: nonNil(reqs)}
	if claim != nil && claim.JoinPolicy.Suggested() && !slices.ContainsFunc(orgs, func(o OrgMembership) bool { return o.OrgID == claim.OrgID }) {
		sg := SuggestedOrg{ID: claim.OrgID, Name: claim.OrgName, Domain: claim.Domain, JoinPolicy: claim.JoinPolicy}
		for _, r := range reqs {
			if r.OrgID == claim.OrgID && r.Status == JoinPending {
				sg.RequestID = r.ID
			}
		}
		v.SuggestedOrgs = append(v.SuggestedOrgs, sg)
	}
	byOrg := map[string]*Membership{}
	names := map[string]string{}
	for _, o := range orgs {
		m := Membership{OrgID: o.OrgID, OrgName: o.OrgName, UserID: id.UserID, Role: o.Role, Projects: map[string]ProjectRole{},
			ProjectExpiry: map[string]time.Time{}, AccessExpiresAt: o.AccessExpiresAt}.at(now)
		byOrg[o.OrgID] = &m
		a, _ := orgAccess(m)
		v.Orgs = append(v.Orgs, MeOrg{ID: o.OrgID, Name: o.OrgName, Role: o.Role, Permissions: nonNil(a.Permissions),
			AccessExpiresAt: expiryView(o.AccessExpiresAt), GrantableOrgRoles: grantableOrgRoles(m)})
	}
	var order []ProjectMembership
	for _, p := range projects {
		if ended(p.AccessExpiresAt, now) {
			continue
		}
		m := byOrg[p.OrgID]
		if m == nil { // the index has the project before the organization: show what is known
			m = &Membership{OrgID: p.OrgID, UserID: id.UserID, Projects: map[string]ProjectRole{}, ProjectExpiry: map[string]time.Time{}, asOf: now}
			byOrg[p.OrgID] = m
		}
		m.Projects[p.ProjectID] = p.Role
		if !p.AccessExpiresAt.IsZero() {
			m.ProjectExpiry[p.ProjectID] = p.AccessExpiresAt
		}
		names[p.ProjectID] = p.ProjectName
		order = append(order, p)
	}
	// Organizations where the role reaches every project: their projects,
	// in one batch read for all of them.
	var every []string
	for _, o := range orgs {
		if actsOnEveryProject(*byOrg[o.OrgID]) {
			every = append(every, o.OrgID)
		}
	}
	if len(every) > 0 {
		all, err := s.store.ListProjectsOfOrgs(ctx, every)
		if err != nil {
			return MeView{}, storeErr(err)
		}
		for _, orgID := range every {
			for _, p := range all[orgID] {
				if _, listed := names[p.ID]; !listed {
					names[p.ID] = p.Name
					order = append(order, ProjectMembership{OrgID: orgID, ProjectID: p.ID, ProjectName: p.Name})
				}
			}
		}
	}
	for _, p := range order {
		m := *byOrg[p.OrgID]
		a, ok := projectAccess(m, p.ProjectID)
		if !ok {
			continue
		}
		v.Projects = append(v.Projects, MeProject{ID: p.ProjectID, OrgID: p.OrgID, Name: names[p.ProjectID],
			Role: ProjectRole(a.Role), Permissions: a.Permissions, Via: a.Via, AccessExpiresAt: a.AccessExpiresAt,
			GrantableProjectRoles: grantableProjectRoles(m, p.ProjectID)})
	}
	return v, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
