package domain

import (
	"context"
	"errors"
	"time"
)

// PreviewView is POST /invites/preview.
type PreviewView struct {
	OrgID     string          `json:"orgId"`
	OrgName   string          `json:"orgName"`
	InvitedBy string          `json:"invitedBy"`
	Email     string          `json:"email"`
	OrgRole   OrgRole         `json:"orgRole"`
	Projects  []InviteProject `json:"projects"`
	ExpiresAt time.Time       `json:"expiresAt"`
	Status    InviteStatus    `json:"status"`
	// AccessExpiresAt is when the organization access it gives ends.
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
}

// byToken returns the invite a token names: invite_not_found for malformed,
// unknown, revoked or superseded tokens.
func (s *Service) byToken(ctx context.Context, token string) (Invite, error) {
	hash, err := tokenParse(token)
	if err != nil {
		return Invite{}, err
	}
	inv, err := s.store.InviteByToken(ctx, hash)
	return tokenInvite(inv, hash, err)
}

// tokenParse checks a token's presence and shape. Returns its hash, or
// validation_failed (missing) or invite_not_found (malformed).
func tokenParse(token string) (string, error) {
	if token == "" {
		v := Validation{}
		v.Add("token", "is required")
		return "", v.Err()
	}
	hash, ok := ParseToken(token)
	if !ok {
		return "", errBadToken()
	}
	return hash, nil
}

func errBadToken() error {
	return Errorf(ECodeInviteNotFound, "this invite link is not valid; it may have been revoked or replaced by a newer one")
}

// tokenInvite turns the store's answer for a token hash into the invite it
// names, or invite_not_found for unknown, revoked or superseded tokens.
func tokenInvite(inv Invite, hash string, err error) (Invite, error) {
	if errors.Is(err, ErrNotFound) || (err == nil && (inv.Status == InviteRevoked || inv.TokenHash != hash)) {
		return Invite{}, errBadToken()
	}
	return inv, storeErr(err)
}

func expiredErr(inv Invite) error {
	e := Errorf(ECodeInviteExpired, "this invite expired on %s; ask %s for a new one", inv.ExpiresAt.Format(time.RFC1123), inv.InvitedByEmail)
	e.Extensions = map[string]any{"invitedBy": inv.InvitedByEmail, "orgName": inv.OrgName, "expiresAt": inv.ExpiresAt}
	return e
}

// Preview describes what a token offers. Returns invite_not_found,
// invite_expired.
func (s *Service) Preview(ctx context.Context, token string) (PreviewView, error) {
	inv, err := s.byToken(ctx, token)
	if err != nil {
		return PreviewView{}, err
	}
	st := inv.StatusAt(s.now())
	if st == InviteExpired {
		return PreviewView{}, expiredErr(inv)
	}
	return PreviewView{OrgID: inv.OrgID, OrgName: inv.OrgName, InvitedBy: inv.InvitedByEmail, Email: inv.Email,
		OrgRole: inv.OrgRole, Projects: projectsOf(inv, nil), ExpiresAt: inv.ExpiresAt, Status: st,
		AccessExpiresAt: expiryView(inv.AccessExpiresAt)}, nil
}

// AcceptView is POST /invites/accept: the access the caller has now.
type AcceptView struct {
	OrgID    string          `json:"orgId"`
	OrgRole  OrgRole         `json:"orgRole"`
	Projects []InviteProject `json:"projects"`
}

func acceptView(inv Invite) AcceptView {
	return AcceptView{OrgID: inv.OrgID, OrgRole: inv.ResultOrgRole, Projects: projectsOf(inv, inv.ResultProjects)}
}

// acceptInto returns m with inv's grant merged in, and inv marked accepted
// by the caller with that result.
func acceptInto(id Identity, m Membership, inv Invite, now time.Time) (Membership, Invite) {
	after := m.merged(inv.Grant())
	if !m.Exists() {
		after.JoinedAt = now
	}
	inv.AcceptedBy, inv.ResultOrgRole, inv.ResultProjects = id.UserID, after.Role, after.Projects
	return after, inv
}

// Accept joins the caller to the invite's organization and projects,
// merged per project with any access they have. joined is true when this
// call made the caller a member of the organization (false when they
// already were and only gained access, and when accepting again as the
// same user, which returns the same result). Returns unauthorized,
// invite_not_found (also for revoked invites), invite_email_mismatch,
// invite_expired, invite_already_accepted (by another account),
// email_in_use.
func (s *Service) Accept(ctx context.Context, id Identity, token string) (out AcceptView, joined bool, err error) {
	if err := requireSignedIn(id); err != nil {
		return AcceptView{}, false, err
	}
	hash, err := tokenParse(token)
	if err != nil {
		return AcceptView{}, false, err
	}
	if out, done, err := s.acceptNewMember(ctx, id, hash); done {
		return out, err == nil, err
	}
	err = retry(func() error {
		joined = false
		// One read for the token, one for the invite, the caller's profile
		// and membership; the write below is conditioned on all of them.
		pre, err := s.store.ReadForAccept(ctx, hash, id.UserID)
		inv, err := tokenInvite(pre.Invite, hash, err)
		if err != nil {
			return err
		}
		if inv.Status == InviteAccepted {
			if inv.AcceptedBy == id.UserID {
				out = acceptView(inv)
				return nil
			}
			return Errorf(ECodeInviteAlreadyAccepted, "this invite was already accepted")
		}
		if !id.EmailVerified || id.Email != inv.Email {
			return Errorf(ECodeInviteEmailMismatch, "this invite is for another email address; sign in with the invited address (verified) to accept it")
		}
		now := s.now()
		if inv.StatusAt(now) == InviteExpired {
			return expiredErr(inv)
		}
		if _, err := s.registerWith(ctx, id, pre.User); errors.Is(err, ErrExists) {
			return errEmailInUse()
		} else if err != nil {
			return err // ErrConflict: read everything again
		}
		m := Membership{OrgID: inv.OrgID, OrgName: inv.OrgName, UserID: id.UserID, Email: id.Email}
		if pre.Membership != nil {
			m = pre.Membership.at(now)
		}
		after, inv := acceptInto(id, m, inv, now)
		evs := []AuditEvent{s.audit(id, inv.OrgID, AuditInviteAccepted, inv.ID, nil, map[string]any{"userId": id.UserID})}
		if !m.sameAccess(after) || !m.Exists() {
			action := AuditMemberAdded
			if m.Exists() {
				action = AuditMemberRole
			}
			evs = append(evs, s.audit(id, inv.OrgID, action, id.UserID, accessMap(m), withVia(accessMap(after), JoinedViaInvite, "")))
		}
		if err := s.store.ApplyChange(ctx, Change{Before: m, After: &after, AcceptInvite: &inv,
			ProjectNames: inv.ProjectNames, Now: now, Audit: evs}); err != nil {
			return err
		}
		out, joined = acceptView(inv), !m.Exists()
		return nil
	})
	return out, joined, storeErr(err)
}

// acceptNewMember is the common case of Accept in two store calls: the
// token's snapshot of the invite, then one transaction that registers the
// caller, makes them a new member (so a success joined them) and marks the
// invite accepted, all
// conditioned (the invite still pending with this token, these terms
// (its Rev) and unexpired, no membership yet, the email not another
// account's). done is false when the case is not the common one or a
// condition failed; Accept then decides from fresh reads, which also give
// every error its precise code.
func (s *Service) acceptNewMember(ctx context.Context, id Identity, hash string) (AcceptView, bool, error) {
	inv, err := s.store.InviteSnapshot(ctx, hash)
	switch {
	case errors.Is(err, ErrNotFound):
		return AcceptView{}, true, errBadToken()
	case err != nil:
		return AcceptView{}, true, storeErr(err)
	}
	now := s.now()
	if inv.ID == "" || inv.Status != InvitePending || inv.TokenHash != hash || !id.EmailVerified ||
		id.Email != inv.Email || inv.StatusAt(now) != InvitePending {
		return AcceptView{}, false, nil
	}
	m := Membership{OrgID: inv.OrgID, OrgName: inv.OrgName, UserID: id.UserID, Email: id.Email}
	after, inv := acceptInto(id, m, inv, now)
	err = s.store.ApplyChange(ctx, Change{Before: m, After: &after, AcceptInvite: &inv, ProjectNames: inv.ProjectNames,
		Now: now, Register: &User{ID: id.UserID, Email: id.Email, CreatedAt: now},
		Audit: []AuditEvent{
			s.audit(id, inv.OrgID, AuditInviteAccepted, inv.ID, nil, map[string]any{"userId": id.UserID}),
			s.audit(id, inv.OrgID, AuditMemberAdded, id.UserID, nil, withVia(accessMap(after), JoinedViaInvite, "")),
		}})
	switch {
	case err == nil:
		// The registration rode in the transaction, conditioned on no
		// directory user waiting for the address: nothing to link.
		return acceptView(inv), true, nil
	case errors.Is(err, ErrConflict), errors.Is(err, ErrExists), errors.Is(err, ErrProvisioned):
		// ErrProvisioned: Accept's careful path registers with
		// registerWith, which links what the directory provisioned.
		return AcceptView{}, false, nil
	}
	return AcceptView{}, true, storeErr(err)
}
