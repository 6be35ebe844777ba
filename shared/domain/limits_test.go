package domain

import (
	"testing"
	"time"
)

// TestChargeHoldsTheFirstRequestToTheCap: a request for more invite
// emails than a cap allows in a whole hour is refused before any write,
// however empty the counters are (the store's condition alone lets a first
// request of any size through).
func TestChargeHoldsTheFirstRequestToTheCap(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 59, 30, 0, time.UTC)
	s := NewService(nil, nil, Config{InviteEmailsPerHour: 3, UserInviteEmailsPerHour: 5, Now: func() time.Time { return now }})
	for n, want := range map[int]Code{3: "", 4: ECodeRateLimited, 50: ECodeRateLimited} {
		ch, err := s.newCharge("org_1", "u1", n)
		if want == "" {
			if err != nil || ch.c == nil || ch.c.N != n || ch.c.Limit != 3 || len(ch.c.Users) != 1 || ch.c.Users[0].Limit != 5 {
				t.Errorf("%d emails: %+v, %v", n, ch, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Code != want || e.RetryAfterSeconds != 31 {
			t.Errorf("%d emails of 3: %v, want rate_limited with Retry-After 31", n, err)
		}
	}
	// The per-user cap holds the first request too.
	s = NewService(nil, nil, Config{InviteEmailsPerHour: -1, UserInviteEmailsPerHour: 2, Now: func() time.Time { return now }})
	if _, err := s.newCharge("org_1", "u1", 3); ErrorCode(err) != ECodeRateLimited {
		t.Errorf("3 emails of a user's 2: %v", err)
	}
	if ch, err := (NewService(nil, nil, Config{InviteEmailsPerHour: -1, UserInviteEmailsPerHour: -1})).newCharge("o", "u", 50); err != nil || ch.c != nil {
		t.Errorf("no caps: %+v, %v", ch, err)
	}
}

func TestLimitDefaultsAndWindows(t *testing.T) {
	c := NewService(nil, nil, Config{}).cfg
	if c.InviteEmailsPerHour != 100 || c.UserInviteEmailsPerHour != 200 || c.OrgsPerUserPerDay != 10 || c.ExistingAccounts != ExistingAccountsAdd {
		t.Errorf("defaults %+v", c)
	}
	at := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	if s, e := RateUserOrgs.Window(at); !s.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || !e.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("day window %v %v", s, e)
	}
	if s, e := RateUserInvites.Window(at); !s.Equal(time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)) || !e.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("hour window %v %v", s, e)
	}
	if e := rateLimited(at, RateUserOrgs, "x"); e.RetryAfterSeconds != 1801 {
		t.Errorf("Retry-After %d, want 1801", e.RetryAfterSeconds)
	}
}

// TestNamesLoseInvisibleCharacters: bidi overrides, isolates, marks and
// zero-width characters never stay in a name; a name of nothing else is
// empty.
func TestNamesLoseInvisibleCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"Acme\u202e moc.live":             "Acme moc.live",
		"\u2067Acme\u2069 \u200bIT\u200f": "Acme IT",
		"\ufeffWeb\u00ad":                 "Web",
		"Ünïcödé":                         "Ünïcödé",
	} {
		if got, why := NormalizeName(in); got != want || why != "" {
			t.Errorf("NormalizeName(%q) = %q, %q; want %q", in, got, why, want)
		}
	}
	if got, why := NormalizeName("\u202e\u200b "); why == "" {
		t.Errorf("a name of invisible characters was accepted as %q", got)
	}
}
