// Package routes is the single route table of the Members HTTP API. The CDK
// app builds its API Gateway routes from it, the local server serves it, and
// the docs list it; nothing else declares a route.
package routes

import (
	"sort"
	"strings"
)

// Function names: one Lambda function (one functions/<name> main package) each.
const (
	FnHealthz        = "healthz"
	FnMe             = "me"
	FnOrgs           = "orgs"
	FnInvite         = "invite"
	FnInvites        = "invites"
	FnPreview        = "preview"
	FnAccept         = "accept"
	FnListMembers    = "list-members"
	FnMembers        = "members"
	FnProjectMembers = "project-members"
	FnAudit          = "audit"
	// FnAccess answers product backends' authorization checks: a hot
	// path of its own, scaled and cold-started apart from the console's.
	FnAccess = "access"
	// FnDomains manages verified domains; it alone resolves DNS.
	FnDomains = "domains"
	// FnJoin joins through a verified domain and answers join requests
	// (it mails approvers and approved requesters).
	FnJoin = "join"
	// FnScim serves the directory: the SCIM 2.0 service provider under
	// /scim/v2 (authenticated by directory tokens, not the JWT authorizer)
	// and the owners' routes for those tokens and group grants.
	FnScim = "scim"
	// FnSESEvents is not behind the HTTP API: it consumes SES delivery events.
	FnSESEvents = "ses-events"
	// FnPublishEvents is not behind the HTTP API: it publishes the table's
	// audit items (its DynamoDB stream) to the EventBridge bus.
	FnPublishEvents = "publish-events"
	// FnExpireMembers is not behind the HTTP API: an EventBridge Scheduler
	// schedule runs it (infra/members/expiry.go) to remove memberships whose
	// access ended and mail reminders before it ends.
	FnExpireMembers = "expire-members"
)

// SendsMail reports whether function fn sends email. It is the one list of
// mail-sending functions: only these link the SES client (a test in
// shared/awsenv checks the binaries) and get ses:SendEmail (infra/members).
func SendsMail(fn string) bool {
	return fn == FnInvite || fn == FnInvites || fn == FnExpireMembers || fn == FnJoin
}

// Op names the operation a route runs; shared/httpapi keys its handlers by
// it, so a route without an operation is a compile-time name, not a string
// to keep in step. The values are stable identifiers (camelCase).
type Op string

// The operations, one per route.
const (
	OpHealthz             Op = "healthz"
	OpGetMe               Op = "getMe"
	OpCreateOrg           Op = "createOrg"
	OpGetOrg              Op = "getOrg"
	OpUpdateOrg           Op = "updateOrg"
	OpListProjects        Op = "listProjects"
	OpCreateProject       Op = "createProject"
	OpCreateInvites       Op = "createInvites"
	OpListInvites         Op = "listInvites"
	OpUpdateInvite        Op = "updateInvite"
	OpRevokeInvite        Op = "revokeInvite"
	OpResendInvite        Op = "resendInvite"
	OpPreviewInvite       Op = "previewInvite"
	OpCreateInviteLink    Op = "createInviteLink"
	OpListInviteLinks     Op = "listInviteLinks"
	OpDisableInviteLink   Op = "disableInviteLink"
	OpPreviewInviteLink   Op = "previewInviteLink"
	OpJoinInviteLink      Op = "joinInviteLink"
	OpAcceptInvite        Op = "acceptInvite"
	OpListMembers         Op = "listMembers"
	OpSetOrgRole          Op = "setOrgRole"
	OpRemoveMember        Op = "removeMember"
	OpListProjectMembers  Op = "listProjectMembers"
	OpSetProjectRole      Op = "setProjectRole"
	OpRemoveProjectMember Op = "removeProjectMember"
	OpListAudit           Op = "listAudit"
	OpGetOrgAccess        Op = "getOrgAccess"
	OpGetProjectAccess    Op = "getProjectAccess"
	OpAddDomain           Op = "addDomain"
	OpListDomains         Op = "listDomains"
	OpVerifyDomain        Op = "verifyDomain"
	OpUpdateDomain        Op = "updateDomain"
	OpRemoveDomain        Op = "removeDomain"
	OpJoinOrg             Op = "joinOrg"
	OpListJoinRequests    Op = "listJoinRequests"
	OpApproveJoinRequest  Op = "approveJoinRequest"
	OpDenyJoinRequest     Op = "denyJoinRequest"
	OpDetachMember        Op = "detachMember"
	OpCreateScimToken     Op = "createScimToken"
	OpListScimTokens      Op = "listScimTokens"
	OpRevokeScimToken     Op = "revokeScimToken"
	OpListScimGroups      Op = "listScimGroups"
	OpSetScimGroupGrants  Op = "setScimGroupGrants"
	// The SCIM 2.0 operations (RFC 7644) under ScimBase.
	OpScimServiceProviderConfig Op = "scimServiceProviderConfig"
	OpScimResourceTypes         Op = "scimResourceTypes"
	OpScimSchemas               Op = "scimSchemas"
	OpScimListUsers             Op = "scimListUsers"
	OpScimCreateUser            Op = "scimCreateUser"
	OpScimGetUser               Op = "scimGetUser"
	OpScimReplaceUser           Op = "scimReplaceUser"
	OpScimPatchUser             Op = "scimPatchUser"
	OpScimDeleteUser            Op = "scimDeleteUser"
	OpScimListGroups            Op = "scimListGroups"
	OpScimCreateGroup           Op = "scimCreateGroup"
	OpScimGetGroup              Op = "scimGetGroup"
	OpScimReplaceGroup          Op = "scimReplaceGroup"
	OpScimPatchGroup            Op = "scimPatchGroup"
	OpScimDeleteGroup           Op = "scimDeleteGroup"
)

// ScimBase is the SCIM 2.0 base URL's path. Its routes answer in
// application/scim+json with SCIM's error schema, and authenticate the
// directory token themselves (Auth false: no JWT authorizer).
const ScimBase = "/scim/v2"

// IsSCIM reports whether a route key or path is one of the SCIM routes.
func IsSCIM(keyOrPath string) bool {
	if _, p, ok := strings.Cut(keyOrPath, " "); ok {
		keyOrPath = p
	}
	return strings.HasPrefix(keyOrPath, ScimBase+"/")
}

// Route is one HTTP API route: its method and path template (API Gateway
// syntax, {name} for a path parameter), the operation it runs, the Lambda
// function serving it, and whether the JWT authorizer guards it.
type Route struct {
	Method   string
	Path     string
	Op       Op
	Function string
	Auth     bool
	// Summary is one line for the docs.
	Summary string
}

// Key is the API Gateway route key, "METHOD /path".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Table lists every HTTP route. Order matters only for the docs.
var Table = []Route{
	{"GET", "/healthz", OpHealthz, FnHealthz, false, "liveness"},
	{"GET", "/me", OpGetMe, FnMe, true, "the caller, their organizations and projects (registers on first call)"},
	{"POST", "/orgs", OpCreateOrg, FnOrgs, true, "create an organization; the caller becomes its owner"},
	{"GET", "/orgs/{orgId}", OpGetOrg, FnOrgs, true, "the organization with its seats: `seatLimit`, `seatsUsed` (members)"},
	{"PATCH", "/orgs/{orgId}", OpUpdateOrg, FnOrgs, true, "set `seatLimit` and `seatsCountPendingInvites` (owners)"},
	{"GET", "/orgs/{orgId}/projects", OpListProjects, FnOrgs, true, "projects of the organization the caller can see (owners and managers see all)"},
	{"POST", "/orgs/{orgId}/projects", OpCreateProject, FnOrgs, true, "create a project (org owners and managers)"},
	{"POST", "/orgs/{orgId}/invites", OpCreateInvites, FnInvite, true, "invite 1–50 addresses to the organization and 0–50 of its projects"},
	{"GET", "/orgs/{orgId}/invites", OpListInvites, FnInvites, true, "invites: pending, expired, failed or all (`status`), paged"},
	{"PATCH", "/orgs/{orgId}/invites/{inviteId}", OpUpdateInvite, FnInvites, true, "edit a pending invite's roles, projects or expiry (same link)"},
	{"DELETE", "/orgs/{orgId}/invites/{inviteId}", OpRevokeInvite, FnInvites, true, "revoke an invite"},
	{"POST", "/orgs/{orgId}/invites/{inviteId}/resend", OpResendInvite, FnInvites, true, "resend an invite: new token, expiry restarts"},
	{"POST", "/invites/preview", OpPreviewInvite, FnPreview, false, "what an invite token offers"},
	{"POST", "/invites/accept", OpAcceptInvite, FnAccept, true, "accept an invite as the invited, verified address"},
	{"POST", "/orgs/{orgId}/invite-links", OpCreateInviteLink, FnInvites, true, "create a shareable invite link (roles the caller may grant, expiry, maxUses, allowedDomains)"},
	{"GET", "/orgs/{orgId}/invite-links", OpListInviteLinks, FnInvites, true, "invite links with their uses and status (never their tokens)"},
	{"DELETE", "/orgs/{orgId}/invite-links/{linkId}", OpDisableInviteLink, FnInvites, true, "disable an invite link at once"},
	{"POST", "/invite-links/preview", OpPreviewInviteLink, FnPreview, false, "what an invite link offers: organization, inviter, roles"},
	{"POST", "/invite-links/join", OpJoinInviteLink, FnAccept, true, "join by an invite link (verified address; idempotent)"},
	{"GET", "/orgs/{orgId}/members", OpListMembers, FnListMembers, true, "organization members, paged (`limit` 1–100, opaque `cursor`); `?email=<prefix>` searches by address"},
	{"PATCH", "/orgs/{orgId}/members/{userId}", OpSetOrgRole, FnMembers, true, "change an organization role"},
	{"DELETE", "/orgs/{orgId}/members/{userId}", OpRemoveMember, FnMembers, true, "remove a member (or leave)"},
	{"GET", "/orgs/{orgId}/projects/{projectId}/members", OpListProjectMembers, FnProjectMembers, true, "project members, paged; `?email=<prefix>` searches by address"},
	{"PATCH", "/orgs/{orgId}/projects/{projectId}/members/{userId}", OpSetProjectRole, FnProjectMembers, true, "change a project role"},
	{"DELETE", "/orgs/{orgId}/projects/{projectId}/members/{userId}", OpRemoveProjectMember, FnProjectMembers, true, "remove a project member (or leave)"},
	{"GET", "/orgs/{orgId}/audit", OpListAudit, FnAudit, true, "audit trail, newest first (org owners and managers)"},
	{"GET", "/orgs/{orgId}/access", OpGetOrgAccess, FnAccess, true, "the caller's role and permissions in an organization (one read)"},
	{"GET", "/orgs/{orgId}/projects/{projectId}/access", OpGetProjectAccess, FnAccess, true, "the caller's effective role and permissions in a project (one read)"},
	{"POST", "/orgs/{orgId}/domains", OpAddDomain, FnDomains, true, "add a domain: answers the DNS TXT record that proves control (owners)"},
	{"GET", "/orgs/{orgId}/domains", OpListDomains, FnDomains, true, "the organization's domains, their records, join policies and roles (owners)"},
	{"POST", "/orgs/{orgId}/domains/{domain}/verify", OpVerifyDomain, FnDomains, true, "look the TXT record up; verified, the domain is the organization's alone (owners)"},
	{"PATCH", "/orgs/{orgId}/domains/{domain}", OpUpdateDomain, FnDomains, true, "set the join policy (`auto`, `request`, `off`) and the roles joining gives (owners)"},
	{"DELETE", "/orgs/{orgId}/domains/{domain}", OpRemoveDomain, FnDomains, true, "remove a domain and its claim (owners)"},
	{"POST", "/orgs/{orgId}/join", OpJoinOrg, FnJoin, true, "join through the verified domain of the caller's address: 200 joined (`auto`) or 202 request created (`request`)"},
	{"GET", "/orgs/{orgId}/join-requests", OpListJoinRequests, FnJoin, true, "pending join requests, oldest first, paged (owners and managers)"},
	{"POST", "/orgs/{orgId}/join-requests/{requestId}/approve", OpApproveJoinRequest, FnJoin, true, "approve a join request, with roles the approver may grant; mails the requester"},
	{"POST", "/orgs/{orgId}/join-requests/{requestId}/deny", OpDenyJoinRequest, FnJoin, true, "deny a join request"},
	{"POST", "/orgs/{orgId}/members/{userId}/detach", OpDetachMember, FnMembers, true, "take a member out of the directory's (SCIM) management so the API may change them (owners)"},
	{"POST", "/orgs/{orgId}/scim-tokens", OpCreateScimToken, FnScim, true, "create a directory (SCIM) token, shown once (owners)"},
	{"GET", "/orgs/{orgId}/scim-tokens", OpListScimTokens, FnScim, true, "directory tokens, without secrets, with lastUsedAt (owners)"},
	{"DELETE", "/orgs/{orgId}/scim-tokens/{tokenId}", OpRevokeScimToken, FnScim, true, "revoke a directory token at once (owners)"},
	{"GET", "/orgs/{orgId}/scim-groups", OpListScimGroups, FnScim, true, "directory groups with the access each grants (owners)"},
	{"PUT", "/orgs/{orgId}/scim-groups/{groupId}/grants", OpSetScimGroupGrants, FnScim, true, "map a directory group to an org role and project roles (owners)"},
	{"GET", ScimBase + "/ServiceProviderConfig", OpScimServiceProviderConfig, FnScim, false, "SCIM: what this service provider supports"},
	{"GET", ScimBase + "/ResourceTypes", OpScimResourceTypes, FnScim, false, "SCIM: User and Group"},
	{"GET", ScimBase + "/Schemas", OpScimSchemas, FnScim, false, "SCIM: the User and Group schemas"},
	{"GET", ScimBase + "/Users", OpScimListUsers, FnScim, false, "SCIM: users, `filter` (userName, externalId, work email eq; and/or), `startIndex`, `count`"},
	{"POST", ScimBase + "/Users", OpScimCreateUser, FnScim, false, "SCIM: provision a user (the address becomes a member)"},
	{"GET", ScimBase + "/Users/{id}", OpScimGetUser, FnScim, false, "SCIM: one user"},
	{"PUT", ScimBase + "/Users/{id}", OpScimReplaceUser, FnScim, false, "SCIM: replace a user"},
	{"PATCH", ScimBase + "/Users/{id}", OpScimPatchUser, FnScim, false, "SCIM: patch a user (`active: false` removes access at once)"},
	{"DELETE", ScimBase + "/Users/{id}", OpScimDeleteUser, FnScim, false, "SCIM: deprovision a user"},
	{"GET", ScimBase + "/Groups", OpScimListGroups, FnScim, false, "SCIM: groups, `filter` (displayName, externalId eq)"},
	{"POST", ScimBase + "/Groups", OpScimCreateGroup, FnScim, false, "SCIM: create a group"},
	{"GET", ScimBase + "/Groups/{id}", OpScimGetGroup, FnScim, false, "SCIM: one group with its members"},
	{"PUT", ScimBase + "/Groups/{id}", OpScimReplaceGroup, FnScim, false, "SCIM: replace a group"},
	{"PATCH", ScimBase + "/Groups/{id}", OpScimPatchGroup, FnScim, false, "SCIM: rename a group, add or remove members"},
	{"DELETE", ScimBase + "/Groups/{id}", OpScimDeleteGroup, FnScim, false, "SCIM: delete a group"},
}

// Functions returns the distinct function names of the HTTP routes, sorted.
func Functions() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range Table {
		if !seen[r.Function] {
			seen[r.Function] = true
			out = append(out, r.Function)
		}
	}
	sort.Strings(out)
	return out
}

// ForFunction returns the routes served by function fn.
func ForFunction(fn string) []Route {
	var out []Route
	for _, r := range Table {
		if r.Function == fn {
			out = append(out, r)
		}
	}
	return out
}

// Match finds the route for method and a concrete path, returning the path
// parameters. ok is false when no route matches; pathMatched is true when the
// path matched some route under another method (a 405 rather than a 404).
func Match(method, path string) (r Route, params map[string]string, ok, pathMatched bool) {
	segs := split(path)
	for _, cand := range Table {
		p, hit := matchPath(split(cand.Path), segs)
		if !hit {
			continue
		}
		pathMatched = true
		if cand.Method == method {
			return cand, p, true, true
		}
	}
	return Route{}, nil, false, pathMatched
}

func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func matchPath(tmpl, segs []string) (map[string]string, bool) {
	if len(tmpl) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return nil, false
			}
			params[t[1:len(t)-1]] = segs[i]
			continue
		}
		if t != segs[i] {
			return nil, false
		}
	}
	return params, true
}
