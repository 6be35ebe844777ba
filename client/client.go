// Package client is the Go client of the Members HTTP API, for product
// backends: one method per route of openapi.yaml, typed requests and
// responses, every error response as a *Problem, an iterator per list,
// a pluggable token source, a context on every call and no global state.
//
// The wire types and the low-level requests are generated from openapi.yaml
// by oapi-codegen (internal/oapi, `go generate ./client/...`); a test
// regenerates them and fails when the committed code differs.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/members-saas/members/client/internal/oapi"
)

// The API's types, as generated from openapi.yaml.
type (
	Me   = oapi.Me
	User = oapi.User
	Org  = oapi.Org
	// OrgView is an organization with its seats and the caller's role.
	OrgView       = oapi.OrgView
	Project       = oapi.Project
	ProjectView   = oapi.ProjectView
	InviteResult  = oapi.InviteResult
	Invite        = oapi.Invite
	InviteProject = oapi.InviteProject
	InvitePage    = oapi.InvitePage
	Preview       = oapi.Preview
	Accepted      = oapi.Accepted
	Member        = oapi.Member
	MemberPage    = oapi.MemberPage
	AuditEvent    = oapi.AuditEvent
	AuditPage     = oapi.AuditPage
	Access        = oapi.Access
	OrgRole       = oapi.OrgRole
	ProjectRole   = oapi.ProjectRole
	Permission    = oapi.Permission
	Via           = oapi.Via
	FieldError    = oapi.FieldError
	// ProjectInput is a project of an invite with the role it grants.
	ProjectInput = oapi.ProjectInput
	// InviteRequest is the body of CreateInvites: 1–50 addresses, the
	// organization role (default member), and the projects either as
	// ProjectIds with one ProjectRole or as Projects with a role each (not
	// both), the expiry in days (1–30, default 7).
	InviteRequest = oapi.InviteBody
	// InviteLink is a shareable invite link (URL only when just created).
	InviteLink = oapi.InviteLink
	// InviteLinkRequest is the body of CreateInviteLink: the organization
	// role (default member), projects with a role each, ExpiresInDays
	// (1–30, default 7), MaxUses (1–1000, default 25) and AllowedDomains.
	InviteLinkRequest = oapi.InviteLinkBody
	// LinkPreview is what an invite link offers.
	LinkPreview = oapi.LinkPreview
	// LinkJoined is the caller's access after joining by a link.
	LinkJoined = oapi.LinkJoined
	// InviteEdit is the body of UpdateInvite: the terms to change (nil
	// fields keep theirs; at least one must be set).
	InviteEdit = oapi.InviteEditBody
	// Domain is a verified (or pending) domain of an organization, with
	// the TXT record that proves control and who may join through it.
	Domain          = oapi.Domain
	JoinPolicy      = oapi.JoinPolicy
	JoinResult      = oapi.JoinResult
	JoinRequest     = oapi.JoinRequest
	JoinRequestPage = oapi.JoinRequestPage
	SuggestedOrg    = oapi.SuggestedOrg
	// DomainEdit is the body of UpdateDomain (nil fields keep theirs).
	DomainEdit = oapi.UpdateDomainJSONBody
	// Approval is the optional body of ApproveJoinRequest: other roles
	// than the request's (nil fields keep the request's).
	Approval = oapi.ApproveJoinRequestJSONBody
)

// Join policies of a verified domain.
const (
	JoinAuto          JoinPolicy = oapi.Auto
	JoinRequestPolicy JoinPolicy = oapi.Request
	JoinOff           JoinPolicy = oapi.Off
)

// Roles.
const (
	OrgOwner      OrgRole     = oapi.OrgRoleOwner
	OrgManager    OrgRole     = oapi.OrgRoleManager
	OrgMember     OrgRole     = oapi.OrgRoleMember
	ProjectOwner  ProjectRole = oapi.ProjectRoleOwner
	ProjectMember ProjectRole = oapi.ProjectRoleMember
	ProjectViewer ProjectRole = oapi.ProjectRoleViewer
)

// Permissions, as GetMe and the access routes list them. PermProjectWrite
// and PermProjectRead are for the product embedding Members: what a
// project role may do there.
const (
	PermOrgMembersRead        Permission = oapi.OrgMembersRead
	PermOrgMembersManage      Permission = oapi.OrgMembersManage
	PermOrgOwnersManage       Permission = oapi.OrgOwnersManage
	PermOrgProjectsCreate     Permission = oapi.OrgProjectsCreate
	PermOrgInvitesManage      Permission = oapi.OrgInvitesManage
	PermOrgAuditRead          Permission = oapi.OrgAuditRead
	PermOrgSeatsManage        Permission = oapi.OrgSeatsManage
	PermOrgDomainsManage      Permission = oapi.OrgDomainsManage
	PermOrgJoinRequestsManage Permission = oapi.OrgJoinRequestsManage
	PermProjectMembersRead    Permission = oapi.ProjectMembersRead
	PermProjectMembersManage  Permission = oapi.ProjectMembersManage
	PermProjectWrite          Permission = oapi.ProjectWrite
	PermProjectRead           Permission = oapi.ProjectRead
)

// Sources of access (Access.Via).
const (
	ViaOrg     Via = oapi.ViaOrg
	ViaProject Via = oapi.ViaProject
)

// Allows reports whether access a includes permission p.
func Allows(a Access, p Permission) bool { return slices.Contains(a.Permissions, p) }

// TokenSource supplies the bearer token of each request (an ID token of
// the identity provider the deployment trusts). It is called per request,
// so it may refresh tokens.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a TokenSource that always returns the same token.
type StaticToken string

// Token returns t.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// Client calls one Members API. It is safe for concurrent use.
type Client struct {
	raw *oapi.Client
}

// Option configures New.
type Option func(*options)

type options struct {
	hc     *http.Client
	tokens TokenSource
}

// WithHTTPClient sends requests with hc (default: a client with a 30 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithTokenSource authenticates each request with a bearer token from ts
// (default: none, for the public routes only).
func WithTokenSource(ts TokenSource) Option { return func(o *options) { o.tokens = ts } }

// New returns a client of the API at baseURL (e.g. https://api.example.com).
// Returns an error for a malformed baseURL.
func New(baseURL string, opts ...Option) (*Client, error) {
	o := options{hc: &http.Client{Timeout: 30 * time.Second}}
	for _, f := range opts {
		f(&o)
	}
	copts := []oapi.ClientOption{oapi.WithHTTPClient(o.hc)}
	if ts := o.tokens; ts != nil {
		copts = append(copts, oapi.WithRequestEditorFn(func(ctx context.Context, r *http.Request) error {
			tok, err := ts.Token(ctx)
			if err != nil {
				return fmt.Errorf("members client: token: %w", err)
			}
			r.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}))
	}
	raw, err := oapi.NewClient(baseURL, copts...)
	if err != nil {
		return nil, err
	}
	return &Client{raw: raw}, nil
}

// Problem is an error response of the API (RFC 9457 problem details).
type Problem struct {
	Status int
	// Code is the stable error code, e.g. "last_owner"; openapi.yaml lists
	// each operation's codes.
	Code   string
	Title  string
	Detail string
	// Errors names the invalid fields of a validation_failed problem.
	Errors []FieldError
	// RetryAfter is the Retry-After header of a 429 or 503 (0: none).
	RetryAfter time.Duration
}

func (p *Problem) Error() string {
	return fmt.Sprintf("members: %d %s: %s", p.Status, p.Code, p.Detail)
}

// IsCode reports whether err is a *Problem with code.
func IsCode(err error, code string) bool {
	var p *Problem
	return errors.As(err, &p) && p.Code == code
}

// result reads res: a body of type T on status want, a *Problem otherwise.
func result[T any](res *http.Response, err error, want int) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return zero, fmt.Errorf("members client: read response: %w", err)
	}
	if res.StatusCode != want {
		return zero, problemOf(res, b)
	}
	if want == http.StatusNoContent {
		return zero, nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return zero, fmt.Errorf("members client: decode %d response: %w", res.StatusCode, err)
	}
	return v, nil
}

func problemOf(res *http.Response, b []byte) error {
	p := &Problem{Status: res.StatusCode, Title: http.StatusText(res.StatusCode)}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		p.RetryAfter = time.Duration(s) * time.Second
	}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	var w oapi.Problem
	switch {
	case mt == "application/problem+json" && json.Unmarshal(b, &w) == nil:
		p.Code, p.Title, p.Detail = string(w.Code), w.Title, w.Detail
		if w.Errors != nil {
			p.Errors = *w.Errors
		}
	case res.StatusCode == http.StatusUnauthorized:
		// API Gateway's JWT authorizer answers {"message":"Unauthorized"}.
		p.Code, p.Detail = "unauthorized", "a valid bearer token is required"
	case res.StatusCode == http.StatusTooManyRequests:
		// API Gateway's throttling answers {"message":"Too Many Requests"}.
		p.Code, p.Detail = "rate_limited", "too many requests; try again later"
	default:
		p.Code, p.Detail = "unexpected_response", strings.TrimSpace(string(b[:min(len(b), 200)]))
	}
	return p
}
