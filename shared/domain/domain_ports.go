package domain

import "context"

// Resolver looks DNS TXT records up. LookupTXT returns the values of the
// TXT records at name (each record's strings joined), ErrNotFound when the
// name does not exist or has none, or another error when DNS did not
// answer. The DNS client lives behind it (shared/dnstxt).
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// DomainStore is the persistence of verified domains and join requests.
type DomainStore interface {
	// CreateDomain stores a new domain of an organization. Returns
	// ErrExists when the organization has it already.
	CreateDomain(ctx context.Context, d Domain, ev AuditEvent) error
	// GetDomain returns an organization's domain, or ErrNotFound.
	GetDomain(ctx context.Context, orgID, domain string) (Domain, error)
	// ListDomains returns an organization's domains by name.
	ListDomains(ctx context.Context, orgID string) ([]Domain, error)
	// SaveDomain stores d (d.Rev is prevRev+1) on condition the stored one
	// has revision prevRev (else ErrConflict); a verified d also writes
	// the domain's claim (organization, name, join policy), on condition
	// no other organization holds it (else ErrExists).
	SaveDomain(ctx context.Context, d Domain, prevRev int64, verify bool, ev AuditEvent) error
	// DeleteDomain deletes d and its claim when d's organization holds it.
	// Returns ErrConflict when d changed since it was read.
	DeleteDomain(ctx context.Context, d Domain, ev AuditEvent) error
	// DomainClaim returns who verified domain, or ErrNotFound.
	DomainClaim(ctx context.Context, domain string) (DomainClaim, error)

	// ReadForJoin reads at once (consistently) the organization's domain,
	// the user's membership, profile and pending join request there.
	ReadForJoin(ctx context.Context, orgID, userID, domain string) (JoinReads, error)
	// CreateJoinRequest stores a pending request, the user's one open
	// request in the organization, and counts it pending, on condition
	// that d is unchanged (ErrConflict) and the user has no open request
	// there (ErrConflict: read again).
	CreateJoinRequest(ctx context.Context, r JoinRequest, d Domain, ev AuditEvent) error
	// GetJoinRequest returns a join request, or ErrNotFound.
	GetJoinRequest(ctx context.Context, orgID, id string) (JoinRequest, error)
	// ListPendingJoinRequests returns up to limit pending requests after
	// position after, oldest first, and the next page's position.
	ListPendingJoinRequests(ctx context.Context, orgID, after string, limit int) ([]JoinRequest, string, error)
	// DenyJoinRequest stores r denied on condition it is still pending
	// (else ErrConflict). Approvals go through ApplyChange (AnswerJoin).
	DenyJoinRequest(ctx context.Context, r JoinRequest, ev AuditEvent) error
	// MarkJoinNotified records that the approvers were told of the
	// pending requests; first is true when they had not been since the
	// last time none was pending.
	MarkJoinNotified(ctx context.Context, orgID string) (first bool, err error)
	// ResetJoinNotified clears that mark when no request is pending.
	ResetJoinNotified(ctx context.Context, orgID string) error
	// ListMemberEmails returns the addresses of up to limit members
	// having one of roles.
	ListMemberEmails(ctx context.Context, orgID string, roles []OrgRole, limit int) ([]string, error)

	// ReadForMe reads at once the user's profile and the claim of domain
	// ("": none). Either is nil when it does not exist.
	ReadForMe(ctx context.Context, userID, domain string) (*User, *DomainClaim, error)
	// ListUserJoinRequests is ListUserMemberships with the user's join
	// requests (pending and denied) from the same index read.
	ListUserJoinRequests(ctx context.Context, userID string) ([]OrgMembership, []ProjectMembership, []JoinRequestView, error)
}
