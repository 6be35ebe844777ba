// Package domain holds the Members service's types, rules and use cases. It
// imports no AWS package: storage and mail are reached through the Store and
// Mailer interfaces, implemented by shared/store and shared/mailer.
package domain

import "time"

// Identity is the caller as the JWT authorizer vouched for them.
type Identity struct {
	UserID        string
	Email         string // normalized
	EmailVerified bool
}

// User is a registered account.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"-"`
}

// Org is an organization.
type Org struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"-"`
}

// Project belongs to one organization.
type Project struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Membership is a user's standing in one organization: their organization
// role and their project roles there. Rev is the optimistic-concurrency
// revision of the stored membership (0 when it does not exist yet).
type Membership struct {
	OrgID    string
	OrgName  string
	UserID   string
	Email    string
	Role     OrgRole
	Projects map[string]ProjectRole
	JoinedAt time.Time
	Rev      int64
	// AccessExpiresAt is when the membership ends (zero: never); from that
	// instant it grants nothing and the sweep removes it (expiry.go).
	AccessExpiresAt time.Time
	// ProjectExpiry holds when each project role ends (absent: never).
	ProjectExpiry map[string]time.Time
	// Reminded records, per expiring access (ReminderOrg or a project id),
	// the expiry its reminder mail was sent for.
	Reminded map[string]time.Time
	// asOf is the instant expiry is judged at (at; time.Now when zero).
	asOf time.Time
	// ManagedBy is the id of the SCIM user whose directory manages this
	// membership ("" when none): the API refuses to change or remove it
	// (managed_by_directory) until an owner detaches it.
	ManagedBy string
}

// Exists reports whether the membership is stored.
func (m Membership) Exists() bool { return m.Rev > 0 }

// Member is one row of a member list.
type Member struct {
	UserID   string    `json:"userId"`
	Email    string    `json:"email"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
	// AccessExpiresAt is when the member's access ends (in a project's
	// list: the earlier of their organization's and the project's end).
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
	// CanManage tells the caller whether they may change this member's
	// role and remove them (policy.go: canManageMember, or
	// canManageProjectMembers in a project's list).
	CanManage bool `json:"canManage"`
	// ManagedByDirectory: the organization's identity provider manages
	// this member (SCIM); only an owner's detach lets others change them.
	ManagedByDirectory bool `json:"managedByDirectory,omitempty"`
}

// InviteStatus is the stored lifecycle state of an invite.
type InviteStatus string

// Invite statuses. Expired is derived on read from ExpiresAt.
const (
	InvitePending  InviteStatus = "pending"
	InviteExpired  InviteStatus = "expired"
	InviteAccepted InviteStatus = "accepted"
	InviteRevoked  InviteStatus = "revoked"
)

// Delivery is what is known of an invite email's delivery.
type Delivery string

// Delivery states.
const (
	DeliveryPending    Delivery = "pending"
	DeliverySent       Delivery = "sent"
	DeliveryFailed     Delivery = "failed"
	DeliveryDelivered  Delivery = "delivered"
	DeliveryBounced    Delivery = "bounced"
	DeliveryComplained Delivery = "complained"
)

// Invite is a pending (or finished) invitation of one address to an
// organization and some of its projects.
type Invite struct {
	ID      string
	OrgID   string
	OrgName string
	Email   string
	OrgRole OrgRole
	// Projects are the projects the invite grants, each with its role, in
	// the order they were first named.
	Projects       []ProjectGrant
	ProjectNames   map[string]string
	InvitedBy      string // user id
	InvitedByEmail string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	ExpiresInDays  int
	Status         InviteStatus
	Delivery       Delivery
	MessageID      string
	TokenHash      string
	// MailID names the email that carries the current token (an SES message
	// tag), so delivery events about an older email change nothing.
	MailID     string
	AcceptedBy string
	// Rev counts edits of the invite's terms that kept its token (PATCH);
	// accepting is conditioned on it, so a link grants the edited terms.
	Rev int64
	// HoldsSeat: the invite is counted in its organization's seat counter
	// while pending (every invite created since seats exist), so accepting
	// or revoking it releases that count. seats.go.
	HoldsSeat bool
	// Result is the membership an accepted invite produced.
	ResultOrgRole  OrgRole
	ResultProjects map[string]ProjectRole
	// AccessExpiresAt is when the organization access the invite grants
	// ends (zero: never); each project of Projects may end on its own.
	AccessExpiresAt time.Time
}

// ProjectGrant is one project of an invite with the role it grants there.
type ProjectGrant struct {
	ID   string      `json:"id"`
	Role ProjectRole `json:"role"`
	// AccessExpiresAt ends the project role at that instant (zero: never).
	AccessExpiresAt time.Time `json:"accessExpiresAt,omitzero"`
}

// Grant is what an invite (or a direct add) gives: an organization role
// and a role in each of some projects.
type Grant struct {
	OrgRole  OrgRole
	Projects []ProjectGrant
	// AccessExpiresAt ends the membership at that instant (zero: never).
	AccessExpiresAt time.Time
}

// Grant returns the terms inv grants.
func (inv Invite) Grant() Grant {
	return Grant{OrgRole: inv.OrgRole, Projects: inv.Projects, AccessExpiresAt: inv.AccessExpiresAt}
}

// ProjectIDs returns the ids of g's projects, in order.
func (g Grant) ProjectIDs() []string {
	out := make([]string, 0, len(g.Projects))
	for _, p := range g.Projects {
		out = append(out, p.ID)
	}
	return out
}

// ProjectIDs returns the ids of the invite's projects, in order.
func (inv Invite) ProjectIDs() []string { return inv.Grant().ProjectIDs() }

// StatusAt is the invite's status as seen at now: pending invites past
// their expiry are expired.
func (inv Invite) StatusAt(now time.Time) InviteStatus {
	if inv.Status == InvitePending && (!now.Before(inv.ExpiresAt) || ended(inv.AccessExpiresAt, now)) {
		return InviteExpired
	}
	return inv.Status
}

// AuditEvent records one change, for the organization's audit trail.
type AuditEvent struct {
	ID      string         `json:"id"`
	OrgID   string         `json:"-"`
	At      time.Time      `json:"at"`
	ActorID string         `json:"actorId"`
	Actor   string         `json:"actorEmail"`
	Action  string         `json:"action"`
	Target  string         `json:"target"`
	Before  map[string]any `json:"before,omitempty"`
	After   map[string]any `json:"after,omitempty"`
	// Via names the path a change came by when it was not a user of the
	// console or API: "scim" for the organization's identity provider.
	Via string `json:"via,omitempty"`
}

// Audit actions.
const (
	AuditInviteCreated  = "invite.created"
	AuditInviteResent   = "invite.resent"
	AuditInviteRevoked  = "invite.revoked"
	AuditInviteUpdated  = "invite.updated"
	AuditInviteAccepted = "invite.accepted"
	// AuditInviteSeatReleased: the sweep freed the seat of a pending
	// invite that expired; no user made it.
	AuditInviteSeatReleased = "invite.seat_released"
	// AuditInviteDeliveryFailed: SES refused the invite email, or it
	// bounced or drew a complaint (from SES's events); no user made it.
	AuditInviteDeliveryFailed = "invite.delivery_failed"
	AuditMemberAdded          = "member.added"
	AuditMemberRole           = "member.role_changed"
	AuditMemberRemoved        = "member.removed"
	AuditMemberLeft           = "member.left" // removed by themself
	// AuditMemberExpired: the sweep removed access whose accessExpiresAt
	// passed (the whole membership, or some project roles); no user made it.
	AuditMemberExpired   = "member.expired"
	AuditOrgCreated      = "org.created"
	AuditProjectCreated  = "project.created"
	AuditOrgSeatsUpdated = "org.seats_updated"
	AuditDomainAdded     = "domain.added"
	AuditDomainVerified  = "domain.verified"
	AuditDomainUpdated   = "domain.updated"
	AuditDomainRemoved   = "domain.removed"
	AuditJoinRequested   = "join_request.created"
	AuditJoinApproved    = "join_request.approved"
	AuditJoinDenied      = "join_request.denied"
	// AuditMemberDetached: an owner took a member out of the directory's
	// management (SCIM); they are managed like any member since.
	AuditMemberDetached = "member.detached"
	// Directory (SCIM) tokens and group grants.
	AuditScimTokenCreated = "scim.token_created"
	AuditScimTokenRevoked = "scim.token_revoked"
	AuditScimGroupGrants  = "scim.group_grants_changed"
	// AuditScimUserProvisioned and AuditScimUserDeprovisioned record the
	// directory's users as they come and go (their memberships change
	// with member.* events when they have an account).
	AuditScimUserProvisioned   = "scim.user_provisioned"
	AuditScimUserDeprovisioned = "scim.user_deprovisioned"
)

// ViaSCIM is AuditEvent.Via of changes the identity provider made.
const ViaSCIM = "scim"

// DeliveryEvent is an email delivery notification (from SES events).
type DeliveryEvent struct {
	MessageID string
	OrgID     string
	InviteID  string
	MailID    string   // the invite's MailID when the email was sent
	Kind      Delivery // sent, delivered, bounced or complained
	At        time.Time
}
