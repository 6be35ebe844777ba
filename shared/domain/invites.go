package domain

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InviteInput is the body of POST /orgs/{orgId}/invites, as decoded.
type InviteInput struct {
	Emails        []string `json:"emails"`
	OrgRole       string   `json:"orgRole"`
	ProjectIDs    []string `json:"projectIds"`
	ProjectRole   string   `json:"projectRole"`
	ExpiresInDays *int     `json:"expiresInDays"`
}

type inviteRequest struct {
	emails []string
	// invalid holds malformed addresses: they fail on their own while the
	// others are invited (one result per distinct address, in input order).
	invalid     map[string]*Error
	order       []string
	orgRole     OrgRole
	projectIDs  []string
	projectRole ProjectRole
	days        int
}

func (in InviteInput) validate() (inviteRequest, error) {
	v := Validation{}
	r := inviteRequest{orgRole: OrgUser, days: DefaultExpiryDays}
	switch n := len(in.Emails); {
	case n == 0:
		v.Add("emails", "must list at least one address")
	case n > MaxInviteEmails:
		v.Add("emails", "must list at most %d addresses", MaxInviteEmails)
	}
	for i, e := range in.Emails {
		if len(in.Emails) > MaxInviteEmails {
			break
		}
		ne, why := NormalizeEmail(e)
		if why != "" {
			if r.invalid == nil {
				r.invalid = map[string]*Error{}
			}
			key := strings.TrimSpace(e)
			if _, dup := r.invalid[key]; !dup {
				r.invalid[key] = &Error{Code: ECodeValidationFailed, Message: "this is not a valid email address",
					Fields: []FieldError{{Field: fieldIndex("emails", i), Message: why}}}
				r.order = append(r.order, key)
			}
			continue
		}
		if !slices.Contains(r.emails, ne) {
			r.emails = append(r.emails, ne)
			r.order = append(r.order, ne)
		}
	}
	if len(r.emails) == 0 && len(r.invalid) > 0 {
		for _, k := range r.order {
			v.Fields = append(v.Fields, r.invalid[k].Fields...)
		}
	}
	if in.OrgRole != "" {
		r.orgRole = OrgRole(in.OrgRole)
		if !r.orgRole.Valid() {
			v.Add("orgRole", `must be "owner" or "user"`)
		}
	}
	if len(in.ProjectIDs) > MaxInviteProjects {
		v.Add("projectIds", "must list at most %d projects", MaxInviteProjects)
	} else {
		for i, p := range in.ProjectIDs {
			if !ValidID(p) {
				v.Add(fieldIndex("projectIds", i), "is not a project of this organization")
				continue
			}
			if !slices.Contains(r.projectIDs, p) {
				r.projectIDs = append(r.projectIDs, p)
			}
		}
	}
	if in.ProjectRole != "" {
		r.projectRole = ProjectRole(in.ProjectRole)
		if !r.projectRole.Valid() {
			v.Add("projectRole", `must be "owner" or "member"`)
		}
	} else if len(in.ProjectIDs) > 0 {
		v.Add("projectRole", "is required when projectIds is not empty")
	}
	if in.ExpiresInDays != nil {
		r.days = *in.ExpiresInDays
		if r.days < 1 || r.days > MaxExpiryDays {
			v.Add("expiresInDays", "must be from 1 to %d", MaxExpiryDays)
		}
	}
	return r, v.Err()
}

func fieldIndex(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// InviteResult is the outcome for one address.
type InviteResult struct {
	Email     string     `json:"email"`
	Status    string     `json:"status"` // invited, added, already_member, failed
	InviteID  string     `json:"inviteId,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Delivery  Delivery   `json:"delivery,omitempty"`
	Error     *Error     `json:"-"`
}

// Invite statuses of InviteResult.
const (
	ResultInvited       = "invited"
	ResultAdded         = "added"
	ResultAlreadyMember = "already_member"
	ResultFailed        = "failed"
)

// canManage reports whether m may send (and so revoke or resend) an invite
// with these roles and projects: org owners always; project owners for
// invites that grant only user org role on projects they all own.
func canManage(m Membership, orgRole OrgRole, projectIDs []string) bool {
	if m.Role == OrgOwner {
		return true
	}
	if orgRole == OrgOwner || len(projectIDs) == 0 {
		return false
	}
	for _, p := range projectIDs {
		if m.Projects[p] != ProjectOwner {
			return false
		}
	}
	return true
}

// Invite invites each address: registered users get access at once
// (added; with Config.ExistingAccounts "invite", a pending invite like
// anyone else), others get a pending invite (invited); one result per
// distinct address. Returns org_not_found, forbidden, validation_failed,
// rate_limited.
func (s *Service) Invite(ctx context.Context, id Identity, orgID string, in InviteInput) ([]InviteResult, error) {
	req, verr := in.validate()
	if err := requireSignedIn(id); err != nil {
		return nil, err
	}
	if !ValidID(orgID) {
		return nil, Errorf(ECodeOrgNotFound, "organization not found")
	}
	// One consistent read for the caller's membership and, when the
	// request is valid, the projects and each address's state.
	var pids, emails []string
	if verr == nil {
		pids, emails = req.projectIDs, req.emails
	}
	pre, err := s.store.ReadForInvite(ctx, orgID, id.UserID, pids, emails)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(ECodeOrgNotFound, "organization not found")
	} else if err != nil {
		return nil, storeErr(err)
	}
	m := pre.Membership
	if verr != nil {
		return nil, verr
	}
	if !canManage(m, req.orgRole, req.projectIDs) {
		if req.orgRole == OrgOwner && m.Role != OrgOwner {
			return nil, Errorf(ECodeForbidden, "only organization owners can invite organization owners")
		}
		return nil, Errorf(ECodeForbidden, "only organization owners, or owners of every listed project, can invite")
	}
	projects := pre.Projects
	v := Validation{}
	for i, p := range in.ProjectIDs {
		if _, ok := projects[p]; !ok && ValidID(p) {
			v.Add(fieldIndex("projectIds", i), "is not a project of this organization")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ch, err := s.newCharge(orgID, id.UserID, len(req.emails)) // limits.go
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for pid, p := range projects {
		names[pid] = p.Name
	}
	results := make([]InviteResult, 0, len(req.order))
	for _, email := range req.order {
		if bad := req.invalid[email]; bad != nil {
			results = append(results, InviteResult{Email: email, Status: ResultFailed, Error: bad})
			continue
		}
		r, err := s.inviteOne(ctx, id, m, req, names, email, pre, ch)
		if ErrorCode(err) == ECodeRateLimited {
			return nil, err // only the first write carries the charge: nothing was written
		}
		if err != nil {
			r = InviteResult{Email: email, Status: ResultFailed, Error: asError(err)}
			s.cfg.Logger.ErrorContext(ctx, "invite failed", "org", orgID, "code", r.Error.Code, "err", err.Error())
		}
		results = append(results, r)
	}
	return results, nil
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// inviteOne invites one address, starting from its state as pre read it
// (a retry re-reads it).
func (s *Service) inviteOne(ctx context.Context, id Identity, m Membership, req inviteRequest, names map[string]string, email string, pre InviteReads, ch *charge) (InviteResult, error) {
	if r, done, err := s.inviteExisting(ctx, id, m, req, names, email, pre, ch); done { // existing_accounts.go
		return r, err
	}
	var inv Invite
	var token string
	first, reused := true, false
	err := retry(func() error {
		now := s.now()
		token, reused = "", false
		var openID string
		var err error
		if first {
			first = false
			if openID = pre.OpenInvites[email]; openID == "" {
				err = ErrNotFound
			}
		} else {
			openID, err = s.store.OpenInviteID(ctx, m.OrgID, email)
		}
		if errors.Is(err, ErrNotFound) {
			inv = Invite{ID: NewID("inv", now), OrgID: m.OrgID, OrgName: m.OrgName, Email: email,
				OrgRole: req.orgRole, ProjectIDs: req.projectIDs, ProjectNames: names, ProjectRole: req.projectRole,
				InvitedBy: id.UserID, InvitedByEmail: id.Email, CreatedAt: now,
				ExpiresAt: now.Add(time.Duration(req.days) * 24 * time.Hour), ExpiresInDays: req.days}
			token = inv.issueToken(now)
			err = s.store.CreateInvite(ctx, inv, s.audit(id, m.OrgID, AuditInviteCreated, inv.ID, nil, inviteAudit(inv)), ch.c)
			if errors.Is(err, ErrExists) {
				return ErrConflict // someone else opened one: refresh it instead
			}
			return err
		}
		if err != nil {
			return err
		}
		prev, err := s.store.GetInvite(ctx, m.OrgID, openID)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrConflict
			}
			return err
		}
		inv = prev
		inv.OrgRole = prev.OrgRole.Max(req.orgRole)
		inv.ProjectRole = prev.ProjectRole.Max(req.projectRole)
		inv.ProjectNames = mergeNames(prev.ProjectNames, names)
		for _, p := range req.projectIDs {
			if !slices.Contains(inv.ProjectIDs, p) {
				inv.ProjectIDs = append(inv.ProjectIDs, p)
			}
		}
		// Refreshing replaces the open invite's token, so the caller must be
		// able to manage it as it stands, not only as merged: otherwise a
		// project owner could take over an org owner's invite by merging.
		if !canManage(m, prev.OrgRole, prev.ProjectIDs) || !canManage(m, inv.OrgRole, inv.ProjectIDs) {
			return Errorf(ECodeForbidden, "this address has an open invite you cannot change; ask an organization owner")
		}
		if freshlyCovers(prev, req, now) {
			reused = true // a concurrent or repeated request just mailed these terms
			return nil
		}
		token = inv.issueToken(now)
		inv.ExpiresInDays = req.days
		inv.ExpiresAt = now.Add(time.Duration(req.days) * 24 * time.Hour)
		inv.InvitedBy, inv.InvitedByEmail = id.UserID, id.Email
		return s.store.ReplaceInvite(ctx, inv, prev.TokenHash,
			s.audit(id, m.OrgID, AuditInviteResent, inv.ID, inviteAudit(prev), inviteAudit(inv)), ch.c)
	})
	if !reused { // a reused invite was written and mailed by the request that issued it
		if err := s.settle(ch, err); err != nil {
			return InviteResult{}, storeErr(err)
		}
		inv.Delivery = s.sendInvite(ctx, inv, token)
	}
	exp := inv.ExpiresAt
	return InviteResult{Email: email, Status: ResultInvited, InviteID: inv.ID, ExpiresAt: &exp, Delivery: inv.Delivery}, nil
}

// reuseWindow is how recently an open invite must have been issued for a
// request with the same or narrower terms to reuse it instead of replacing
// its token: concurrent or double-submitted invites of one address then
// mail one working link instead of several dead ones.
const reuseWindow = 10 * time.Second

// freshlyCovers reports whether open invite prev was issued within
// reuseWindow of now, was not left undelivered, and already grants at least
// what req asks for, for at least as long.
func freshlyCovers(prev Invite, req inviteRequest, now time.Time) bool {
	issued := prev.ExpiresAt.Add(-time.Duration(prev.ExpiresInDays) * 24 * time.Hour)
	if prev.Status != InvitePending || prev.Delivery == DeliveryFailed || prev.Delivery == DeliveryBounced ||
		now.Sub(issued) > reuseWindow || req.days > prev.ExpiresInDays || prev.OrgRole.Max(req.orgRole) != prev.OrgRole {
		return false
	}
	for _, p := range req.projectIDs {
		if !slices.Contains(prev.ProjectIDs, p) || prev.ProjectRole.Max(req.projectRole) != prev.ProjectRole {
			return false
		}
	}
	return true
}

func mergeNames(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func inviteAudit(inv Invite) map[string]any {
	m := map[string]any{"email": inv.Email, "orgRole": string(inv.OrgRole), "expiresAt": inv.ExpiresAt.Format(time.RFC3339)}
	if len(inv.ProjectIDs) > 0 {
		m["projectIds"] = inv.ProjectIDs
		m["projectRole"] = string(inv.ProjectRole)
	}
	return m
}

// issueToken gives inv a fresh token (returned; only its hash is kept) and
// a fresh MailID, pending delivery.
func (inv *Invite) issueToken(now time.Time) string {
	token, hash := NewToken()
	inv.TokenHash, inv.MailID = hash, NewID("mail", now)
	inv.Status, inv.Delivery, inv.MessageID = InvitePending, DeliveryPending, ""
	return token
}

// sendInvite mails the invite. A send SES accepted is recorded by SES's own
// Send event (sesevents), not here, so the success path writes nothing;
// a refused send is recorded as failed (the invite is kept and can be
// resent). It returns what the caller is told: sent or failed.
func (s *Service) sendInvite(ctx context.Context, inv Invite, token string) Delivery {
	mail := InviteMail{To: inv.Email, OrgID: inv.OrgID, InviteID: inv.ID, MailID: inv.MailID, OrgName: inv.OrgName,
		InviterEmail: inv.InvitedByEmail, OrgRole: inv.OrgRole, ProjectRole: inv.ProjectRole,
		ExpiresAt: inv.ExpiresAt, Link: s.cfg.AppBaseURL + "/accept#token=" + token}
	for _, p := range inv.ProjectIDs {
		mail.Projects = append(mail.Projects, inv.ProjectNames[p])
	}
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

func (s *Service) grantNow(ctx context.Context, id Identity, m Membership, req inviteRequest, names map[string]string, email, uid string, ch *charge) (InviteResult, error) {
	status := ResultAlreadyMember
	var after Membership
	err := retry(func() error {
		now := s.now()
		target, err := s.store.GetMembership(ctx, m.OrgID, uid)
		if errors.Is(err, ErrNotFound) {
			target = Membership{OrgID: m.OrgID, OrgName: m.OrgName, UserID: uid, Email: email}
		} else if err != nil {
			return err
		}
		after = target.merged(req.orgRole, req.projectIDs, req.projectRole)
		if target.Exists() && target.sameAccess(after) {
			status = ResultAlreadyMember
			return nil
		}
		if !target.Exists() {
			after.JoinedAt = now
		}
		action := AuditMemberAdded
		if target.Exists() {
			action = AuditMemberRole
		}
		status = ResultAdded
		return s.store.ApplyChange(ctx, Change{Before: target, After: &after, ProjectNames: names, Now: now, Charge: ch.c,
			Audit: []AuditEvent{s.audit(id, m.OrgID, action, uid, accessMap(target), accessMap(after))}})
	})
	if err != nil || status == ResultAdded { // already_member wrote nothing: the charge waits for a write
		err = s.settle(ch, err)
	}
	if err != nil {
		return InviteResult{}, storeErr(err)
	}
	res := InviteResult{Email: email, Status: status}
	if status == ResultAdded {
		mail := AddedMail{To: email, OrgName: m.OrgName, InviterEmail: id.Email, OrgRole: after.Role,
			ProjectRole: req.projectRole, Link: s.cfg.AppBaseURL + "/"}
		for _, p := range req.projectIDs {
			mail.Projects = append(mail.Projects, names[p])
		}
		res.Delivery = DeliverySent
		if _, err := s.mail.SendAdded(ctx, mail); err != nil {
			res.Delivery = DeliveryFailed
			s.cfg.Logger.WarnContext(ctx, "added email not sent", "org", m.OrgID, "user", uid, "err", err)
		}
	}
	return res, nil
}

// PreviewView is POST /invites/preview.
type PreviewView struct {
	OrgID       string        `json:"orgId"`
	OrgName     string        `json:"orgName"`
	InvitedBy   string        `json:"invitedBy"`
	Email       string        `json:"email"`
	OrgRole     OrgRole       `json:"orgRole"`
	Projects    []ProjectName `json:"projects"`
	ProjectRole *ProjectRole  `json:"projectRole"`
	ExpiresAt   time.Time     `json:"expiresAt"`
	Status      InviteStatus  `json:"status"`
}

// ProjectName is a project id with its name.
type ProjectName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
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
	v := PreviewView{OrgID: inv.OrgID, OrgName: inv.OrgName, InvitedBy: inv.InvitedByEmail, Email: inv.Email,
		OrgRole: inv.OrgRole, Projects: []ProjectName{}, ExpiresAt: inv.ExpiresAt, Status: st}
	for _, p := range inv.ProjectIDs {
		v.Projects = append(v.Projects, ProjectName{ID: p, Name: inv.ProjectNames[p]})
	}
	if inv.ProjectRole != "" {
		r := inv.ProjectRole
		v.ProjectRole = &r
	}
	return v, nil
}

// AcceptView is POST /invites/accept.
type AcceptView struct {
	OrgID    string            `json:"orgId"`
	OrgRole  OrgRole           `json:"orgRole"`
	Projects []ProjectRoleView `json:"projects"`
}

// ProjectRoleView is a project id with a role.
type ProjectRoleView struct {
	ID   string      `json:"id"`
	Role ProjectRole `json:"role"`
}

func acceptView(inv Invite) AcceptView {
	v := AcceptView{OrgID: inv.OrgID, OrgRole: inv.ResultOrgRole, Projects: []ProjectRoleView{}}
	for _, p := range inv.ProjectIDs {
		v.Projects = append(v.Projects, ProjectRoleView{ID: p, Role: inv.ResultProjects[p]})
	}
	return v
}

// Accept joins the caller to the invite's organization and projects.
// Accepting again as the same user returns the same result. Returns
// unauthorized, invite_not_found, invite_email_mismatch, invite_expired,
// invite_already_accepted (by another account), email_in_use.
func (s *Service) Accept(ctx context.Context, id Identity, token string) (AcceptView, error) {
	if err := requireSignedIn(id); err != nil {
		return AcceptView{}, err
	}
	hash, err := tokenParse(token)
	if err != nil {
		return AcceptView{}, err
	}
	if out, done, err := s.acceptNewMember(ctx, id, hash); done {
		return out, err
	}
	var out AcceptView
	err = retry(func() error {
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
			m = *pre.Membership
		}
		after := m.merged(inv.OrgRole, inv.ProjectIDs, inv.ProjectRole)
		if !m.Exists() {
			after.JoinedAt = now
		}
		inv.AcceptedBy, inv.ResultOrgRole, inv.ResultProjects = id.UserID, after.Role, after.Projects
		evs := []AuditEvent{s.audit(id, inv.OrgID, AuditInviteAccepted, inv.ID, nil, map[string]any{"userId": id.UserID})}
		if !m.sameAccess(after) || !m.Exists() {
			action := AuditMemberAdded
			if m.Exists() {
				action = AuditMemberRole
			}
			evs = append(evs, s.audit(id, inv.OrgID, action, id.UserID, accessMap(m), accessMap(after)))
		}
		if err := s.store.ApplyChange(ctx, Change{Before: m, After: &after, AcceptInvite: &inv,
			ProjectNames: inv.ProjectNames, Now: now, Audit: evs}); err != nil {
			return err
		}
		out = acceptView(inv)
		return nil
	})
	return out, storeErr(err)
}

// acceptNewMember is the common case of Accept in two store calls: the
// token's snapshot of the invite, then one transaction that registers the
// caller, makes them a new member and marks the invite accepted, all
// conditioned (the invite still pending with this token and unexpired, no
// membership yet, the email not another account's). done is false when the
// case is not the common one or a condition failed; Accept then decides
// from fresh reads, which also give every error its precise code.
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
	after := m.merged(inv.OrgRole, inv.ProjectIDs, inv.ProjectRole)
	after.JoinedAt = now
	inv.AcceptedBy, inv.ResultOrgRole, inv.ResultProjects = id.UserID, after.Role, after.Projects
	err = s.store.ApplyChange(ctx, Change{Before: m, After: &after, AcceptInvite: &inv, ProjectNames: inv.ProjectNames,
		Now: now, Register: &User{ID: id.UserID, Email: id.Email, CreatedAt: now},
		Audit: []AuditEvent{
			s.audit(id, inv.OrgID, AuditInviteAccepted, inv.ID, nil, map[string]any{"userId": id.UserID}),
			s.audit(id, inv.OrgID, AuditMemberAdded, id.UserID, nil, accessMap(after)),
		}})
	switch {
	case err == nil:
		return acceptView(inv), true, nil
	case errors.Is(err, ErrConflict), errors.Is(err, ErrExists):
		return AcceptView{}, false, nil
	}
	return AcceptView{}, true, storeErr(err)
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
