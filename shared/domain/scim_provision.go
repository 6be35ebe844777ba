package domain

import (
	"context"
	"errors"
	"time"
)

// What a provisioned user means for memberships:
//
//   - an active SCIM user whose address has an account (UserID) is a
//     member of the organization, managed by the directory (ManagedBy),
//     with the grant of desiredMembership: their Baseline (the token's
//     default role, plus what they had when the directory took them over)
//     merged with the grant of each of their groups, by Membership.merged,
//     the same code that merges an invite into a membership: the highest
//     role per project wins;
//   - an inactive or deleted one is not a member (their membership is
//     deleted in the same transaction as the user item, and their pending
//     invites go by the sender-authority rule of applyChange; an open
//     invite to the address is revoked with it, so an accept racing the
//     deactivation fails its condition);
//   - an address without an account waits (an EMAIL#/SCIM# item, and its
//     ref in the address's marker, which registrations are conditioned
//     on): the first sign-in with that verified address links it
//     (claimProvisioned), no mail is sent;
//   - a membership an owner detached (ManagedBy "") is left alone.

// desiredMembership is the membership the directory gives u (nil: none),
// starting from m (its revision, join time and organization name).
func desiredMembership(m Membership, u SCIMUser, groups map[string]SCIMGroup, now time.Time) *Membership {
	if !u.Active {
		return nil
	}
	base := Membership{OrgID: u.OrgID, OrgName: u.OrgName, UserID: u.UserID, Email: u.UserName,
		Projects: map[string]ProjectRole{}, JoinedAt: m.JoinedAt, Rev: m.Rev}
	if m.OrgName != "" {
		base.OrgName = m.OrgName
	}
	if !m.Exists() {
		base.JoinedAt = now
	}
	d := base.merged(u.Baseline)
	for _, gid := range u.Groups {
		if g, ok := groups[gid]; ok {
			d = d.merged(g.Grant)
		}
	}
	if d.Role == "" {
		d.Role = lowestOrgRole()
	}
	d.ManagedBy = u.ID
	return &d
}

// grantOf is the access m holds, as a grant.
func grantOf(m Membership) Grant {
	g := Grant{OrgRole: m.Role}
	for pid, r := range m.Projects {
		g.Projects = append(g.Projects, ProjectGrant{ID: pid, Role: r})
	}
	return g
}

// writeSCIMUser writes a directory user's change (before nil: create;
// after nil: delete) with group memberships gm and, in the same
// transaction, the membership change it implies. It reads what it
// decides on; the caller retries it on ErrConflict.
func (s *Service) writeSCIMUser(ctx context.Context, c SCIMCaller, before, after *SCIMUser, gm []SCIMGroupMemberWrite) error {
	now := s.now()
	if after != nil {
		a := *after
		after = &a
		after.LastModified = now
		after.Rev = 1
		if before != nil {
			after.Rev = before.Rev + 1
			after.Created = before.Created
			if before.UserName != after.UserName && before.UserID != "" {
				// A new address: the old one's account loses what the
				// directory gave it; the new address is linked afresh.
				mid := *before
				mid.Active = false
				if err := s.writeSCIMUser(ctx, c, before, &mid, nil); err != nil {
					return err
				}
				before = &mid
				before.Rev++
				after.Rev = before.Rev + 1
				after.UserID = ""
			}
		} else {
			after.Created = now
		}
	}
	ch := Change{Before: Membership{OrgID: c.OrgID}, Now: now, SCIMUser: &SCIMUserWrite{Before: before, After: after}, SCIMGroupMembers: gm}
	cur := after
	if cur == nil {
		cur = before
	}
	takeOver := false
	if after != nil && after.UserID == "" {
		uid, err := s.store.UserIDByEmail(ctx, after.UserName)
		switch {
		case err == nil:
			after.UserID, takeOver = uid, true
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if before == nil {
		ch.Audit = append(ch.Audit, s.scimAudit(c, AuditScimUserProvisioned, cur.ID, nil,
			map[string]any{"userName": cur.UserName, "active": cur.Active}))
	} else if after == nil {
		ch.Audit = append(ch.Audit, s.scimAudit(c, AuditScimUserDeprovisioned, cur.ID,
			map[string]any{"userName": cur.UserName, "active": cur.Active}, nil))
	}
	if after == nil || !after.Active {
		// An open invite to the address dies with the deactivation.
		if inv, ok, err := s.openInviteTo(ctx, c.OrgID, cur.UserName); err != nil {
			return err
		} else if ok {
			ch.Revoke = append(ch.Revoke, Revocation{Invite: inv, Audit: s.scimAudit(c, AuditInviteRevoked, inv.ID,
				inviteAudit(inv), map[string]any{"reason": "deprovisioned"})})
		}
	}
	if cur.UserID == "" {
		return s.store.ApplyChange(ctx, ch)
	}
	m, err := s.store.GetMembership(ctx, c.OrgID, cur.UserID)
	switch {
	case errors.Is(err, ErrNotFound):
		m = Membership{OrgID: c.OrgID, OrgName: cur.OrgName, UserID: cur.UserID, Email: cur.UserName}
	case err != nil:
		return err
	}
	if m.Exists() && m.ManagedBy != cur.ID && !takeOver {
		return s.store.ApplyChange(ctx, ch) // detached: the directory no longer manages it
	}
	var want *Membership
	if after != nil && after.Active {
		if takeOver && m.Exists() {
			after.Baseline = mergeGrants(after.Baseline, grantOf(m))
		}
		groups, err := s.store.GetSCIMGroups(ctx, c.OrgID, after.Groups)
		if err != nil {
			return err
		}
		want = desiredMembership(m, *after, groups, now)
		// The grants read must still be the groups' when this writes.
		ch.SCIMGroupRevs = map[string]int64{}
		for id, g := range groups {
			ch.SCIMGroupRevs[id] = g.Rev
		}
	}
	switch {
	case want == nil && !m.Exists():
		return s.store.ApplyChange(ctx, ch)
	case want != nil && m.Exists() && m.sameAccess(*want) && m.ManagedBy == want.ManagedBy:
		return s.store.ApplyChange(ctx, ch)
	}
	ch.Before, ch.After = m, want
	if want != nil {
		names, err := s.projectNames(ctx, c.OrgID, m, *want)
		if err != nil {
			return err
		}
		ch.ProjectNames = names
	}
	action := AuditMemberRole
	switch {
	case !m.Exists():
		action = AuditMemberAdded
	case want == nil:
		action = AuditMemberRemoved
	}
	var afterMap map[string]any
	if want != nil { // via scim also in the access, as the other ways in record it
		afterMap = withVia(accessMap(*want), ViaSCIM, "")
	}
	ch.Audit = append(ch.Audit, s.scimAudit(c, action, cur.UserID, accessMap(m), afterMap))
	if !m.Exists() { // a new member has sent no invites here
		return s.store.ApplyChange(ctx, ch)
	}
	_, err = s.applyChange(ctx, s.scimActor(c), ch)
	return err
}

// scimActor is the identity revocations of a directory change are made by.
func (s *Service) scimActor(c SCIMCaller) Identity {
	if c.actor != nil {
		return *c.actor
	}
	return Identity{UserID: c.TokenID, Email: c.TokenName}
}

// openInviteTo returns the pending invite to an address in an
// organization, if any.
func (s *Service) openInviteTo(ctx context.Context, orgID, email string) (Invite, bool, error) {
	id, err := s.store.OpenInviteID(ctx, orgID, email)
	if errors.Is(err, ErrNotFound) {
		return Invite{}, false, nil
	}
	if err != nil {
		return Invite{}, false, err
	}
	inv, err := s.store.GetInvite(ctx, orgID, id)
	if errors.Is(err, ErrNotFound) || (err == nil && inv.Status != InvitePending) {
		return Invite{}, false, nil
	}
	return inv, err == nil, err
}

// projectNames names the projects want adds to m (for /me's display).
func (s *Service) projectNames(ctx context.Context, orgID string, m, want Membership) (map[string]string, error) {
	var ids []string
	for pid := range want.Projects {
		if _, had := m.Projects[pid]; !had {
			ids = append(ids, pid)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ps, err := s.store.GetProjects(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for id, p := range ps {
		out[id] = p.Name
	}
	return out, nil
}

// claimProvisioned links the addresses a directory provisioned to the
// account that just registered (or changed to) its verified address: each
// active one makes it a member at once. Called by registerWith when the
// registration's write found the address's marker of waits non-empty
// (ErrProvisioned; every way in that registers a new person falls back
// to registerWith then: accept, link join, domain join, GET /me), so the
// common registration pays no query for it. A directory change made
// meanwhile wins (the link is conditioned on the SCIM user's revision);
// a directory that provisions the address while it registers is refused
// by the registered address (ErrConflict) and retries, linking it.
func (s *Service) claimProvisioned(ctx context.Context, id Identity) error {
	if !id.EmailVerified || id.Email == "" {
		return nil
	}
	refs, err := s.store.ProvisionedFor(ctx, id.Email)
	if err != nil {
		return storeErr(err)
	}
	for _, ref := range refs {
		err := retry(func() error {
			u, err := s.store.GetSCIMUser(ctx, ref.OrgID, ref.ID)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if u.UserID != "" || u.UserName != id.Email {
				return nil
			}
			after := u // writeSCIMUser finds the account by the address and takes its membership over
			actor := id
			c := SCIMCaller{OrgID: u.OrgID, OrgName: u.OrgName, actor: &actor}
			return s.writeSCIMUser(ctx, c, &u, &after, nil)
		})
		if err != nil {
			return scimStoreErr(err)
		}
	}
	return nil
}

// checkUnmanaged refuses a change to a member the directory manages.
func checkUnmanaged(t Membership) error {
	if t.ManagedBy != "" {
		e := Errorf(ECodeManagedByDirectory, "this member is managed by the organization's identity provider (SCIM); change them there, or have an owner detach them first")
		e.Extensions = map[string]any{"userId": t.UserID}
		return e
	}
	return nil
}

// DetachMember takes a member out of the directory's management: the API
// and console may change and remove them again, and the directory's
// later changes leave their membership alone. Needs org:directory:manage
// (owners). Returns org_not_found, forbidden, member_not_found,
// invalid_request (not managed).
func (s *Service) DetachMember(ctx context.Context, id Identity, orgID, userID string) (Member, error) {
	var out Member
	err := retry(func() error {
		m, err := s.membership(ctx, id, orgID)
		if err != nil {
			return err
		}
		if !canManageDirectory(m) {
			return errForbidden("managing the directory (SCIM)")
		}
		t, err := s.target(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if t.ManagedBy == "" {
			return Errorf(ECodeInvalidRequest, "this member is not managed by the directory")
		}
		after := t.clone()
		after.ManagedBy = ""
		out = memberOf(after)
		out.CanManage = canManageMember(actorAfter(m, after), after)
		ev := s.audit(id, orgID, AuditMemberDetached, userID, map[string]any{"managedBy": t.ManagedBy}, nil)
		return s.store.ApplyChange(ctx, Change{Before: t, After: &after, Now: s.now(), Audit: []AuditEvent{ev}})
	})
	return out, storeErr(err)
}
