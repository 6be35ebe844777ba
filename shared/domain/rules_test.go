package domain

import (
	"slices"
	"testing"
	"time"
)

func intp(i int) *int { return &i }

func TestInviteInputValidate(t *testing.T) {
	r, err := InviteInput{Emails: []string{" A@Example.com", "a@example.com", "b@example.com"}}.validate()
	if err != nil || !slices.Equal(r.emails, []string{"a@example.com", "b@example.com"}) || r.grant.OrgRole != OrgMember || r.days != 7 {
		t.Fatalf("defaults: %+v %v", r, err)
	}
	bad := []InviteInput{
		{},
		{Emails: []string{"x"}},
		{Emails: []string{"a@example.com"}, OrgRole: "root"},
		{Emails: []string{"a@example.com"}, ProjectIDs: []string{"prj_1234"}},
		{Emails: []string{"a@example.com"}, ProjectIDs: []string{"BAD ID"}, ProjectRole: "member"},
		{Emails: []string{"a@example.com"}, ExpiresInDays: intp(0)},
		{Emails: []string{"a@example.com"}, ExpiresInDays: intp(31)},
		{Emails: make([]string, 51)},
		{Emails: []string{"a@example.com"}, ProjectIDs: make([]string, 51), ProjectRole: "member"},
	}
	for i, in := range bad {
		if _, err := in.validate(); ErrorCode(err) != ECodeValidationFailed {
			t.Errorf("case %d: err %v, want validation_failed", i, err)
		}
	}
	r, err = InviteInput{Emails: []string{"a@example.com"}, ProjectIDs: []string{"prj_a", "prj_a"}, ProjectRole: "owner", ExpiresInDays: intp(30)}.validate()
	if err != nil || len(r.grant.Projects) != 1 || r.grant.Projects[0].Role != ProjectOwner || r.days != 30 {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestInviteStatusAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inv := Invite{Status: InvitePending, ExpiresAt: now.Add(time.Hour)}
	if inv.StatusAt(now) != InvitePending || inv.StatusAt(now.Add(time.Hour)) != InviteExpired {
		t.Fatal("pending/expired boundary")
	}
	inv.Status = InviteAccepted
	if inv.StatusAt(now.Add(48*time.Hour)) != InviteAccepted {
		t.Fatal("accepted invites do not expire")
	}
}

func TestParsePageAndFilter(t *testing.T) {
	if p, err := ParsePage("", ""); err != nil || p.Limit != 50 {
		t.Fatal(p, err)
	}
	for _, l := range []string{"0", "101", "-1", "1.5", "x"} {
		if _, err := ParsePage(l, ""); ErrorCode(err) != ECodeValidationFailed {
			t.Errorf("limit %q accepted", l)
		}
	}
	if f, err := ParseInviteFilter(""); err != nil || f != FilterPending {
		t.Fatal(f, err)
	}
	if _, err := ParseInviteFilter("accepted"); ErrorCode(err) != ECodeValidationFailed {
		t.Fatal("accepted is not a filter")
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.Now()
	a, b := NewID("inv", t0), NewID("inv", t0.Add(time.Millisecond))
	if !(a < b) || len(a) != 30 || !ValidID(a) {
		t.Fatalf("%s %s", a, b)
	}
}

func TestNewIDSortsInOrderWithinAMillisecond(t *testing.T) {
	t0 := time.Now()
	prev := NewID("evt", t0)
	for range 10000 {
		id := NewID("evt", t0)
		if !(prev < id) || !ValidID(id) {
			t.Fatalf("%s then %s", prev, id)
		}
		prev = id
	}
	if later := NewID("evt", t0.Add(time.Millisecond)); !(prev < later) {
		t.Fatalf("%s then %s", prev, later)
	}
}

func TestTokens(t *testing.T) {
	tok, hash := NewToken()
	if len(tok) != TokenLen {
		t.Fatalf("token length %d", len(tok))
	}
	h, ok := ParseToken(tok)
	if !ok || h != hash || len(hash) != 64 {
		t.Fatal("round trip")
	}
	for _, bad := range []string{"", tok[:42], tok + "A", tok[:42] + "=", tok[:42] + "/"} {
		if _, ok := ParseToken(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestCursorIsBoundToScope(t *testing.T) {
	c := cursorCodec{key: []byte("k")}
	cur := c.encode("members/org_a", "user-1")
	if pos, err := c.decode("members/org_a", cur); err != nil || pos != "user-1" {
		t.Fatal(pos, err)
	}
	if _, err := c.decode("members/org_b", cur); err == nil {
		t.Fatal("cursor accepted in another scope")
	}
	if _, err := (cursorCodec{key: []byte("other")}).decode("members/org_a", cur); err == nil {
		t.Fatal("cursor accepted with another key")
	}
	if c.encode("s", "") != "" {
		t.Fatal("empty position must give no cursor")
	}
}
