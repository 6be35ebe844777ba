package eventbus_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/eventbus"
)

func detail(t *testing.T, e eventbus.Entry) eventbus.Detail {
	t.Helper()
	var d eventbus.Detail
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFromAuditMember(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("x", 3600))
	ev := domain.AuditEvent{ID: "evt_1", OrgID: "org_1", At: at, ActorID: "u_owner", Actor: "owner@example.com",
		Action: "member.role_changed", Target: "u_ada",
		Before: map[string]any{"role": "member", "projects": map[string]any{"prj_b": "viewer"}},
		After:  map[string]any{"role": "manager", "projects": map[string]any{"prj_a": "owner", "prj_b": "member"}}}
	e, err := eventbus.FromAudit(ev, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if e.Source != "members" || e.DetailType != "member.role_changed" || !e.Time.Equal(at) || e.EventID != "evt_1" {
		t.Errorf("entry %+v", e)
	}
	d := detail(t, e)
	want := eventbus.Detail{EventID: "evt_1", OrgID: "org_1", Action: "member.role_changed", At: at.UTC(),
		Actor:      &eventbus.Actor{UserID: "u_owner", Email: "owner@example.com"},
		Target:     eventbus.Target{Type: "member", ID: "u_ada", UserID: "u_ada", Email: "ada@example.com"},
		ProjectIDs: []string{"prj_a", "prj_b"}}
	d.Before, d.After = nil, nil
	if b, w := js(d), js(want); b != w {
		t.Errorf("detail\n got %s\nwant %s", b, w)
	}
	// Roles pass through as stored, whatever their names.
	if !strings.Contains(string(e.Detail), `"role":"manager"`) || !strings.Contains(string(e.Detail), `"prj_b":"viewer"`) {
		t.Errorf("detail lost the roles: %s", e.Detail)
	}
}

func TestFromAuditLeftAndInvites(t *testing.T) {
	now := time.Now()
	left, _ := eventbus.FromAudit(domain.AuditEvent{ID: "evt_2", OrgID: "org_1", At: now, ActorID: "u_ada",
		Action: domain.AuditMemberLeft, Target: "u_ada", Before: map[string]any{"role": "member"}}, "")
	removed, _ := eventbus.FromAudit(domain.AuditEvent{ID: "evt_3", OrgID: "org_1", At: now, ActorID: "u_owner",
		Action: domain.AuditMemberRemoved, Target: "u_ada"}, "")
	if left.DetailType != domain.AuditMemberLeft || removed.DetailType != domain.AuditMemberRemoved {
		t.Errorf("self-removal %q, removal by another %q", left.DetailType, removed.DetailType)
	}
	inv, err := eventbus.FromAudit(domain.AuditEvent{ID: "evt_4", OrgID: "org_1", At: now, ActorID: "u_owner",
		Action: "invite.revoked", Target: "inv_1",
		Before: map[string]any{"email": "bob@example.com", "orgRole": "member", "projectIds": []any{"prj_a"},
			"tokenHash": "abc", "nested": map[string]any{"token": "secret", "keep": 1}},
		After: map[string]any{"reason": "sender_lost_access"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	d := detail(t, inv)
	if d.Target != (eventbus.Target{Type: "invite", ID: "inv_1", Email: "bob@example.com"}) || !slices.Equal(d.ProjectIDs, []string{"prj_a"}) {
		t.Errorf("invite detail %s", inv.Detail)
	}
	if strings.Contains(strings.ToLower(string(inv.Detail)), "token") || strings.Contains(string(inv.Detail), "secret") {
		t.Errorf("a token reached the detail: %s", inv.Detail)
	}
	if d.After["reason"] != "sender_lost_access" {
		t.Errorf("after %v", d.After)
	}
	acc, _ := eventbus.FromAudit(domain.AuditEvent{ID: "evt_5", OrgID: "org_1", At: now, Action: "invite.accepted",
		Target: "inv_1", After: map[string]any{"userId": "u_bob"}}, "bob@example.com")
	if d := detail(t, acc); d.Target.UserID != "u_bob" || d.Target.Email != "bob@example.com" || d.ProjectIDs == nil {
		t.Errorf("accepted %s", acc.Detail)
	}
	prj, _ := eventbus.FromAudit(domain.AuditEvent{ID: "evt_6", OrgID: "org_1", At: now, Action: "project.created", Target: "prj_9"}, "")
	org, _ := eventbus.FromAudit(domain.AuditEvent{ID: "evt_7", OrgID: "org_1", At: now, Action: "org.created", Target: "org_1"}, "")
	if d := detail(t, prj); d.Target.Type != "project" || !slices.Equal(d.ProjectIDs, []string{"prj_9"}) {
		t.Errorf("project.created %s", prj.Detail)
	}
	if d := detail(t, org); d.Target.Type != "organization" {
		t.Errorf("org.created %s", org.Detail)
	}
}

func TestFromAuditRejects(t *testing.T) {
	for _, ev := range []domain.AuditEvent{
		{OrgID: "org_1", Action: "member.added"},
		{ID: "evt_1", Action: "member.added"},
		{ID: "evt_1", OrgID: "org_1"},
		{ID: "evt_1", OrgID: "org_1", Action: "member.added", After: map[string]any{"note": strings.Repeat("x", eventbus.MaxBatchBytes)}},
	} {
		if _, err := eventbus.FromAudit(ev, ""); err == nil {
			t.Errorf("FromAudit(%+v) accepted", ev.ID)
		}
	}
}

func TestBatches(t *testing.T) {
	mk := func(n int) eventbus.Entry {
		return eventbus.Entry{Source: "members", DetailType: "member.added", Detail: json.RawMessage(strings.Repeat("x", n))}
	}
	var small []eventbus.Entry
	for range 23 {
		small = append(small, mk(10))
	}
	if got := eventbus.Batches(small); len(got) != 3 || len(got[0]) != 10 || len(got[2]) != 3 {
		t.Errorf("23 small entries: batches of %v", lens(got))
	}
	big := []eventbus.Entry{mk(100_000), mk(100_000), mk(100_000), mk(10)}
	got := eventbus.Batches(big)
	if len(got) != 2 || len(got[0]) != 2 || len(got[1]) != 2 {
		t.Errorf("3×100 KB + 1: batches of %v", lens(got))
	}
	for _, b := range got {
		size := 0
		for _, e := range b {
			size += e.Size()
		}
		if size > eventbus.MaxBatchBytes {
			t.Errorf("batch of %d bytes", size)
		}
	}
}

func lens(bs [][]eventbus.Entry) []int {
	var out []int
	for _, b := range bs {
		out = append(out, len(b))
	}
	return out
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }
