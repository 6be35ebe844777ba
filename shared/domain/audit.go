package domain

import (
	"context"
	"time"
)

// audit returns an audit event of the caller's, stamped now.
func (s *Service) audit(id Identity, orgID, action, target string, before, after map[string]any) AuditEvent {
	now := s.now()
	return AuditEvent{ID: NewID("evt", now), OrgID: orgID, At: now, ActorID: id.UserID, Actor: id.Email,
		Action: action, Target: target, Before: before, After: after}
}

func accessMap(m Membership) map[string]any {
	if !m.Exists() && m.Role == "" {
		return nil
	}
	out := map[string]any{"role": string(m.Role)}
	if len(m.Projects) > 0 {
		ps := map[string]any{}
		for k, v := range m.Projects {
			ps[k] = string(v)
		}
		out["projects"] = ps
	}
	return expiryFields(out, m)
}

// inviteAudit is an invite's terms as an audit trail records them.
func inviteAudit(inv Invite) map[string]any {
	m := map[string]any{"email": inv.Email, "orgRole": string(inv.OrgRole), "expiresAt": inv.ExpiresAt.Format(time.RFC3339)}
	if len(inv.Projects) > 0 {
		ps := map[string]any{}
		for _, p := range inv.Projects {
			ps[p.ID] = string(p.Role)
		}
		m["projects"] = ps
	}
	if !inv.AccessExpiresAt.IsZero() {
		m["accessExpiresAt"] = inv.AccessExpiresAt.UTC().Format(time.RFC3339)
	}
	ends := map[string]any{}
	for _, p := range inv.Projects {
		if !p.AccessExpiresAt.IsZero() {
			ends[p.ID] = p.AccessExpiresAt.UTC().Format(time.RFC3339)
		}
	}
	if len(ends) > 0 {
		m["projectAccessExpiresAt"] = ends
	}
	return m
}

// AuditPage is a page of audit events.
type AuditPage struct {
	Events     []AuditEvent `json:"events"`
	NextCursor *string      `json:"nextCursor"`
}

// ListAudit lists the organization's audit trail, newest first. Needs
// org:audit:read. Returns org_not_found, forbidden, invalid_cursor.
func (s *Service) ListAudit(ctx context.Context, id Identity, orgID string, p Page) (AuditPage, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return AuditPage{}, err
	}
	if !canReadAudit(m) {
		return AuditPage{}, errForbidden("reading the audit trail")
	}
	evs, next, err := page(s, "audit/"+orgID, p, func(after string, limit int) ([]AuditEvent, string, error) {
		return s.store.ListAudit(ctx, orgID, after, limit)
	})
	return AuditPage{Events: evs, NextCursor: next}, err
}
