package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// The directory (SCIM) items (docs/data-model.md, "Directory (SCIM)"):
// tokens and their hash lookups, users and groups in their organization's
// partition with one claim item per unique attribute value (so a filter
// is one GetItem, and uniqueness a conditional put), group memberships,
// a counter item, and the wait of an address for its first sign-in in
// the address's EMAIL# partition.
const (
	preSCIMToken  = "SCIMTOKEN#"
	preSCIMUser   = "SCIMUSER#"
	preSCIMGroup  = "SCIMGROUP#"
	preSCIMClaim  = "SCIMC#"
	preSCIMGM     = "SCIMGM#"
	preSCIMWait   = "SCIM#"
	skSCIMKey     = "SCIMKEY"
	skSCIMWaits   = "SCIMWAITS" // the address's marker: refs of its waits (not under preSCIMWait)
	attrWaitRefs  = "refs"
	skSCIMStats   = "SCIMSTATS"
	attrSCIMUsers = "users"
	attrSCIMGrps  = "groups"
)

func scimKeyPK(hash string) string               { return "SCIMKEY#" + hash }
func scimTokenSK(id string) string               { return preSCIMToken + id }
func scimUserSK(id string) string                { return preSCIMUser + id }
func scimGroupSK(id string) string               { return preSCIMGroup + id }
func scimClaimSK(kind, value string) string      { return preSCIMClaim + kind + "#" + value }
func scimGMSK(groupID, userID string) string     { return preSCIMGM + groupID + "#" + userID }
func scimWaitSK(orgID, scimUserID string) string { return preSCIMWait + orgID + "#" + scimUserID }

type scimTokenItem struct {
	key
	Type           string     `dynamodbav:"type"`
	TokenID        string     `dynamodbav:"tokenId"`
	OrgID          string     `dynamodbav:"orgId"`
	OrgName        string     `dynamodbav:"orgName"`
	Name           string     `dynamodbav:"name"`
	DefaultOrgRole string     `dynamodbav:"defaultOrgRole"`
	CreatedAt      time.Time  `dynamodbav:"createdAt"`
	CreatedBy      string     `dynamodbav:"createdBy"`
	LastUsedAt     *time.Time `dynamodbav:"lastUsedAt,omitempty"`
	TokenHash      string     `dynamodbav:"tokenHash"`
}

func (it scimTokenItem) domain() domain.SCIMToken {
	return domain.SCIMToken{ID: it.TokenID, OrgID: it.OrgID, OrgName: it.OrgName, Name: it.Name,
		DefaultOrgRole: orgRole(it.DefaultOrgRole), CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy,
		LastUsedAt: it.LastUsedAt, TokenHash: it.TokenHash}
}

type scimUserItem struct {
	key
	Type         string             `dynamodbav:"type"`
	ScimUserID   string             `dynamodbav:"scimUserId"`
	OrgID        string             `dynamodbav:"orgId"`
	OrgName      string             `dynamodbav:"orgName"`
	UserName     string             `dynamodbav:"userName"`
	ExternalID   string             `dynamodbav:"externalId,omitempty"`
	Active       bool               `dynamodbav:"active"`
	Name         domain.SCIMName    `dynamodbav:"name"`
	DisplayName  string             `dynamodbav:"displayName,omitempty"`
	Emails       []domain.SCIMEmail `dynamodbav:"emails,omitempty"`
	UserID       string             `dynamodbav:"userId,omitempty"`
	Groups       []string           `dynamodbav:"groups,omitempty"`
	BaseRole     string             `dynamodbav:"baseRole,omitempty"`
	BaseProjects map[string]string  `dynamodbav:"baseProjects,omitempty"`
	Created      time.Time          `dynamodbav:"created"`
	LastModified time.Time          `dynamodbav:"lastModified"`
	Rev          int64              `dynamodbav:"rev"`
}

func toSCIMUserItem(u domain.SCIMUser) scimUserItem {
	ps := map[string]string{}
	for _, p := range u.Baseline.Projects {
		ps[p.ID] = string(p.Role)
	}
	return scimUserItem{key: key{orgPK(u.OrgID), scimUserSK(u.ID)}, Type: "scimUser", ScimUserID: u.ID, OrgID: u.OrgID,
		OrgName: u.OrgName, UserName: u.UserName, ExternalID: u.ExternalID, Active: u.Active, Name: u.Name,
		DisplayName: u.DisplayName, Emails: nilIfEmpty(u.Emails), UserID: u.UserID, Groups: nilIfEmpty(u.Groups),
		BaseRole: string(u.Baseline.OrgRole), BaseProjects: nilIfEmptyMap(ps), Created: u.Created,
		LastModified: u.LastModified, Rev: u.Rev}
}

func (it scimUserItem) domain() domain.SCIMUser {
	g := domain.Grant{OrgRole: orgRole(it.BaseRole)}
	for _, pid := range sortedMapKeys(it.BaseProjects) {
		g.Projects = append(g.Projects, domain.ProjectGrant{ID: pid, Role: domain.ProjectRole(it.BaseProjects[pid])})
	}
	return domain.SCIMUser{ID: it.ScimUserID, OrgID: it.OrgID, OrgName: it.OrgName, UserName: it.UserName,
		ExternalID: it.ExternalID, Active: it.Active, Name: it.Name, DisplayName: it.DisplayName, Emails: it.Emails,
		UserID: it.UserID, Groups: it.Groups, Baseline: g, Created: it.Created, LastModified: it.LastModified, Rev: it.Rev}
}

func sortedMapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type scimGroupItem struct {
	key
	Type          string            `dynamodbav:"type"`
	GroupID       string            `dynamodbav:"groupId"`
	OrgID         string            `dynamodbav:"orgId"`
	DisplayName   string            `dynamodbav:"displayName"`
	ExternalID    string            `dynamodbav:"externalId,omitempty"`
	GrantRole     string            `dynamodbav:"grantRole,omitempty"`
	GrantProjects []string          `dynamodbav:"grantProjects,omitempty"`
	GrantRoles    map[string]string `dynamodbav:"grantRoles,omitempty"`
	Created       time.Time         `dynamodbav:"created"`
	LastModified  time.Time         `dynamodbav:"lastModified"`
	Rev           int64             `dynamodbav:"rev"`
}

func toSCIMGroupItem(g domain.SCIMGroup) scimGroupItem {
	roles := map[string]string{}
	var ids []string
	for _, p := range g.Grant.Projects {
		roles[p.ID] = string(p.Role)
		ids = append(ids, p.ID)
	}
	return scimGroupItem{key: key{orgPK(g.OrgID), scimGroupSK(g.ID)}, Type: "scimGroup", GroupID: g.ID, OrgID: g.OrgID,
		DisplayName: g.DisplayName, ExternalID: g.ExternalID, GrantRole: string(g.Grant.OrgRole), GrantProjects: ids,
		GrantRoles: nilIfEmptyMap(roles), Created: g.Created, LastModified: g.LastModified, Rev: g.Rev}
}

func (it scimGroupItem) domain() domain.SCIMGroup {
	g := domain.Grant{OrgRole: domain.OrgRole(it.GrantRole)}
	for _, pid := range it.GrantProjects {
		g.Projects = append(g.Projects, domain.ProjectGrant{ID: pid, Role: domain.ProjectRole(it.GrantRoles[pid])})
	}
	return domain.SCIMGroup{ID: it.GroupID, OrgID: it.OrgID, DisplayName: it.DisplayName, ExternalID: it.ExternalID,
		Grant: g, Created: it.Created, LastModified: it.LastModified, Rev: it.Rev}
}

type scimClaimItem struct {
	key
	Type string `dynamodbav:"type"`
	ID   string `dynamodbav:"id"`
}

type scimGMItem struct {
	key
	Type     string `dynamodbav:"type"`
	GroupID  string `dynamodbav:"groupId"`
	UserID   string `dynamodbav:"scimUserId"`
	UserName string `dynamodbav:"userName"`
}

type scimWaitItem struct {
	key
	Type       string `dynamodbav:"type"`
	OrgID      string `dynamodbav:"orgId"`
	ScimUserID string `dynamodbav:"scimUserId"`
}

// CreateSCIMToken puts the token item and its hash lookup in one
// transaction with the audit event. Returns domain.ErrExists.
func (st *Store) CreateSCIMToken(ctx context.Context, tk domain.SCIMToken, ev domain.AuditEvent) error {
	it := scimTokenItem{key: key{orgPK(tk.OrgID), scimTokenSK(tk.ID)}, Type: "scimToken", TokenID: tk.ID, OrgID: tk.OrgID,
		OrgName: tk.OrgName, Name: tk.Name, DefaultOrgRole: string(tk.DefaultOrgRole), CreatedAt: tk.CreatedAt,
		CreatedBy: tk.CreatedBy, TokenHash: tk.TokenHash}
	lk := it
	lk.key = key{scimKeyPK(tk.TokenHash), skSCIMKey}
	lk.Type = "scimKey"
	t := &tx{}
	t.put(st.table, it, condNew, nil, nil, domain.ErrExists)
	t.put(st.table, lk, condNew, nil, nil, domain.ErrExists)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// ListSCIMTokens returns the organization's tokens, oldest first.
func (st *Store) ListSCIMTokens(ctx context.Context, orgID string) ([]domain.SCIMToken, error) {
	items, err := st.queryAll(ctx, st.beginsWith(orgPK(orgID), preSCIMToken))
	if err != nil {
		return nil, err
	}
	out := make([]domain.SCIMToken, 0, len(items))
	for _, raw := range items {
		var it scimTokenItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, it.domain())
	}
	return out, nil
}

// DeleteSCIMToken deletes the token and its hash lookup with the audit
// event. Returns domain.ErrNotFound.
func (st *Store) DeleteSCIMToken(ctx context.Context, orgID, tokenID string, ev domain.AuditEvent) error {
	var it scimTokenItem
	if err := st.get(ctx, orgPK(orgID), scimTokenSK(tokenID), &it); err != nil {
		return err
	}
	t := &tx{}
	t.del(st.table, orgPK(orgID), scimTokenSK(tokenID), "attribute_exists(pk)", nil, nil, domain.ErrNotFound)
	t.del(st.table, scimKeyPK(it.TokenHash), skSCIMKey, "", nil, nil, nil)
	t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// SCIMTokenByHash reads the hash lookup item consistently. Returns
// domain.ErrNotFound.
func (st *Store) SCIMTokenByHash(ctx context.Context, hash string) (domain.SCIMToken, error) {
	var it scimTokenItem
	if err := st.get(ctx, scimKeyPK(hash), skSCIMKey, &it); err != nil {
		return domain.SCIMToken{}, err
	}
	return it.domain(), nil
}

// TouchSCIMToken sets lastUsedAt on the token and its lookup (while both
// exist). Returns domain.ErrConflict when the token was revoked.
func (st *Store) TouchSCIMToken(ctx context.Context, tk domain.SCIMToken, at time.Time) error {
	t := &tx{}
	vals := map[string]types.AttributeValue{":at": s(at.UTC().Format(time.RFC3339Nano))}
	t.update(st.table, scimKeyPK(tk.TokenHash), skSCIMKey, "SET lastUsedAt = :at", "attribute_exists(pk)", nil, vals, domain.ErrConflict)
	t.update(st.table, orgPK(tk.OrgID), scimTokenSK(tk.ID), "SET lastUsedAt = :at", "attribute_exists(pk)", nil, vals, domain.ErrConflict)
	return t.run(ctx, st.db)
}

// SCIMLookup reads one claim item. Returns domain.ErrNotFound.
func (st *Store) SCIMLookup(ctx context.Context, orgID, kind, value string) (string, error) {
	var it scimClaimItem
	if err := st.get(ctx, orgPK(orgID), scimClaimSK(kind, value), &it); err != nil {
		return "", err
	}
	return it.ID, nil
}

// GetSCIMUser reads a SCIM user consistently. Returns domain.ErrNotFound.
func (st *Store) GetSCIMUser(ctx context.Context, orgID, id string) (domain.SCIMUser, error) {
	var it scimUserItem
	if err := st.get(ctx, orgPK(orgID), scimUserSK(id), &it); err != nil {
		return domain.SCIMUser{}, err
	}
	return it.domain(), nil
}

// scimPage reads count items of a prefix after skipping offset, and the
// organization's counter attribute.
func (st *Store) scimPage(ctx context.Context, orgID, prefix, counter string, offset, count int) ([]map[string]types.AttributeValue, int, error) {
	var stats struct {
		Users  int `dynamodbav:"users"`
		Groups int `dynamodbav:"groups"`
	}
	if err := st.get(ctx, orgPK(orgID), skSCIMStats, &stats); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, 0, err
	}
	total := stats.Users
	if counter == attrSCIMGrps {
		total = stats.Groups
	}
	if count == 0 || offset >= total {
		return nil, total, nil
	}
	in := st.beginsWith(orgPK(orgID), prefix)
	items, _, err := st.queryPage(ctx, in, nil, offset+count)
	if err != nil {
		return nil, 0, err
	}
	if offset >= len(items) {
		return nil, total, nil
	}
	return items[offset:], total, nil
}

// ListSCIMUsers pages through the organization's SCIM users by id.
func (st *Store) ListSCIMUsers(ctx context.Context, orgID string, offset, count int) ([]domain.SCIMUser, int, error) {
	items, total, err := st.scimPage(ctx, orgID, preSCIMUser, attrSCIMUsers, offset, count)
	if err != nil {
		return nil, 0, err
	}
	out := make([]domain.SCIMUser, 0, len(items))
	for _, raw := range items {
		var it scimUserItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, 0, err
		}
		out = append(out, it.domain())
	}
	return out, total, nil
}

// ProvisionedFor queries the address's EMAIL# partition for waits.
// Registrations call it only when their write found the marker
// (skSCIMWaits) saying something waits (domain.ErrProvisioned).
func (st *Store) ProvisionedFor(ctx context.Context, email string) ([]domain.SCIMRef, error) {
	items, err := st.queryAll(ctx, st.beginsWith(emailPK(email), preSCIMWait))
	if err != nil {
		return nil, err
	}
	var out []domain.SCIMRef
	for _, raw := range items {
		var it scimWaitItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, domain.SCIMRef{OrgID: it.OrgID, ID: it.ScimUserID})
	}
	return out, nil
}

// UserIDByEmail reads the address's claim consistently. Returns
// domain.ErrNotFound.
func (st *Store) UserIDByEmail(ctx context.Context, email string) (string, error) {
	var it emailItem
	if err := st.get(ctx, emailPK(email), skUser, &it); err != nil {
		return "", err
	}
	return it.UserID, nil
}

// GetSCIMGroup reads a group consistently. Returns domain.ErrNotFound.
func (st *Store) GetSCIMGroup(ctx context.Context, orgID, id string) (domain.SCIMGroup, error) {
	var it scimGroupItem
	if err := st.get(ctx, orgPK(orgID), scimGroupSK(id), &it); err != nil {
		return domain.SCIMGroup{}, err
	}
	return it.domain(), nil
}

// GetSCIMGroups reads groups in one BatchGetItem per 100.
func (st *Store) GetSCIMGroups(ctx context.Context, orgID string, ids []string) (map[string]domain.SCIMGroup, error) {
	out := map[string]domain.SCIMGroup{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]key, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, key{orgPK(orgID), scimGroupSK(id)})
	}
	items, err := st.getMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	for _, raw := range items {
		var it scimGroupItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out[it.GroupID] = it.domain()
	}
	return out, nil
}

// ListSCIMGroups pages through the organization's groups by id.
func (st *Store) ListSCIMGroups(ctx context.Context, orgID string, offset, count int) ([]domain.SCIMGroup, int, error) {
	items, total, err := st.scimPage(ctx, orgID, preSCIMGroup, attrSCIMGrps, offset, count)
	if err != nil {
		return nil, 0, err
	}
	out := make([]domain.SCIMGroup, 0, len(items))
	for _, raw := range items {
		var it scimGroupItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, 0, err
		}
		out = append(out, it.domain())
	}
	return out, total, nil
}

// ListSCIMGroupMembers queries a group's membership items.
func (st *Store) ListSCIMGroupMembers(ctx context.Context, orgID, groupID string) ([]domain.SCIMGroupMember, error) {
	items, err := st.queryAll(ctx, st.beginsWith(orgPK(orgID), preSCIMGM+groupID+"#"))
	if err != nil {
		return nil, err
	}
	out := make([]domain.SCIMGroupMember, 0, len(items))
	for _, raw := range items {
		var it scimGMItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, domain.SCIMGroupMember{UserID: it.UserID, UserName: it.UserName})
	}
	return out, nil
}

// claims moves the claim items of one kind from old to new values (""
// for none): the new one is put on condition nobody holds it (ErrExists),
// the old one deleted on condition it is still id's.
func (st *Store) claims(t *tx, orgID, kind, id, old, new string) {
	if old == new {
		return
	}
	if new != "" {
		t.put(st.table, scimClaimItem{key: key{orgPK(orgID), scimClaimSK(kind, new)}, Type: "scimClaim", ID: id},
			"attribute_not_exists(pk) OR id = :id", nil, map[string]types.AttributeValue{":id": s(id)}, domain.ErrExists)
	}
	if old != "" {
		t.del(st.table, orgPK(orgID), scimClaimSK(kind, old), "attribute_not_exists(pk) OR id = :id", nil,
			map[string]types.AttributeValue{":id": s(id)}, domain.ErrConflict)
	}
}

// scimCount adds n to an organization's SCIM counter.
func (st *Store) scimCount(t *tx, orgID, counter string, by int64) {
	t.update(st.table, orgPK(orgID), skSCIMStats, "ADD #c :n", "", map[string]string{"#c": counter},
		map[string]types.AttributeValue{":n": n(by)}, nil)
}

// scimUserTx adds a SCIM user's write to t: the item on its revision,
// the claims of its unique attributes, its wait for a first sign-in
// (while it has no account) and the counter.
func (st *Store) scimUserTx(t *tx, w domain.SCIMUserWrite) {
	var before, after domain.SCIMUser
	if w.Before != nil {
		before = *w.Before
	}
	if w.After != nil {
		after = *w.After
	}
	cur := after
	if w.After == nil {
		cur = before
	}
	orgID, id := cur.OrgID, cur.ID
	switch {
	case w.After == nil:
		t.del(st.table, orgPK(orgID), scimUserSK(id), "rev = :rev", nil, map[string]types.AttributeValue{":rev": n(before.Rev)}, domain.ErrConflict)
		st.scimCount(t, orgID, attrSCIMUsers, -1)
	case w.Before == nil:
		t.put(st.table, toSCIMUserItem(after), condNew, nil, nil, domain.ErrConflict)
		st.scimCount(t, orgID, attrSCIMUsers, 1)
	default:
		t.put(st.table, toSCIMUserItem(after), "rev = :rev", nil, map[string]types.AttributeValue{":rev": n(before.Rev)}, domain.ErrConflict)
	}
	st.claims(t, orgID, domain.SCIMKeyUserName, id, before.UserName, after.UserName)
	st.claims(t, orgID, domain.SCIMKeyExternalID, id, before.ExternalID, after.ExternalID)
	st.claims(t, orgID, domain.SCIMKeyWorkEmail, id, workEmail(before), workEmail(after))
	waitOf := func(u domain.SCIMUser, present bool) string {
		if !present || u.UserID != "" {
			return ""
		}
		return u.UserName
	}
	oldWait, newWait := waitOf(before, w.Before != nil), waitOf(after, w.After != nil)
	if oldWait != newWait {
		ref := &types.AttributeValueMemberSS{Value: []string{orgID + "#" + id}}
		if oldWait != "" {
			t.del(st.table, emailPK(oldWait), scimWaitSK(orgID, id), "", nil, nil, nil)
			t.update(st.table, emailPK(oldWait), skSCIMWaits, "DELETE #r :ref", "", map[string]string{"#r": attrWaitRefs},
				map[string]types.AttributeValue{":ref": ref}, nil)
		}
		if newWait != "" {
			t.put(st.table, scimWaitItem{key: key{emailPK(newWait), scimWaitSK(orgID, id)}, Type: "scimWait", OrgID: orgID, ScimUserID: id},
				"", nil, nil, nil)
			t.update(st.table, emailPK(newWait), skSCIMWaits, "SET #t = :t ADD #r :ref", "", map[string]string{"#r": attrWaitRefs, "#t": "type"},
				map[string]types.AttributeValue{":ref": ref, ":t": s("scimWaits")}, nil)
		}
	}
	if newWait != "" {
		// Nobody has registered the address since it was looked up (a
		// registration conditions on the marker above, so one of the two
		// sees the other: this one retries and links the account).
		t.check(st.table, emailPK(newWait), skUser, condNew, domain.ErrConflict)
	}
}

// workEmail is the normalized work address of u ("" when none), as the
// domain finds it.
func workEmail(u domain.SCIMUser) string {
	for _, e := range u.Emails {
		if equalFold(e.Type, "work") {
			em, _ := domain.NormalizeEmail(e.Value)
			return em
		}
	}
	return ""
}

// SaveSCIMGroup creates, updates or deletes a group with its name claims.
// Returns domain.ErrExists (name taken), domain.ErrConflict.
func (st *Store) SaveSCIMGroup(ctx context.Context, before, after *domain.SCIMGroup, evs []domain.AuditEvent) error {
	t := &tx{}
	var b, a domain.SCIMGroup
	if before != nil {
		b = *before
	}
	if after != nil {
		a = *after
	}
	cur := a
	if after == nil {
		cur = b
	}
	switch {
	case after == nil:
		t.del(st.table, orgPK(cur.OrgID), scimGroupSK(cur.ID), "rev = :rev", nil, map[string]types.AttributeValue{":rev": n(b.Rev)}, domain.ErrConflict)
		st.scimCount(t, cur.OrgID, attrSCIMGrps, -1)
	case before == nil:
		t.put(st.table, toSCIMGroupItem(a), condNew, nil, nil, domain.ErrConflict)
		st.scimCount(t, cur.OrgID, attrSCIMGrps, 1)
	default:
		t.put(st.table, toSCIMGroupItem(a), "rev = :rev", nil, map[string]types.AttributeValue{":rev": n(b.Rev)}, domain.ErrConflict)
	}
	st.claims(t, cur.OrgID, domain.SCIMKeyGroupName, cur.ID, lowerName(b.DisplayName), lowerName(a.DisplayName))
	st.claims(t, cur.OrgID, domain.SCIMKeyGroupExtern, cur.ID, b.ExternalID, a.ExternalID)
	for _, ev := range evs {
		t.put(st.table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
	}
	return t.run(ctx, st.db)
}

// scimGroupMembersTx adds group membership writes to t.
func (st *Store) scimGroupMembersTx(t *tx, orgID string, ws []domain.SCIMGroupMemberWrite, revs map[string]int64, now time.Time) {
	for _, w := range ws {
		if w.Remove {
			t.del(st.table, orgPK(orgID), scimGMSK(w.GroupID, w.Member.UserID), "", nil, nil, nil)
			continue
		}
		// The group must still exist, with the grant the change was
		// computed from.
		cond, vals := "attribute_exists(pk)", map[string]types.AttributeValue{":now": s(now.UTC().Format(time.RFC3339Nano))}
		if rev, ok := revs[w.GroupID]; ok {
			cond += " AND rev = :rev"
			vals[":rev"] = n(rev)
		}
		t.update(st.table, orgPK(orgID), scimGroupSK(w.GroupID), "SET lastModified = :now", cond, nil, vals, domain.ErrConflict)
		t.put(st.table, scimGMItem{key: key{orgPK(orgID), scimGMSK(w.GroupID, w.Member.UserID)}, Type: "scimGroupMember",
			GroupID: w.GroupID, UserID: w.Member.UserID, UserName: w.Member.UserName}, "", nil, nil, nil)
	}
}

func lowerName(n string) string { return strings.ToLower(strings.TrimSpace(n)) }

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
