package domain

import (
	"context"
	"time"
)

// Store is the persistence the service needs. Implementations return the
// sentinel errors of this package (ErrNotFound, ErrExists, ErrConflict,
// ErrLastOwner, ErrThrottled), possibly wrapped; anything else is internal.
type Store interface {
	SCIMStore // scim.go
	// GetUser returns the registered user, or ErrNotFound.
	GetUser(ctx context.Context, userID string) (User, error)
	// SaveUser registers u, or moves it to a new email (prevEmail is its
	// stored email, "" when new), on condition no directory user waits for
	// the email. Returns ErrExists when the email belongs to another user,
	// ErrConflict when the user changed concurrently, ErrProvisioned when
	// a directory user waits (nothing written).
	SaveUser(ctx context.Context, u User, prevEmail string) error
	// SaveUserClaiming is SaveUser without the condition on waiting
	// directory users, whom the caller links next. Returns ErrExists,
	// ErrConflict.
	SaveUserClaiming(ctx context.Context, u User, prevEmail string) error
	// ListProjects returns every project of an organization, by id.
	ListProjects(ctx context.Context, orgID string) ([]Project, error)
	// ListProjectsOfOrgs returns the projects (id, organization, name) of
	// each organization in orgIDs, by id, in a number of calls that does
	// not grow with len(orgIDs) up to 100.
	ListProjectsOfOrgs(ctx context.Context, orgIDs []string) (map[string][]Project, error)
	// GetProjects returns the projects among ids that exist in the organization.
	GetProjects(ctx context.Context, orgID string, ids []string) (map[string]Project, error)

	// GetMembership returns the user's membership of the organization
	// (read consistently), or ErrNotFound.
	GetMembership(ctx context.Context, orgID, userID string) (Membership, error)
	// ApplyChange writes a membership change atomically. A change that adds
	// a member to the organization counts them in its seat counter in the
	// same transaction, on condition that the seat limit allows it; one
	// that removes a member, or ends an invite holding a seat, releases
	// it. Returns ErrConflict
	// when the membership or the invite changed since it was read, ErrExists
	// when a created organization or project exists, ErrLastOwner when it
	// would leave the organization without an owner, ErrRateLimited when
	// c.Charge would pass its limit, ErrSeatLimit when the organization has
	// no free seat; or, after the change committed, the
	// error of a revocation that did not fit in its transaction.
	ApplyChange(ctx context.Context, c Change) error
	// ListMembers returns up to limit organization members after position
	// after (a store position; "" for the first page), and the position of
	// the next page ("" at the end).
	ListMembers(ctx context.Context, orgID, after string, limit int) ([]Member, string, error)
	// ListProjectMembers is ListMembers for a project.
	ListProjectMembers(ctx context.Context, orgID, projectID, after string, limit int) ([]Member, string, error)
	// SearchMembers returns up to limit organization members whose address
	// starts with prefix (lowercase; "" for all), sorted by address, after
	// position after, and the next page's position ("" at the end). It
	// reads only the page (an index on the address; eventually consistent).
	SearchMembers(ctx context.Context, orgID, prefix, after string, limit int) ([]Member, string, error)
	// SearchProjectMembers is SearchMembers for a project.
	SearchProjectMembers(ctx context.Context, orgID, projectID, prefix, after string, limit int) ([]Member, string, error)
	// ListUserMemberships returns the user's organization and project
	// memberships (eventually consistent; for display).
	ListUserMemberships(ctx context.Context, userID string) ([]OrgMembership, []ProjectMembership, error)

	// CreateInvite stores a new invite, its token and the organization's
	// one open invite for the address, and applies charge (when not nil) in
	// the same transaction; an invite that HoldsSeat is counted in the seat
	// counter too. Returns ErrExists when the address already has
	// an open invite in the organization, ErrRateLimited when the charge
	// would pass its limit, ErrSeatLimit when pending invites take seats
	// and none is free.
	CreateInvite(ctx context.Context, inv Invite, ev AuditEvent, charge *RateCharge) error
	// CreateInvites stores several new invites, each as CreateInvite does,
	// and applies charge once, in one transaction (at most
	// MaxInvitesPerWrite invites). When it cannot write them all it writes
	// none: failed lists the indexes in invs of the invites whose own
	// conditions failed (an open invite exists, or a concurrent write holds
	// one of their items), with an error wrapping ErrExists, so the others
	// can be written again without them. Returns ErrRateLimited (or
	// ErrUserRateLimited) with no indexes when the charge would pass its
	// limit, ErrSeatLimit when pending invites take seats under a limit
	// (room for several cannot be checked in one write: write them one by
	// one), ErrConflict or ErrThrottled when the write failed as a whole.
	CreateInvites(ctx context.Context, invs []NewInvite, charge *RateCharge) (failed []int, err error)
	// ReplaceInvite stores inv (same id, new token or fields) in place of
	// prev, applying charge like CreateInvite; when inv holds a seat and
	// prev does not (the sweep released it), inv takes one like a new
	// invite. Returns ErrConflict when the stored invite is no longer
	// prev's token or seat or is not pending, ErrRateLimited when the
	// charge would pass its limit, ErrSeatLimit when no seat is free.
	ReplaceInvite(ctx context.Context, inv, prev Invite, ev AuditEvent, charge *RateCharge) error
	// UpdateInvite stores inv, prev with edited terms and the same token
	// (inv.Rev is prev.Rev+1), and the token's snapshot of it, so the link
	// already mailed grants the edited terms. Returns ErrConflict when the
	// stored invite is no longer prev (token, revision) or not pending.
	UpdateInvite(ctx context.Context, inv, prev Invite, ev AuditEvent) error
	// RevokeInvite marks a pending invite revoked and deletes its token.
	// Returns ErrConflict when it is no longer pending with that token.
	RevokeInvite(ctx context.Context, inv Invite, ev AuditEvent) error
	// GetInvite returns an invite of an organization, or ErrNotFound.
	GetInvite(ctx context.Context, orgID, inviteID string) (Invite, error)
	// InviteByToken returns the invite a token hash points to, or ErrNotFound.
	InviteByToken(ctx context.Context, tokenHash string) (Invite, error)
	// OpenInviteID returns the open (pending or expired, not accepted or
	// revoked) invite id for an address in an organization, or ErrNotFound.
	OpenInviteID(ctx context.Context, orgID, email string) (string, error)
	// ListOpenInvites returns up to limit open invites after position after.
	ListOpenInvites(ctx context.Context, orgID, after string, limit int) ([]Invite, string, error)
	// ListPendingInvitesBySender returns the pending invites (expired or
	// not) of organization orgID that userID sent, reading only those.
	ListPendingInvitesBySender(ctx context.Context, orgID, userID string) ([]Invite, error)
	// MarkSendFailed records that the provider refused the email of token
	// tokenHash, unless the invite has another token or a delivery event
	// already said more (then ErrConflict).
	MarkSendFailed(ctx context.Context, orgID, inviteID, tokenHash string) error
	// RecordDeliveryEvent applies an SES event to the invite whose current
	// email (MailID) it concerns. Returns ErrConflict for an older email or
	// an unknown invite, so redelivered and stale events change nothing.
	RecordDeliveryEvent(ctx context.Context, ev DeliveryEvent) error

	// GetOrg returns an organization and its seat counter (read
	// consistently, in one call), or ErrNotFound.
	GetOrg(ctx context.Context, orgID string) (Org, Seats, error)
	// SetSeats sets the seat limit (nil: none) and whether pending invites
	// take seats, with audit event ev, and returns the counter after it.
	// An organization whose counter does not count its members yet (made
	// before seats) has them counted first. Returns ErrNotFound for an
	// unknown organization, ErrConflict when the counter changed meanwhile.
	SetSeats(ctx context.Context, orgID string, limit *int, countInvites bool, ev AuditEvent) (Seats, error)

	// CreateInviteLink stores a new invite link, its token item (a
	// snapshot of its terms) and audit event. Returns ErrExists when the
	// id or token is taken.
	CreateInviteLink(ctx context.Context, l InviteLink, ev AuditEvent) error
	// ListInviteLinks returns the organization's invite links, oldest first.
	ListInviteLinks(ctx context.Context, orgID string) ([]InviteLink, error)
	// GetInviteLink returns an invite link as it is now (consistent), or
	// ErrNotFound.
	GetInviteLink(ctx context.Context, orgID, linkID string) (InviteLink, error)
	// DisableInviteLink marks the link disabled with audit event ev.
	// Returns ErrConflict when it changed since it was read.
	DisableInviteLink(ctx context.Context, l InviteLink, ev AuditEvent) error
	// InviteLinkSnapshot returns the link as its token item recorded it
	// at creation (its terms; Uses and Disabled as they were then), or
	// ErrNotFound. One read.
	InviteLinkSnapshot(ctx context.Context, tokenHash string) (InviteLink, error)
	// ReadForLinkJoin reads at once, consistently, the link, the caller's
	// profile and their membership of the link's organization. Returns
	// ErrNotFound when the link does not exist.
	ReadForLinkJoin(ctx context.Context, orgID, linkID, userID string) (LinkJoinReads, error)

	// ListAudit returns audit events newest first.
	ListAudit(ctx context.Context, orgID, after string, limit int) ([]AuditEvent, string, error)
	// ReadForInvite reads at once (consistently, in as few calls as it
	// can: one for up to 100 keys) what an invite request or a project
	// access check decides on: the caller's membership of
	// orgID, the projects among projectIDs that exist there, and for each
	// email its registered user id and its open invite id in orgID. Returns
	// ErrNotFound when the caller has no membership.
	ReadForInvite(ctx context.Context, orgID, userID string, projectIDs, emails []string) (InviteReads, error)
	// InviteSnapshot returns the invite as its token item recorded it at
	// issue (its status may be stale), or an Invite with no ID when there is
	// no snapshot. Returns ErrNotFound for unknown or revoked tokens.
	InviteSnapshot(ctx context.Context, tokenHash string) (Invite, error)
	// ReadForAccept reads what accepting decides on: the invite a token
	// hash points to, then at once (consistently) that invite, the user's
	// profile and their membership of its organization. Returns ErrNotFound
	// when the token or its invite does not exist.
	ReadForAccept(ctx context.Context, tokenHash, userID string) (AcceptReads, error)
	// ListDue returns the memberships (organization and user ids) whose
	// Membership.NextDue is at or before t, and the pending invites holding
	// a seat whose ExpiresAt is at or before t, reading an index of them
	// only (never the table).
	ListDue(ctx context.Context, t time.Time) ([]MemberKey, []InviteKey, error)
	// ReleaseInviteSeat frees the seat of inv, a pending invite holding
	// one that expired at or before now, writing audit event ev. Returns
	// ErrConflict when the stored invite is no longer inv.
	ReleaseInviteSeat(ctx context.Context, inv Invite, now time.Time, ev AuditEvent) error

	// DomainStore: verified domains and join requests (domain_ports.go).
	DomainStore
}

// InviteKey names one invite.
type InviteKey struct {
	OrgID, InviteID string
}

// MemberKey names one membership.
type MemberKey struct {
	OrgID, UserID string
}

// InviteReads is what ReadForInvite returns.
type InviteReads struct {
	Membership Membership
	Projects   map[string]Project
	// UserIDs maps each registered email to its user id.
	UserIDs map[string]string
	// OpenInvites maps each email with an open invite to that invite's id.
	OpenInvites map[string]string
}

// NewInvite is one invite of Store.CreateInvites with its audit event.
type NewInvite struct {
	Invite Invite
	Audit  AuditEvent
}

// MaxInvitesPerWrite is how many new invites one Store.CreateInvites
// writes: a DynamoDB transaction holds at most 100 items, and each invite
// takes 4 (claim, invite, token, audit event) besides the 2 counters of a
// request's charge and the seat counter: 24 × 4 + 3 = 99.
const MaxInvitesPerWrite = 24

// AcceptReads is what ReadForAccept returns; User and Membership are nil
// when the user is not registered or not a member.
type AcceptReads struct {
	Invite     Invite
	User       *User
	Membership *Membership
}

// OrgMembership is one organization the user belongs to.
type OrgMembership struct {
	OrgID   string
	OrgName string
	Role    OrgRole
	// AccessExpiresAt is when it ends (zero: never).
	AccessExpiresAt time.Time
}

// ProjectMembership is one project the user belongs to.
type ProjectMembership struct {
	OrgID       string
	ProjectID   string
	ProjectName string
	Role        ProjectRole
	// AccessExpiresAt is when it ends (the earlier of the organization's
	// and the project's end; zero: never).
	AccessExpiresAt time.Time
}

// Change is one atomic membership change: the membership as read (Before,
// Rev 0 when absent) becomes After (nil to remove it). Optional parts ride
// along in the same transaction.
type Change struct {
	Before Membership
	After  *Membership
	// ProjectNames names projects that After adds (for display in /me).
	ProjectNames map[string]string
	// CreateOrg creates the organization itself (After is its first owner).
	CreateOrg *Org
	// CreateProject creates a project in Before.OrgID.
	CreateProject *Project
	// Register registers this user (verified email) in the same
	// transaction: its profile is created, or kept when it has this email,
	// and the email is claimed for it, on condition no directory user waits
	// for the email (ErrProvisioned: the caller registers with
	// registerWith, which links them, and decides again).
	Register *User
	// AcceptInvite marks this invite accepted with After's roles as result;
	// it must still be pending with the same token and revision, and
	// unexpired at Now.
	AcceptInvite *Invite
	// Revoke lists invites to revoke (tokens deleted, audit event
	// written) with the change: in its transaction as far as the
	// transaction has room, right after it for the rest (skipping those
	// no longer pending with the same token). Each revocation in the
	// transaction is conditioned on the invite still being pending with
	// its token.
	Revoke []Revocation
	// UseLink counts one use of this invite link: it must still be
	// enabled with the same token, unexpired at Now and below its
	// MaxUses, or the change fails with ErrConflict.
	UseLink *InviteLink
	// Charge is applied in the same transaction when not nil.
	Charge *RateCharge
	// JoinDomain is the verified domain an auto-join goes through: the
	// change is conditioned on it being unchanged (its Rev: still
	// verified, still auto, same roles).
	JoinDomain *Domain
	// AnswerJoin is the join request an approval answers: it must still
	// be pending; it is stored with its new status.
	AnswerJoin *JoinRequest
	Now        time.Time
	Audit      []AuditEvent
	// SCIMUser writes a directory user with the change (scim_provision.go):
	// its item conditioned on its revision, its unique-attribute claims,
	// and its wait for a first sign-in. A change with no member
	// (Before.UserID "") writes only this and the other riders.
	SCIMUser *SCIMUserWrite
	// SCIMGroupMembers add or remove group memberships with the change.
	SCIMGroupMembers []SCIMGroupMemberWrite
	// SCIMGroupRevs conditions the change on these groups (by id) still
	// having these revisions: the grants it was computed from.
	SCIMGroupRevs map[string]int64
}

// SCIMUserWrite creates (Before nil), updates or deletes (After nil) a
// SCIM user; After.Rev is Before.Rev+1 (1 when new).
type SCIMUserWrite struct {
	Before, After *SCIMUser
}

// SCIMGroupMemberWrite adds a user to a group, or removes them.
type SCIMGroupMemberWrite struct {
	GroupID string
	Member  SCIMGroupMember
	Remove  bool
}

// Revocation is one invite revoked with a Change, and its audit event.
type Revocation struct {
	Invite Invite
	Audit  AuditEvent
}

// RateCharge adds N invite emails to an organization's counter for the
// hour containing At, on condition that the count stays within Limit. It
// rides in the first write of a request, so a request over the limit
// writes nothing.
type RateCharge struct {
	OrgID    string // "" for no organization counter
	At       time.Time
	N, Limit int
	// Users are per-user counters charged in the same write (limits.go);
	// one over its limit fails the write with ErrUserRateLimited.
	Users []UserRate
	// Joins charges one join by an invite link (nil: none); over a limit
	// fails the write with ErrRateLimited.
	Joins *JoinRate
}

// Mailer sends the service's emails. Both methods return the provider's
// message id, or an error when the provider did not take the message.
type Mailer interface {
	SendInvite(ctx context.Context, m InviteMail) (string, error)
	SendAdded(ctx context.Context, m AddedMail) (string, error)
	SendAccessEnding(ctx context.Context, m AccessEndingMail) (string, error)
	SendJoinRequest(ctx context.Context, m JoinRequestMail) (string, error)
}

// JoinRequestMail tells an approver that people ask to join.
type JoinRequestMail struct {
	To             string
	OrgName        string
	RequesterEmail string
	Domain         string
	Link           string // the console's join requests
}

// AccessEndingMail reminds a member that some of their access ends soon
// (ReminderLead before): the organization access (OrgEndsAt not zero)
// and/or some project roles.
type AccessEndingMail struct {
	To        string
	OrgName   string
	OrgEndsAt time.Time
	Projects  []EndingProject
	Link      string // the console
}

// EndingProject is a project role that ends at EndsAt.
type EndingProject struct {
	Name   string
	EndsAt time.Time
}

// InviteMail is the content of an invitation email.
type InviteMail struct {
	To           string
	OrgID        string
	InviteID     string
	MailID       string // tags the email, see Invite.MailID
	OrgName      string
	InviterEmail string
	Projects     []MailProject
	OrgRole      OrgRole
	ExpiresAt    time.Time
	Link         string // contains the token in the fragment
}

// AddedMail tells a registered user they were given access.
type AddedMail struct {
	To           string
	OrgName      string
	InviterEmail string
	Projects     []MailProject
	OrgRole      OrgRole
	Link         string // the console
}

// MailProject is a project named in an email, with the role it grants.
type MailProject struct {
	Name string
	Role ProjectRole
}
