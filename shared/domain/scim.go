package domain

import (
	"context"
	"errors"
	"strings"
	"time"
)

// This file is the directory (SCIM 2.0, RFC 7643/7644) side of the
// service: the tokens an organization's identity provider authenticates
// with, and the caller such a token names. The resources (users and
// groups) are in scim_users.go and scim_groups.go, their wire form in
// scim_wire.go, and what they mean for memberships in scim_provision.go.
//
// The SCIM resources are handled here rather than by
// github.com/elimity-com/scim: that library is an http.Handler framework
// (it owns routing, request parsing, its own error bodies and pagination,
// and calls back a ResourceHandler per resource type), while our Lambdas
// get API Gateway v2 events through shared/httpapi and keep the rule that
// handlers are thin: event → typed input → service → response, with one
// error vocabulary. Wrapping its handler in a fake http.ResponseWriter
// per event would put a second router, a second error mapping and a
// second body parser in every request, and its callbacks cannot carry the
// conditional writes and transactions a provisioning change needs. We use
// github.com/scim2/filter-parser/v2 (the parser elimity itself uses) for
// filters and PATCH paths, and keep the resource logic here.

// SCIMToken is a directory token: what an identity provider sends as
// Authorization: Bearer on /scim/v2. Only its hash is stored.
type SCIMToken struct {
	ID             string     `json:"id"`
	OrgID          string     `json:"-"`
	OrgName        string     `json:"-"`
	Name           string     `json:"name"`
	DefaultOrgRole OrgRole    `json:"defaultOrgRole"`
	CreatedAt      time.Time  `json:"createdAt"`
	CreatedBy      string     `json:"createdBy"`
	LastUsedAt     *time.Time `json:"lastUsedAt"`
	TokenHash      string     `json:"-"`
}

// SCIMTokenCreated is a new token with its secret, shown once.
type SCIMTokenCreated struct {
	SCIMToken
	Token string `json:"token"`
}

// SCIMTokenInput is POST /orgs/{orgId}/scim-tokens.
type SCIMTokenInput struct {
	Name           *string `json:"name"`
	DefaultOrgRole *string `json:"defaultOrgRole"`
}

// SCIMCaller is who a directory token names: the organization, the token,
// and the base URL resources are located under.
type SCIMCaller struct {
	OrgID          string
	OrgName        string
	TokenID        string
	TokenName      string
	DefaultOrgRole OrgRole
	// BaseURL is the absolute /scim/v2 URL of this API ("" for relative
	// locations).
	BaseURL string
	// actor is set when the change is made on behalf of a signed-in user
	// (their first sign-in links a provisioned address).
	actor *Identity
}

// scimTokenPrefix marks directory tokens so they are recognizable in a
// secret scanner; the rest is an invite-style 32-byte random token.
const scimTokenPrefix = "scim_"

// SCIMStore is the persistence of the directory: part of Store.
type SCIMStore interface {
	// CreateSCIMToken stores a token and its hash lookup with audit event
	// ev. Returns ErrExists when the id is taken.
	CreateSCIMToken(ctx context.Context, t SCIMToken, ev AuditEvent) error
	// ListSCIMTokens returns the organization's tokens, oldest first.
	ListSCIMTokens(ctx context.Context, orgID string) ([]SCIMToken, error)
	// DeleteSCIMToken deletes a token and its hash lookup with audit event
	// ev. Returns ErrNotFound when there is no such token.
	DeleteSCIMToken(ctx context.Context, orgID, tokenID string, ev AuditEvent) error
	// SCIMTokenByHash returns the token a hash names (one consistent
	// read), or ErrNotFound.
	SCIMTokenByHash(ctx context.Context, hash string) (SCIMToken, error)
	// TouchSCIMToken records the token's last use at at.
	TouchSCIMToken(ctx context.Context, t SCIMToken, at time.Time) error

	// SCIMLookup returns the id a unique attribute value names in the
	// organization (one read), or ErrNotFound. kind is one of the
	// SCIMKey… constants; value is normalized by the caller.
	SCIMLookup(ctx context.Context, orgID, kind, value string) (string, error)
	// GetSCIMUser returns a SCIM user, or ErrNotFound.
	GetSCIMUser(ctx context.Context, orgID, id string) (SCIMUser, error)
	// ListSCIMUsers returns up to count SCIM users after skipping offset,
	// in id order, and how many the organization has.
	ListSCIMUsers(ctx context.Context, orgID string, offset, count int) ([]SCIMUser, int, error)
	// ProvisionedFor returns the SCIM users (organization, id) waiting
	// for the first sign-in of an address.
	ProvisionedFor(ctx context.Context, email string) ([]SCIMRef, error)
	// UserIDByEmail returns the account that has claimed a verified
	// address (one consistent read), or ErrNotFound.
	UserIDByEmail(ctx context.Context, email string) (string, error)

	// GetSCIMGroup returns a group, or ErrNotFound.
	GetSCIMGroup(ctx context.Context, orgID, id string) (SCIMGroup, error)
	// GetSCIMGroups returns the groups among ids that exist, by id.
	GetSCIMGroups(ctx context.Context, orgID string, ids []string) (map[string]SCIMGroup, error)
	// ListSCIMGroups is ListSCIMUsers for groups.
	ListSCIMGroups(ctx context.Context, orgID string, offset, count int) ([]SCIMGroup, int, error)
	// ListSCIMGroupMembers returns a group's members.
	ListSCIMGroupMembers(ctx context.Context, orgID, groupID string) ([]SCIMGroupMember, error)
	// SaveSCIMGroup creates (before nil), updates or deletes (after nil)
	// a group with its unique-name claims, conditioned on before's
	// revision, with audit events evs. Returns ErrExists when another
	// group has the name, ErrConflict when the group changed.
	SaveSCIMGroup(ctx context.Context, before, after *SCIMGroup, evs []AuditEvent) error
}

// SCIMRef names a SCIM user.
type SCIMRef struct {
	OrgID string
	ID    string
}

// Unique attributes SCIMLookup finds.
const (
	SCIMKeyUserName    = "userName"
	SCIMKeyExternalID  = "externalId"
	SCIMKeyWorkEmail   = "email"
	SCIMKeyGroupName   = "displayName"
	SCIMKeyGroupExtern = "groupExternalId"
)

// CreateSCIMToken makes a directory token for the organization. Needs
// org:directory:manage (owners). Returns org_not_found, forbidden,
// validation_failed.
func (s *Service) CreateSCIMToken(ctx context.Context, id Identity, orgID string, in SCIMTokenInput) (SCIMTokenCreated, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return SCIMTokenCreated{}, err
	}
	if !canManageDirectory(m) {
		return SCIMTokenCreated{}, errForbidden("managing the directory (SCIM)")
	}
	v := Validation{}
	name, why := "", "is required"
	if in.Name != nil {
		name, why = NormalizeName(*in.Name)
	}
	if why != "" {
		v.Add("name", "%s", why)
	}
	role := OrgRole(lowestOrgRole())
	if in.DefaultOrgRole != nil {
		role = OrgRole(*in.DefaultOrgRole)
		if !role.Valid() {
			v.Add("defaultOrgRole", "must be %s", orgRoleNames())
		}
	}
	if err := v.Err(); err != nil {
		return SCIMTokenCreated{}, err
	}
	if !canGrant(m, Grant{OrgRole: role}) {
		return SCIMTokenCreated{}, errForbidden("granting this role")
	}
	raw, _ := NewToken()
	secret := scimTokenPrefix + raw
	now := s.now()
	t := SCIMToken{ID: NewID("sct", now), OrgID: orgID, OrgName: m.OrgName, Name: name, DefaultOrgRole: role,
		CreatedAt: now, CreatedBy: id.UserID, TokenHash: HashToken(secret)}
	ev := s.audit(id, orgID, AuditScimTokenCreated, t.ID, nil, map[string]any{"name": name, "defaultOrgRole": string(role)})
	if err := s.store.CreateSCIMToken(ctx, t, ev); err != nil {
		return SCIMTokenCreated{}, storeErr(err)
	}
	return SCIMTokenCreated{SCIMToken: t, Token: secret}, nil
}

// ListSCIMTokens lists the organization's directory tokens without their
// secrets. Needs org:directory:manage. Returns org_not_found, forbidden.
func (s *Service) ListSCIMTokens(ctx context.Context, id Identity, orgID string) ([]SCIMToken, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return nil, err
	}
	if !canManageDirectory(m) {
		return nil, errForbidden("managing the directory (SCIM)")
	}
	ts, err := s.store.ListSCIMTokens(ctx, orgID)
	return nonNil(ts), storeErr(err)
}

// RevokeSCIMToken deletes a directory token: it fails from the next
// request on. Needs org:directory:manage. Returns org_not_found,
// forbidden, not_found.
func (s *Service) RevokeSCIMToken(ctx context.Context, id Identity, orgID, tokenID string) error {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return err
	}
	if !canManageDirectory(m) {
		return errForbidden("managing the directory (SCIM)")
	}
	ev := s.audit(id, orgID, AuditScimTokenRevoked, tokenID, nil, nil)
	err = s.store.DeleteSCIMToken(ctx, orgID, tokenID, ev)
	if errors.Is(err, ErrNotFound) {
		return Errorf(ECodeNotFound, "no such directory token")
	}
	return storeErr(err)
}

// scimTouchEvery is how stale a token's lastUsedAt may get before a
// request records its use (so a sync of 10,000 calls writes it rarely).
const scimTouchEvery = time.Minute

// SCIMAuth authenticates a directory request from its Authorization
// header value ("Bearer <token>"). Returns unauthorized for a missing,
// malformed, unknown or revoked token.
func (s *Service) SCIMAuth(ctx context.Context, authorization, baseURL string) (SCIMCaller, error) {
	scheme, tok, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	tok = strings.TrimSpace(tok)
	unauth := Errorf(ECodeUnauthorized, "send a directory token of this organization as Authorization: Bearer")
	if !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(tok, scimTokenPrefix) {
		return SCIMCaller{}, unauth
	}
	if _, ok := ParseToken(strings.TrimPrefix(tok, scimTokenPrefix)); !ok {
		return SCIMCaller{}, unauth
	}
	t, err := s.store.SCIMTokenByHash(ctx, HashToken(tok))
	if errors.Is(err, ErrNotFound) {
		return SCIMCaller{}, unauth
	}
	if err != nil {
		return SCIMCaller{}, storeErr(err)
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= scimTouchEvery {
		if err := s.store.TouchSCIMToken(ctx, t, now); err != nil && !errors.Is(err, ErrConflict) {
			s.cfg.Logger.WarnContext(ctx, "scim token lastUsedAt not recorded", "err", err)
		}
	}
	return SCIMCaller{OrgID: t.OrgID, OrgName: t.OrgName, TokenID: t.ID, TokenName: t.Name,
		DefaultOrgRole: t.DefaultOrgRole, BaseURL: strings.TrimRight(baseURL, "/")}, nil
}

// scimAudit is an audit event of a directory change: the token is the
// actor (or the signed-in user a first sign-in links), via "scim".
func (s *Service) scimAudit(c SCIMCaller, action, target string, before, after map[string]any) AuditEvent {
	id := Identity{UserID: c.TokenID, Email: c.TokenName}
	if c.actor != nil {
		id = *c.actor
	}
	ev := s.audit(id, c.OrgID, action, target, before, after)
	ev.Via = ViaSCIM
	return ev
}
