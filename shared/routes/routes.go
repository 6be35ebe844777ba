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
	// FnSESEvents is not behind the HTTP API: it consumes SES delivery events.
	FnSESEvents = "ses-events"
	// FnPublishEvents is not behind the HTTP API: it publishes the table's
	// audit items (its DynamoDB stream) to the EventBridge bus.
	FnPublishEvents = "publish-events"
)

// Route is one HTTP API route: its method and path template (API Gateway
// syntax, {name} for a path parameter), the Lambda function serving it, and
// whether the JWT authorizer guards it.
type Route struct {
	Method   string
	Path     string
	Function string
	Auth     bool
	// Summary is one line for the docs.
	Summary string
}

// Key is the API Gateway route key, "METHOD /path".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Table lists every HTTP route. Order matters only for the docs.
var Table = []Route{
	{"GET", "/healthz", FnHealthz, false, "liveness"},
	{"GET", "/me", FnMe, true, "the caller, their organizations and projects (registers on first call)"},
	{"POST", "/orgs", FnOrgs, true, "create an organization; the caller becomes its owner"},
	{"GET", "/orgs/{orgId}/projects", FnOrgs, true, "projects of an organization the caller can see"},
	{"POST", "/orgs/{orgId}/projects", FnOrgs, true, "create a project (org owners)"},
	{"POST", "/orgs/{orgId}/invites", FnInvite, true, "invite addresses to the organization and projects"},
	{"GET", "/orgs/{orgId}/invites", FnInvites, true, "list invites (pending, expired, failed, all)"},
	{"DELETE", "/orgs/{orgId}/invites/{inviteId}", FnInvites, true, "revoke an invite"},
	{"POST", "/orgs/{orgId}/invites/{inviteId}/resend", FnInvites, true, "resend an invite with a new token"},
	{"POST", "/invites/preview", FnPreview, false, "what an invite token offers"},
	{"POST", "/invites/accept", FnAccept, true, "accept an invite as the invited, signed-in user"},
	{"GET", "/orgs/{orgId}/members", FnListMembers, true, "list organization members"},
	{"PATCH", "/orgs/{orgId}/members/{userId}", FnMembers, true, "change an organization role"},
	{"DELETE", "/orgs/{orgId}/members/{userId}", FnMembers, true, "remove a member (or leave)"},
	{"GET", "/orgs/{orgId}/projects/{projectId}/members", FnProjectMembers, true, "list project members"},
	{"PATCH", "/orgs/{orgId}/projects/{projectId}/members/{userId}", FnProjectMembers, true, "change a project role"},
	{"DELETE", "/orgs/{orgId}/projects/{projectId}/members/{userId}", FnProjectMembers, true, "remove a project member (or leave)"},
	{"GET", "/orgs/{orgId}/audit", FnAudit, true, "audit trail, newest first (org owners)"},
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
