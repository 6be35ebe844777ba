package domain

import (
	"slices"
	"time"
)

// This file is the one place that knows what each role may do: a table
// from role to named permissions, and the can… functions every use case
// calls. No other file of this package compares roles (a test checks).

// OrgRole is a role in an organization.
type OrgRole string

// ProjectRole is a role in a project.
type ProjectRole string

// Roles. OrgMember was stored as "user" before; the store reads that as
// OrgMember.
const (
	OrgOwner          OrgRole     = "owner"
	OrgManager        OrgRole     = "manager"
	OrgMember         OrgRole     = "member"
	ProjectOwner      ProjectRole = "owner"
	ProjectMemberRole ProjectRole = "member"
	ProjectViewer     ProjectRole = "viewer"
)

// Permission names one thing a role allows. The names are part of the API
// (GET /me and the access routes list them).
type Permission string

// Permissions.
const (
	PermOrgMembersRead    Permission = "org:members:read"
	PermOrgMembersManage  Permission = "org:members:manage"
	PermOrgOwnersManage   Permission = "org:owners:manage"
	PermOrgProjectsCreate Permission = "org:projects:create"
	PermOrgInvitesManage  Permission = "org:invites:manage"
	PermOrgAuditRead      Permission = "org:audit:read"
	// PermOrgSeatsManage sets the organization's seat limit (the plan
	// it pays for) and whether pending invites take seats.
	PermOrgSeatsManage        Permission = "org:seats:manage"
	PermOrgDomainsManage      Permission = "org:domains:manage"
	PermOrgJoinRequestsManage Permission = "org:join_requests:manage"
	// PermOrgDirectoryManage: directory (SCIM) tokens, group grants and
	// detaching managed members.
	PermOrgDirectoryManage   Permission = "org:directory:manage"
	PermProjectMembersRead   Permission = "project:members:read"
	PermProjectMembersManage Permission = "project:members:manage"
	// PermProjectWrite and PermProjectRead are not used by Members: they
	// tell the product embedding Members what a project role may do there.
	PermProjectWrite Permission = "project:write"
	PermProjectRead  Permission = "project:read"
)

// permissionDocs lists every permission with what it allows, in the order
// the docs show them.
var permissionDocs = []struct {
	Name    Permission
	Summary string
}{
	{PermOrgMembersRead, "see the organization, list its members"},
	{PermOrgMembersManage, "change org roles among `member`/`manager`, remove non-owners"},
	{PermOrgOwnersManage, "invite, make, change or remove org owners"},
	{PermOrgProjectsCreate, "create projects (the creator becomes their owner)"},
	{PermOrgInvitesManage, "invite to the org and any project; list, revoke, resend, edit every invite"},
	{PermOrgAuditRead, "read the audit trail"},
	{PermOrgSeatsManage, "set the seat limit and whether pending invites take seats (`PATCH /orgs/{orgId}`)"},
	{PermOrgDomainsManage, "add, verify and remove the organization's domains; set who may join through them, with which roles"},
	{PermOrgJoinRequestsManage, "list, approve (with roles it may grant) and deny requests to join; mailed about new ones"},
	{PermOrgDirectoryManage, "create and revoke directory (SCIM) tokens, map directory groups to roles, detach managed members"},
	{PermProjectMembersRead, "list the project's members"},
	{PermProjectMembersManage, "invite to the project (org role `member`), change roles in it, remove from it; manage invites touching only such projects"},
	{PermProjectWrite, "work in the project (for the product embedding Members)"},
	{PermProjectRead, "read the project (for the product embedding Members)"},
}

// OrgRolePolicy is one organization role's row of the policy table.
type OrgRolePolicy struct {
	Role OrgRole
	// Permissions are the role's organization permissions.
	Permissions []Permission
	// ProjectRole is the effective role the org role gives on every project
	// of the organization ("" for none).
	ProjectRole ProjectRole
	Summary     string
}

// ProjectRolePolicy is one project role's row of the policy table.
type ProjectRolePolicy struct {
	Role        ProjectRole
	Permissions []Permission
	Summary     string
}

// orgPolicies lists the organization roles, strongest first.
var orgPolicies = []OrgRolePolicy{
	{OrgOwner, []Permission{PermOrgMembersRead, PermOrgMembersManage, PermOrgOwnersManage, PermOrgProjectsCreate,
		PermOrgInvitesManage, PermOrgAuditRead, PermOrgSeatsManage, PermOrgDomainsManage, PermOrgJoinRequestsManage,
		PermOrgDirectoryManage}, ProjectOwner, "everything, including owners, seats, the audit trail, verified domains and the directory (SCIM)"},
	{OrgManager, []Permission{PermOrgMembersRead, PermOrgMembersManage, PermOrgProjectsCreate,
		PermOrgInvitesManage, PermOrgAuditRead, PermOrgJoinRequestsManage}, ProjectOwner,
		"everything except owners and domains: cannot make, change or remove owners"},
	{OrgMember, []Permission{PermOrgMembersRead}, "", "sees the organization and its members, and the projects they are in"},
}

// projectPolicies lists the project roles, strongest first.
var projectPolicies = []ProjectRolePolicy{
	{ProjectOwner, []Permission{PermProjectMembersRead, PermProjectMembersManage, PermProjectWrite, PermProjectRead},
		"manages the project's members and its invites"},
	{ProjectMemberRole, []Permission{PermProjectMembersRead, PermProjectWrite, PermProjectRead}, "works in the project"},
	{ProjectViewer, []Permission{PermProjectMembersRead, PermProjectRead}, "read-only seat"},
}

// orgPolicy returns r's row and its rank (0 for no role, higher is stronger).
func orgPolicy(r OrgRole) (OrgRolePolicy, int) {
	for i, p := range orgPolicies {
		if p.Role == r {
			return p, len(orgPolicies) - i
		}
	}
	return OrgRolePolicy{}, 0
}

// projectPolicy returns r's row and its rank (0 for no role).
func projectPolicy(r ProjectRole) (ProjectRolePolicy, int) {
	for i, p := range projectPolicies {
		if p.Role == r {
			return p, len(projectPolicies) - i
		}
	}
	return ProjectRolePolicy{}, 0
}

// Valid reports whether r is a known organization role.
func (r OrgRole) Valid() bool { _, rank := orgPolicy(r); return rank > 0 }

// Valid reports whether r is a known project role.
func (r ProjectRole) Valid() bool { _, rank := projectPolicy(r); return rank > 0 }

// Max returns the stronger of two organization roles ("" counts as none).
func (r OrgRole) Max(o OrgRole) OrgRole {
	_, a := orgPolicy(r)
	if _, b := orgPolicy(o); b > a {
		return o
	}
	return r
}

// Max returns the stronger of two project roles ("" counts as none).
func (r ProjectRole) Max(o ProjectRole) ProjectRole {
	_, a := projectPolicy(r)
	if _, b := projectPolicy(o); b > a {
		return o
	}
	return r
}

// Permissions returns the organization permissions of r.
func (r OrgRole) Permissions() []Permission {
	p, _ := orgPolicy(r)
	return slices.Clone(p.Permissions)
}

// Permissions returns the project permissions of r.
func (r ProjectRole) Permissions() []Permission {
	p, _ := projectPolicy(r)
	return slices.Clone(p.Permissions)
}

// roleNames returns the quoted role names for messages: `"a", "b" or "c"`.
func roleNames[R ~string](rs []R) string {
	out := ""
	for i, r := range rs {
		switch {
		case i == 0:
		case i == len(rs)-1:
			out += " or "
		default:
			out += ", "
		}
		out += `"` + string(r) + `"`
	}
	return out
}

func orgRoleNames() string {
	var rs []OrgRole
	for _, p := range orgPolicies {
		rs = append(rs, p.Role)
	}
	return roleNames(rs)
}

func projectRoleNames() string {
	var rs []ProjectRole
	for _, p := range projectPolicies {
		rs = append(rs, p.Role)
	}
	return roleNames(rs)
}

// Access is a caller's effective role at one level and what it permits.
type Access struct {
	Role        string       `json:"role"`
	Permissions []Permission `json:"permissions"`
	// Via is "org" when the access comes from the organization role,
	// "project" when from a project role.
	Via string `json:"via"`
	// AccessExpiresAt is when this access ends (absent: no end).
	AccessExpiresAt *time.Time `json:"accessExpiresAt,omitempty"`
}

// Sources of access.
const (
	ViaOrg     = "org"
	ViaProject = "project"
)

// orgAccess is m's access to its organization (ok false when m is none,
// or its access has expired: expiry.go).
func orgAccess(m Membership) (Access, bool) {
	p, rank := orgPolicy(m.Role)
	if rank == 0 || m.orgExpired() {
		return Access{}, false
	}
	return Access{Role: string(m.Role), Permissions: slices.Clone(p.Permissions), Via: ViaOrg,
		AccessExpiresAt: expiryView(m.AccessExpiresAt)}, true
}

// projectRoleOf is m's effective role in project pid: the stronger of
// its own project role and the one its organization role gives on every
// project (owners and managers act as project owners). via tells which.
func projectRoleOf(m Membership, pid string) (ProjectRole, string) {
	if m.orgExpired() {
		return "", ""
	}
	own := m.Projects[pid]
	if m.projectExpired(pid) {
		own = ""
	}
	op, _ := orgPolicy(m.Role)
	if op.ProjectRole != "" && op.ProjectRole.Max(own) == op.ProjectRole {
		return op.ProjectRole, ViaOrg
	}
	if own.Valid() {
		return own, ViaProject
	}
	return "", ""
}

// actsOnEveryProject: m's organization role gives a role in every project
// of the organization.
func actsOnEveryProject(m Membership) bool {
	p, _ := orgPolicy(m.Role)
	return p.ProjectRole != ""
}

// projectAccess is m's access to project pid (ok false when none).
func projectAccess(m Membership, pid string) (Access, bool) {
	r, via := projectRoleOf(m, pid)
	if r == "" {
		return Access{}, false
	}
	end := m.AccessExpiresAt
	if via == ViaProject {
		end = m.ProjectExpiresAt(pid)
	}
	return Access{Role: string(r), Permissions: r.Permissions(), Via: via, AccessExpiresAt: expiryView(end)}, true
}

func hasOrg(m Membership, p Permission) bool {
	a, _ := orgAccess(m)
	return slices.Contains(a.Permissions, p)
}

func hasProject(m Membership, pid string, p Permission) bool {
	a, _ := projectAccess(m, pid)
	return slices.Contains(a.Permissions, p)
}

// canReadOrg: see the organization and list its members.
func canReadOrg(m Membership) bool { return hasOrg(m, PermOrgMembersRead) }

// canManageSeats: set the seat limit and whether pending invites take seats.
func canManageSeats(m Membership) bool { return hasOrg(m, PermOrgSeatsManage) }

// canCreateProject: create a project (the creator becomes its owner).
func canCreateProject(m Membership) bool { return hasOrg(m, PermOrgProjectsCreate) }

// canReadAudit: read the organization's audit trail.
func canReadAudit(m Membership) bool { return hasOrg(m, PermOrgAuditRead) }

// canManageDomains: add, verify, configure and remove verified domains.
func canManageDomains(m Membership) bool { return hasOrg(m, PermOrgDomainsManage) }

// canAnswerJoinRequests: list, approve and deny join requests (an
// approval's roles must also pass canGrant).
func canAnswerJoinRequests(m Membership) bool { return hasOrg(m, PermOrgJoinRequestsManage) }

// joinApproverRoles are the organization roles that answer join requests:
// their members are mailed about new ones.
func joinApproverRoles() []OrgRole {
	var out []OrgRole
	for _, p := range orgPolicies {
		if slices.Contains(p.Permissions, PermOrgJoinRequestsManage) {
			out = append(out, p.Role)
		}
	}
	return out
}

// canSeeProject: the project is listed to m (any effective role in it).
func canSeeProject(m Membership, pid string) bool { _, ok := projectAccess(m, pid); return ok }

// canReadProjectMembers: list project pid's members.
func canReadProjectMembers(m Membership, pid string) bool {
	return hasProject(m, pid, PermProjectMembersRead)
}

// canManageProjectMembers: invite to pid, change roles in it, remove from
// it: also what canManage says in every row of pid's member list.
func canManageProjectMembers(m Membership, pid string) bool {
	return hasProject(m, pid, PermProjectMembersManage)
}

// needsOwnerAuthority reports whether giving or taking r needs
// org:owners:manage.
func needsOwnerAuthority(r OrgRole) bool {
	return slices.Contains(r.Permissions(), PermOrgOwnersManage)
}

// creatorRole is the organization role of an organization's creator.
func creatorRole() OrgRole { return orgPolicies[0].Role }

// creatorProjectRole is the project role of a project's creator.
func creatorProjectRole() ProjectRole { return projectPolicies[0].Role }

// lowestOrgRole is the organization role with the fewest permissions: the
// only one a project owner may grant, together with their projects.
func lowestOrgRole() OrgRole { return orgPolicies[len(orgPolicies)-1].Role }

// canGrant reports whether m may grant g: with org:invites:manage any org
// role but owners-managing ones (those need org:owners:manage) with any
// projects; otherwise only the lowest org role together with at least one
// project, every one of which m may manage.
func canGrant(m Membership, g Grant) bool {
	if !withinOwnExpiry(m, g) {
		return false
	}
	if needsOwnerAuthority(g.OrgRole) && !hasOrg(m, PermOrgOwnersManage) {
		return false
	}
	if hasOrg(m, PermOrgInvitesManage) {
		return true
	}
	if g.OrgRole != lowestOrgRole() || len(g.Projects) == 0 {
		return false
	}
	for _, p := range g.Projects {
		if !canManageProjectMembers(m, p.ID) {
			return false
		}
	}
	return true
}

// withinOwnExpiry: g ends no later than m's own authority to grant it.
// Setting accessExpiresAt is part of granting, so a caller whose access
// ends at some instant may only grant access that ends by then: their
// organization access bounds every grant, and a project role that is
// their authority in a project (they lack org:invites:manage) bounds
// what they grant there.
func withinOwnExpiry(m Membership, g Grant) bool {
	if !withinOwnOrgExpiry(m, g.AccessExpiresAt) {
		return false
	}
	for _, p := range g.Projects {
		if !withinOwnProjectExpiry(m, p.ID, earliest(g.AccessExpiresAt, p.AccessExpiresAt)) {
			return false
		}
	}
	return true
}

// within: access ending at given (zero: never) ends no later than own.
func within(own, given time.Time) bool {
	return own.IsZero() || (!given.IsZero() && !given.After(own))
}

// withinOwnOrgExpiry: organization access ending at end ends no later
// than m's own.
func withinOwnOrgExpiry(m Membership, end time.Time) bool { return within(m.AccessExpiresAt, end) }

// withinOwnProjectExpiry: access to project pid ending at end (the
// earlier of the organization's and the project's end) ends no later than
// m's own authority there: their organization access, and their project
// role when that is their authority (they lack org:invites:manage).
func withinOwnProjectExpiry(m Membership, pid string, end time.Time) bool {
	return within(m.AccessExpiresAt, end) && (hasOrg(m, PermOrgInvitesManage) || within(m.ProjectExpiry[pid], end))
}

// canManageInvites: m may list (some) invites at all: it has
// org:invites:manage or manages members of some project of its own.
func canManageInvites(m Membership) bool {
	if hasOrg(m, PermOrgInvitesManage) {
		return true
	}
	for pid := range m.Projects {
		if canManageProjectMembers(m, pid) {
			return true
		}
	}
	return false
}

// canSeeInvite: inv is listed to m, and m may act on it as far as
// canManageInvite allows: with org:invites:manage every invite, for
// project owners those touching only projects whose members they manage.
func canSeeInvite(m Membership, inv Invite) bool { return canSeeGrant(m, inv.Grant()) }

// canSeeGrant: an invite or invite link granting g is listed to m (see
// canSeeInvite).
func canSeeGrant(m Membership, g Grant) bool {
	if hasOrg(m, PermOrgInvitesManage) {
		return true
	}
	if len(g.Projects) == 0 {
		return false
	}
	for _, p := range g.Projects {
		if !canManageProjectMembers(m, p.ID) {
			return false
		}
	}
	return true
}

// canManageInvite: revoke, resend or edit inv: m could have sent it.
func canManageInvite(m Membership, inv Invite) bool { return canGrant(m, inv.Grant()) }

// canSetOrgRole: change target's organization role to r. Giving or taking
// an owners-managing role needs org:owners:manage; other changes
// org:members:manage.
func canSetOrgRole(m, target Membership, r OrgRole) bool {
	if needsOwnerAuthority(r) || needsOwnerAuthority(target.Role) {
		return hasOrg(m, PermOrgOwnersManage)
	}
	return hasOrg(m, PermOrgMembersManage)
}

// canManageMember: change target's organization role and remove them
// from the organization: what canManage says in a row of the
// organization's member list. The roles it may be given are
// grantableOrgRoles (anyone may still leave: canRemoveMember).
func canManageMember(m, target Membership) bool {
	return hasOrg(m, PermOrgMembersManage) && canSetOrgRole(m, target, lowestOrgRole())
}

// grantableOrgRoles lists, strongest first, the organization roles m may
// give without naming a project: in an invite and as a manageable
// member's new role (canManageMember). GET /me gives it to the console,
// which holds no copy of these rules.
func grantableOrgRoles(m Membership) []OrgRole {
	out := []OrgRole{}
	for _, p := range orgPolicies {
		// A grant ending when the caller's own access ends (never, for most).
		if canGrant(m, Grant{OrgRole: p.Role, AccessExpiresAt: m.AccessExpiresAt}) {
			out = append(out, p.Role)
		}
	}
	return out
}

// grantableProjectRoles lists, strongest first, the project roles m may
// give in project pid: in an invite and as a member's new role there.
// With project:members:manage in pid that is every project role.
func grantableProjectRoles(m Membership, pid string) []ProjectRole {
	out := []ProjectRole{}
	if !canManageProjectMembers(m, pid) {
		return out
	}
	for _, p := range projectPolicies {
		out = append(out, p.Role)
	}
	return out
}

// canManageDirectory: directory (SCIM) tokens, group grants, detaching
// managed members.
func canManageDirectory(m Membership) bool { return hasOrg(m, PermOrgDirectoryManage) }

// canRemoveMember: remove target from the organization (anyone may leave).
func canRemoveMember(m, target Membership) bool {
	if m.UserID == target.UserID {
		return true
	}
	return canSetOrgRole(m, target, lowestOrgRole())
}
