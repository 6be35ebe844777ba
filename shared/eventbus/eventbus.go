// Package eventbus maps audit events to the events Members publishes on
// its EventBridge bus: one event per audit event, source "members",
// detail-type the action, detail the audit event as JSON. It imports no
// AWS package: functions/publish-events sends what it builds with
// PutEvents, and the local server (shared/localserver) keeps it in memory.
// docs/events/*.schema.json describe the detail of each detail-type.
package eventbus

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/members-saas/members/shared/domain"
)

// Source is the source of every event Members publishes.
const Source = "members"

// Limits of one PutEvents request (EventBridge quotas).
const (
	MaxBatchEntries = 10
	MaxBatchBytes   = 256 * 1024
)

// DetailTypes are the detail-types Members publishes, one per audit action
// (docs/events/<type>.schema.json). Actions not listed here, added later,
// are published all the same under their own name.
var DetailTypes = []string{
	domain.AuditOrgCreated,
	domain.AuditProjectCreated,
	domain.AuditInviteCreated,
	domain.AuditInviteUpdated,
	domain.AuditInviteResent,
	domain.AuditInviteRevoked,
	domain.AuditInviteAccepted,
	domain.AuditInviteDeliveryFailed,
	domain.AuditInviteSeatReleased,
	domain.AuditMemberAdded,
	domain.AuditMemberRole,
	domain.AuditMemberRemoved,
	domain.AuditMemberLeft,
	domain.AuditOrgSeatsUpdated,
	domain.AuditMemberExpired,
	domain.AuditDomainAdded,
	domain.AuditDomainVerified,
	domain.AuditDomainUpdated,
	domain.AuditDomainRemoved,
	domain.AuditJoinRequested,
	domain.AuditJoinApproved,
	domain.AuditJoinDenied,
	domain.AuditMemberDetached,
	domain.AuditScimTokenCreated,
	domain.AuditScimTokenRevoked,
	domain.AuditScimGroupGrants,
	domain.AuditScimUserProvisioned,
	domain.AuditScimUserDeprovisioned,
	domain.AuditLinkCreated,
	domain.AuditLinkDisabled,
}

// Entry is one event to publish.
type Entry struct {
	Source     string
	DetailType string
	Time       time.Time
	// Detail is the Detail object as JSON.
	Detail json.RawMessage
	// EventID is Detail's eventId: the audit event's id, which consumers
	// deduplicate by (EventBridge's own event id differs per attempt).
	EventID string
	OrgID   string
}

// Size is the entry's size as EventBridge counts it against the 256 KB of
// a PutEvents request: 14 bytes for the time, then the UTF-8 bytes of the
// source, detail-type and detail.
func (e Entry) Size() int { return 14 + len(e.Source) + len(e.DetailType) + len(e.Detail) }

// Detail is an event's detail: the audit event, with its organization,
// projects, actor and target spelt out. Roles and actions are passed
// through as the audit trail stores them.
type Detail struct {
	EventID string    `json:"eventId"`
	OrgID   string    `json:"orgId"`
	Action  string    `json:"action"` // the detail-type
	At      time.Time `json:"at"`
	// Actor is nil for changes no user made (invite.delivery_failed).
	Actor  *Actor `json:"actor,omitempty"`
	Target Target `json:"target"`
	// ProjectIDs are the projects the change touches (never null).
	ProjectIDs []string `json:"projectIds"`
	// Before and After are the state before and after: for members
	// {"role", "projects": {projectId: role}}, for invites {"email",
	// "orgRole", "projects": {projectId: role}, "expiresAt", …}.
	Before map[string]any `json:"before,omitempty"`
	After  map[string]any `json:"after,omitempty"`
	// Via says how a member joined, on member.added (and on
	// member.role_changed when an approval raised a member's roles):
	// "invite", "domain" (a verified domain's auto-join) or "request" (an
	// approved join request); others ("link", "scim") as those paths add it.
	Via string `json:"via,omitempty"`
}

// Actor is who made the change.
type Actor struct {
	UserID string `json:"userId"`
	Email  string `json:"email,omitempty"`
}

// Target is what the change is about.
type Target struct {
	Type   string `json:"type"` // organization, project, invite, member, domain or join_request
	ID     string `json:"id"`
	UserID string `json:"userId,omitempty"`
	Email  string `json:"email,omitempty"`
}

// FromAudit builds the event of audit event ev (ev.OrgID set); targetEmail
// is the address of whom it is about, when known. Keys that name a token
// are dropped from before and after, at any depth. Returns an error when ev
// has no id, organization or action, or its detail does not fit in one
// PutEvents request.
func FromAudit(ev domain.AuditEvent, targetEmail string) (Entry, error) {
	if ev.ID == "" || ev.OrgID == "" || ev.Action == "" {
		return Entry{}, fmt.Errorf("audit event %q of %q: id, organization and action are required", ev.ID, ev.OrgID)
	}
	before, after := scrub(ev.Before), scrub(ev.After)
	d := Detail{EventID: ev.ID, OrgID: ev.OrgID, Action: ev.Action, At: ev.At.UTC(),
		Before: before, After: after, Target: Target{Type: targetType(ev.Action), ID: ev.Target, Email: targetEmail}, Via: ev.Via}
	if ev.ActorID != "" {
		d.Actor = &Actor{UserID: ev.ActorID, Email: ev.Actor}
	}
	switch d.Target.Type {
	case "member":
		d.Target.UserID = ev.Target
	case "invite", "join_request":
		d.Target.UserID, _ = after["userId"].(string)
	}
	if d.Target.Email == "" {
		d.Target.Email = firstString("email", after, before)
	}
	d.ProjectIDs = projectIDs(d.Target, before, after)
	if d.Via == "" { // the audit event's own via (directory changes), else its after's
		d.Via, _ = after["via"].(string)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return Entry{}, fmt.Errorf("audit event %s: %w", ev.ID, err)
	}
	e := Entry{Source: Source, DetailType: d.Action, Time: d.At, Detail: b, EventID: ev.ID, OrgID: ev.OrgID}
	if e.Size() > MaxBatchBytes {
		return Entry{}, fmt.Errorf("audit event %s: %d bytes, over EventBridge's %d", ev.ID, e.Size(), MaxBatchBytes)
	}
	return e, nil
}

// Batches splits entries, in order, into PutEvents requests of at most
// MaxBatchEntries entries and MaxBatchBytes bytes. Every entry fits alone
// (FromAudit checks).
func Batches(entries []Entry) [][]Entry {
	var out [][]Entry
	var cur []Entry
	size := 0
	for _, e := range entries {
		if len(cur) == MaxBatchEntries || (len(cur) > 0 && size+e.Size() > MaxBatchBytes) {
			out, cur, size = append(out, cur), nil, 0
		}
		cur = append(cur, e)
		size += e.Size()
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func targetType(action string) string {
	kind, rest, _ := strings.Cut(action, ".")
	switch kind {
	case "org":
		return "organization"
	case "scim": // scim.token_…, scim.user_…, scim.group_…
		sub, _, _ := strings.Cut(rest, "_")
		return "directory" + strings.ToUpper(sub[:1]) + sub[1:]
	}
	return kind // project, invite, invite_link, member
}

// scrub copies m without keys that name a token (token, tokenHash, …).
func scrub(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if strings.Contains(strings.ToLower(k), "token") {
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			v = scrub(sub)
		}
		out[k] = v
	}
	return out
}

func firstString(key string, ms ...map[string]any) string {
	for _, m := range ms {
		if s, ok := m[key].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// projectIDs are the projects a change touches: the keys of before's and
// after's "projects", their "projectIds", and a created project itself.
func projectIDs(t Target, ms ...map[string]any) []string {
	out := []string{}
	if t.Type == "project" && t.ID != "" {
		out = append(out, t.ID)
	}
	for _, m := range ms {
		if ps, ok := m["projects"].(map[string]any); ok {
			for id := range ps {
				out = append(out, id)
			}
		}
		switch ids := m["projectIds"].(type) {
		case []any:
			for _, id := range ids {
				if s, ok := id.(string); ok {
					out = append(out, s)
				}
			}
		case []string:
			out = append(out, ids...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
