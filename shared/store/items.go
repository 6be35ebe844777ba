package store

import (
	"time"

	"github.com/members-saas/members/shared/domain"
)

type key struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
}

type userItem struct {
	key
	Type      string    `dynamodbav:"type"`
	UserID    string    `dynamodbav:"userId"`
	Email     string    `dynamodbav:"email"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
}

type emailItem struct {
	key
	Type   string `dynamodbav:"type"`
	UserID string `dynamodbav:"userId"`
}

type orgItem struct {
	key
	Type      string    `dynamodbav:"type"`
	OrgID     string    `dynamodbav:"orgId"`
	Name      string    `dynamodbav:"name"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	CreatedBy string    `dynamodbav:"createdBy"`
	Owners    int       `dynamodbav:"owners"`
}

type projectItem struct {
	key
	Type      string    `dynamodbav:"type"`
	OrgID     string    `dynamodbav:"orgId"`
	ProjectID string    `dynamodbav:"projectId"`
	Name      string    `dynamodbav:"name"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
}

// memberItem is a user's membership of an organization. Projects holds
// their project roles there, so a removal knows every project item to
// delete; Rev guards all of it (optimistic concurrency).
type memberItem struct {
	key
	GSI1PK   string            `dynamodbav:"gsi1pk"`
	GSI1SK   string            `dynamodbav:"gsi1sk"`
	GSI2PK   string            `dynamodbav:"gsi2pk"`
	GSI2SK   string            `dynamodbav:"gsi2sk"`
	Type     string            `dynamodbav:"type"`
	OrgID    string            `dynamodbav:"orgId"`
	OrgName  string            `dynamodbav:"orgName"`
	UserID   string            `dynamodbav:"userId"`
	Email    string            `dynamodbav:"email"`
	Role     string            `dynamodbav:"role"`
	Projects map[string]string `dynamodbav:"projects,omitempty"`
	JoinedAt time.Time         `dynamodbav:"joinedAt"`
	Rev      int64             `dynamodbav:"rev"`
	// GSI3PK and GSI3SK (expiry.go) are set while the membership has an
	// end: gsi3 then lists it by when the sweep is next due.
	GSI3PK          string               `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK          string               `dynamodbav:"gsi3sk,omitempty"`
	AccessExpiresAt *time.Time           `dynamodbav:"accessExpiresAt,omitempty"`
	ProjectExpiry   map[string]time.Time `dynamodbav:"projectExpiry,omitempty"`
	Reminded        map[string]time.Time `dynamodbav:"reminded,omitempty"`
	// ManagedBy is the SCIM user managing the membership, if any.
	ManagedBy string `dynamodbav:"managedBy,omitempty"`
}

type projectMemberItem struct {
	key
	GSI1PK      string    `dynamodbav:"gsi1pk"`
	GSI1SK      string    `dynamodbav:"gsi1sk"`
	GSI2PK      string    `dynamodbav:"gsi2pk"`
	GSI2SK      string    `dynamodbav:"gsi2sk"`
	Type        string    `dynamodbav:"type"`
	OrgID       string    `dynamodbav:"orgId"`
	ProjectID   string    `dynamodbav:"projectId"`
	ProjectName string    `dynamodbav:"projectName"`
	UserID      string    `dynamodbav:"userId"`
	Email       string    `dynamodbav:"email"`
	Role        string    `dynamodbav:"role"`
	JoinedAt    time.Time `dynamodbav:"joinedAt"`
	// AccessExpiresAt is when the role ends: the earlier of the
	// organization membership's end and the project's.
	AccessExpiresAt *time.Time `dynamodbav:"accessExpiresAt,omitempty"`
	// ManagedBy is the organization membership's ManagedBy (the project's
	// member list shows it); every change of it rewrites it here.
	ManagedBy string `dynamodbav:"managedBy,omitempty"`
}

type inviteItem struct {
	key
	// GSI1PK and GSI1SK (senderGSI, sentGSI) are set while the invite is
	// pending: gsi1 then lists it among its sender's pending invites.
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	// GSI3PK and GSI3SK (expiry.go): a pending invite that holds a seat
	// is due in gsi3 at its expiry, when the sweep releases its seat.
	GSI3PK       string            `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK       string            `dynamodbav:"gsi3sk,omitempty"`
	Type         string            `dynamodbav:"type"`
	InviteID     string            `dynamodbav:"inviteId"`
	OrgID        string            `dynamodbav:"orgId"`
	OrgName      string            `dynamodbav:"orgName"`
	Email        string            `dynamodbav:"email"`
	OrgRole      string            `dynamodbav:"orgRole"`
	ProjectIDs   []string          `dynamodbav:"projectIds,omitempty"`
	ProjectNames map[string]string `dynamodbav:"projectNames,omitempty"`
	// ProjectRoles holds each project's role. Items written before roles
	// per project have one ProjectRole for all of ProjectIDs instead.
	ProjectRoles   map[string]string `dynamodbav:"projectRoles,omitempty"`
	ProjectRole    string            `dynamodbav:"projectRole,omitempty"`
	Rev            int64             `dynamodbav:"rev,omitempty"`
	InvitedBy      string            `dynamodbav:"invitedBy"`
	InvitedByEmail string            `dynamodbav:"invitedByEmail"`
	CreatedAt      time.Time         `dynamodbav:"createdAt"`
	ExpiresAt      time.Time         `dynamodbav:"expiresAt"`
	ExpiresInDays  int               `dynamodbav:"expiresInDays"`
	// ExpiresMs is ExpiresAt in Unix milliseconds, for conditions.
	ExpiresMs      int64             `dynamodbav:"expiresMs"`
	Status         string            `dynamodbav:"status"`
	Delivery       string            `dynamodbav:"delivery"`
	MessageID      string            `dynamodbav:"messageId"`
	TokenHash      string            `dynamodbav:"tokenHash"`
	MailID         string            `dynamodbav:"mailId"`
	AcceptedBy     string            `dynamodbav:"acceptedBy,omitempty"`
	ResultOrgRole  string            `dynamodbav:"resultOrgRole,omitempty"`
	ResultProjects map[string]string `dynamodbav:"resultProjects,omitempty"`
	// Seat: the invite is counted in its organization's seat counter
	// (seats.go) until accepted, revoked, or expired and swept
	// (ReleaseInviteSeat).
	Seat bool  `dynamodbav:"seat,omitempty"`
	TTL  int64 `dynamodbav:"ttl"`
	// AccessExpiresAt and ProjectExpiry are when the access the invite
	// gives ends (expiry.go).
	AccessExpiresAt *time.Time           `dynamodbav:"accessExpiresAt,omitempty"`
	ProjectExpiry   map[string]time.Time `dynamodbav:"projectExpiry,omitempty"`
}

// tokenItem maps a token's SHA-256 to its invite; the raw token is never stored.
type tokenItem struct {
	key
	Type     string `dynamodbav:"type"`
	OrgID    string `dynamodbav:"orgId"`
	InviteID string `dynamodbav:"inviteId"`
	TTL      int64  `dynamodbav:"ttl"`
	// Invite is the invite as it was when this token was issued. Every
	// change of an invite's terms issues a new token, so the snapshot's
	// terms are current; its status may be stale, which the accept
	// transaction's condition on the invite item catches.
	Invite *inviteItem `dynamodbav:"invite,omitempty"`
}

// openItem holds the one open invite of an address in an organization.
type openItem struct {
	key
	Type     string `dynamodbav:"type"`
	InviteID string `dynamodbav:"inviteId"`
	TTL      int64  `dynamodbav:"ttl"`
}

// auditItem is one audit event. OrgID and TargetEmail are not part of
// domain.AuditEvent's trail but are what events published from the table's
// stream need (AuditFromItem); older items lack them.
type auditItem struct {
	key
	Type        string         `dynamodbav:"type"`
	OrgID       string         `dynamodbav:"orgId,omitempty"`
	TargetEmail string         `dynamodbav:"targetEmail,omitempty"`
	EventID     string         `dynamodbav:"eventId"`
	At          time.Time      `dynamodbav:"at"`
	ActorID     string         `dynamodbav:"actorId"`
	Actor       string         `dynamodbav:"actor"`
	Action      string         `dynamodbav:"action"`
	Target      string         `dynamodbav:"target"`
	Before      map[string]any `dynamodbav:"before,omitempty"`
	After       map[string]any `dynamodbav:"after,omitempty"`
	Via         string         `dynamodbav:"via,omitempty"`
}

// orgRole reads a stored organization role: "user" is what OrgMember was
// called before manager roles existed.
func orgRole(stored string) domain.OrgRole {
	if stored == "user" {
		return domain.OrgMember
	}
	return domain.OrgRole(stored)
}

func toMemberItem(m domain.Membership, rev int64) memberItem {
	var ps map[string]string // nil when empty: empty maps are not stored
	for k, v := range m.Projects {
		if ps == nil {
			ps = map[string]string{}
		}
		ps[k] = string(v)
	}
	it := memberItem{key: key{orgPK(m.OrgID), memberSK(m.UserID)}, GSI1PK: userGSI(m.UserID), GSI1SK: orgGSI(m.OrgID),
		GSI2PK: orgPK(m.OrgID), GSI2SK: byEmailSK(m.Email, m.UserID),
		Type: "member", OrgID: m.OrgID, OrgName: m.OrgName, UserID: m.UserID, Email: m.Email, Role: string(m.Role),
		Projects: ps, JoinedAt: m.JoinedAt, Rev: rev, AccessExpiresAt: timePtr(m.AccessExpiresAt),
		Reminded: nilIfEmptyMap(m.Reminded), ManagedBy: m.ManagedBy}
	for pid, t := range m.ProjectExpiry {
		if _, in := m.Projects[pid]; in && !t.IsZero() {
			if it.ProjectExpiry == nil {
				it.ProjectExpiry = map[string]time.Time{}
			}
			it.ProjectExpiry[pid] = t
		}
	}
	if due := m.NextDue(); !due.IsZero() {
		it.GSI3PK, it.GSI3SK = expiryShard(m.OrgID, m.UserID), dueSK(due)
	}
	return it
}

// timePtr is t for an optional attribute (nil when zero).
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func (it memberItem) domain() domain.Membership {
	ps := map[string]domain.ProjectRole{}
	for k, v := range it.Projects {
		ps[k] = domain.ProjectRole(v)
	}
	return domain.Membership{OrgID: it.OrgID, OrgName: it.OrgName, UserID: it.UserID, Email: it.Email,
		Role: orgRole(it.Role), Projects: ps, JoinedAt: it.JoinedAt, Rev: it.Rev,
		AccessExpiresAt: timeOf(it.AccessExpiresAt), ProjectExpiry: it.ProjectExpiry, Reminded: it.Reminded,
		ManagedBy: it.ManagedBy}
}

func toInviteItem(inv domain.Invite) inviteItem {
	roles := map[string]string{}
	ends := map[string]time.Time{}
	for _, p := range inv.Projects {
		roles[p.ID] = string(p.Role)
		if !p.AccessExpiresAt.IsZero() {
			ends[p.ID] = p.AccessExpiresAt.UTC()
		}
	}
	it := inviteItem{key: key{orgPK(inv.OrgID), inviteSK(inv.ID)}, Type: "invite", InviteID: inv.ID, OrgID: inv.OrgID,
		OrgName: inv.OrgName, Email: inv.Email, OrgRole: string(inv.OrgRole), ProjectIDs: nilIfEmpty(inv.ProjectIDs()),
		ProjectNames: nilIfEmptyMap(inv.ProjectNames), ProjectRoles: nilIfEmptyMap(roles), Rev: inv.Rev, InvitedBy: inv.InvitedBy,
		InvitedByEmail: inv.InvitedByEmail, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt,
		ExpiresInDays: inv.ExpiresInDays, ExpiresMs: inv.ExpiresAt.UnixMilli(), Status: string(inv.Status), Delivery: string(inv.Delivery),
		MessageID: inv.MessageID, TokenHash: inv.TokenHash, MailID: inv.MailID, Seat: inv.HoldsSeat,
		TTL:             ttlAt(inv.ExpiresAt.Add(deadInviteRetention)),
		AccessExpiresAt: timePtr(inv.AccessExpiresAt), ProjectExpiry: nilIfEmptyMap(ends)}
	if inv.Status == domain.InvitePending {
		it.GSI1PK, it.GSI1SK = senderGSI(inv.InvitedBy), sentGSI(inv.OrgID, inv.ID)
		if inv.HoldsSeat {
			it.GSI3PK, it.GSI3SK = expiryShard(inv.OrgID, preInvite+inv.ID), dueSK(inv.ExpiresAt)
		}
	}
	return it
}

func (it inviteItem) domain() domain.Invite {
	rp := map[string]domain.ProjectRole{}
	for k, v := range it.ResultProjects {
		rp[k] = domain.ProjectRole(v)
	}
	var ps []domain.ProjectGrant
	for _, id := range it.ProjectIDs {
		r, ok := it.ProjectRoles[id]
		if !ok {
			r = it.ProjectRole // an item from before roles per project
		}
		ps = append(ps, domain.ProjectGrant{ID: id, Role: domain.ProjectRole(r), AccessExpiresAt: it.ProjectExpiry[id]})
	}
	return domain.Invite{ID: it.InviteID, OrgID: it.OrgID, OrgName: it.OrgName, Email: it.Email,
		OrgRole: orgRole(it.OrgRole), Projects: ps, ProjectNames: it.ProjectNames, Rev: it.Rev,
		InvitedBy: it.InvitedBy, InvitedByEmail: it.InvitedByEmail,
		CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt, ExpiresInDays: it.ExpiresInDays,
		Status: domain.InviteStatus(it.Status), Delivery: domain.Delivery(it.Delivery), MessageID: it.MessageID,
		TokenHash: it.TokenHash, MailID: it.MailID, AcceptedBy: it.AcceptedBy, ResultOrgRole: orgRole(it.ResultOrgRole),
		ResultProjects: rp, HoldsSeat: it.Seat, AccessExpiresAt: timeOf(it.AccessExpiresAt)}
}

func toAuditItem(ev domain.AuditEvent) auditItem {
	return auditItem{key: key{orgPK(ev.OrgID), auditSK(ev.ID)}, Type: TypeAudit, OrgID: ev.OrgID, EventID: ev.ID, At: ev.At,
		ActorID: ev.ActorID, Actor: ev.Actor, Action: ev.Action, Target: ev.Target, Before: ev.Before, After: ev.After, Via: ev.Via}
}

func (it auditItem) domain() domain.AuditEvent {
	return domain.AuditEvent{ID: it.EventID, OrgID: it.OrgID, At: it.At, ActorID: it.ActorID, Actor: it.Actor,
		Action: it.Action, Target: it.Target, Before: it.Before, After: it.After, Via: it.Via}
}

// nilIfEmpty and nilIfEmptyMap keep empty collections out of items: some
// DynamoDB emulators mangle empty M and L values, and DynamoDB omits
// nothing useful by storing them.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmptyMap[K comparable, V any](m map[K]V) map[K]V {
	if len(m) == 0 {
		return nil
	}
	return m
}
