package domain

import (
	"context"
	"testing"
	"time"
)

// A role change's accessExpiresAt sets the end, null removes it, absent keeps it.
func TestSetOrgRoleExpiry(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	end := now.Add(72 * time.Hour)
	owner := Membership{OrgID: "org_lost", UserID: "u-owner", Role: OrgOwner, Projects: map[string]ProjectRole{}, Rev: 1}
	bob := Membership{OrgID: "org_lost", UserID: "u-bob", Role: OrgMember, Projects: map[string]ProjectRole{}, Rev: 1, AccessExpiresAt: end}
	f := &senderStore{members: map[string]Membership{owner.UserID: owner, bob.UserID: bob}}
	s := NewService(f, nil, Config{Now: func() time.Time { return now }})
	id := Identity{UserID: owner.UserID}
	out, _, err := s.SetOrgRole(context.Background(), id, "org_lost", bob.UserID, RoleChange{AccessExpiresAt: OptionalTime{Set: true}})
	if err != nil || out.AccessExpiresAt != nil || f.change == nil || !f.change.After.AccessExpiresAt.IsZero() {
		t.Fatalf("null: %+v %v %+v", out, err, f.change)
	}
	f.change = nil
	r := string(OrgManager)
	out, _, err = s.SetOrgRole(context.Background(), id, "org_lost", bob.UserID, RoleChange{Role: &r})
	if err != nil || out.AccessExpiresAt == nil || !out.AccessExpiresAt.Equal(end) || f.change.After.Role != OrgManager {
		t.Fatalf("absent: %+v %v", out, err)
	}
}

// merged never shortens access: no end beats an end, a later end an
// earlier one; expired access counts as none.
func TestMergedExpiry(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	d := func(days int) time.Time { return now.Add(time.Duration(days) * 24 * time.Hour) }
	m := Membership{Role: OrgManager, Projects: map[string]ProjectRole{"A": ProjectOwner}, Rev: 1, AccessExpiresAt: d(5),
		ProjectExpiry: map[string]time.Time{"A": d(2)}}.at(now)
	got := m.merged(Grant{OrgRole: OrgMember, AccessExpiresAt: d(3), Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer, AccessExpiresAt: d(4)}}})
	if got.Role != OrgManager || !got.AccessExpiresAt.Equal(d(5)) || got.Projects["A"] != ProjectOwner || !got.ProjectExpiry["A"].Equal(d(4)) {
		t.Errorf("merged: %+v", got)
	}
	if got := m.merged(Grant{OrgRole: OrgMember}); !got.AccessExpiresAt.IsZero() {
		t.Errorf("a grant without end leaves %v", got.AccessExpiresAt)
	}
	old := m.at(d(6)) // everything ended
	got = old.merged(Grant{OrgRole: OrgMember, AccessExpiresAt: d(9)})
	if got.Role != OrgMember || len(got.Projects) != 0 || !got.AccessExpiresAt.Equal(d(9)) {
		t.Errorf("merged into expired: %+v", got)
	}
	if o := (Membership{Role: OrgMember, AccessExpiresAt: d(1)}).merged(Grant{OrgRole: OrgOwner}); !o.AccessExpiresAt.IsZero() {
		t.Errorf("an owner keeps an end: %v", o.AccessExpiresAt)
	}
}

// NextDue is the reminder time of an end not reminded of, else the end.
func TestNextDue(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	end := now.Add(10 * 24 * time.Hour)
	m := Membership{Role: OrgMember, Projects: map[string]ProjectRole{"A": ProjectViewer}, AccessExpiresAt: end,
		ProjectExpiry: map[string]time.Time{"A": end.Add(time.Hour), "gone": now}}
	if got := m.NextDue(); !got.Equal(end.Add(-ReminderLead)) {
		t.Errorf("NextDue %v, want the reminder time", got)
	}
	m.Reminded = map[string]time.Time{ReminderOrg: end, "A": end.Add(time.Hour)}
	if got := m.NextDue(); !got.Equal(end) {
		t.Errorf("NextDue after reminders %v, want the end", got)
	}
	if (Membership{Role: OrgMember}).NextDue() != (time.Time{}) {
		t.Error("a membership without end is due")
	}
}

// A caller whose access ends may grant only access that ends by then.
func TestWithinOwnExpiry(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	mg := Membership{Role: OrgManager, AccessExpiresAt: now.Add(48 * time.Hour)}.at(now)
	if canGrant(mg, Grant{OrgRole: OrgMember}) || canGrant(mg, Grant{OrgRole: OrgMember, AccessExpiresAt: now.Add(49 * time.Hour)}) {
		t.Error("a manager ending in 48 h grants beyond it")
	}
	if !canGrant(mg, Grant{OrgRole: OrgMember, AccessExpiresAt: now.Add(47 * time.Hour)}) {
		t.Error("a manager ending in 48 h cannot grant 47 h")
	}
	po := Membership{Role: OrgMember, Projects: map[string]ProjectRole{"A": ProjectOwner}, ProjectExpiry: map[string]time.Time{"A": now.Add(time.Hour)}}.at(now)
	if canGrant(po, Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer}}}) {
		t.Error("a project owner until 1 h grants the project for ever")
	}
	if !canGrant(po, Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer, AccessExpiresAt: now.Add(time.Hour)}}}) {
		t.Error("a project owner until 1 h cannot grant it until 1 h")
	}
	if canGrant(po.at(now.Add(2*time.Hour)), Grant{OrgRole: OrgMember, Projects: []ProjectGrant{{ID: "A", Role: ProjectViewer, AccessExpiresAt: now.Add(time.Hour)}}}) {
		t.Error("an expired project owner still grants")
	}
}

// dueStore answers two due memberships and fails the test if the sweep reads one.
type dueStore struct {
	Store
	t *testing.T
}

func (d dueStore) ListDue(context.Context, time.Time) ([]MemberKey, []InviteKey, error) {
	return []MemberKey{{OrgID: "org_a", UserID: "u1"}, {OrgID: "org_a", UserID: "u2"}}, nil, nil
}

func (d dueStore) GetMembership(context.Context, string, string) (Membership, error) {
	d.t.Error("the sweep read a membership with its deadline 1 s away")
	return Membership{}, ErrNotFound
}

// A run whose deadline is near leaves the due memberships to the next run.
func TestSweepStopsBeforeItsDeadline(t *testing.T) {
	s := NewService(dueStore{t: t}, nil, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	res, err := s.SweepExpiry(ctx)
	if err != nil || res.Due != 2 || res.Deferred != 2 {
		t.Errorf("%+v %v, want 2 due, 2 deferred", res, err)
	}
}
