package domain

import (
	"context"
	"errors"
	"time"
)

// InviteView is one invite in the management list.
type InviteView struct {
	ID          string       `json:"id"`
	Email       string       `json:"email"`
	OrgRole     OrgRole      `json:"orgRole"`
	ProjectIDs  []string     `json:"projectIds"`
	ProjectRole *ProjectRole `json:"projectRole"`
	InvitedBy   string       `json:"invitedBy"`
	CreatedAt   time.Time    `json:"createdAt"`
	ExpiresAt   time.Time    `json:"expiresAt"`
	Status      InviteStatus `json:"status"`
	Delivery    Delivery     `json:"delivery"`
}

func inviteView(inv Invite, now time.Time) InviteView {
	v := InviteView{ID: inv.ID, Email: inv.Email, OrgRole: inv.OrgRole, ProjectIDs: inv.ProjectIDs,
		InvitedBy: inv.InvitedByEmail, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt,
		Status: inv.StatusAt(now), Delivery: inv.Delivery}
	if v.ProjectIDs == nil {
		v.ProjectIDs = []string{}
	}
	if inv.ProjectRole != "" {
		r := inv.ProjectRole
		v.ProjectRole = &r
	}
	return v
}

// InvitePage is a page of invites.
type InvitePage struct {
	Invites    []InviteView `json:"invites"`
	NextCursor *string      `json:"nextCursor"`
}

// InviteFilter selects invites by status.
type InviteFilter string

// Filters of GET /orgs/{orgId}/invites.
const (
	FilterPending InviteFilter = "pending"
	FilterExpired InviteFilter = "expired"
	FilterFailed  InviteFilter = "failed"
	FilterAll     InviteFilter = "all"
)

// ParseInviteFilter validates the status query parameter (default pending).
func ParseInviteFilter(s string) (InviteFilter, error) {
	switch f := InviteFilter(s); f {
	case "":
		return FilterPending, nil
	case FilterPending, FilterExpired, FilterFailed, FilterAll:
		return f, nil
	}
	v := Validation{}
	v.Add("status", "must be pending, expired, failed or all")
	return "", v.Err()
}

func (f InviteFilter) match(inv Invite, now time.Time) bool {
	switch f {
	case FilterPending:
		return inv.StatusAt(now) == InvitePending
	case FilterExpired:
		return inv.StatusAt(now) == InviteExpired
	case FilterFailed:
		return inv.Delivery == DeliveryFailed || inv.Delivery == DeliveryBounced
	}
	return true
}

// touches reports whether a project owner may see the invite: it names one
// of the projects m owns.
func touches(m Membership, inv Invite) bool {
	for _, p := range inv.ProjectIDs {
		if m.Projects[p] == ProjectOwner {
			return true
		}
	}
	return false
}

func ownsAnyProject(m Membership) bool {
	for _, r := range m.Projects {
		if r == ProjectOwner {
			return true
		}
	}
	return false
}

// ListInvites lists open invites: all for org owners, those touching their
// projects for project owners. Returns org_not_found, forbidden, validation_failed.
func (s *Service) ListInvites(ctx context.Context, id Identity, orgID string, f InviteFilter, p Page) (InvitePage, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return InvitePage{}, err
	}
	if m.Role != OrgOwner && !ownsAnyProject(m) {
		return InvitePage{}, Errorf(ECodeForbidden, "only organization or project owners can list invites")
	}
	scope := "invites/" + orgID + "/" + string(f)
	pos, err := s.cursors.decode(scope, p.Cursor)
	if err != nil {
		return InvitePage{}, err
	}
	now := s.now()
	out := InvitePage{Invites: []InviteView{}}
	var lastPos []string
	for {
		invs, next, err := s.store.ListOpenInvites(ctx, orgID, pos, p.Limit+1)
		if err != nil {
			return InvitePage{}, storeErr(err)
		}
		for _, inv := range invs {
			if !f.match(inv, now) || (m.Role != OrgOwner && !touches(m, inv)) {
				continue
			}
			if len(out.Invites) == p.Limit {
				out.NextCursor = s.nextCursor(scope, lastPos[len(lastPos)-1])
				return out, nil
			}
			out.Invites = append(out.Invites, inviteView(inv, now))
			lastPos = append(lastPos, inv.ID)
		}
		if next == "" {
			return out, nil
		}
		pos = next
	}
}

// manageableInvite loads an invite the caller may revoke or resend.
// Returns org_not_found, invite_not_found, forbidden.
func (s *Service) manageableInvite(ctx context.Context, id Identity, orgID, inviteID string) (Membership, Invite, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return m, Invite{}, err
	}
	// Members who own no project can manage no invite: a wrong role (403),
	// as for the list, whatever the id.
	if m.Role != OrgOwner && !ownsAnyProject(m) {
		return m, Invite{}, Errorf(ECodeForbidden, "only organization or project owners can manage invites")
	}
	if !ValidID(inviteID) {
		return m, Invite{}, Errorf(ECodeInviteNotFound, "invite not found")
	}
	inv, err := s.store.GetInvite(ctx, orgID, inviteID)
	if errors.Is(err, ErrNotFound) || (err == nil && inv.Status == InviteRevoked) {
		return m, Invite{}, Errorf(ECodeInviteNotFound, "invite not found")
	}
	if err != nil {
		return m, Invite{}, storeErr(err)
	}
	if !canManage(m, inv.OrgRole, inv.ProjectIDs) {
		if m.Role != OrgOwner && !touches(m, inv) {
			return m, Invite{}, Errorf(ECodeInviteNotFound, "invite not found")
		}
		return m, Invite{}, Errorf(ECodeForbidden, "only the organization's owners, or owners of all its projects, can manage this invite")
	}
	if inv.Status == InviteAccepted {
		return m, inv, Errorf(ECodeInviteAlreadyAccepted, "this invite was already accepted")
	}
	return m, inv, nil
}

// RevokeInvite revokes an open invite; its token stops working. Returns
// org_not_found, invite_not_found, forbidden, invite_already_accepted.
func (s *Service) RevokeInvite(ctx context.Context, id Identity, orgID, inviteID string) error {
	return storeErr(retry(func() error {
		_, inv, err := s.manageableInvite(ctx, id, orgID, inviteID)
		if err != nil {
			return err
		}
		return s.store.RevokeInvite(ctx, inv, s.audit(id, orgID, AuditInviteRevoked, inv.ID, inviteAudit(inv), nil))
	}))
}

// ResendInvite mails a new token for an open invite; the old token stops
// working and the expiry restarts (an expired invite revives). The email
// counts against the organization's hourly invite cap. Returns
// org_not_found, invite_not_found, forbidden, invite_already_accepted,
// rate_limited.
func (s *Service) ResendInvite(ctx context.Context, id Identity, orgID, inviteID string) (InviteView, error) {
	// The email is charged in the transaction that replaces the token, so
	// a resend over the cap leaves the invite and its link as they were.
	ch, err := s.newCharge(orgID, id.UserID, 1) // limits.go
	if err != nil {
		return InviteView{}, err
	}
	var inv Invite
	var token string
	err = retry(func() error {
		_, prev, err := s.manageableInvite(ctx, id, orgID, inviteID)
		if err != nil {
			return err
		}
		now := s.now()
		inv = prev
		token = inv.issueToken(now)
		days := prev.ExpiresInDays
		if days == 0 {
			days = DefaultExpiryDays
		}
		inv.ExpiresAt = now.Add(time.Duration(days) * 24 * time.Hour)
		return s.store.ReplaceInvite(ctx, inv, prev.TokenHash,
			s.audit(id, orgID, AuditInviteResent, inv.ID, inviteAudit(prev), inviteAudit(inv)), ch.c)
	})
	if err := s.settle(ch, err); err != nil {
		return InviteView{}, storeErr(err)
	}
	inv.Delivery = s.sendInvite(ctx, inv, token)
	return inviteView(inv, s.now()), nil
}

// target loads another member of the organization. Returns member_not_found.
func (s *Service) target(ctx context.Context, orgID, userID string) (Membership, error) {
	if !ValidUserID(userID) {
		return Membership{}, Errorf(ECodeMemberNotFound, "member not found")
	}
	t, err := s.store.GetMembership(ctx, orgID, userID)
	if errors.Is(err, ErrNotFound) {
		return t, Errorf(ECodeMemberNotFound, "member not found")
	}
	return t, storeErr(err)
}

func lastOwner(err error) error {
	if errors.Is(err, ErrLastOwner) {
		return Errorf(ECodeLastOwner, "an organization needs at least one owner; make someone else an owner first")
	}
	return err
}

func memberOf(m Membership) Member {
	return Member{UserID: m.UserID, Email: m.Email, Role: string(m.Role), JoinedAt: m.JoinedAt}
}

// SetOrgRole changes a member's organization role (org owners only).
// Returns org_not_found, forbidden, member_not_found, validation_failed,
// last_owner.
func (s *Service) SetOrgRole(ctx context.Context, id Identity, orgID, userID, role string) (Member, error) {
	r := OrgRole(role)
	if !r.Valid() {
		v := Validation{}
		v.Add("role", `must be "owner" or "user"`)
		return Member{}, v.Err()
	}
	var out Member
	err := retry(func() error {
		if _, err := s.ownerMembership(ctx, id, orgID); err != nil {
			return err
		}
		t, err := s.target(ctx, orgID, userID)
		if err != nil {
			return err
		}
		after := t.clone()
		after.Role = r
		out = memberOf(after)
		if t.Role == r {
			return nil
		}
		return lastOwner(s.store.ApplyChange(ctx, Change{Before: t, After: &after, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, AuditMemberRole, userID, accessMap(t), accessMap(after))}}))
	})
	return out, storeErr(err)
}

// RemoveMember removes a member and their project memberships in the
// organization; org owners may remove anyone, members may remove
// themselves. Returns org_not_found, forbidden, member_not_found, last_owner.
func (s *Service) RemoveMember(ctx context.Context, id Identity, orgID, userID string) error {
	return storeErr(retry(func() error {
		m, err := s.membership(ctx, id, orgID)
		if err != nil {
			return err
		}
		if m.Role != OrgOwner && userID != id.UserID {
			return Errorf(ECodeForbidden, "only organization owners can remove other members")
		}
		t, err := s.target(ctx, orgID, userID)
		if err != nil {
			return err
		}
		return lastOwner(s.store.ApplyChange(ctx, Change{Before: t, After: nil, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, AuditMemberRemoved, userID, accessMap(t), nil)}}))
	}))
}

// projectAdmin checks the caller may administer projectID (project owner or
// org owner), or, when self is true, is acting on themself.
func (s *Service) projectTarget(ctx context.Context, id Identity, orgID, projectID, userID string, self bool) (Membership, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return Membership{}, err
	}
	if _, err := s.project(ctx, orgID, projectID); err != nil {
		return Membership{}, err
	}
	admin := m.Role == OrgOwner || m.Projects[projectID] == ProjectOwner
	if !admin && !(self && userID == id.UserID) {
		return Membership{}, Errorf(ECodeForbidden, "only owners of this project or the organization can do this")
	}
	t := m
	if userID != id.UserID {
		if t, err = s.target(ctx, orgID, userID); err != nil {
			return Membership{}, err
		}
	}
	if _, in := t.Projects[projectID]; !in {
		return Membership{}, Errorf(ECodeMemberNotFound, "member not found in this project")
	}
	return t, nil
}

// SetProjectRole changes a member's project role (project or org owners).
// Returns org_not_found, project_not_found, forbidden, member_not_found,
// validation_failed.
func (s *Service) SetProjectRole(ctx context.Context, id Identity, orgID, projectID, userID, role string) (Member, error) {
	r := ProjectRole(role)
	if !r.Valid() {
		v := Validation{}
		v.Add("role", `must be "owner" or "member"`)
		return Member{}, v.Err()
	}
	var out Member
	err := retry(func() error {
		t, err := s.projectTarget(ctx, id, orgID, projectID, userID, false)
		if err != nil {
			return err
		}
		after := t.clone()
		after.Projects[projectID] = r
		out = Member{UserID: t.UserID, Email: t.Email, Role: string(r), JoinedAt: t.JoinedAt}
		if t.Projects[projectID] == r {
			return nil
		}
		return s.store.ApplyChange(ctx, Change{Before: t, After: &after, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, AuditMemberRole, userID, accessMap(t), accessMap(after))}})
	})
	return out, storeErr(err)
}

// RemoveProjectMember removes a member from a project (project or org
// owners, or the member themself). Returns org_not_found,
// project_not_found, forbidden, member_not_found.
func (s *Service) RemoveProjectMember(ctx context.Context, id Identity, orgID, projectID, userID string) error {
	return storeErr(retry(func() error {
		t, err := s.projectTarget(ctx, id, orgID, projectID, userID, true)
		if err != nil {
			return err
		}
		after := t.clone()
		delete(after.Projects, projectID)
		return s.store.ApplyChange(ctx, Change{Before: t, After: &after, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, AuditMemberRemoved, userID, accessMap(t), accessMap(after))}})
	}))
}

// AuditPage is a page of audit events.
type AuditPage struct {
	Events     []AuditEvent `json:"events"`
	NextCursor *string      `json:"nextCursor"`
}

// ListAudit lists the organization's audit trail, newest first (org owners).
// Returns org_not_found, forbidden, validation_failed.
func (s *Service) ListAudit(ctx context.Context, id Identity, orgID string, p Page) (AuditPage, error) {
	if _, err := s.ownerMembership(ctx, id, orgID); err != nil {
		return AuditPage{}, err
	}
	evs, next, err := page(s, "audit/"+orgID, p, func(after string, limit int) ([]AuditEvent, string, error) {
		return s.store.ListAudit(ctx, orgID, after, limit)
	})
	return AuditPage{Events: evs, NextCursor: next}, err
}
