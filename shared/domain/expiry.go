package domain

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"
)

// Membership expiry: an invite, a role change (and an invite link) may
// end the access it gives at an instant, accessExpiresAt, for the whole
// organization membership or for one project role. From that instant the
// access grants nothing (orgAccess and projectRoleOf look at Membership's
// asOf), so the access routes, GET /me and every authorization check
// treat it as gone; the sweep (ExpireMembers, run by functions/expire-members
// every 15 minutes) then removes it with a member.expired audit event, and
// mails the member ReminderLead before the end.

// Limits of accessExpiresAt.
const (
	// MaxAccessDays bounds how far ahead access may be set to end.
	MaxAccessDays = 366
	// ReminderLead is how long before access ends its reminder is mailed.
	ReminderLead = 7 * 24 * time.Hour
	// ReminderOrg is Membership.Reminded's key of the organization access.
	ReminderOrg = "org"
)

// ended reports whether access ending at exp (zero: never) is over at now.
func ended(exp, now time.Time) bool { return !exp.IsZero() && !now.Before(exp) }

// earliest returns the earlier of two ends, zero meaning never.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// latest returns the later of two ends, zero (never) being the latest.
func latest(a, b time.Time) time.Time {
	if a.IsZero() || b.IsZero() {
		return time.Time{}
	}
	if a.After(b) {
		return a
	}
	return b
}

// at returns m judged at now: its expired access grants nothing.
func (m Membership) at(now time.Time) Membership { m.asOf = now; return m }

func (m Membership) clock() time.Time {
	if m.asOf.IsZero() {
		return time.Now()
	}
	return m.asOf
}

// orgExpired: m's organization access (and with it every project role)
// has ended.
func (m Membership) orgExpired() bool { return ended(m.AccessExpiresAt, m.clock()) }

// projectExpired: m's own role in project pid has ended.
func (m Membership) projectExpired(pid string) bool {
	return m.orgExpired() || ended(m.ProjectExpiry[pid], m.clock())
}

// ProjectExpiresAt is when m's role in project pid ends: the earlier of
// the organization access's end and the project role's (zero: never).
func (m Membership) ProjectExpiresAt(pid string) time.Time {
	return earliest(m.AccessExpiresAt, m.ProjectExpiry[pid])
}

// expiries lists m's ends by key (ReminderOrg or a project id).
func (m Membership) expiries() map[string]time.Time {
	out := map[string]time.Time{}
	if !m.AccessExpiresAt.IsZero() {
		out[ReminderOrg] = m.AccessExpiresAt
	}
	for pid, t := range m.ProjectExpiry {
		if _, in := m.Projects[pid]; in && !t.IsZero() {
			out[pid] = t
		}
	}
	return out
}

// NextDue is when the sweep next has something to do about m: mail a
// reminder (ReminderLead before an end not yet reminded of) or remove an
// expired access. Zero when m never ends. The store indexes it (gsi3).
func (m Membership) NextDue() time.Time {
	var due time.Time
	for k, exp := range m.expiries() {
		t := exp
		if r, ok := m.Reminded[k]; !ok || !r.Equal(exp) {
			t = exp.Add(-ReminderLead)
		}
		due = earliest(due, t)
	}
	return due
}

// normalizeExpiry drops the expiry entries of projects m no longer has,
// reminders of ends that changed, and an owner's end (owners' access does
// not expire).
func (m Membership) normalizeExpiry() Membership {
	if ownersNeverExpire(m.Role) {
		m.AccessExpiresAt = time.Time{}
	}
	ps := map[string]time.Time{}
	for pid, t := range m.ProjectExpiry {
		if _, in := m.Projects[pid]; in && !t.IsZero() {
			ps[pid] = t
		}
	}
	m.ProjectExpiry = ps
	rem := map[string]time.Time{}
	ends := m.expiries()
	for k, t := range m.Reminded {
		if e, ok := ends[k]; ok && e.Equal(t) {
			rem[k] = t
		}
	}
	m.Reminded = rem
	return m
}

// ownersNeverExpire: r is an owners-managing role, whose access cannot
// end by date: an organization must keep an owner.
func ownersNeverExpire(r OrgRole) bool { return needsOwnerAuthority(r) }

// validExpiry parses an accessExpiresAt value (RFC 3339) of field and
// checks it is after now and at most MaxAccessDays ahead.
func validExpiry(v *Validation, field, s string, now time.Time) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	switch {
	case err != nil:
		v.Add(field, "must be an RFC 3339 date-time, e.g. 2026-12-31T23:59:59Z")
		return time.Time{}
	case !t.After(now):
		v.Add(field, "must be in the future")
	case t.After(now.Add(MaxAccessDays * 24 * time.Hour)):
		v.Add(field, "must be at most %d days ahead", MaxAccessDays)
	}
	return t.UTC()
}

// OptionalTime is a PATCH body's accessExpiresAt: absent (Set false)
// keeps the current end, null (Set, Value nil) removes it, a string sets it.
type OptionalTime struct {
	Set   bool
	Value *string
}

// UnmarshalJSON records that the field was present, and its value.
func (o *OptionalTime) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[string]()}
	}
	o.Value = &s
	return nil
}

// MarshalJSON writes null or the string (a RoleChange omits an absent one).
func (o OptionalTime) MarshalJSON() ([]byte, error) { return json.Marshal(o.Value) }

// resolve validates o against now: ok is false when absent; t is zero for null.
func (o OptionalTime) resolve(v *Validation, field string, now time.Time) (t time.Time, ok bool) {
	if !o.Set {
		return time.Time{}, false
	}
	if o.Value == nil {
		return time.Time{}, true
	}
	return validExpiry(v, field, *o.Value, now), true
}

// expiryView is t for a response (nil for never).
func expiryView(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// expiryFields adds m's ends to an audit map of its access.
func expiryFields(out map[string]any, m Membership) map[string]any {
	if out == nil {
		return nil
	}
	if !m.AccessExpiresAt.IsZero() {
		out["accessExpiresAt"] = m.AccessExpiresAt.UTC().Format(time.RFC3339)
	}
	ps := map[string]any{}
	for pid, t := range m.ProjectExpiry {
		if _, in := m.Projects[pid]; in {
			ps[pid] = t.UTC().Format(time.RFC3339)
		}
	}
	if len(ps) > 0 {
		out["projectAccessExpiresAt"] = ps
	}
	return out
}
