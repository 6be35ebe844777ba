package domain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// InviteLink is a shareable link that lets anyone holding it (signed in,
// with a verified address, in one of AllowedDomains when set) join an
// organization with the link's roles, up to MaxUses people, until
// ExpiresAt or until it is disabled. Only its token's hash is stored.
type InviteLink struct {
	ID             string
	OrgID          string
	OrgName        string
	OrgRole        OrgRole
	Projects       []ProjectGrant
	ProjectNames   map[string]string
	AllowedDomains []string
	CreatedBy      string // user id
	CreatedByEmail string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	// AccessExpiresAt ends the access joining gives (zero: never); each
	// project of Projects may end earlier (accessExpiresAt on invites).
	AccessExpiresAt time.Time
	MaxUses         int
	// Uses counts the people who joined through the link.
	Uses      int
	Disabled  bool
	TokenHash string
}

// Grant returns what joining by l gives.
func (l InviteLink) Grant() Grant {
	return Grant{OrgRole: l.OrgRole, Projects: l.Projects, AccessExpiresAt: l.AccessExpiresAt}
}

// LinkStatus is an invite link's state as seen at some instant.
type LinkStatus string

// Link statuses.
const (
	LinkActive   LinkStatus = "active"
	LinkExpired  LinkStatus = "expired"
	LinkDisabled LinkStatus = "disabled"
	LinkUsedUp   LinkStatus = "used_up"
)

// StatusAt is l's status at now.
func (l InviteLink) StatusAt(now time.Time) LinkStatus {
	switch {
	case l.Disabled:
		return LinkDisabled
	case !now.Before(l.ExpiresAt):
		return LinkExpired
	case l.Uses >= l.MaxUses:
		return LinkUsedUp
	}
	return LinkActive
}

// allows reports whether an address may join by l (its domain is one of
// AllowedDomains, or the link has none).
func (l InviteLink) allows(email string) bool {
	if len(l.AllowedDomains) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	return at >= 0 && slices.Contains(l.AllowedDomains, email[at+1:])
}

// Limits of invite links.
const (
	DefaultLinkMaxUses  = 25
	MaxLinkMaxUses      = 1000
	MaxLinkDomains      = 20
	DefaultLinkJoinsCap = 100 // joins per link per hour
	DefaultOrgJoinsCap  = 500 // joins by link per organization per hour
	// JoinedViaLink is the `via` of a member.added audit event (and
	// membership event) of someone who joined by an invite link (with
	// the JoinedVia… of joins.go).
	JoinedViaLink = "link"
)

// Audit actions of invite links.
const (
	AuditLinkCreated  = "invite_link.created"
	AuditLinkDisabled = "invite_link.disabled"
)

// InviteLinkInput is the body of POST /orgs/{orgId}/invite-links.
type InviteLinkInput struct {
	OrgRole        string         `json:"orgRole"`
	Projects       []ProjectInput `json:"projects"`
	ExpiresInDays  *int           `json:"expiresInDays"`
	MaxUses        *int           `json:"maxUses"`
	AllowedDomains []string       `json:"allowedDomains"`
	// AccessExpiresAt (RFC 3339) ends the access of those who join, as
	// on invites.
	AccessExpiresAt *string `json:"accessExpiresAt"`
}

type linkRequest struct {
	grant   Grant
	fields  []string
	days    int
	maxUses int
	domains []string
}

func (in InviteLinkInput) validate(now time.Time) (linkRequest, error) {
	v := Validation{}
	r := linkRequest{grant: Grant{OrgRole: lowestOrgRole()}, days: DefaultExpiryDays, maxUses: DefaultLinkMaxUses}
	if in.OrgRole != "" {
		r.grant.OrgRole = validOrgRole(&v, in.OrgRole)
	}
	if in.Projects != nil {
		r.grant.Projects, r.fields = validProjects(&v, nil, "", in.Projects, now)
	}
	if in.AccessExpiresAt != nil {
		r.grant.AccessExpiresAt = validExpiry(&v, "accessExpiresAt", *in.AccessExpiresAt, now)
		if ownersNeverExpire(r.grant.OrgRole) {
			v.Add("accessExpiresAt", "cannot be set for an organization owner: an organization must keep its owners")
		}
	}
	if in.ExpiresInDays != nil {
		r.days = validDays(&v, *in.ExpiresInDays)
	}
	if in.MaxUses != nil {
		if r.maxUses = *in.MaxUses; r.maxUses < 1 || r.maxUses > MaxLinkMaxUses {
			v.Add("maxUses", "must be from 1 to %d", MaxLinkMaxUses)
		}
	}
	if len(in.AllowedDomains) > MaxLinkDomains {
		v.Add("allowedDomains", "must list at most %d domains", MaxLinkDomains)
	} else {
		for i, d := range in.AllowedDomains {
			nd, ok := normalizeDomain(d)
			if !ok {
				v.Add(fieldIndex("allowedDomains", i), "must be a domain name like example.com")
				continue
			}
			if !slices.Contains(r.domains, nd) {
				r.domains = append(r.domains, nd)
			}
		}
	}
	return r, v.Err()
}

// normalizeDomain lowercases a domain name and checks it: labels of
// letters, digits and hyphens, at least two, no empty label.
func normalizeDomain(s string) (string, bool) {
	d := strings.ToLower(strings.TrimSpace(s))
	if len(d) > 253 || !strings.Contains(d, ".") {
		return "", false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", false
			}
		}
	}
	return d, true
}

// InviteLinkView is an invite link as the management routes show it. URL
// (with the token in its fragment) is only in the answer that created it.
type InviteLinkView struct {
	ID             string          `json:"id"`
	URL            string          `json:"url,omitempty"`
	OrgRole        OrgRole         `json:"orgRole"`
	Projects       []InviteProject `json:"projects"`
	AllowedDomains []string        `json:"allowedDomains"`
	Uses           int             `json:"uses"`
	MaxUses        int             `json:"maxUses"`
	ExpiresAt      time.Time       `json:"expiresAt"`
	CreatedAt      time.Time       `json:"createdAt"`
	CreatedBy      string          `json:"createdBy"`
	Status         LinkStatus      `json:"status"`
	// AccessExpiresAt is when the access of those who join ends.
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
	// CanManage: the caller may disable it (they could have made it).
	CanManage bool `json:"canManage"`
}

func linkProjects(l InviteLink) []InviteProject {
	return projectsOf(Invite{Projects: l.Projects, ProjectNames: l.ProjectNames}, nil)
}

func linkView(m Membership, l InviteLink, now time.Time) InviteLinkView {
	return InviteLinkView{ID: l.ID, OrgRole: l.OrgRole, Projects: linkProjects(l), AllowedDomains: nonNil(l.AllowedDomains),
		Uses: l.Uses, MaxUses: l.MaxUses, ExpiresAt: l.ExpiresAt, CreatedAt: l.CreatedAt, CreatedBy: l.CreatedByEmail,
		Status: l.StatusAt(now), CanManage: canGrant(m, l.Grant()), AccessExpiresAt: expiryView(l.AccessExpiresAt)}
}

// CreateInviteLink makes an invite link granting the body's roles, which
// the caller must be allowed to grant (the same policy as invites).
// Returns unauthorized, org_not_found, forbidden, validation_failed.
func (s *Service) CreateInviteLink(ctx context.Context, id Identity, orgID string, in InviteLinkInput) (InviteLinkView, error) {
	req, verr := in.validate(s.now())
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return InviteLinkView{}, err
	}
	if verr != nil {
		return InviteLinkView{}, verr
	}
	if !canGrant(m, req.grant) {
		return InviteLinkView{}, errCannotGrant(m, req.grant)
	}
	names := map[string]string{}
	if len(req.grant.Projects) > 0 {
		ps, err := s.store.GetProjects(ctx, orgID, req.grant.ProjectIDs())
		if err != nil {
			return InviteLinkView{}, storeErr(err)
		}
		v := Validation{}
		for i, p := range req.grant.Projects {
			if _, ok := ps[p.ID]; !ok {
				v.Add(req.fields[i], "is not a project of this organization")
			}
		}
		if err := v.Err(); err != nil {
			return InviteLinkView{}, err
		}
		names = projectNames(ps)
	}
	now := s.now()
	token, hash := NewToken()
	l := InviteLink{ID: NewID("lnk", now), OrgID: orgID, OrgName: m.OrgName, OrgRole: req.grant.OrgRole,
		Projects: req.grant.Projects, ProjectNames: names, AllowedDomains: req.domains, CreatedBy: id.UserID,
		CreatedByEmail: id.Email, CreatedAt: now, ExpiresAt: now.Add(time.Duration(req.days) * 24 * time.Hour),
		MaxUses: req.maxUses, TokenHash: hash, AccessExpiresAt: req.grant.AccessExpiresAt}
	if err := s.store.CreateInviteLink(ctx, l, s.audit(id, orgID, AuditLinkCreated, l.ID, nil, linkAudit(l))); err != nil {
		return InviteLinkView{}, storeErr(err)
	}
	v := linkView(m, l, now)
	v.URL = s.cfg.AppBaseURL + "/join#token=" + token
	return v, nil
}

// linkAudit is a link's terms as the audit trail records them.
func linkAudit(l InviteLink) map[string]any {
	out := map[string]any{"orgRole": string(l.OrgRole), "maxUses": l.MaxUses, "expiresAt": l.ExpiresAt.Format(time.RFC3339)}
	if len(l.Projects) > 0 {
		ps := map[string]any{}
		for _, p := range l.Projects {
			ps[p.ID] = string(p.Role)
		}
		out["projects"] = ps
	}
	if len(l.AllowedDomains) > 0 {
		out["allowedDomains"] = slices.Clone(l.AllowedDomains)
	}
	if !l.AccessExpiresAt.IsZero() {
		out["accessExpiresAt"] = l.AccessExpiresAt.UTC().Format(time.RFC3339)
	}
	return out
}

// InviteLinkList is GET /orgs/{orgId}/invite-links.
type InviteLinkList struct {
	Links []InviteLinkView `json:"links"`
}

// ListInviteLinks lists the organization's invite links the caller may
// see (as for invites: all with org:invites:manage, for project owners
// those touching only their projects), newest first, never their tokens.
// Returns unauthorized, org_not_found, forbidden.
func (s *Service) ListInviteLinks(ctx context.Context, id Identity, orgID string) (InviteLinkList, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return InviteLinkList{}, err
	}
	if !canManageInvites(m) {
		return InviteLinkList{}, errForbidden("managing invite links")
	}
	ls, err := s.store.ListInviteLinks(ctx, orgID)
	if err != nil {
		return InviteLinkList{}, storeErr(err)
	}
	now := s.now()
	out := InviteLinkList{Links: []InviteLinkView{}}
	for i := len(ls) - 1; i >= 0; i-- {
		if canSeeGrant(m, ls[i].Grant()) {
			out.Links = append(out.Links, linkView(m, ls[i], now))
		}
	}
	return out, nil
}

// DisableInviteLink disables a link at once: joining by it answers
// link_expired from then on. Disabling a disabled link changes nothing.
// Returns unauthorized, org_not_found, forbidden, link_not_found (also
// for links the caller may not see).
func (s *Service) DisableInviteLink(ctx context.Context, id Identity, orgID, linkID string) error {
	err := retry(func() error {
		m, err := s.membership(ctx, id, orgID)
		if err != nil {
			return err
		}
		if !canManageInvites(m) {
			return errForbidden("managing invite links")
		}
		if !ValidID(linkID) {
			return errLinkNotFound()
		}
		l, err := s.store.GetInviteLink(ctx, orgID, linkID)
		if errors.Is(err, ErrNotFound) || (err == nil && !canSeeGrant(m, l.Grant())) {
			return errLinkNotFound()
		}
		if err != nil {
			return err
		}
		if !canGrant(m, l.Grant()) {
			return errForbidden("disabling a link with roles you cannot grant")
		}
		if l.Disabled {
			return nil
		}
		return s.store.DisableInviteLink(ctx, l, s.audit(id, orgID, AuditLinkDisabled, l.ID, linkAudit(l),
			map[string]any{"uses": l.Uses}))
	})
	return storeErr(err)
}

func errLinkNotFound() error {
	return Errorf(ECodeLinkNotFound, "this invite link is not valid")
}

func errLinkExpired(l InviteLink, st LinkStatus) error {
	msg := map[LinkStatus]string{
		LinkExpired:  "this invite link expired; ask %s for a new one",
		LinkDisabled: "this invite link was disabled; ask %s for a new one",
		LinkUsedUp:   "this invite link has been used as many times as it allows; ask %s for a new one",
	}[st]
	e := Errorf(ECodeLinkExpired, msg, l.CreatedByEmail)
	e.Extensions = map[string]any{"reason": string(st), "invitedBy": l.CreatedByEmail, "orgName": l.OrgName}
	return e
}

// linkByToken returns the link a token names, as its token item recorded
// it (the terms; Uses and Disabled may be stale). Returns link_not_found.
func (s *Service) linkByToken(ctx context.Context, token string) (InviteLink, string, error) {
	if token == "" {
		v := Validation{}
		v.Add("token", "is required")
		return InviteLink{}, "", v.Err()
	}
	hash, ok := ParseToken(token)
	if !ok {
		return InviteLink{}, "", errLinkNotFound()
	}
	l, err := s.store.InviteLinkSnapshot(ctx, hash)
	if errors.Is(err, ErrNotFound) || (err == nil && l.TokenHash != hash) {
		return InviteLink{}, "", errLinkNotFound()
	}
	return l, hash, storeErr(err)
}

// LinkPreviewView is POST /invite-links/preview: what a link offers.
type LinkPreviewView struct {
	OrgID          string          `json:"orgId"`
	OrgName        string          `json:"orgName"`
	InvitedBy      string          `json:"invitedBy"`
	OrgRole        OrgRole         `json:"orgRole"`
	Projects       []InviteProject `json:"projects"`
	AllowedDomains []string        `json:"allowedDomains"`
	ExpiresAt      time.Time       `json:"expiresAt"`
	// AccessExpiresAt is when the access joining gives ends.
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
}

// PreviewInviteLink describes what a link offers, without sign-in: two
// reads (the token, then the link as it is now). Returns link_not_found,
// link_expired (expired, disabled or used up).
func (s *Service) PreviewInviteLink(ctx context.Context, token string) (LinkPreviewView, error) {
	snap, _, err := s.linkByToken(ctx, token)
	if err != nil {
		return LinkPreviewView{}, err
	}
	l, err := s.store.GetInviteLink(ctx, snap.OrgID, snap.ID)
	if errors.Is(err, ErrNotFound) {
		return LinkPreviewView{}, errLinkNotFound()
	}
	if err != nil {
		return LinkPreviewView{}, storeErr(err)
	}
	if st := l.StatusAt(s.now()); st != LinkActive {
		return LinkPreviewView{}, errLinkExpired(l, st)
	}
	return LinkPreviewView{OrgID: l.OrgID, OrgName: l.OrgName, InvitedBy: l.CreatedByEmail, OrgRole: l.OrgRole,
		Projects: linkProjects(l), AllowedDomains: nonNil(l.AllowedDomains), ExpiresAt: l.ExpiresAt,
		AccessExpiresAt: expiryView(l.AccessExpiresAt)}, nil
}

// LinkJoinView is POST /invite-links/join: the caller's access in the
// organization now; Joined is false when they were a member already (a
// repeated join answers the same and changes nothing).
type LinkJoinView struct {
	OrgID    string          `json:"orgId"`
	OrgName  string          `json:"orgName"`
	OrgRole  OrgRole         `json:"orgRole"`
	Projects []InviteProject `json:"projects"`
	Joined   bool            `json:"joined"`
}

func joinView(m Membership, names map[string]string, joined bool) LinkJoinView {
	v := LinkJoinView{OrgID: m.OrgID, OrgName: m.OrgName, OrgRole: m.Role, Projects: []InviteProject{}, Joined: joined}
	for _, pid := range slices.Sorted(mapsKeys(m.Projects)) {
		v.Projects = append(v.Projects, InviteProject{ID: pid, Name: names[pid], Role: m.Projects[pid]})
	}
	return v
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// linkJoinCharge is the per-link and per-organization cap on joins of
// one hour, charged in the join's transaction (nil when both are off).
func (s *Service) linkJoinCharge(l InviteLink, now time.Time) *RateCharge {
	if s.cfg.LinkJoinsPerHour < 0 && s.cfg.OrgLinkJoinsPerHour < 0 {
		return nil
	}
	j := &JoinRate{OrgID: l.OrgID, LinkID: l.ID, LinkLimit: s.cfg.LinkJoinsPerHour, OrgLimit: s.cfg.OrgLinkJoinsPerHour}
	return &RateCharge{At: now, Joins: j}
}

// JoinByLink makes the caller a member with the link's roles. The common
// case (a new member) costs two store calls: the token's snapshot of the
// link, then one transaction that registers the caller, adds them, counts
// the use on condition the link is still usable (active, unexpired, not
// used up: concurrent joins cannot pass maxUses), takes a seat on
// condition one is free and charges the join caps. A caller who is a
// member already gets their access unchanged. Returns unauthorized,
// email_not_verified, link_not_found, link_expired,
// email_domain_not_allowed, seat_limit, email_in_use, rate_limited.
func (s *Service) JoinByLink(ctx context.Context, id Identity, token string) (LinkJoinView, error) {
	if err := requireSignedIn(id); err != nil {
		return LinkJoinView{}, err
	}
	l, _, err := s.linkByToken(ctx, token)
	if err != nil {
		return LinkJoinView{}, err
	}
	if err := requireVerified(id); err != nil {
		return LinkJoinView{}, err
	}
	if !l.allows(id.Email) {
		e := Errorf(ECodeEmailDomainNotAllowed, "this invite link is for addresses at %s; sign in with one of those", strings.Join(l.AllowedDomains, ", "))
		e.Extensions = map[string]any{"allowedDomains": l.AllowedDomains}
		return LinkJoinView{}, e
	}
	now := s.now()
	join := func(m Membership, register *User) (LinkJoinView, error) {
		after := m.merged(l.Grant())
		after.JoinedAt = now
		added := withVia(accessMap(after), JoinedViaLink, "")
		added["linkId"] = l.ID
		err := s.store.ApplyChange(ctx, Change{Before: m, After: &after, ProjectNames: l.ProjectNames, Now: now,
			UseLink: &l, Register: register, Charge: s.linkJoinCharge(l, now),
			Audit: []AuditEvent{s.audit(id, l.OrgID, AuditMemberAdded, id.UserID, nil, added)}})
		if errors.Is(err, ErrRateLimited) {
			return LinkJoinView{}, rateLimited(now, RateUserInvites, "too many people joined through this link or organization this hour; try again later")
		}
		return joinView(after, l.ProjectNames, true), err
	}
	// The common case: a new member, registered in the same transaction.
	fresh := Membership{OrgID: l.OrgID, OrgName: l.OrgName, UserID: id.UserID, Email: id.Email}
	v, err := join(fresh, &User{ID: id.UserID, Email: id.Email, CreatedAt: now})
	if err == nil || !(errors.Is(err, ErrConflict) || errors.Is(err, ErrExists) || errors.Is(err, ErrProvisioned)) {
		return v, storeErr(err)
	}
	// A condition failed: decide from fresh reads (consistent, one call).
	// ErrProvisioned (a directory provisioned the address): registerWith
	// below registers the caller and links it first.
	err = retry(func() error {
		pre, err := s.store.ReadForLinkJoin(ctx, l.OrgID, l.ID, id.UserID)
		if errors.Is(err, ErrNotFound) {
			return errLinkNotFound()
		}
		if err != nil {
			return err
		}
		before := fresh
		if pre.Membership != nil {
			// A member already (a repeated join): nothing to do; unless their
			// access ended (expiry.go): they join afresh from it.
			if before = pre.Membership.at(s.now()); !before.orgExpired() {
				v = joinView(*pre.Membership, l.ProjectNames, false)
				return nil
			}
		}
		l.Uses, l.Disabled = pre.Link.Uses, pre.Link.Disabled
		now = s.now()
		if st := l.StatusAt(now); st != LinkActive {
			return errLinkExpired(l, st)
		}
		if _, err := s.registerWith(ctx, id, pre.User); errors.Is(err, ErrExists) {
			return errEmailInUse()
		} else if err != nil {
			return err
		}
		v, err = join(before, nil)
		return err
	})
	return v, storeErr(err)
}

// LinkJoinReads is what ReadForLinkJoin returns; User and Membership are
// nil when the caller is not registered or not a member.
type LinkJoinReads struct {
	Link       InviteLink
	User       *User
	Membership *Membership
}
