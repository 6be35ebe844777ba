package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// Verified domains and join requests (docs/data-model.md).

const (
	preDomain   = "DOMAIN#"
	preJoinReq  = "JOINREQ#"
	preJoinOpen = "JOINOPEN#"
	skClaim     = "CLAIM"
	skJoinQueue = "JOINQUEUE"
)

func domainSK(name string) string              { return preDomain + name }
func claimPK(name string) string               { return preDomain + name }
func joinReqSK(id string) string               { return preJoinReq + id }
func joinOpenSK(userID string) string          { return preJoinOpen + userID }
func joinReqGSI(orgID, id string) string       { return preJoinReq + orgID + "#" + id }
func isJoinReqGSI(gsi1sk string) bool          { return strings.HasPrefix(gsi1sk, preJoinReq) }
func joinReqRetention() time.Duration          { return 30 * 24 * time.Hour }
func rfc3339(t time.Time) types.AttributeValue { return s(t.UTC().Format(time.RFC3339Nano)) }

// domainItem is an organization's domain (pk ORG#, sk DOMAIN#<name>).
type domainItem struct {
	key
	Type         string            `dynamodbav:"type"`
	OrgID        string            `dynamodbav:"orgId"`
	OrgName      string            `dynamodbav:"orgName"`
	Domain       string            `dynamodbav:"domain"`
	Status       string            `dynamodbav:"status"`
	Challenge    string            `dynamodbav:"challenge"`
	JoinPolicy   string            `dynamodbav:"joinPolicy"`
	OrgRole      string            `dynamodbav:"orgRole"`
	ProjectIDs   []string          `dynamodbav:"projectIds,omitempty"`
	ProjectRoles map[string]string `dynamodbav:"projectRoles,omitempty"`
	ProjectNames map[string]string `dynamodbav:"projectNames,omitempty"`
	CreatedAt    time.Time         `dynamodbav:"createdAt"`
	CreatedBy    string            `dynamodbav:"createdBy"`
	VerifiedAt   *time.Time        `dynamodbav:"verifiedAt,omitempty"`
	Rev          int64             `dynamodbav:"rev"`
}

// claimItem says which organization verified a domain (pk DOMAIN#<name>,
// sk CLAIM): at most one, by its key.
type claimItem struct {
	key
	Type       string `dynamodbav:"type"`
	Domain     string `dynamodbav:"domain"`
	OrgID      string `dynamodbav:"orgId"`
	OrgName    string `dynamodbav:"orgName"`
	JoinPolicy string `dynamodbav:"joinPolicy"`
}

// joinReqItem is a join request (pk ORG#, sk JOINREQ#<id>); gsi1 lists it
// among its requester's (USER#<userId>, JOINREQ#<orgId>#<id>) until approved.
type joinReqItem struct {
	key
	GSI1PK       string            `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK       string            `dynamodbav:"gsi1sk,omitempty"`
	Type         string            `dynamodbav:"type"`
	RequestID    string            `dynamodbav:"requestId"`
	OrgID        string            `dynamodbav:"orgId"`
	OrgName      string            `dynamodbav:"orgName"`
	UserID       string            `dynamodbav:"userId"`
	Email        string            `dynamodbav:"email"`
	Domain       string            `dynamodbav:"domain"`
	Status       string            `dynamodbav:"status"`
	OrgRole      string            `dynamodbav:"orgRole"`
	ProjectIDs   []string          `dynamodbav:"projectIds,omitempty"`
	ProjectRoles map[string]string `dynamodbav:"projectRoles,omitempty"`
	ProjectNames map[string]string `dynamodbav:"projectNames,omitempty"`
	CreatedAt    time.Time         `dynamodbav:"createdAt"`
	AnsweredAt   *time.Time        `dynamodbav:"answeredAt,omitempty"`
	AnsweredBy   string            `dynamodbav:"answeredBy,omitempty"`
	AnsweredByID string            `dynamodbav:"answeredById,omitempty"`
	TTL          int64             `dynamodbav:"ttl,omitempty"`
}

// joinOpenItem is a user's one pending request in an organization (pk
// ORG#, sk JOINOPEN#<userId>).
type joinOpenItem struct {
	key
	Type      string `dynamodbav:"type"`
	RequestID string `dynamodbav:"requestId"`
}

func grantAttrs(ps []domain.ProjectGrant) ([]string, map[string]string) {
	if len(ps) == 0 {
		return nil, nil
	}
	ids, roles := []string{}, map[string]string{}
	for _, p := range ps {
		ids = append(ids, p.ID)
		roles[p.ID] = string(p.Role)
	}
	return ids, roles
}

func grantsFrom(ids []string, roles map[string]string) []domain.ProjectGrant {
	out := []domain.ProjectGrant{}
	for _, id := range ids {
		out = append(out, domain.ProjectGrant{ID: id, Role: domain.ProjectRole(roles[id])})
	}
	return out
}

func toDomainItem(d domain.Domain) domainItem {
	ids, roles := grantAttrs(d.Projects)
	return domainItem{key: key{orgPK(d.OrgID), domainSK(d.Domain)}, Type: "domain", OrgID: d.OrgID, OrgName: d.OrgName,
		Domain: d.Domain, Status: d.Status, Challenge: d.Challenge, JoinPolicy: string(d.JoinPolicy),
		OrgRole: string(d.OrgRole), ProjectIDs: ids, ProjectRoles: roles, ProjectNames: nilIfEmptyMap(d.ProjectNames),
		CreatedAt: d.CreatedAt, CreatedBy: d.CreatedBy, VerifiedAt: d.VerifiedAt, Rev: d.Rev}
}

func (it domainItem) domain() domain.Domain {
	d := domain.Domain{Domain: it.Domain, OrgID: it.OrgID, OrgName: it.OrgName, Status: it.Status,
		JoinPolicy: domain.JoinPolicy(it.JoinPolicy), OrgRole: orgRole(it.OrgRole),
		Projects: grantsFrom(it.ProjectIDs, it.ProjectRoles), ProjectNames: it.ProjectNames, CreatedAt: it.CreatedAt,
		CreatedBy: it.CreatedBy, VerifiedAt: it.VerifiedAt, Challenge: it.Challenge, Rev: it.Rev}
	d.Record = domain.DNSRecord{Type: "TXT", Name: domain.ChallengeLabel + "." + it.Domain, Value: domain.ChallengePrefix + it.Challenge}
	return d
}

func toJoinReqItem(r domain.JoinRequest) joinReqItem {
	ids, roles := grantAttrs(r.Projects)
	it := joinReqItem{key: key{orgPK(r.OrgID), joinReqSK(r.ID)}, Type: "joinRequest",
		RequestID: r.ID, OrgID: r.OrgID, OrgName: r.OrgName, UserID: r.UserID, Email: r.Email, Domain: r.Domain,
		Status: r.Status, OrgRole: string(r.OrgRole), ProjectIDs: ids, ProjectRoles: roles,
		ProjectNames: nilIfEmptyMap(r.ProjectNames), CreatedAt: r.CreatedAt, AnsweredAt: r.AnsweredAt,
		AnsweredBy: r.AnsweredBy, AnsweredByID: r.AnsweredByID}
	if r.Status != domain.JoinApproved { // approved requests leave the requester's list
		it.GSI1PK, it.GSI1SK = userGSI(r.UserID), joinReqGSI(r.OrgID, r.ID)
	}
	if r.AnsweredAt != nil {
		it.TTL = ttlAt(r.AnsweredAt.Add(joinReqRetention()))
	}
	return it
}

func (it joinReqItem) domain() domain.JoinRequest {
	return domain.JoinRequest{JoinRequestView: domain.JoinRequestView{ID: it.RequestID, OrgID: it.OrgID,
		OrgName: it.OrgName, UserID: it.UserID, Email: it.Email, Domain: it.Domain, Status: it.Status,
		OrgRole: orgRole(it.OrgRole), Projects: grantsFrom(it.ProjectIDs, it.ProjectRoles), CreatedAt: it.CreatedAt,
		AnsweredAt: it.AnsweredAt, AnsweredBy: it.AnsweredBy}, ProjectNames: it.ProjectNames, AnsweredByID: it.AnsweredByID}
}

// checkWith adds a ConditionCheck of item (pk, sk) with names and values.
func (t *tx) checkWith(table, pk, sk, cond string, names map[string]string, vals map[string]types.AttributeValue, kind error) {
	t.items = append(t.items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table),
		Key: keyOf(pk, sk), ConditionExpression: aws.String(cond), ExpressionAttributeNames: names,
		ExpressionAttributeValues: vals}})
	t.kinds = append(t.kinds, kind)
}

func (t *tx) audit(table string, ev domain.AuditEvent) {
	t.put(table, toAuditItem(ev), condNew, nil, nil, domain.ErrConflict)
}

// CreateDomain stores a new domain. Returns domain.ErrExists.
func (st *Store) CreateDomain(ctx context.Context, d domain.Domain, ev domain.AuditEvent) error {
	t := &tx{}
	t.put(st.table, toDomainItem(d), condNew, nil, nil, domain.ErrExists)
	t.audit(st.table, ev)
	return t.run(ctx, st.db)
}

// GetDomain reads an organization's domain. Returns domain.ErrNotFound.
func (st *Store) GetDomain(ctx context.Context, orgID, name string) (domain.Domain, error) {
	var it domainItem
	if err := st.get(ctx, orgPK(orgID), domainSK(name), &it); err != nil {
		return domain.Domain{}, err
	}
	return it.domain(), nil
}

// ListDomains reads an organization's domains (Query ORG# DOMAIN#).
func (st *Store) ListDomains(ctx context.Context, orgID string) ([]domain.Domain, error) {
	items, err := st.queryAll(ctx, st.beginsWith(orgPK(orgID), preDomain))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Domain, 0, len(items))
	for _, raw := range items {
		var it domainItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, it.domain())
	}
	return out, nil
}

// SaveDomain stores d on condition of its revision and, for a verified
// domain, writes the claim unless another organization holds it. Returns
// domain.ErrConflict, domain.ErrExists.
func (st *Store) SaveDomain(ctx context.Context, d domain.Domain, prevRev int64, verify bool, ev domain.AuditEvent) error {
	t := &tx{}
	t.put(st.table, toDomainItem(d), "rev = :rev", nil, map[string]types.AttributeValue{":rev": n(prevRev)}, domain.ErrConflict)
	if d.Status == domain.DomainVerified {
		t.put(st.table, claimItem{key: key{claimPK(d.Domain), skClaim}, Type: "domainClaim", Domain: d.Domain,
			OrgID: d.OrgID, OrgName: d.OrgName, JoinPolicy: string(d.JoinPolicy)},
			"attribute_not_exists(pk) OR orgId = :org", nil, map[string]types.AttributeValue{":org": s(d.OrgID)}, domain.ErrExists)
	}
	t.audit(st.table, ev)
	return t.run(ctx, st.db)
}

// DeleteDomain deletes d (same revision) and the claim its organization
// holds. Returns domain.ErrConflict.
func (st *Store) DeleteDomain(ctx context.Context, d domain.Domain, ev domain.AuditEvent) error {
	t := &tx{}
	t.del(st.table, orgPK(d.OrgID), domainSK(d.Domain), "rev = :rev", nil, map[string]types.AttributeValue{":rev": n(d.Rev)}, domain.ErrConflict)
	if d.Status == domain.DomainVerified {
		t.del(st.table, claimPK(d.Domain), skClaim, "attribute_not_exists(pk) OR orgId = :org", nil,
			map[string]types.AttributeValue{":org": s(d.OrgID)}, domain.ErrConflict)
	}
	t.audit(st.table, ev)
	return t.run(ctx, st.db)
}

func claimOf(raw map[string]types.AttributeValue) (*domain.DomainClaim, error) {
	var it claimItem
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return nil, err
	}
	return &domain.DomainClaim{Domain: it.Domain, OrgID: it.OrgID, OrgName: it.OrgName, JoinPolicy: domain.JoinPolicy(it.JoinPolicy)}, nil
}

// DomainClaim reads who verified a domain. Returns domain.ErrNotFound.
func (st *Store) DomainClaim(ctx context.Context, name string) (domain.DomainClaim, error) {
	var it claimItem
	if err := st.get(ctx, claimPK(name), skClaim, &it); err != nil {
		return domain.DomainClaim{}, err
	}
	return domain.DomainClaim{Domain: it.Domain, OrgID: it.OrgID, OrgName: it.OrgName, JoinPolicy: domain.JoinPolicy(it.JoinPolicy)}, nil
}

// ReadForMe reads the user's profile and the claim of name ("": none) in
// one BatchGetItem.
func (st *Store) ReadForMe(ctx context.Context, userID, name string) (*domain.User, *domain.DomainClaim, error) {
	userK, claimK := key{userPK(userID), skProfile}, key{claimPK(name), skClaim}
	keys := []key{userK}
	if name != "" {
		keys = append(keys, claimK)
	}
	items, err := st.getMany(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	var u *domain.User
	if raw, ok := items[userK]; ok {
		var it userItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, nil, err
		}
		u = &domain.User{ID: it.UserID, Email: it.Email, CreatedAt: it.CreatedAt}
	}
	var c *domain.DomainClaim
	if raw, ok := items[claimK]; ok && name != "" {
		if c, err = claimOf(raw); err != nil {
			return nil, nil, err
		}
	}
	return u, c, nil
}

// ReadForJoin reads the domain, the membership, the profile and the open
// request in one BatchGetItem (and the open request's item when there is one).
func (st *Store) ReadForJoin(ctx context.Context, orgID, userID, name string) (domain.JoinReads, error) {
	domK, memK, userK, openK := key{orgPK(orgID), domainSK(name)}, key{orgPK(orgID), memberSK(userID)},
		key{userPK(userID), skProfile}, key{orgPK(orgID), joinOpenSK(userID)}
	items, err := st.getMany(ctx, []key{domK, memK, userK, openK})
	if err != nil {
		return domain.JoinReads{}, err
	}
	var out domain.JoinReads
	if raw, ok := items[domK]; ok {
		var it domainItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		d := it.domain()
		out.Domain = &d
	}
	if raw, ok := items[memK]; ok {
		var it memberItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		m := it.domain()
		out.Membership = &m
	}
	if raw, ok := items[userK]; ok {
		var it userItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		out.User = &domain.User{ID: it.UserID, Email: it.Email, CreatedAt: it.CreatedAt}
	}
	if raw, ok := items[openK]; ok {
		var it joinOpenItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		r, err := st.GetJoinRequest(ctx, orgID, it.RequestID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return out, err
		}
		if err == nil && r.Status == domain.JoinPending {
			out.Open = &r
		}
	}
	return out, nil
}

// domainUnchanged is the condition that a domain item has revision rev.
func (t *tx) domainUnchanged(table string, d domain.Domain) {
	t.checkWith(table, orgPK(d.OrgID), domainSK(d.Domain), "rev = :rev", nil,
		map[string]types.AttributeValue{":rev": n(d.Rev)}, domain.ErrConflict)
}

// queueAdd counts n more (or fewer) pending requests in the organization.
func (t *tx) queueAdd(table, orgID string, by int64) {
	t.update(table, orgPK(orgID), skJoinQueue, "ADD pending :n SET #type = :type", "", map[string]string{"#type": "type"},
		map[string]types.AttributeValue{":n": n(by), ":type": s("joinQueue")}, nil)
}

// CreateJoinRequest writes the request, the open request item, the
// pending count and the audit event, on condition of d's revision and no
// open request. Returns domain.ErrConflict.
func (st *Store) CreateJoinRequest(ctx context.Context, r domain.JoinRequest, d domain.Domain, ev domain.AuditEvent) error {
	t := &tx{}
	t.put(st.table, joinOpenItem{key: key{orgPK(r.OrgID), joinOpenSK(r.UserID)}, Type: "joinOpen", RequestID: r.ID},
		condNew, nil, nil, domain.ErrConflict)
	t.put(st.table, toJoinReqItem(r), condNew, nil, nil, domain.ErrConflict)
	t.queueAdd(st.table, r.OrgID, 1)
	t.domainUnchanged(st.table, d)
	t.audit(st.table, ev)
	return t.run(ctx, st.db)
}

// answerJoin adds the writes that answer r (pending until now) to t.
func (t *tx) answerJoin(table string, r domain.JoinRequest) {
	it := toJoinReqItem(r)
	t.put(table, it, "#st = :pending", map[string]string{"#st": "status"},
		map[string]types.AttributeValue{":pending": s(domain.JoinPending)}, domain.ErrConflict)
	t.del(table, orgPK(r.OrgID), joinOpenSK(r.UserID), "attribute_not_exists(pk) OR requestId = :id", nil,
		map[string]types.AttributeValue{":id": s(r.ID)}, domain.ErrConflict)
	t.queueAdd(table, r.OrgID, -1)
}

// GetJoinRequest reads a join request. Returns domain.ErrNotFound.
func (st *Store) GetJoinRequest(ctx context.Context, orgID, id string) (domain.JoinRequest, error) {
	var it joinReqItem
	if err := st.get(ctx, orgPK(orgID), joinReqSK(id), &it); err != nil {
		return domain.JoinRequest{}, err
	}
	return it.domain(), nil
}

// ListPendingJoinRequests pages through the pending requests by id
// (oldest first).
func (st *Store) ListPendingJoinRequests(ctx context.Context, orgID, after string, limit int) ([]domain.JoinRequest, string, error) {
	in := st.beginsWith(orgPK(orgID), preJoinReq)
	in.FilterExpression = aws.String("#st = :pending")
	in.ExpressionAttributeNames = map[string]string{"#st": "status"}
	in.ExpressionAttributeValues[":pending"] = s(domain.JoinPending)
	var start map[string]types.AttributeValue
	if after != "" {
		start = keyOf(orgPK(orgID), joinReqSK(after))
	}
	items, more, err := st.queryPage(ctx, in, start, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.JoinRequest, 0, len(items))
	for _, raw := range items {
		var it joinReqItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, "", err
		}
		out = append(out, it.domain())
	}
	next := ""
	if more && len(out) > 0 {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// DenyJoinRequest stores r denied on condition it was pending. Returns
// domain.ErrConflict.
func (st *Store) DenyJoinRequest(ctx context.Context, r domain.JoinRequest, ev domain.AuditEvent) error {
	t := &tx{}
	t.answerJoin(st.table, r)
	t.audit(st.table, ev)
	return t.run(ctx, st.db)
}

// MarkJoinNotified sets the queue's notified flag; first is true when it
// was not set.
func (st *Store) MarkJoinNotified(ctx context.Context, orgID string) (bool, error) {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table, Key: keyOf(orgPK(orgID), skJoinQueue),
		UpdateExpression:          aws.String("SET notified = :t"),
		ConditionExpression:       aws.String("attribute_not_exists(notified) OR notified = :f"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}, ":f": &types.AttributeValueMemberBOOL{Value: false}}})
	err = classify(err, []error{domain.ErrConflict})
	if errors.Is(err, domain.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// ResetJoinNotified clears the notified flag when no request is pending.
func (st *Store) ResetJoinNotified(ctx context.Context, orgID string) error {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table, Key: keyOf(orgPK(orgID), skJoinQueue),
		UpdateExpression:          aws.String("SET notified = :f"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND pending <= :zero"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": &types.AttributeValueMemberBOOL{Value: false}, ":zero": n(0)}})
	if err = classify(err, []error{domain.ErrConflict}); errors.Is(err, domain.ErrConflict) {
		return nil
	}
	return err
}

// ListMemberEmails reads the organization's members (Query ORG# MEMBER#,
// filtered on role) until it has limit addresses.
func (st *Store) ListMemberEmails(ctx context.Context, orgID string, roles []domain.OrgRole, limit int) ([]string, error) {
	in := st.beginsWith(orgPK(orgID), preMember)
	in.ProjectionExpression = aws.String("email, #role")
	in.ExpressionAttributeNames = map[string]string{"#role": "role"}
	var ors []string
	for i, r := range roles {
		k := ":r" + itoa64(int64(i))
		in.ExpressionAttributeValues[k] = s(string(r))
		ors = append(ors, k)
	}
	if len(ors) == 0 {
		return nil, nil
	}
	in.FilterExpression = aws.String("#role IN (" + strings.Join(ors, ", ") + ")")
	items, _, err := st.queryPage(ctx, in, nil, limit)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, raw := range items {
		if v, ok := raw["email"].(*types.AttributeValueMemberS); ok && !slices.Contains(out, v.Value) {
			out = append(out, v.Value)
		}
	}
	return out, nil
}

// ListUserJoinRequests reads the user's memberships and join requests
// from gsi1 in one Query (eventually consistent: display only).
func (st *Store) ListUserJoinRequests(ctx context.Context, userID string) ([]domain.OrgMembership, []domain.ProjectMembership, []domain.JoinRequestView, error) {
	items, err := st.userIndex(ctx, userID)
	if err != nil {
		return nil, nil, nil, err
	}
	var reqs []domain.JoinRequestView
	rest := items[:0:0]
	for _, raw := range items {
		if v, ok := raw[AttrGSI1SK].(*types.AttributeValueMemberS); ok && isJoinReqGSI(v.Value) {
			var it joinReqItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, nil, nil, err
			}
			reqs = append(reqs, it.domain().JoinRequestView)
			continue
		}
		rest = append(rest, raw)
	}
	orgs, projects, err := membershipsOf(rest)
	return orgs, projects, reqs, err
}
