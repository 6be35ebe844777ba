package lambda

import (
	"context"
	"fmt"
	"time"

	"github.com/members-saas/members/shared/domain"
)

// The fixed ids and addresses that the sample events in events/ use. Seed
// writes exactly these, so that every event gets its documented success
// status (events/README.md).
const (
	ExampleOrgID       = "org_example"
	ExampleOrgName     = "Example Co"
	ExampleProjectID   = "prj_example"
	ExampleProjectName = "Website"

	// ExampleOwner* is the organization's owner (and the project's owner).
	ExampleOwnerID    = "6f1b3c2a-8d4e-4f7a-9b1c-2d3e4f5a6b7c"
	ExampleOwnerEmail = "grace@example.com"
	// ExampleMember* is an organization user and project member.
	ExampleMemberID    = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	ExampleMemberEmail = "alan@example.com"
	// ExampleInvitee* is invited (ExampleInviteID) but not registered yet.
	ExampleInviteeID    = "2b4d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d0f"
	ExampleInviteeEmail = "ada@example.com"

	ExampleInviteID = "inv_example"
	// ExampleInviteToken is the token of ExampleInviteID, as the invite
	// email's link carries it; the table holds only its hash.
	ExampleInviteToken = "bWVtYmVycy1leGFtcGxlLWludml0ZS10b2tlbi0wMSE"
	// ExampleInviteMessageID is the SES message id of its email.
	ExampleInviteMessageID = "0102018e05f2a0b6-example-000000"
	// ExampleInviteMailID tags that email (see domain.Invite.MailID).
	ExampleInviteMailID = "mail_example"

	// The directory (SCIM): a token of the organization (Okta's), a
	// provisioned address without an account, and a group.
	ExampleScimTokenID = "sct_example"
	// ExampleScimToken is the token's secret as the identity provider
	// sends it; the table holds only its hash.
	ExampleScimToken     = "scim_bWVtYmVycy1leGFtcGxlLXNjaW0tdG9rZW4tMDEhISE"
	ExampleScimUserID    = "scu_example"
	ExampleScimUserEmail = "linus@example.com"
	ExampleScimGroupID   = "scg_example"
	ExampleScimGroupName = "Engineering"
)

// Seeder is the part of the store Seed writes through (*store.Store).
type Seeder interface {
	SaveUser(ctx context.Context, u domain.User, prevEmail string) error
	ApplyChange(ctx context.Context, c domain.Change) error
	CreateInvite(ctx context.Context, inv domain.Invite, ev domain.AuditEvent, charge *domain.RateCharge) error
	CreateSCIMToken(ctx context.Context, t domain.SCIMToken, ev domain.AuditEvent) error
	SaveSCIMGroup(ctx context.Context, before, after *domain.SCIMGroup, evs []domain.AuditEvent) error
}

// Seed writes the examples into an empty table through the store: the
// owner and the member (registered), the organization with its project,
// both memberships, and a pending invite of ExampleInviteeEmail to the
// project, created at now and expiring a week later. Returns the first
// store error.
func Seed(ctx context.Context, st Seeder, now time.Time) error {
	now = now.UTC()
	owner := domain.Identity{UserID: ExampleOwnerID, Email: ExampleOwnerEmail, EmailVerified: true}
	for _, u := range []domain.User{
		{ID: ExampleOwnerID, Email: ExampleOwnerEmail, CreatedAt: now},
		{ID: ExampleMemberID, Email: ExampleMemberEmail, CreatedAt: now},
	} {
		if err := st.SaveUser(ctx, u, ""); err != nil {
			return fmt.Errorf("seed user %s: %w", u.Email, err)
		}
	}
	names := map[string]string{ExampleProjectID: ExampleProjectName}
	org := domain.Org{ID: ExampleOrgID, Name: ExampleOrgName, CreatedAt: now, CreatedBy: ExampleOwnerID}
	prj := domain.Project{ID: ExampleProjectID, OrgID: ExampleOrgID, Name: ExampleProjectName, CreatedAt: now}
	audit := func(action, target string) domain.AuditEvent {
		return domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: ExampleOrgID, At: now, ActorID: owner.UserID,
			Actor: owner.Email, Action: action, Target: target}
	}
	err := st.ApplyChange(ctx, domain.Change{
		Before: domain.Membership{OrgID: ExampleOrgID, UserID: ExampleOwnerID},
		After: &domain.Membership{OrgID: ExampleOrgID, OrgName: ExampleOrgName, UserID: ExampleOwnerID,
			Email: ExampleOwnerEmail, Role: domain.OrgOwner,
			Projects: map[string]domain.ProjectRole{ExampleProjectID: domain.ProjectOwner}, JoinedAt: now},
		CreateOrg: &org, CreateProject: &prj, ProjectNames: names, Now: now,
		Audit: []domain.AuditEvent{audit(domain.AuditOrgCreated, ExampleOrgID), audit(domain.AuditProjectCreated, ExampleProjectID)},
	})
	if err != nil {
		return fmt.Errorf("seed organization: %w", err)
	}
	err = st.ApplyChange(ctx, domain.Change{
		Before: domain.Membership{OrgID: ExampleOrgID, UserID: ExampleMemberID},
		After: &domain.Membership{OrgID: ExampleOrgID, OrgName: ExampleOrgName, UserID: ExampleMemberID,
			Email: ExampleMemberEmail, Role: domain.OrgMember,
			Projects: map[string]domain.ProjectRole{ExampleProjectID: domain.ProjectMemberRole}, JoinedAt: now},
		ProjectNames: names, Now: now,
		Audit: []domain.AuditEvent{audit(domain.AuditMemberAdded, ExampleMemberID)},
	})
	if err != nil {
		return fmt.Errorf("seed member: %w", err)
	}
	inv := domain.Invite{ID: ExampleInviteID, OrgID: ExampleOrgID, OrgName: ExampleOrgName, Email: ExampleInviteeEmail,
		OrgRole: domain.OrgMember, Projects: []domain.ProjectGrant{{ID: ExampleProjectID, Role: domain.ProjectMemberRole}}, ProjectNames: names,
		InvitedBy: ExampleOwnerID, InvitedByEmail: ExampleOwnerEmail,
		CreatedAt: now, ExpiresAt: now.AddDate(0, 0, domain.DefaultExpiryDays), ExpiresInDays: domain.DefaultExpiryDays,
		Status: domain.InvitePending, Delivery: domain.DeliverySent, MessageID: ExampleInviteMessageID,
		TokenHash: domain.HashToken(ExampleInviteToken), MailID: ExampleInviteMailID}
	if err := st.CreateInvite(ctx, inv, audit(domain.AuditInviteCreated, ExampleInviteID), nil); err != nil {
		return fmt.Errorf("seed invite: %w", err)
	}
	return seedDirectory(ctx, st, now)
}

// seedDirectory writes the directory examples: the token, the group and
// the provisioned address (waiting for its first sign-in).
func seedDirectory(ctx context.Context, st Seeder, now time.Time) error {
	tok := domain.SCIMToken{ID: ExampleScimTokenID, OrgID: ExampleOrgID, OrgName: ExampleOrgName, Name: "Okta",
		DefaultOrgRole: domain.OrgMember, CreatedAt: now, CreatedBy: ExampleOwnerID, TokenHash: domain.HashToken(ExampleScimToken)}
	ev := domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: ExampleOrgID, At: now, ActorID: ExampleOwnerID,
		Actor: ExampleOwnerEmail, Action: domain.AuditScimTokenCreated, Target: ExampleScimTokenID}
	if err := st.CreateSCIMToken(ctx, tok, ev); err != nil {
		return fmt.Errorf("seed directory token: %w", err)
	}
	g := domain.SCIMGroup{ID: ExampleScimGroupID, OrgID: ExampleOrgID, DisplayName: ExampleScimGroupName,
		Created: now, LastModified: now, Rev: 1}
	if err := st.SaveSCIMGroup(ctx, nil, &g, nil); err != nil {
		return fmt.Errorf("seed directory group: %w", err)
	}
	u := domain.SCIMUser{ID: ExampleScimUserID, OrgID: ExampleOrgID, OrgName: ExampleOrgName, UserName: ExampleScimUserEmail,
		ExternalID: "00u1linus", Active: true, Name: domain.SCIMName{GivenName: "Linus", FamilyName: "T"},
		Emails:   []domain.SCIMEmail{{Value: ExampleScimUserEmail, Type: "work", Primary: true}},
		Baseline: domain.Grant{OrgRole: domain.OrgMember}, Created: now, LastModified: now, Rev: 1}
	err := st.ApplyChange(ctx, domain.Change{Before: domain.Membership{OrgID: ExampleOrgID}, Now: now,
		SCIMUser: &domain.SCIMUserWrite{After: &u}})
	if err != nil {
		return fmt.Errorf("seed directory user: %w", err)
	}
	return nil
}

// The verified domain of the examples and the join request through it.
const (
	ExampleDomain = "example.com"
	// ExampleDomainChallenge is the random part of its TXT record's value.
	ExampleDomainChallenge = "examplechallenge"
	// ExampleJoinRequestID is ExampleInviteeEmail's request to join.
	ExampleJoinRequestID = "jrq_example"
)

// DomainSeeder is the part of the store SeedDomain writes through.
type DomainSeeder interface {
	CreateDomain(ctx context.Context, d domain.Domain, ev domain.AuditEvent) error
	SaveDomain(ctx context.Context, d domain.Domain, prevRev int64, verify bool, ev domain.AuditEvent) error
	CreateJoinRequest(ctx context.Context, r domain.JoinRequest, d domain.Domain, ev domain.AuditEvent) error
}

// SeedDomain adds ExampleDomain to the example organization (after Seed):
// pending when policy is "", else verified with that join policy (members
// join as org members); with request, ExampleInviteeEmail has the pending
// join request ExampleJoinRequestID. Returns the first store error.
func SeedDomain(ctx context.Context, st DomainSeeder, now time.Time, policy domain.JoinPolicy, request bool) error {
	now = now.UTC()
	ev := func(action, target string) domain.AuditEvent {
		return domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: ExampleOrgID, At: now, ActorID: ExampleOwnerID,
			Actor: ExampleOwnerEmail, Action: action, Target: target}
	}
	d := domain.Domain{Domain: ExampleDomain, OrgID: ExampleOrgID, OrgName: ExampleOrgName, Status: domain.DomainPending,
		JoinPolicy: domain.JoinPolicyOff, OrgRole: domain.OrgMember, Projects: []domain.ProjectGrant{}, CreatedAt: now,
		CreatedBy: ExampleOwnerID, Challenge: ExampleDomainChallenge, Rev: 1}
	if err := st.CreateDomain(ctx, d, ev(domain.AuditDomainAdded, ExampleDomain)); err != nil {
		return fmt.Errorf("seed domain: %w", err)
	}
	if policy == "" {
		return nil
	}
	d.Status, d.VerifiedAt, d.JoinPolicy, d.Rev = domain.DomainVerified, &now, policy, 2
	if err := st.SaveDomain(ctx, d, 1, true, ev(domain.AuditDomainVerified, ExampleDomain)); err != nil {
		return fmt.Errorf("seed verified domain: %w", err)
	}
	if !request {
		return nil
	}
	r := domain.JoinRequest{JoinRequestView: domain.JoinRequestView{ID: ExampleJoinRequestID, OrgID: ExampleOrgID,
		OrgName: ExampleOrgName, UserID: ExampleInviteeID, Email: ExampleInviteeEmail, Domain: ExampleDomain,
		Status: domain.JoinPending, OrgRole: domain.OrgMember, Projects: []domain.ProjectGrant{}, CreatedAt: now}}
	if err := st.CreateJoinRequest(ctx, r, d, ev(domain.AuditJoinRequested, ExampleJoinRequestID)); err != nil {
		return fmt.Errorf("seed join request: %w", err)
	}
	return nil
}

// The invite link of the examples: the owner's link to the organization
// (org member) and its project (viewer), for addresses at example.com.
const (
	ExampleLinkID = "lnk_example"
	// ExampleLinkToken is the link's token, as the shared URL's fragment
	// carries it; the table holds only its hash.
	ExampleLinkToken = "bWVtYmVycy1leGFtcGxlLWxpbmstdG9rZW4tMDEhISE"
)

// LinkSeeder is the part of the store SeedLink writes through.
type LinkSeeder interface {
	CreateInviteLink(ctx context.Context, l domain.InviteLink, ev domain.AuditEvent) error
}

// SeedLink adds the invite link ExampleLinkID to the example organization
// (after Seed), created by the owner at now, active for a week, up to 25
// uses. Returns the store's error.
func SeedLink(ctx context.Context, st LinkSeeder, now time.Time) error {
	now = now.UTC()
	l := domain.InviteLink{ID: ExampleLinkID, OrgID: ExampleOrgID, OrgName: ExampleOrgName, OrgRole: domain.OrgMember,
		Projects:       []domain.ProjectGrant{{ID: ExampleProjectID, Role: domain.ProjectViewer}},
		ProjectNames:   map[string]string{ExampleProjectID: ExampleProjectName},
		AllowedDomains: []string{ExampleDomain}, CreatedBy: ExampleOwnerID, CreatedByEmail: ExampleOwnerEmail,
		CreatedAt: now, ExpiresAt: now.AddDate(0, 0, domain.DefaultExpiryDays), MaxUses: domain.DefaultLinkMaxUses,
		TokenHash: domain.HashToken(ExampleLinkToken)}
	ev := domain.AuditEvent{ID: domain.NewID("evt", now), OrgID: ExampleOrgID, At: now, ActorID: ExampleOwnerID,
		Actor: ExampleOwnerEmail, Action: domain.AuditLinkCreated, Target: ExampleLinkID}
	if err := st.CreateInviteLink(ctx, l, ev); err != nil {
		return fmt.Errorf("seed invite link: %w", err)
	}
	return nil
}
