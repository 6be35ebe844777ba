package domain

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"
)

func (m Membership) clone() Membership {
	c := m
	c.Projects = maps.Clone(m.Projects)
	if c.Projects == nil {
		c.Projects = map[string]ProjectRole{}
	}
	c.ProjectExpiry = maps.Clone(m.ProjectExpiry)
	if c.ProjectExpiry == nil {
		c.ProjectExpiry = map[string]time.Time{}
	}
	c.Reminded = maps.Clone(m.Reminded)
	return c
}

// merged returns m with g granted on top, never downgrading access it
// has: the organization role and each project's role become the stronger
// of the two, and each end the later of the two (no end is the latest).
// Access of m that has expired counts as none.
func (m Membership) merged(g Grant) Membership {
	c := m.clone()
	fresh := m.Role == "" || m.orgExpired()
	if m.orgExpired() {
		c.Role, c.Projects, c.ProjectExpiry = "", map[string]ProjectRole{}, map[string]time.Time{}
	}
	c.Role = c.Role.Max(g.OrgRole)
	if fresh {
		c.AccessExpiresAt = g.AccessExpiresAt
	} else {
		c.AccessExpiresAt = latest(m.AccessExpiresAt, g.AccessExpiresAt)
	}
	for _, p := range g.Projects {
		if old, had := c.Projects[p.ID]; had && !m.projectExpired(p.ID) {
			c.Projects[p.ID] = old.Max(p.Role)
			c.ProjectExpiry[p.ID] = latest(c.ProjectExpiry[p.ID], p.AccessExpiresAt)
			continue
		}
		c.Projects[p.ID], c.ProjectExpiry[p.ID] = p.Role, p.AccessExpiresAt
	}
	return c.normalizeExpiry()
}

func (m Membership) sameAccess(o Membership) bool {
	a, b := m.normalizeExpiry(), o.normalizeExpiry()
	return m.Role == o.Role && maps.Equal(m.Projects, o.Projects) && a.AccessExpiresAt.Equal(b.AccessExpiresAt) &&
		maps.EqualFunc(a.ProjectExpiry, b.ProjectExpiry, time.Time.Equal)
}

// MemberPage is a page of members.
type MemberPage struct {
	Members    []Member `json:"members"`
	NextCursor *string  `json:"nextCursor"`
}

// ListMembers lists an organization's members by user id, each saying
// whether the caller may manage them. Needs org:members:read. Returns
// org_not_found, forbidden, invalid_cursor.
func (s *Service) ListMembers(ctx context.Context, id Identity, orgID string, p Page) (MemberPage, error) {
	m, err := s.authorizeMemberList(ctx, id, orgID)
	if err != nil {
		return MemberPage{}, err
	}
	ms, next, err := page(s, "members/"+orgID, p, func(after string, limit int) ([]Member, string, error) {
		return s.store.ListMembers(ctx, orgID, after, limit)
	})
	return orgMemberPage(m, ms, next), err
}

// ListProjectMembers lists a project's members, each saying whether the
// caller may manage them. Needs project:members:read in it (effective: org
// owners and managers have it in every project). Returns org_not_found,
// project_not_found, forbidden, invalid_cursor.
func (s *Service) ListProjectMembers(ctx context.Context, id Identity, orgID, projectID string, p Page) (MemberPage, error) {
	m, err := s.authorizeProjectMemberList(ctx, id, orgID, projectID)
	if err != nil {
		return MemberPage{}, err
	}
	ms, next, err := page(s, "project-members/"+orgID+"/"+projectID, p, func(after string, limit int) ([]Member, string, error) {
		return s.store.ListProjectMembers(ctx, orgID, projectID, after, limit)
	})
	return projectMemberPage(m, projectID, ms, next), err
}

// orgMemberPage is a page of the organization's members ms, each with
// canManage for the caller m.
func orgMemberPage(m Membership, ms []Member, next *string) MemberPage {
	ms = withoutEnded(ms, m.clock())
	setCanManage(ms, func(x Member) bool { return canManageMember(m, Membership{UserID: x.UserID, Role: OrgRole(x.Role)}) })
	return MemberPage{Members: ms, NextCursor: next}
}

// projectMemberPage is a page of project pid's members ms, each with
// canManage for the caller m.
func projectMemberPage(m Membership, pid string, ms []Member, next *string) MemberPage {
	can := canManageProjectMembers(m, pid)
	ms = withoutEnded(ms, m.clock())
	setCanManage(ms, func(Member) bool { return can })
	return MemberPage{Members: ms, NextCursor: next}
}

// setCanManage sets canManage in each row of a member list (organization
// or project): what the policy can says, except for members the directory
// manages, whose changes the API refuses (checkUnmanaged) until an owner
// detaches them.
func setCanManage(ms []Member, can func(Member) bool) {
	for i := range ms {
		ms[i].CanManage = can(ms[i]) && !ms[i].ManagedByDirectory
	}
}

// withoutEnded drops the rows of members whose access has ended (the
// sweep removes them within minutes).
func withoutEnded(ms []Member, now time.Time) []Member {
	return slices.DeleteFunc(ms, func(x Member) bool { return x.AccessExpiresAt != nil && ended(*x.AccessExpiresAt, now) })
}

// authorizeMemberList checks that the caller may list the organization's
// members (org:members:read) and returns their membership. Returns
// org_not_found, forbidden.
func (s *Service) authorizeMemberList(ctx context.Context, id Identity, orgID string) (Membership, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return Membership{}, err
	}
	if !canReadOrg(m) {
		return Membership{}, errForbidden("listing members")
	}
	return m, nil
}

// authorizeProjectMemberList checks that the caller may list the
// project's members (project:members:read, effective) and returns their
// membership. Returns org_not_found, project_not_found, forbidden.
func (s *Service) authorizeProjectMemberList(ctx context.Context, id Identity, orgID, projectID string) (Membership, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return Membership{}, err
	}
	if _, in := m.Projects[projectID]; !in {
		if _, err := s.project(ctx, orgID, projectID); err != nil {
			return Membership{}, err
		}
	}
	if !canReadProjectMembers(m, projectID) {
		return Membership{}, errForbidden("listing this project's members")
	}
	return m, nil
}

// target loads another member of the organization. Returns member_not_found.
func (s *Service) target(ctx context.Context, orgID, userID string) (Membership, error) {
	if !ValidUserID(userID) {
		return Membership{}, Errorf(ECodeMemberNotFound, "member not found")
	}
	t, err := s.store.GetMembership(ctx, orgID, userID)
	if errors.Is(err, ErrNotFound) || (err == nil && t.at(s.now()).orgExpired()) {
		return t, Errorf(ECodeMemberNotFound, "member not found")
	}
	return t.at(s.now()), storeErr(err)
}

func lastOwner(err error) error {
	if errors.Is(err, ErrLastOwner) {
		return Errorf(ECodeLastOwner, "an organization needs at least one owner; make someone else an owner first")
	}
	return err
}

// actorAfter is the caller m once target has become after: after itself
// when the caller changes their own role.
func actorAfter(m, after Membership) Membership {
	if m.UserID == after.UserID {
		return after
	}
	return m
}

func memberOf(m Membership) Member {
	return Member{UserID: m.UserID, Email: m.Email, Role: string(m.Role), JoinedAt: m.JoinedAt,
		AccessExpiresAt: expiryView(m.AccessExpiresAt), ManagedByDirectory: m.ManagedBy != ""}
}

// RoleChange is the body of PATCH …/members/{userId} (organization or
// project): a new role, a new end of the access (accessExpiresAt: a date,
// or null for none), or both; absent fields keep theirs.
type RoleChange struct {
	Role            *string      `json:"role"`
	AccessExpiresAt OptionalTime `json:"accessExpiresAt,omitzero"`
}

// validate checks c's fields; role is nil when c keeps the role. end is
// the new end (zero: none) when setEnd.
func (c RoleChange) validate(valid func(string) bool, names string, now time.Time) (role *string, end time.Time, setEnd bool, err error) {
	v := Validation{}
	if c.Role != nil && !valid(*c.Role) || c.Role == nil && !c.AccessExpiresAt.Set {
		v.Add("role", "must be %s", names)
	}
	end, setEnd = c.AccessExpiresAt.resolve(&v, "accessExpiresAt", now)
	return c.Role, end, setEnd, v.Err()
}

func errBeyondOwnExpiry() error {
	return errForbidden("giving access that ends after your own: set accessExpiresAt no later than your own access ends")
}

func errOwnerExpiry() error {
	v := Validation{}
	v.Add("accessExpiresAt", "cannot be set for an organization owner: an organization must keep its owners")
	return v.Err()
}

// SetOrgRole changes a member's organization role and/or when their
// access ends (c). Changes among roles that do not manage owners need
// org:members:manage; making or unmaking an owner needs org:owners:manage;
// owners' access cannot end by date, and an end must be no later than the
// caller's own. Pending invites the member sent that the new membership
// cannot grant are revoked in the same write; revoked is how many. Returns
// org_not_found, forbidden, member_not_found, validation_failed,
// last_owner.
func (s *Service) SetOrgRole(ctx context.Context, id Identity, orgID, userID string, c RoleChange) (out Member, revoked int, err error) {
	role, end, setEnd, err := c.validate(func(r string) bool { return OrgRole(r).Valid() }, orgRoleNames(), s.now())
	if err != nil {
		return Member{}, 0, err
	}
	err = retry(func() error {
		revoked = 0
		m, err := s.membership(ctx, id, orgID)
		if err != nil {
			return err
		}
		if !hasOrg(m, PermOrgMembersManage) {
			return errForbidden("changing organization roles")
		}
		t, err := s.target(ctx, orgID, userID)
		if err != nil {
			return err
		}
		r := t.Role
		if role != nil {
			r = OrgRole(*role)
		}
		if !canSetOrgRole(m, t, r) {
			return errForbidden("making, changing or removing organization owners")
		}
		if err := checkUnmanaged(t); err != nil {
			return err
		}
		after := t.clone()
		after.Role = r
		if setEnd {
			if ownersNeverExpire(r) && !end.IsZero() {
				return errOwnerExpiry()
			}
			if !withinOwnOrgExpiry(m, end) {
				return errBeyondOwnExpiry()
			}
			after.AccessExpiresAt = end
		}
		after = after.normalizeExpiry()
		out = memberOf(after)
		out.CanManage = canManageMember(actorAfter(m, after), after)
		if t.sameAccess(after) {
			return nil
		}
		revoked, err = s.applyChange(ctx, id, Change{Before: t, After: &after, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, AuditMemberRole, userID, accessMap(t), accessMap(after))}})
		return lastOwner(err)
	})
	return out, revoked, storeErr(err)
}

// RemoveMember removes a member and their project memberships in the
// organization: anyone may leave; removing others needs
// org:members:manage, and org:owners:manage for owners. Their pending
// invites are revoked in the same write; revoked is how many. Returns
// org_not_found, forbidden, member_not_found, last_owner.
func (s *Service) RemoveMember(ctx context.Context, id Identity, orgID, userID string) (revoked int, err error) {
	err = retry(func() error {
		revoked = 0
		m, err := s.membership(ctx, id, orgID)
		if err != nil {
			return err
		}
		t := m
		if userID != id.UserID {
			if !hasOrg(m, PermOrgMembersManage) {
				return errForbidden("removing other members")
			}
			if t, err = s.target(ctx, orgID, userID); err != nil {
				return err
			}
		}
		if !canRemoveMember(m, t) {
			return errForbidden("removing organization owners")
		}
		if err := checkUnmanaged(t); err != nil {
			return err
		}
		revoked, err = s.applyChange(ctx, id, Change{Before: t, After: nil, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, removal(id, userID), userID, accessMap(t), nil)}})
		return lastOwner(err)
	})
	return revoked, storeErr(err)
}

// projectTarget checks the caller may manage projectID's members, or,
// when self is true, is acting on themself, and loads the target's
// membership. Returns org_not_found, project_not_found, forbidden,
// member_not_found.
func (s *Service) projectTarget(ctx context.Context, id Identity, orgID, projectID, userID string, self bool) (m, t Membership, err error) {
	m, err = s.membership(ctx, id, orgID)
	if err != nil {
		return Membership{}, Membership{}, err
	}
	if _, err := s.project(ctx, orgID, projectID); err != nil {
		return Membership{}, Membership{}, err
	}
	if !canManageProjectMembers(m, projectID) && !(self && userID == id.UserID) {
		return Membership{}, Membership{}, errForbidden("managing this project's members")
	}
	t = m
	if userID != id.UserID {
		if t, err = s.target(ctx, orgID, userID); err != nil {
			return Membership{}, Membership{}, err
		}
	}
	if _, in := t.Projects[projectID]; !in || t.projectExpired(projectID) {
		return Membership{}, Membership{}, Errorf(ECodeMemberNotFound, "member not found in this project")
	}
	return m, t, checkUnmanaged(t)
}

// SetProjectRole changes a member's project role and/or when it ends
// (c; the end must be no later than the caller's own authority there).
// Needs project:members:manage in the project. Pending invites the member
// sent that the new role cannot grant are revoked in the same write;
// revoked is how many. Returns org_not_found, project_not_found,
// forbidden, member_not_found, validation_failed.
func (s *Service) SetProjectRole(ctx context.Context, id Identity, orgID, projectID, userID string, c RoleChange) (out Member, revoked int, err error) {
	role, end, setEnd, err := c.validate(func(r string) bool { return ProjectRole(r).Valid() }, projectRoleNames(), s.now())
	if err != nil {
		return Member{}, 0, err
	}
	err = retry(func() error {
		revoked = 0
		m, t, err := s.projectTarget(ctx, id, orgID, projectID, userID, false)
		if err != nil {
			return err
		}
		r := t.Projects[projectID]
		if role != nil {
			r = ProjectRole(*role)
		}
		after := t.clone()
		after.Projects[projectID] = r
		if setEnd {
			if !withinOwnProjectExpiry(m, projectID, earliest(t.AccessExpiresAt, end)) {
				return errBeyondOwnExpiry()
			}
			after.ProjectExpiry[projectID] = end
		}
		after = after.normalizeExpiry()
		out = Member{UserID: t.UserID, Email: t.Email, Role: string(r), JoinedAt: t.JoinedAt,
			AccessExpiresAt: expiryView(after.ProjectExpiresAt(projectID)),
			// projectTarget let the caller manage the project's members; only
			// a change of their own role can take that away.
			CanManage: t.UserID != id.UserID || canManageProjectMembers(after, projectID)}
		if t.sameAccess(after) {
			return nil
		}
		revoked, err = s.applyChange(ctx, id, Change{Before: t, After: &after, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, AuditMemberRole, userID, accessMap(t), accessMap(after))}})
		return err
	})
	return out, revoked, storeErr(err)
}

// RemoveProjectMember removes a member from a project (with
// project:members:manage there, or the member themself). Their pending
// invites to it are revoked in the same write; revoked is how many.
// Returns org_not_found, project_not_found, forbidden, member_not_found.
func (s *Service) RemoveProjectMember(ctx context.Context, id Identity, orgID, projectID, userID string) (revoked int, err error) {
	err = retry(func() error {
		revoked = 0
		_, t, err := s.projectTarget(ctx, id, orgID, projectID, userID, true)
		if err != nil {
			return err
		}
		after := t.clone()
		delete(after.Projects, projectID)
		after = after.normalizeExpiry()
		revoked, err = s.applyChange(ctx, id, Change{Before: t, After: &after, Now: s.now(),
			Audit: []AuditEvent{s.audit(id, orgID, removal(id, userID), userID, accessMap(t), accessMap(after))}})
		return err
	})
	return revoked, storeErr(err)
}

// removal is the audit action of taking userID out: member.left when the
// caller leaves, member.removed when someone else removes them.
func removal(id Identity, userID string) string {
	if userID == id.UserID {
		return AuditMemberLeft
	}
	return AuditMemberRemoved
}

// applyChange writes c with the revocation of every pending invite
// c.Before's user sent that c.After (nil: removed) can no longer grant:
// invites die with their sender's authority, in the same transaction, so an
// accept racing the change either lands first or finds the invite revoked.
// It returns how many invites it revoked (0 with an error).
func (s *Service) applyChange(ctx context.Context, id Identity, c Change) (int, error) {
	lost, err := s.lostInvites(ctx, c.Before, c.After)
	if err != nil {
		return 0, err
	}
	for _, inv := range lost {
		c.Revoke = append(c.Revoke, Revocation{Invite: inv,
			Audit: s.audit(id, c.Before.OrgID, AuditInviteRevoked, inv.ID, inviteAudit(inv), map[string]any{"reason": ReasonSenderLostAccess})})
	}
	if err := s.store.ApplyChange(ctx, c); err != nil {
		return 0, err
	}
	return len(lost), nil
}

// ReasonSenderLostAccess is the audit reason of invites revoked because
// their sender can no longer grant them.
const ReasonSenderLostAccess = "sender_lost_access"

// lostInvites returns the pending invites of before's organization sent by
// before's user that after (nil: none) may not grant. It reads that user's
// pending invites only, not the organization's.
func (s *Service) lostInvites(ctx context.Context, before Membership, after *Membership) ([]Invite, error) {
	invs, err := s.store.ListPendingInvitesBySender(ctx, before.OrgID, before.UserID)
	if err != nil {
		return nil, err
	}
	var out []Invite
	for _, inv := range invs {
		if after == nil || !canGrant(*after, inv.Grant()) {
			out = append(out, inv)
		}
	}
	return out, nil
}
