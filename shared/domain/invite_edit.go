package domain

import (
	"context"
	"time"
)

// InviteEdit is the body of PATCH /orgs/{orgId}/invites/{inviteId}: the
// terms to change (absent fields keep theirs). Projects replace the
// invite's projects, given as in InviteInput; projectRole alone sets the
// role of all of them.
type InviteEdit struct {
	OrgRole       *string         `json:"orgRole"`
	ProjectIDs    *[]string       `json:"projectIds"`
	ProjectRole   *string         `json:"projectRole"`
	Projects      *[]ProjectInput `json:"projects"`
	ExpiresInDays *int            `json:"expiresInDays"`
	// AccessExpiresAt sets (a date) or removes (null) the end of the
	// organization access the invite gives.
	AccessExpiresAt OptionalTime `json:"accessExpiresAt,omitzero"`
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// apply validates e and returns inv with e's terms, and the input field of
// each of its projects (nil when the projects are unchanged).
func (e InviteEdit) apply(inv Invite, now time.Time) (Invite, []string, error) {
	v := Validation{}
	if e.OrgRole == nil && e.ProjectIDs == nil && e.ProjectRole == nil && e.Projects == nil && e.ExpiresInDays == nil && !e.AccessExpiresAt.Set {
		v.Add("body", "must change at least one of orgRole, projects, expiresInDays and accessExpiresAt")
		return inv, nil, v.Err()
	}
	out := inv
	if e.OrgRole != nil {
		out.OrgRole = validOrgRole(&v, *e.OrgRole)
	}
	var fields []string
	if e.ProjectIDs != nil || e.ProjectRole != nil || e.Projects != nil {
		ids := deref(e.ProjectIDs)
		switch {
		case e.ProjectIDs != nil && ids == nil:
			ids = []string{}
		case e.ProjectIDs == nil && e.Projects == nil: // projectRole alone: every project of the invite
			ids = inv.ProjectIDs()
		}
		ps := deref(e.Projects)
		if e.Projects != nil && ps == nil {
			ps = []ProjectInput{}
		}
		keep := e.ProjectIDs == nil && e.Projects == nil
		out.Projects, fields = validProjects(&v, ids, deref(e.ProjectRole), ps, now)
		if keep && len(out.Projects) == len(inv.Projects) { // projectRole alone keeps each project's end
			for i := range out.Projects {
				out.Projects[i].AccessExpiresAt = inv.Projects[i].AccessExpiresAt
			}
		}
	}
	if end, ok := e.AccessExpiresAt.resolve(&v, "accessExpiresAt", now); ok {
		out.AccessExpiresAt = end
	}
	if !out.AccessExpiresAt.IsZero() && ownersNeverExpire(out.OrgRole) {
		v.Add("accessExpiresAt", "cannot be set for an organization owner: an organization must keep its owners")
	}
	if e.ExpiresInDays != nil {
		out.ExpiresInDays = validDays(&v, *e.ExpiresInDays)
		out.ExpiresAt = now.Add(time.Duration(out.ExpiresInDays) * 24 * time.Hour)
	}
	return out, fields, v.Err()
}

// UpdateInvite edits a pending invite's organization role, projects and
// expiry (restarting from now) without a new token: the link already
// mailed keeps working and grants the edited terms. The caller must be
// able to manage the invite as it stands and to grant the edited terms.
// Returns org_not_found, invite_not_found, forbidden, validation_failed,
// invite_not_pending.
func (s *Service) UpdateInvite(ctx context.Context, id Identity, orgID, inviteID string, e InviteEdit) (InviteView, error) {
	var inv Invite
	err := retry(func() error {
		m, prev, err := s.manageableInvite(ctx, id, orgID, inviteID)
		if ErrorCode(err) == ECodeInviteAlreadyAccepted {
			return errNotPending()
		} else if err != nil {
			return err
		}
		now := s.now()
		if prev.StatusAt(now) != InvitePending {
			return errNotPending()
		}
		var fields []string
		if inv, fields, err = e.apply(prev, now); err != nil {
			return err
		}
		if !canGrant(m, inv.Grant()) {
			return errCannotGrant(m, inv.Grant())
		}
		if fields != nil {
			ps, err := s.store.GetProjects(ctx, orgID, inv.ProjectIDs())
			if err != nil {
				return err
			}
			v := Validation{}
			for i, p := range inv.Projects {
				if _, ok := ps[p.ID]; !ok {
					v.Add(fields[i], "is not a project of this organization")
				}
			}
			if err := v.Err(); err != nil {
				return err
			}
			inv.ProjectNames = mergeNames(prev.ProjectNames, projectNames(ps))
		}
		inv.Rev = prev.Rev + 1
		return s.store.UpdateInvite(ctx, inv, prev,
			s.audit(id, orgID, AuditInviteUpdated, inv.ID, inviteAudit(prev), inviteAudit(inv)))
	})
	if err != nil {
		return InviteView{}, storeErr(err)
	}
	return inviteView(inv, s.now()), nil
}

func errNotPending() error {
	return Errorf(ECodeInviteNotPending, "this invite is no longer pending; only pending invites can be edited")
}
