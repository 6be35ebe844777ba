package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"time"

	"github.com/members-saas/members/client/internal/oapi"
)

// One method per operation of openapi.yaml (the method is named after its
// operationId); each returns a *Problem for an error response, with the
// codes the spec lists for that operation.

// Healthz checks that the API is up.
func (c *Client) Healthz(ctx context.Context) error {
	res, err := c.raw.Healthz(ctx)
	_, err = result[struct{}](res, err, http.StatusOK)
	return err
}

// GetMe returns the caller, their organizations and projects; the first
// call registers the caller.
func (c *Client) GetMe(ctx context.Context) (Me, error) {
	res, err := c.raw.GetMe(ctx)
	return result[Me](res, err, http.StatusOK)
}

// CreateOrg creates an organization; the caller becomes its owner.
func (c *Client) CreateOrg(ctx context.Context, name string) (Org, error) {
	res, err := c.raw.CreateOrg(ctx, oapi.CreateOrgJSONRequestBody{Name: name})
	return result[Org](res, err, http.StatusCreated)
}

// GetOrg returns the organization with its seats: SeatLimit (nil: none),
// SeatsUsed and the counts behind it.
func (c *Client) GetOrg(ctx context.Context, orgID string) (OrgView, error) {
	res, err := c.raw.GetOrg(ctx, orgID)
	return result[OrgView](res, err, http.StatusOK)
}

// SeatSettings is the body of UpdateOrg: nil fields stay as they are;
// NoSeatLimit removes the limit (SeatLimit must then be nil).
type SeatSettings struct {
	SeatLimit                *int
	NoSeatLimit              bool
	SeatsCountPendingInvites *bool
}

// UpdateOrg sets the organization's seat limit and whether pending invites
// take seats (owners). A *Problem with code forbidden for other roles.
func (c *Client) UpdateOrg(ctx context.Context, orgID string, u SeatSettings) (OrgView, error) {
	body := map[string]any{}
	switch {
	case u.NoSeatLimit:
		body["seatLimit"] = nil
	case u.SeatLimit != nil:
		body["seatLimit"] = *u.SeatLimit
	}
	if u.SeatsCountPendingInvites != nil {
		body["seatsCountPendingInvites"] = *u.SeatsCountPendingInvites
	}
	b, err := json.Marshal(body)
	if err != nil {
		return OrgView{}, err
	}
	res, err := c.raw.UpdateOrgWithBody(ctx, orgID, "application/json", bytes.NewReader(b))
	return result[OrgView](res, err, http.StatusOK)
}

// ListProjects returns the organization's projects the caller has access
// to, with the caller's effective role in each, its permissions and where
// it comes from.
func (c *Client) ListProjects(ctx context.Context, orgID string) ([]ProjectView, error) {
	res, err := c.raw.ListProjects(ctx, orgID)
	v, err := result[oapi.ProjectList](res, err, http.StatusOK)
	return v.Projects, err
}

// CreateProject creates a project (organization owners and managers); the
// caller becomes its owner.
func (c *Client) CreateProject(ctx context.Context, orgID, name string) (Project, error) {
	res, err := c.raw.CreateProject(ctx, orgID, oapi.CreateProjectJSONRequestBody{Name: name})
	return result[Project](res, err, http.StatusCreated)
}

// CreateInvites invites addresses; one result per distinct address, in
// input order.
func (c *Client) CreateInvites(ctx context.Context, orgID string, in InviteRequest) ([]InviteResult, error) {
	res, err := c.raw.CreateInvites(ctx, orgID, oapi.CreateInvitesJSONRequestBody(in))
	v, err := result[oapi.InviteResults](res, err, http.StatusCreated)
	return v.Results, err
}

// PageOptions select a page: Limit 1–100 (0: the server's default, 50)
// and the NextCursor of the previous page ("" for the first).
type PageOptions struct {
	Limit  int
	Cursor string
}

func (o PageOptions) params() (*int, *string) {
	var l *int
	var c *string
	if o.Limit > 0 {
		l = &o.Limit
	}
	if o.Cursor != "" {
		c = &o.Cursor
	}
	return l, c
}

// InviteListOptions select invites: Status pending (default), expired,
// failed or all, and the page.
type InviteListOptions struct {
	Status string
	PageOptions
}

// ListInvites returns one page of the organization's open invites.
func (c *Client) ListInvites(ctx context.Context, orgID string, o InviteListOptions) (InvitePage, error) {
	p := &oapi.ListInvitesParams{}
	p.Limit, p.Cursor = o.params()
	if o.Status != "" {
		s := oapi.ListInvitesParamsStatus(o.Status)
		p.Status = &s
	}
	res, err := c.raw.ListInvites(ctx, orgID, p)
	return result[InvitePage](res, err, http.StatusOK)
}

// Invites iterates over every invite ListInvites selects, page by page.
func (c *Client) Invites(ctx context.Context, orgID string, o InviteListOptions) iter.Seq2[Invite, error] {
	return pages(o.Cursor, func(cursor string) ([]Invite, *string, error) {
		o.Cursor = cursor
		p, err := c.ListInvites(ctx, orgID, o)
		return p.Invites, p.NextCursor, err
	})
}

// UpdateInvite edits a pending invite's organization role, projects or
// expiry without a new token: the link already mailed keeps working and
// grants the edited terms. A *Problem with code invite_not_pending when it
// is no longer pending.
func (c *Client) UpdateInvite(ctx context.Context, orgID, inviteID string, e InviteEdit) (Invite, error) {
	res, err := c.raw.UpdateInvite(ctx, orgID, inviteID, oapi.UpdateInviteJSONRequestBody(e))
	return result[Invite](res, err, http.StatusOK)
}

// RevokeInvite revokes an invite; its link stops working.
func (c *Client) RevokeInvite(ctx context.Context, orgID, inviteID string) error {
	res, err := c.raw.RevokeInvite(ctx, orgID, inviteID)
	_, err = result[struct{}](res, err, http.StatusNoContent)
	return err
}

// ResendInvite mails the invite again with a new token; its expiry restarts.
func (c *Client) ResendInvite(ctx context.Context, orgID, inviteID string) (Invite, error) {
	res, err := c.raw.ResendInvite(ctx, orgID, inviteID, oapi.ResendInviteJSONRequestBody{})
	return result[Invite](res, err, http.StatusOK)
}

// PreviewInvite returns what an invite token offers (no sign-in needed).
func (c *Client) PreviewInvite(ctx context.Context, token string) (Preview, error) {
	res, err := c.raw.PreviewInvite(ctx, oapi.PreviewInviteJSONRequestBody{Token: token})
	return result[Preview](res, err, http.StatusOK)
}

// AcceptInvite accepts an invite as the signed-in, invited address.
func (c *Client) AcceptInvite(ctx context.Context, token string) (Accepted, error) {
	res, err := c.raw.AcceptInvite(ctx, oapi.AcceptInviteJSONRequestBody{Token: token})
	return result[Accepted](res, err, http.StatusOK)
}

// CreateInviteLink creates a shareable invite link; its URL (with the
// token in the fragment) is only in this answer.
func (c *Client) CreateInviteLink(ctx context.Context, orgID string, in InviteLinkRequest) (InviteLink, error) {
	res, err := c.raw.CreateInviteLink(ctx, orgID, oapi.CreateInviteLinkJSONRequestBody(in))
	return result[InviteLink](res, err, http.StatusCreated)
}

// ListInviteLinks lists the organization's invite links the caller may
// see, newest first, without their tokens.
func (c *Client) ListInviteLinks(ctx context.Context, orgID string) ([]InviteLink, error) {
	res, err := c.raw.ListInviteLinks(ctx, orgID)
	v, err := result[oapi.InviteLinkList](res, err, http.StatusOK)
	return v.Links, err
}

// DisableInviteLink disables an invite link at once.
func (c *Client) DisableInviteLink(ctx context.Context, orgID, linkID string) error {
	res, err := c.raw.DisableInviteLink(ctx, orgID, linkID)
	_, err = result[struct{}](res, err, http.StatusNoContent)
	return err
}

// PreviewInviteLink returns what an invite link offers (no sign-in
// needed). A *Problem with code link_expired when it expired, was
// disabled or is used up.
func (c *Client) PreviewInviteLink(ctx context.Context, token string) (LinkPreview, error) {
	res, err := c.raw.PreviewInviteLink(ctx, oapi.PreviewInviteLinkJSONRequestBody{Token: token})
	return result[LinkPreview](res, err, http.StatusOK)
}

// JoinInviteLink joins the link's organization as the signed-in caller
// (idempotent: Joined is false when they were a member already).
func (c *Client) JoinInviteLink(ctx context.Context, token string) (LinkJoined, error) {
	res, err := c.raw.JoinInviteLink(ctx, oapi.JoinInviteLinkJSONRequestBody{Token: token})
	return result[LinkJoined](res, err, http.StatusOK)
}

// MemberListOptions select members: with Email, only those whose address
// starts with it (case-insensitive), sorted by address; otherwise all, by
// user id. And the page.
type MemberListOptions struct {
	Email string
	PageOptions
}

func (o MemberListOptions) email() *string {
	if o.Email == "" {
		return nil
	}
	return &o.Email
}

// ListMembers returns one page of the organization's members.
func (c *Client) ListMembers(ctx context.Context, orgID string, o MemberListOptions) (MemberPage, error) {
	p := &oapi.ListMembersParams{Email: o.email()}
	p.Limit, p.Cursor = o.params()
	res, err := c.raw.ListMembers(ctx, orgID, p)
	return result[MemberPage](res, err, http.StatusOK)
}

// Members iterates over the organization's members, page by page:
//
//	for m, err := range c.Members(ctx, orgID, client.MemberListOptions{Email: "ada"}) {
//		if err != nil { return err }
//		…
//	}
func (c *Client) Members(ctx context.Context, orgID string, o MemberListOptions) iter.Seq2[Member, error] {
	return pages(o.Cursor, func(cursor string) ([]Member, *string, error) {
		o.Cursor = cursor
		p, err := c.ListMembers(ctx, orgID, o)
		return p.Members, p.NextCursor, err
	})
}

// SetOrgRole changes a member's organization role.
func (c *Client) SetOrgRole(ctx context.Context, orgID, userID string, role OrgRole) (Member, error) {
	res, err := c.raw.SetOrgRole(ctx, orgID, userID, oapi.SetOrgRoleJSONRequestBody{Role: &role})
	return result[Member](res, err, http.StatusOK)
}

// SetOrgAccessExpiry sets when a member's access to the organization ends
// (accessExpiresAt); a zero at removes the end.
func (c *Client) SetOrgAccessExpiry(ctx context.Context, orgID, userID string, at time.Time) (Member, error) {
	res, err := c.raw.SetOrgRoleWithBody(ctx, orgID, userID, "application/json", expiryBody(at))
	return result[Member](res, err, http.StatusOK)
}

// expiryBody is {"accessExpiresAt": at} ({"accessExpiresAt": null} for a
// zero at: the generated body type cannot send null).
func expiryBody(at time.Time) io.Reader {
	var v *string
	if !at.IsZero() {
		s := at.UTC().Format(time.RFC3339)
		v = &s
	}
	b, _ := json.Marshal(map[string]*string{"accessExpiresAt": v})
	return bytes.NewReader(b)
}

// RemoveMember removes a member (or, with the caller's own id, leaves).
func (c *Client) RemoveMember(ctx context.Context, orgID, userID string) error {
	res, err := c.raw.RemoveMember(ctx, orgID, userID)
	_, err = result[struct{}](res, err, http.StatusNoContent)
	return err
}

// ListProjectMembers returns one page of a project's members.
func (c *Client) ListProjectMembers(ctx context.Context, orgID, projectID string, o MemberListOptions) (MemberPage, error) {
	p := &oapi.ListProjectMembersParams{Email: o.email()}
	p.Limit, p.Cursor = o.params()
	res, err := c.raw.ListProjectMembers(ctx, orgID, projectID, p)
	return result[MemberPage](res, err, http.StatusOK)
}

// ProjectMembers iterates over a project's members, page by page.
func (c *Client) ProjectMembers(ctx context.Context, orgID, projectID string, o MemberListOptions) iter.Seq2[Member, error] {
	return pages(o.Cursor, func(cursor string) ([]Member, *string, error) {
		o.Cursor = cursor
		p, err := c.ListProjectMembers(ctx, orgID, projectID, o)
		return p.Members, p.NextCursor, err
	})
}

// SetProjectRole changes a member's project role.
func (c *Client) SetProjectRole(ctx context.Context, orgID, projectID, userID string, role ProjectRole) (Member, error) {
	res, err := c.raw.SetProjectRole(ctx, orgID, projectID, userID, oapi.SetProjectRoleJSONRequestBody{Role: &role})
	return result[Member](res, err, http.StatusOK)
}

// SetProjectAccessExpiry sets when a member's role in a project ends; a
// zero at removes the end.
func (c *Client) SetProjectAccessExpiry(ctx context.Context, orgID, projectID, userID string, at time.Time) (Member, error) {
	res, err := c.raw.SetProjectRoleWithBody(ctx, orgID, projectID, userID, "application/json", expiryBody(at))
	return result[Member](res, err, http.StatusOK)
}

// RemoveProjectMember removes a project member (or leaves the project).
func (c *Client) RemoveProjectMember(ctx context.Context, orgID, projectID, userID string) error {
	res, err := c.raw.RemoveProjectMember(ctx, orgID, projectID, userID)
	_, err = result[struct{}](res, err, http.StatusNoContent)
	return err
}

// ListAudit returns one page of the organization's audit trail, newest first.
func (c *Client) ListAudit(ctx context.Context, orgID string, o PageOptions) (AuditPage, error) {
	p := &oapi.ListAuditParams{}
	p.Limit, p.Cursor = o.params()
	res, err := c.raw.ListAudit(ctx, orgID, p)
	return result[AuditPage](res, err, http.StatusOK)
}

// AuditEvents iterates over the audit trail, newest first, page by page.
func (c *Client) AuditEvents(ctx context.Context, orgID string, o PageOptions) iter.Seq2[AuditEvent, error] {
	return pages(o.Cursor, func(cursor string) ([]AuditEvent, *string, error) {
		o.Cursor = cursor
		p, err := c.ListAudit(ctx, orgID, o)
		return p.Events, p.NextCursor, err
	})
}

// GetOrgAccess returns the caller's role and permissions in an
// organization (one DynamoDB read): a *Problem with code org_not_found
// when they are not a member.
func (c *Client) GetOrgAccess(ctx context.Context, orgID string) (Access, error) {
	res, err := c.raw.GetOrgAccess(ctx, orgID)
	return result[Access](res, err, http.StatusOK)
}

// GetProjectAccess returns the caller's effective role and permissions in
// a project, and whether it comes from their organization role (ViaOrg) or
// a project role (ViaProject), in one DynamoDB read: what a backend calls to
// authorize a request in a project. A *Problem with code project_not_found
// (or org_not_found) when they have no access.
func (c *Client) GetProjectAccess(ctx context.Context, orgID, projectID string) (Access, error) {
	res, err := c.raw.GetProjectAccess(ctx, orgID, projectID)
	return result[Access](res, err, http.StatusOK)
}

// AddDomain adds a domain to the organization, pending verification; the
// answer's Record is the TXT record to publish (owners).
func (c *Client) AddDomain(ctx context.Context, orgID, domain string) (Domain, error) {
	res, err := c.raw.AddDomain(ctx, orgID, oapi.AddDomainJSONRequestBody{Domain: domain})
	return result[Domain](res, err, http.StatusCreated)
}

// ListDomains returns the organization's domains (owners).
func (c *Client) ListDomains(ctx context.Context, orgID string) ([]Domain, error) {
	res, err := c.raw.ListDomains(ctx, orgID)
	v, err := result[oapi.DomainList](res, err, http.StatusOK)
	return v.Domains, err
}

// VerifyDomain looks the domain's TXT record up: a *Problem with code
// domain_verification_failed when it is missing or has another value,
// domain_claimed when another organization verified the domain.
func (c *Client) VerifyDomain(ctx context.Context, orgID, domain string) (Domain, error) {
	res, err := c.raw.VerifyDomain(ctx, orgID, domain, oapi.VerifyDomainJSONRequestBody{})
	return result[Domain](res, err, http.StatusOK)
}

// UpdateDomain sets a verified domain's join policy and the roles joining
// through it gives.
func (c *Client) UpdateDomain(ctx context.Context, orgID, domain string, e DomainEdit) (Domain, error) {
	res, err := c.raw.UpdateDomain(ctx, orgID, domain, oapi.UpdateDomainJSONRequestBody(e))
	return result[Domain](res, err, http.StatusOK)
}

// RemoveDomain removes a domain and the organization's claim on it.
func (c *Client) RemoveDomain(ctx context.Context, orgID, domain string) error {
	res, err := c.raw.RemoveDomain(ctx, orgID, domain)
	_, err = result[struct{}](res, err, http.StatusNoContent)
	return err
}

// JoinOrg joins an organization that verified the domain of the caller's
// address (GetMe's SuggestedOrgs): Status "joined" (or "member") with
// policy auto, "requested" with a pending request with policy request.
func (c *Client) JoinOrg(ctx context.Context, orgID string) (JoinResult, error) {
	res, err := c.raw.JoinOrg(ctx, orgID, oapi.JoinOrgJSONRequestBody{})
	want := http.StatusOK
	if err == nil && res.StatusCode == http.StatusAccepted {
		want = http.StatusAccepted
	}
	return result[JoinResult](res, err, want)
}

// ListJoinRequests returns one page of the organization's pending join
// requests, oldest first (owners and managers).
func (c *Client) ListJoinRequests(ctx context.Context, orgID string, o PageOptions) (JoinRequestPage, error) {
	p := &oapi.ListJoinRequestsParams{}
	p.Limit, p.Cursor = o.params()
	res, err := c.raw.ListJoinRequests(ctx, orgID, p)
	return result[JoinRequestPage](res, err, http.StatusOK)
}

// JoinRequests iterates over the pending join requests, page by page.
func (c *Client) JoinRequests(ctx context.Context, orgID string, o PageOptions) iter.Seq2[JoinRequest, error] {
	return pages(o.Cursor, func(cursor string) ([]JoinRequest, *string, error) {
		o.Cursor = cursor
		p, err := c.ListJoinRequests(ctx, orgID, o)
		return p.Requests, p.NextCursor, err
	})
}

// ApproveJoinRequest makes the requester a member, with the request's
// roles or those of a (which the caller must be allowed to grant).
func (c *Client) ApproveJoinRequest(ctx context.Context, orgID, requestID string, a Approval) (JoinRequest, error) {
	res, err := c.raw.ApproveJoinRequest(ctx, orgID, requestID, oapi.ApproveJoinRequestJSONRequestBody(a))
	return result[JoinRequest](res, err, http.StatusOK)
}

// DenyJoinRequest refuses a pending join request.
func (c *Client) DenyJoinRequest(ctx context.Context, orgID, requestID string) (JoinRequest, error) {
	res, err := c.raw.DenyJoinRequest(ctx, orgID, requestID, oapi.DenyJoinRequestJSONRequestBody{})
	return result[JoinRequest](res, err, http.StatusOK)
}

// pages iterates over a paged list from cursor on: it yields each item, or
// one error (and stops) when a page fails.
func pages[T any](cursor string, page func(cursor string) ([]T, *string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, err := page(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == nil || *next == "" {
				return
			}
			cursor = *next
		}
	}
}
