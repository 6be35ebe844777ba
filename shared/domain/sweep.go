package domain

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"
)

// SweepResult is what one run of SweepExpiry did.
type SweepResult struct {
	// Due is how many memberships the index named.
	Due int `json:"due"`
	// Expired is how many memberships lost access (whole or some projects).
	Expired int `json:"expired"`
	// Reminded is how many reminder mails were sent.
	Reminded int `json:"reminded"`
	// Failed is how many due memberships could not be handled (retried
	// at the next run).
	Failed int `json:"failed"`
	// Deferred is how many due memberships (and invites) were left for the next run
	// because the run's deadline was near (they stay due in the index).
	Deferred int `json:"deferred"`
	// SeatsReleased is how many expired invites gave up their seat.
	SeatsReleased int `json:"seatsReleased"`
}

// sweepMargin is how long before its context's deadline a run stops
// taking up memberships, so that a function's run ends on its own (and
// reports) instead of timing out.
const sweepMargin = 10 * time.Second

// SweepExpiry handles every membership the store's expiry index says is
// due at now: access whose end has passed is removed (the whole
// membership, or the expired project roles) through the membership change
// transaction with a member.expired audit event (and so a member.expired
// event), revoking the pending invites the member can no longer grant;
// and a member whose access ends within ReminderLead gets one reminder
// mail per end (recorded in the membership in the same kind of
// conditional write before the mail goes out, so a rerun or a concurrent
// run never mails twice; a mail SES refuses is not retried). Then it
// frees the seat of every pending invite holding one that has expired
// (ReleaseInviteSeat, audit invite.seat_released), so an expired invite
// stops occupying a seat within one sweep interval. It goes on
// past a membership or invite that fails and returns the first error with the
// counts. Near its context's deadline it stops and leaves the rest to the
// next run (Deferred). Safe to run concurrently and repeatedly.
func (s *Service) SweepExpiry(ctx context.Context) (SweepResult, error) {
	keys, invites, err := s.store.ListDue(ctx, s.now())
	if err != nil {
		return SweepResult{}, storeErr(err)
	}
	res := SweepResult{Due: len(keys)}
	var first error
	deadline, bounded := ctx.Deadline()
	for i, k := range keys {
		if bounded && time.Until(deadline) < sweepMargin {
			res.Deferred = len(keys) - i
			s.cfg.Logger.WarnContext(ctx, "expiry sweep stopped before its deadline; the next run goes on", "deferred", res.Deferred)
			break
		}
		expired, mail, err := s.sweepOne(ctx, k)
		if err == nil && mail != nil {
			if _, merr := s.mail.SendAccessEnding(ctx, *mail); merr != nil {
				s.cfg.Logger.WarnContext(ctx, "access ending reminder not sent", "org", k.OrgID, "user", k.UserID, "err", merr)
			} else {
				res.Reminded++
			}
		}
		if expired {
			res.Expired++
		}
		if err != nil {
			res.Failed++
			s.cfg.Logger.ErrorContext(ctx, "expiry sweep failed for a membership", "org", k.OrgID, "user", k.UserID, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	for i, k := range invites {
		if res.Deferred > 0 || bounded && time.Until(deadline) < sweepMargin {
			res.Deferred += len(invites) - i
			break
		}
		released, err := s.releaseSeat(ctx, k)
		if released {
			res.SeatsReleased++
		}
		if err != nil {
			res.Failed++
			s.cfg.Logger.ErrorContext(ctx, "expiry sweep failed for an invite's seat", "org", k.OrgID, "invite", k.InviteID, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return res, storeErr(first)
}

// releaseSeat frees the seat of invite k if it is still pending, holds a
// seat and has expired (the index may be behind a resend, an accept or a
// revoke), with an invite.seat_released audit event by no user; it
// returns whether it did.
func (s *Service) releaseSeat(ctx context.Context, k InviteKey) (released bool, err error) {
	err = retry(func() error {
		released = false
		now := s.now()
		inv, err := s.store.GetInvite(ctx, k.OrgID, k.InviteID)
		if errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if inv.Status != InvitePending || !inv.HoldsSeat || now.Before(inv.ExpiresAt) {
			return nil
		}
		ev := s.audit(Identity{}, k.OrgID, AuditInviteSeatReleased, inv.ID, map[string]any{"seat": true},
			map[string]any{"seat": false, "expiresAt": inv.ExpiresAt.UTC().Format(time.RFC3339)})
		if err := s.store.ReleaseInviteSeat(ctx, inv, now, ev); err != nil {
			return err
		}
		released = true
		return nil
	})
	return released, err
}

// sweepOne removes k's expired access and records the reminders now due,
// in one write; it returns whether access was removed and the reminder
// mail to send, if any.
func (s *Service) sweepOne(ctx context.Context, k MemberKey) (expired bool, mail *AccessEndingMail, err error) {
	err = retry(func() error {
		expired, mail = false, nil
		now := s.now()
		stored, err := s.store.GetMembership(ctx, k.OrgID, k.UserID)
		if errors.Is(err, ErrNotFound) {
			return nil // removed meanwhile
		} else if err != nil {
			return err
		}
		m := stored.at(now)
		var after *Membership
		if !m.orgExpired() {
			a := m.clone()
			for pid := range m.Projects {
				if m.projectExpired(pid) {
					delete(a.Projects, pid)
				}
			}
			a = a.normalizeExpiry()
			after = &a
		}
		expired = after == nil || len(after.Projects) < len(m.Projects)
		var ending map[string]time.Time
		if after != nil {
			ending = dueReminders(*after, now)
			for key, end := range ending {
				if after.Reminded == nil {
					after.Reminded = map[string]time.Time{}
				}
				after.Reminded[key] = end
			}
		}
		c := Change{Before: m, After: after, Now: now}
		switch {
		case expired:
			c.Audit = []AuditEvent{s.audit(Identity{}, k.OrgID, AuditMemberExpired, k.UserID, accessMap(m), accessMap(derefOr(after)))}
			_, err = s.applyChange(ctx, Identity{}, c)
		case len(ending) > 0:
			err = s.store.ApplyChange(ctx, c) // access unchanged: only the reminders
		default:
			return nil // the index was behind the item
		}
		if err != nil {
			expired = false
			return err
		}
		if len(ending) > 0 {
			mail, err = s.endingMail(ctx, m, ending)
		}
		return err
	})
	return expired, mail, err
}

func derefOr(m *Membership) Membership {
	if m == nil {
		return Membership{}
	}
	return *m
}

// dueReminders lists m's ends (ReminderOrg or a project id) that are
// within ReminderLead of now and not yet reminded of.
func dueReminders(m Membership, now time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for key, end := range m.expiries() {
		if r, ok := m.Reminded[key]; ok && r.Equal(end) {
			continue
		}
		if now.Before(end) && !now.Before(end.Add(-ReminderLead)) {
			out[key] = end
		}
	}
	return out
}

// endingMail is the reminder of m's ends listed in ending.
func (s *Service) endingMail(ctx context.Context, m Membership, ending map[string]time.Time) (*AccessEndingMail, error) {
	mail := &AccessEndingMail{To: m.Email, OrgName: m.OrgName, OrgEndsAt: ending[ReminderOrg], Link: s.cfg.AppBaseURL + "/"}
	pids := slices.DeleteFunc(slices.Collect(maps.Keys(ending)), func(k string) bool { return k == ReminderOrg })
	if len(pids) == 0 {
		return mail, nil
	}
	slices.Sort(pids)
	ps, err := s.store.GetProjects(ctx, m.OrgID, pids)
	if err != nil {
		return nil, err
	}
	for _, pid := range pids {
		if p, ok := ps[pid]; ok {
			mail.Projects = append(mail.Projects, EndingProject{Name: p.Name, EndsAt: ending[pid]})
		}
	}
	return mail, nil
}
