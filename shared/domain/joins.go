package domain

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"
)

// Joining an organization through a verified domain, and join requests.

// Join request statuses.
const (
	JoinPending  = "pending"
	JoinApproved = "approved"
	JoinDenied   = "denied"
)

// Ways a member joined, in audit events' "via" and membership events.
const (
	JoinedViaInvite  = "invite"
	JoinedViaDomain  = "domain"
	JoinedViaRequest = "request"
)

// JoinRequestView is a join request as the API shows it.
type JoinRequestView struct {
	ID        string         `json:"id"`
	OrgID     string         `json:"orgId"`
	OrgName   string         `json:"orgName"`
	UserID    string         `json:"userId"`
	Email     string         `json:"email"`
	Domain    string         `json:"domain"`
	Status    string         `json:"status"`
	OrgRole   OrgRole        `json:"orgRole"`
	Projects  []ProjectGrant `json:"projects"`
	CreatedAt time.Time      `json:"createdAt"`
	// AnsweredAt and AnsweredBy (the approver's address) once answered.
	AnsweredAt *time.Time `json:"answeredAt,omitempty"`
	AnsweredBy string     `json:"answeredBy,omitempty"`
}

// JoinRequest is a person's request to join an organization through a
// verified domain whose policy is JoinRequest. The roles are those the
// domain gave when it was made; an approver may give others.
type JoinRequest struct {
	JoinRequestView
	ProjectNames map[string]string
	// AnsweredByID is the approver's user id.
	AnsweredByID string
}

// Grant is what the request asks for.
func (r JoinRequest) Grant() Grant { return Grant{OrgRole: r.OrgRole, Projects: r.Projects} }

// JoinReads is what ReadForJoin returns; nil for what does not exist.
type JoinReads struct {
	Domain     *Domain
	Membership *Membership
	User       *User
	// Open is the caller's pending request in the organization.
	Open *JoinRequest
}

// JoinResult is the answer of POST /orgs/{orgId}/join.
type JoinResult struct {
	// Status is "joined" (a member now), "member" (was already) or
	// "requested" (a pending join request: the answer is 202).
	Status   string           `json:"status"`
	OrgID    string           `json:"orgId"`
	OrgName  string           `json:"orgName"`
	OrgRole  OrgRole          `json:"orgRole,omitempty"`
	Projects []ProjectGrant   `json:"projects,omitempty"`
	Request  *JoinRequestView `json:"request,omitempty"`
}

// JoinResult statuses.
const (
	JoinResultJoined    = "joined"
	JoinResultMember    = "member"
	JoinResultRequested = "requested"
)

func errJoinNotOffered() error {
	return Errorf(ECodeOrgNotFound, "no such organization, or it does not let people at your address's domain join")
}

// Join joins the caller to an organization that verified the domain of
// their verified address: at once with the domain's roles when its policy
// is auto (a membership change, like accepting an invite), or by creating
// a join request (idempotent: the pending one is returned) when it is
// request. Approvers get one email per batch of requests (NotifyApprovers).
// Returns unauthorized, email_not_verified, org_not_found (no such
// organization, or no verified domain of the caller's with a join policy),
// email_in_use, rate_limited.
func (s *Service) Join(ctx context.Context, id Identity, orgID string) (JoinResult, error) {
	if err := requireSignedIn(id); err != nil {
		return JoinResult{}, err
	}
	if err := requireVerified(id); err != nil {
		return JoinResult{}, err
	}
	dom := EmailDomain(id.Email)
	if !ValidID(orgID) || dom == "" {
		return JoinResult{}, errJoinNotOffered()
	}
	var out JoinResult
	notify := false
	err := retry(func() error {
		notify = false
		pre, err := s.store.ReadForJoin(ctx, orgID, id.UserID, dom)
		if err != nil {
			return err
		}
		// A membership whose access ended (expiry.go) is none: joining
		// starts afresh from it (merged), before the sweep removes it.
		var expired *Membership
		if m := pre.Membership; m != nil {
			if at := m.at(s.now()); at.orgExpired() {
				expired = &at
			} else {
				out = JoinResult{Status: JoinResultMember, OrgID: orgID, OrgName: m.OrgName, OrgRole: m.Role, Projects: grantsOf(m.Projects)}
				return nil
			}
		}
		d := pre.Domain
		if d == nil || d.Status != DomainVerified || !d.JoinPolicy.Suggested() {
			return errJoinNotOffered()
		}
		if pre.Open != nil {
			v := pre.Open.JoinRequestView
			out = JoinResult{Status: JoinResultRequested, OrgID: orgID, OrgName: d.OrgName, Request: &v}
			return nil
		}
		now := s.now()
		// A new user is registered in the join's own transaction (as
		// accepting an invite does); anyone else first, when needed.
		var register *User
		if pre.User == nil && d.JoinPolicy == JoinPolicyAuto {
			register = &User{ID: id.UserID, Email: id.Email, CreatedAt: now}
		} else if _, err := s.registerWith(ctx, id, pre.User); errors.Is(err, ErrExists) {
			return errEmailInUse()
		} else if err != nil {
			return err
		}
		if d.JoinPolicy == JoinPolicyAuto {
			m := Membership{OrgID: orgID, OrgName: d.OrgName, UserID: id.UserID, Email: id.Email}
			if expired != nil {
				m = *expired
			}
			after := m.merged(d.Grant())
			after.JoinedAt = now
			err := s.store.ApplyChange(ctx, Change{Before: m, After: &after, ProjectNames: d.ProjectNames, Now: now,
				JoinDomain: d, Register: register, Audit: []AuditEvent{s.audit(id, orgID, AuditMemberAdded, id.UserID, nil,
					withVia(accessMap(after), JoinedViaDomain, d.Domain))}})
			if errors.Is(err, ErrExists) {
				return errEmailInUse()
			}
			if errors.Is(err, ErrProvisioned) {
				// A directory provisioned the address: register and link
				// it (which may make the caller a member here), then
				// decide again from fresh reads.
				if _, err := s.registerWith(ctx, id, nil); errors.Is(err, ErrExists) {
					return errEmailInUse()
				} else if err != nil {
					return err
				}
				return ErrConflict
			}
			if err != nil {
				return err
			}
			out = JoinResult{Status: JoinResultJoined, OrgID: orgID, OrgName: d.OrgName, OrgRole: after.Role, Projects: grantsOf(after.Projects)}
			return nil
		}
		r := JoinRequest{JoinRequestView: JoinRequestView{ID: NewID("jrq", now), OrgID: orgID, OrgName: d.OrgName,
			UserID: id.UserID, Email: id.Email, Domain: d.Domain, Status: JoinPending, OrgRole: d.OrgRole,
			Projects: nonNil(d.Projects), CreatedAt: now}, ProjectNames: d.ProjectNames}
		ev := s.audit(id, orgID, AuditJoinRequested, r.ID, nil, map[string]any{"email": id.Email, "userId": id.UserID,
			"domain": d.Domain})
		if err := s.store.CreateJoinRequest(ctx, r, *d, ev); err != nil {
			return err
		}
		v := r.JoinRequestView
		out, notify = JoinResult{Status: JoinResultRequested, OrgID: orgID, OrgName: d.OrgName, Request: &v}, true
		return nil
	})
	if err != nil {
		return JoinResult{}, storeErr(err)
	}
	if notify {
		s.notifyApprovers(ctx, out.OrgID, out.OrgName, *out.Request)
	}
	return out, nil
}

// withVia adds how a member joined to an audit event's "after".
func withVia(m map[string]any, via, detail string) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	m["via"] = via
	if detail != "" && via == JoinedViaDomain {
		m["domain"] = detail
	}
	return m
}

func grantsOf(ps map[string]ProjectRole) []ProjectGrant {
	out := []ProjectGrant{}
	for id, r := range ps {
		out = append(out, ProjectGrant{ID: id, Role: r})
	}
	sortGrants(out)
	return out
}

// notifyApprovers mails the organization's approvers about r unless they
// were mailed about a request still unanswered: one mail per batch of
// requests (the batch ends when every pending request is answered).
// Failures are logged: the request stands and the console lists it.
func (s *Service) notifyApprovers(ctx context.Context, orgID, orgName string, r JoinRequestView) {
	first, err := s.store.MarkJoinNotified(ctx, orgID)
	if err != nil {
		s.cfg.Logger.Warn("join request: approvers not notified", "orgId", orgID, "err", err)
		return
	}
	if !first {
		return
	}
	to, err := s.store.ListMemberEmails(ctx, orgID, joinApproverRoles(), MaxApproverMails)
	if err != nil {
		s.cfg.Logger.Warn("join request: approvers not listed", "orgId", orgID, "err", err)
		return
	}
	for _, addr := range to {
		if _, err := s.mail.SendJoinRequest(ctx, JoinRequestMail{To: addr, OrgName: orgName, RequesterEmail: r.Email,
			Domain: r.Domain, Link: s.cfg.AppBaseURL + "/#join-requests-card"}); err != nil {
			s.cfg.Logger.Warn("join request mail not sent", "orgId", orgID, "err", err)
		}
	}
}

// MaxApproverMails bounds the approvers mailed about one batch of requests.
const MaxApproverMails = 50

// authorizeJoinRequests returns the caller's membership when they may
// answer join requests. Returns org_not_found, forbidden.
func (s *Service) authorizeJoinRequests(ctx context.Context, id Identity, orgID string) (Membership, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return Membership{}, err
	}
	if !canAnswerJoinRequests(m) {
		return Membership{}, errForbidden("answering join requests")
	}
	return m, nil
}

// JoinRequestPage is a page of join requests.
type JoinRequestPage struct {
	Requests   []JoinRequestView `json:"requests"`
	NextCursor *string           `json:"nextCursor"`
}

// ListJoinRequests lists the organization's pending join requests, oldest
// first. Returns org_not_found, forbidden, invalid_cursor.
func (s *Service) ListJoinRequests(ctx context.Context, id Identity, orgID string, p Page) (JoinRequestPage, error) {
	if _, err := s.authorizeJoinRequests(ctx, id, orgID); err != nil {
		return JoinRequestPage{}, err
	}
	rs, next, err := page(s, "join-requests/"+orgID, p, func(after string, limit int) ([]JoinRequest, string, error) {
		return s.store.ListPendingJoinRequests(ctx, orgID, after, limit)
	})
	out := JoinRequestPage{Requests: []JoinRequestView{}, NextCursor: next}
	for _, r := range rs {
		out.Requests = append(out.Requests, r.JoinRequestView)
	}
	return out, err
}

// ApproveInput is the optional body of an approval: other roles than the
// request's.
type ApproveInput struct {
	OrgRole  *string         `json:"orgRole"`
	Projects *[]ProjectInput `json:"projects"`
	// AccessExpiresAt (RFC 3339) ends the organization access the approval
	// gives (expiry.go); nil for no end.
	AccessExpiresAt *string `json:"accessExpiresAt"`
}

func (s *Service) pendingRequest(ctx context.Context, orgID, reqID string) (JoinRequest, error) {
	if !ValidID(reqID) {
		return JoinRequest{}, Errorf(ECodeJoinRequestNotFound, "no such join request")
	}
	r, err := s.store.GetJoinRequest(ctx, orgID, reqID)
	switch {
	case errors.Is(err, ErrNotFound):
		return JoinRequest{}, Errorf(ECodeJoinRequestNotFound, "no such join request")
	case err != nil:
		return JoinRequest{}, err
	case r.Status != JoinPending:
		return JoinRequest{}, Errorf(ECodeJoinRequestNotPending, "this join request was %s already", r.Status)
	}
	return r, nil
}

// ApproveJoinRequest makes the requester a member with the request's roles
// or those of in, which must be roles the approver may grant (the policy
// code invites use), and mails the requester. Returns org_not_found,
// forbidden, join_request_not_found, join_request_not_pending,
// validation_failed, project_not_found.
func (s *Service) ApproveJoinRequest(ctx context.Context, id Identity, orgID, reqID string, in ApproveInput) (JoinRequestView, error) {
	v := Validation{}
	var role OrgRole
	if in.OrgRole != nil {
		role = validOrgRole(&v, *in.OrgRole)
	}
	var projects []ProjectGrant
	if in.Projects != nil {
		projects, _ = validProjects(&v, nil, "", *in.Projects, s.now())
	}
	var end time.Time
	if in.AccessExpiresAt != nil {
		end = validExpiry(&v, "accessExpiresAt", *in.AccessExpiresAt, s.now())
	}
	if err := v.Err(); err != nil {
		return JoinRequestView{}, err
	}
	var out JoinRequest
	var added Membership
	err := retry(func() error {
		m, err := s.authorizeJoinRequests(ctx, id, orgID)
		if err != nil {
			return err
		}
		r, err := s.pendingRequest(ctx, orgID, reqID)
		if err != nil {
			return err
		}
		g := r.Grant()
		if role != "" {
			g.OrgRole = role
		}
		names := r.ProjectNames
		if in.Projects != nil {
			g.Projects = projects
		}
		g.AccessExpiresAt = end
		if !end.IsZero() && ownersNeverExpire(g.OrgRole) {
			return errOwnerExpiry()
		}
		if len(g.Projects) > 0 {
			ps, err := s.store.GetProjects(ctx, orgID, g.ProjectIDs())
			if err != nil {
				return err
			}
			names = map[string]string{}
			for _, p := range g.Projects {
				pr, ok := ps[p.ID]
				if !ok {
					return Errorf(ECodeProjectNotFound, "a project of this request is not in this organization")
				}
				names[p.ID] = pr.Name
			}
		}
		if !canGrant(m, g) {
			return errCannotGrant(m, g)
		}
		before, err := s.store.GetMembership(ctx, orgID, r.UserID)
		before = before.at(s.now())
		if errors.Is(err, ErrNotFound) {
			before = Membership{OrgID: orgID, OrgName: r.OrgName, UserID: r.UserID, Email: r.Email}
		} else if err != nil {
			return err
		}
		now := s.now()
		after := before.merged(g)
		if !before.Exists() {
			after.JoinedAt = now
		}
		r.Status, r.AnsweredAt, r.AnsweredBy, r.AnsweredByID = JoinApproved, &now, id.Email, id.UserID
		r.OrgRole, r.Projects = g.OrgRole, nonNil(g.Projects)
		evs := []AuditEvent{s.audit(id, orgID, AuditJoinApproved, r.ID, nil, map[string]any{"email": r.Email,
			"userId": r.UserID, "orgRole": string(g.OrgRole)})}
		if !before.Exists() || !before.sameAccess(after) {
			action := AuditMemberAdded
			if before.Exists() {
				action = AuditMemberRole
			}
			evs = append(evs, s.audit(id, orgID, action, r.UserID, accessMap(before), withVia(accessMap(after), JoinedViaRequest, "")))
		}
		c := Change{Before: before, After: &after, ProjectNames: names, Now: now, AnswerJoin: &r, Audit: evs}
		if err := s.store.ApplyChange(ctx, c); err != nil {
			return err
		}
		out, added = r, after
		return nil
	})
	if err != nil {
		return JoinRequestView{}, storeErr(err)
	}
	s.joinAnswered(ctx, orgID)
	var mps []MailProject
	for _, p := range out.Projects {
		mps = append(mps, MailProject{Name: out.ProjectNames[p.ID], Role: p.Role})
	}
	if _, err := s.mail.SendAdded(ctx, AddedMail{To: out.Email, OrgName: out.OrgName, InviterEmail: id.Email,
		Projects: mps, OrgRole: added.Role, Link: s.cfg.AppBaseURL + "/"}); err != nil {
		s.cfg.Logger.Warn("join approval mail not sent", "orgId", orgID, "err", err)
	}
	return out.JoinRequestView, nil
}

// DenyJoinRequest refuses a pending request (the requester may ask
// again). Returns org_not_found, forbidden, join_request_not_found,
// join_request_not_pending.
func (s *Service) DenyJoinRequest(ctx context.Context, id Identity, orgID, reqID string) (JoinRequestView, error) {
	var out JoinRequest
	err := retry(func() error {
		if _, err := s.authorizeJoinRequests(ctx, id, orgID); err != nil {
			return err
		}
		r, err := s.pendingRequest(ctx, orgID, reqID)
		if err != nil {
			return err
		}
		now := s.now()
		r.Status, r.AnsweredAt, r.AnsweredBy, r.AnsweredByID = JoinDenied, &now, id.Email, id.UserID
		ev := s.audit(id, orgID, AuditJoinDenied, r.ID, nil, map[string]any{"email": r.Email, "userId": r.UserID})
		if err := s.store.DenyJoinRequest(ctx, r, ev); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return JoinRequestView{}, storeErr(err)
	}
	s.joinAnswered(ctx, orgID)
	return out.JoinRequestView, nil
}

// joinAnswered ends the batch of requests when none is pending any more,
// so the next request mails the approvers again.
func (s *Service) joinAnswered(ctx context.Context, orgID string) {
	if err := s.store.ResetJoinNotified(ctx, orgID); err != nil {
		s.cfg.Logger.Warn("join requests: batch not reset", "orgId", orgID, "err", err)
	}
}

func sortGrants(gs []ProjectGrant) {
	slices.SortFunc(gs, func(a, b ProjectGrant) int { return cmp.Compare(a.ID, b.ID) })
}
