package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// Invite links: the link item (ORG#<orgId>, LINK#<linkId>) holds its
// terms, uses and status; the link token item (LINKTOKEN#<sha256 hex>,
// TOKEN) maps the token's hash to it with a snapshot of its terms, so a
// join reads one item before its transaction. The raw token is never
// stored.
const (
	preLink       = "LINK#"
	linkStatusOn  = "active"
	linkStatusOff = "disabled"
)

func linkSK(linkID string) string    { return preLink + linkID }
func linkTokenPK(hash string) string { return "LINKTOKEN#" + hash }

type linkItem struct {
	key
	Type           string            `dynamodbav:"type"`
	LinkID         string            `dynamodbav:"linkId"`
	OrgID          string            `dynamodbav:"orgId"`
	OrgName        string            `dynamodbav:"orgName"`
	OrgRole        string            `dynamodbav:"orgRole"`
	ProjectIDs     []string          `dynamodbav:"projectIds,omitempty"`
	ProjectRoles   map[string]string `dynamodbav:"projectRoles,omitempty"`
	ProjectNames   map[string]string `dynamodbav:"projectNames,omitempty"`
	AllowedDomains []string          `dynamodbav:"allowedDomains,omitempty"`
	CreatedBy      string            `dynamodbav:"createdBy"`
	CreatedByEmail string            `dynamodbav:"createdByEmail"`
	CreatedAt      time.Time         `dynamodbav:"createdAt"`
	ExpiresAt      time.Time         `dynamodbav:"expiresAt"`
	ExpiresMs      int64             `dynamodbav:"expiresMs"`
	// AccessExpiresAt and ProjectExpiry end the access joining gives.
	AccessExpiresAt *time.Time           `dynamodbav:"accessExpiresAt,omitempty"`
	ProjectExpiry   map[string]time.Time `dynamodbav:"projectExpiry,omitempty"`
	MaxUses         int                  `dynamodbav:"maxUses"`
	Uses            int                  `dynamodbav:"uses"`
	Status          string               `dynamodbav:"status"`
	TokenHash       string               `dynamodbav:"tokenHash"`
	TTL             int64                `dynamodbav:"ttl"`
}

type linkTokenItem struct {
	key
	Type   string    `dynamodbav:"type"`
	OrgID  string    `dynamodbav:"orgId"`
	LinkID string    `dynamodbav:"linkId"`
	Link   *linkItem `dynamodbav:"link"`
	TTL    int64     `dynamodbav:"ttl"`
}

func toLinkItem(l domain.InviteLink) linkItem {
	roles, ends := map[string]string{}, map[string]time.Time{}
	for _, p := range l.Projects {
		roles[p.ID] = string(p.Role)
		if !p.AccessExpiresAt.IsZero() {
			ends[p.ID] = p.AccessExpiresAt.UTC()
		}
	}
	st := linkStatusOn
	if l.Disabled {
		st = linkStatusOff
	}
	return linkItem{key: key{orgPK(l.OrgID), linkSK(l.ID)}, Type: "inviteLink", LinkID: l.ID, OrgID: l.OrgID,
		OrgName: l.OrgName, OrgRole: string(l.OrgRole), ProjectIDs: nilIfEmpty(l.Grant().ProjectIDs()),
		ProjectRoles: nilIfEmptyMap(roles), ProjectNames: nilIfEmptyMap(l.ProjectNames),
		AllowedDomains: nilIfEmpty(l.AllowedDomains), CreatedBy: l.CreatedBy, CreatedByEmail: l.CreatedByEmail,
		CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, ExpiresMs: l.ExpiresAt.UnixMilli(), MaxUses: l.MaxUses,
		Uses: l.Uses, Status: st, TokenHash: l.TokenHash, TTL: ttlAt(l.ExpiresAt.Add(deadInviteRetention)),
		AccessExpiresAt: timePtr(l.AccessExpiresAt), ProjectExpiry: nilIfEmptyMap(ends)}
}

func (it linkItem) domain() domain.InviteLink {
	var ps []domain.ProjectGrant
	for _, id := range it.ProjectIDs {
		ps = append(ps, domain.ProjectGrant{ID: id, Role: domain.ProjectRole(it.ProjectRoles[id]), AccessExpiresAt: it.ProjectExpiry[id]})
	}
	return domain.InviteLink{ID: it.LinkID, OrgID: it.OrgID, OrgName: it.OrgName, OrgRole: orgRole(it.OrgRole),
		Projects: ps, ProjectNames: it.ProjectNames, AllowedDomains: it.AllowedDomains, CreatedBy: it.CreatedBy,
		CreatedByEmail: it.CreatedByEmail, CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt, MaxUses: it.MaxUses,
		Uses: it.Uses, Disabled: it.Status == linkStatusOff, TokenHash: it.TokenHash, AccessExpiresAt: timeOf(it.AccessExpiresAt)}
}

// CreateInviteLink writes a new link, its token item and its audit event
// in one transaction. Returns domain.ErrExists when the id or token is
// taken.
func (st *Store) CreateInviteLink(ctx context.Context, l domain.InviteLink, ev domain.AuditEvent) error {
	it := toLinkItem(l)
	t := &tx{}
	t.put(st.table, it, condNew, nil, nil, domain.ErrExists)
	t.put(st.table, linkTokenItem{key: key{linkTokenPK(l.TokenHash), skToken}, Type: "linkToken", OrgID: l.OrgID,
		LinkID: l.ID, Link: &it, TTL: it.TTL}, condNew, nil, nil, domain.ErrExists)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// ListInviteLinks returns an organization's links, oldest first (ids
// sort by creation), with one consistent Query of its LINK# items.
// Returns classified DynamoDB errors.
func (st *Store) ListInviteLinks(ctx context.Context, orgID string) ([]domain.InviteLink, error) {
	items, err := st.queryAll(ctx, st.beginsWith(orgPK(orgID), preLink))
	if err != nil {
		return nil, err
	}
	out := make([]domain.InviteLink, 0, len(items))
	for _, raw := range items {
		var it linkItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, it.domain())
	}
	return out, nil
}

// GetInviteLink reads a link consistently. Returns domain.ErrNotFound.
func (st *Store) GetInviteLink(ctx context.Context, orgID, linkID string) (domain.InviteLink, error) {
	var it linkItem
	if err := st.get(ctx, orgPK(orgID), linkSK(linkID), &it); err != nil {
		return domain.InviteLink{}, err
	}
	return it.domain(), nil
}

// DisableInviteLink marks a link disabled, on condition it is still
// active with its token, and writes ev. The token item stays (until TTL)
// so that joining by it answers link_expired rather than not found.
// Returns domain.ErrConflict when the link changed.
func (st *Store) DisableInviteLink(ctx context.Context, l domain.InviteLink, ev domain.AuditEvent) error {
	t := &tx{}
	t.update(st.table, orgPK(l.OrgID), linkSK(l.ID), "SET #st = :off", "#st = :on AND tokenHash = :h",
		map[string]string{"#st": "status"},
		map[string]types.AttributeValue{":off": s(linkStatusOff), ":on": s(linkStatusOn), ":h": s(l.TokenHash)}, domain.ErrConflict)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// InviteLinkSnapshot reads a link token item (consistently) and returns
// the link as it was recorded at creation. Returns domain.ErrNotFound.
func (st *Store) InviteLinkSnapshot(ctx context.Context, tokenHash string) (domain.InviteLink, error) {
	var tok linkTokenItem
	if err := st.get(ctx, linkTokenPK(tokenHash), skToken, &tok); err != nil {
		return domain.InviteLink{}, err
	}
	if tok.Link == nil {
		return domain.InviteLink{}, domain.ErrNotFound
	}
	return tok.Link.domain(), nil
}

// ReadForLinkJoin reads the link, the user's profile and their membership
// of the link's organization in one consistent BatchGetItem. Returns
// domain.ErrNotFound when the link is missing.
func (st *Store) ReadForLinkJoin(ctx context.Context, orgID, linkID, userID string) (domain.LinkJoinReads, error) {
	linkK, userK, memK := key{orgPK(orgID), linkSK(linkID)}, key{userPK(userID), skProfile}, key{orgPK(orgID), memberSK(userID)}
	items, err := st.getMany(ctx, []key{linkK, userK, memK})
	if err != nil {
		return domain.LinkJoinReads{}, err
	}
	raw, ok := items[linkK]
	if !ok {
		return domain.LinkJoinReads{}, domain.ErrNotFound
	}
	var li linkItem
	if err := attributevalue.UnmarshalMap(raw, &li); err != nil {
		return domain.LinkJoinReads{}, err
	}
	out := domain.LinkJoinReads{Link: li.domain()}
	out.User, out.Membership, err = userAndMembership(items, userK, memK)
	return out, err
}

// useLink adds to t one use of link l: ADD uses 1 on condition the link
// is active with its token, unexpired at now and below maxUses.
func (t *tx) useLink(table string, l *domain.InviteLink, now time.Time) {
	t.update(table, orgPK(l.OrgID), linkSK(l.ID), "ADD uses :one",
		"#st = :on AND tokenHash = :h AND expiresMs > :now AND uses < maxUses", map[string]string{"#st": "status"},
		map[string]types.AttributeValue{":one": n(1), ":on": s(linkStatusOn), ":h": s(l.TokenHash), ":now": n(now.UnixMilli())},
		domain.ErrConflict)
}
