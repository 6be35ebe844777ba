package domain

import (
	"context"
	"errors"
	"time"
)

// InviteView is one invite in the management list.
type InviteView struct {
	ID        string          `json:"id"`
	Email     string          `json:"email"`
	OrgRole   OrgRole         `json:"orgRole"`
	Projects  []InviteProject `json:"projects"`
	InvitedBy string          `json:"invitedBy"`
	CreatedAt time.Time       `json:"createdAt"`
	ExpiresAt time.Time       `json:"expiresAt"`
	Status    InviteStatus    `json:"status"`
	Delivery  Delivery        `json:"delivery"`
	// AccessExpiresAt is when the organization access the invite gives ends.
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
	// CanManage tells the caller whether they may resend, revoke and edit
	// it (they could have sent it), so clients hold no copy of the rules.
	CanManage bool `json:"canManage"`
}

// InviteProject is a project of an invite as responses show it.
type InviteProject struct {
	ID   string      `json:"id"`
	Name string      `json:"name"`
	Role ProjectRole `json:"role"`
	// AccessExpiresAt is when the project role ends (absent: with the
	// organization access).
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
}

// projectsOf lists inv's projects with their names and roles (roles as
// roles[p] when roles is not nil: an accepted invite's result).
func projectsOf(inv Invite, roles map[string]ProjectRole) []InviteProject {
	out := make([]InviteProject, 0, len(inv.Projects))
	for _, p := range inv.Projects {
		r := p.Role
		if roles != nil {
			r = roles[p.ID]
		}
		out = append(out, InviteProject{ID: p.ID, Name: inv.ProjectNames[p.ID], Role: r, AccessExpiresAt: expiryView(p.AccessExpiresAt)})
	}
	return out
}

func inviteView(inv Invite, now time.Time) InviteView {
	return InviteView{ID: inv.ID, Email: inv.Email, OrgRole: inv.OrgRole, Projects: projectsOf(inv, nil),
		InvitedBy: inv.InvitedByEmail, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt,
		Status: inv.StatusAt(now), Delivery: inv.Delivery, CanManage: true, AccessExpiresAt: expiryView(inv.AccessExpiresAt)}
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

// ListInvites lists open invites the caller may manage: all of them with
// org:invites:manage, for project owners those touching only their
// projects. Returns org_not_found, forbidden, invalid_cursor.
func (s *Service) ListInvites(ctx context.Context, id Identity, orgID string, f InviteFilter, p Page) (InvitePage, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return InvitePage{}, err
	}
	if !canManageInvites(m) {
		return InvitePage{}, errForbidden("managing invites")
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
			if !f.match(inv, now) || !canSeeInvite(m, inv) {
				continue
			}
			if len(out.Invites) == p.Limit {
				out.NextCursor = s.nextCursor(scope, lastPos[len(lastPos)-1])
				return out, nil
			}
			v := inviteView(inv, now)
			v.CanManage = canManageInvite(m, inv)
			out.Invites = append(out.Invites, v)
			lastPos = append(lastPos, inv.ID)
		}
		if next == "" {
			return out, nil
		}
		pos = next
	}
}

// manageableInvite loads an invite the caller may revoke, resend or edit.
// Returns org_not_found, invite_not_found (also for invites the caller
// may not see), forbidden (for invites they see but could not have sent),
// invite_already_accepted.
func (s *Service) manageableInvite(ctx context.Context, id Identity, orgID, inviteID string) (Membership, Invite, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return m, Invite{}, err
	}
	// Members who may manage no invite: a wrong role (403), as for the
	// list, whatever the id.
	if !canManageInvites(m) {
		return m, Invite{}, errForbidden("managing invites")
	}
	if !ValidID(inviteID) {
		return m, Invite{}, errInviteNotFound()
	}
	inv, err := s.store.GetInvite(ctx, orgID, inviteID)
	if errors.Is(err, ErrNotFound) || (err == nil && inv.Status == InviteRevoked) {
		return m, Invite{}, errInviteNotFound()
	}
	if err != nil {
		return m, Invite{}, storeErr(err)
	}
	if !canSeeInvite(m, inv) {
		return m, Invite{}, errInviteNotFound()
	}
	if !canManageInvite(m, inv) {
		return m, Invite{}, errForbidden("managing this invite: only those who could send it can")
	}
	if inv.Status == InviteAccepted {
		return m, inv, Errorf(ECodeInviteAlreadyAccepted, "this invite was already accepted")
	}
	return m, inv, nil
}

func errInviteNotFound() error { return Errorf(ECodeInviteNotFound, "invite not found") }

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
// counts against the organization's hourly invite cap. An expired invite
// whose seat the sweep freed takes a seat again. Returns org_not_found,
// invite_not_found, forbidden, invite_already_accepted, rate_limited,
// seat_limit.
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
		inv.HoldsSeat = true // again, if the sweep released it when it expired
		return s.store.ReplaceInvite(ctx, inv, prev,
			s.audit(id, orgID, AuditInviteResent, inv.ID, inviteAudit(prev), inviteAudit(inv)), ch.c)
	})
	if err := s.settle(ch, err); err != nil {
		return InviteView{}, storeErr(err)
	}
	inv.Delivery = s.sendInvite(ctx, inv, token)
	return inviteView(inv, s.now()), nil
}

// issueToken gives inv a fresh token (returned; only its hash is kept) and
// a fresh MailID, pending delivery.
func (inv *Invite) issueToken(now time.Time) string {
	token, hash := NewToken()
	inv.TokenHash, inv.MailID = hash, NewID("mail", now)
	inv.Status, inv.Delivery, inv.MessageID = InvitePending, DeliveryPending, ""
	return token
}

// mailProjects lists inv's projects for an email: names with roles.
func mailProjects(inv Invite) []MailProject {
	var out []MailProject
	for _, p := range projectsOf(inv, nil) {
		out = append(out, MailProject{Name: p.Name, Role: p.Role})
	}
	return out
}

// sendInvite mails the invite. A send SES accepted is recorded by SES's own
// Send event (sesevents), not here, so the success path writes nothing;
// a refused send is recorded as failed (the invite is kept and can be
// resent). It returns what the caller is told: sent or failed.
func (s *Service) sendInvite(ctx context.Context, inv Invite, token string) Delivery {
	mail := InviteMail{To: inv.Email, OrgID: inv.OrgID, InviteID: inv.ID, MailID: inv.MailID, OrgName: inv.OrgName,
		InviterEmail: inv.InvitedByEmail, OrgRole: inv.OrgRole, Projects: mailProjects(inv),
		ExpiresAt: inv.ExpiresAt, Link: s.cfg.AppBaseURL + "/accept#token=" + token}
	_, err := s.mail.SendInvite(ctx, mail)
	if err == nil {
		return DeliverySent
	}
	s.cfg.Logger.WarnContext(ctx, "invite email not sent", "org", inv.OrgID, "invite", inv.ID, "err", err)
	// The invite is stored already. A newer token (a concurrent resend) or
	// an SES event that got there first wins, so ErrConflict is no failure.
	if err := s.store.MarkSendFailed(context.WithoutCancel(ctx), inv.OrgID, inv.ID, inv.TokenHash); err != nil && !errors.Is(err, ErrConflict) {
		s.cfg.Logger.ErrorContext(ctx, "delivery state not recorded", "org", inv.OrgID, "invite", inv.ID, "err", err)
	}
	return DeliveryFailed
}

// RecordDelivery applies an SES delivery event to its invite. Stale,
// repeated or unknown events are ignored.
func (s *Service) RecordDelivery(ctx context.Context, ev DeliveryEvent) error {
	if ev.OrgID == "" || ev.InviteID == "" || ev.MailID == "" || ev.MessageID == "" {
		return nil
	}
	err := s.store.RecordDeliveryEvent(ctx, ev)
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		s.cfg.Logger.InfoContext(ctx, "delivery event ignored", "org", ev.OrgID, "invite", ev.InviteID, "kind", ev.Kind)
		return nil
	}
	return storeErr(err)
}
