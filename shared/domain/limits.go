package domain

import (
	"errors"
	"fmt"
	"time"
)

// Abuse limits. Anyone can sign up, create organizations and invite any
// address, and every invite mail leaves from the service's own sending
// domain, so caps per organization alone would multiply with the number of
// organizations one person creates. These caps count per user as well. Each
// is charged in the same transaction as the first write of a request (no
// call of its own), and a request over any cap writes and mails nothing.

// Default caps (Config; a negative value turns a cap off).
const (
	DefaultInviteEmailsPerHour        = 100 // per organization
	DefaultUserInviteEmailsPerHour    = 200 // per inviting user, across all organizations
	DefaultOrgsPerUserPerDay          = 10  // organizations one user creates per UTC day
	defaultExistingAccounts           = ExistingAccountsAdd
	rateLimitedInvitesThisOrgMessage  = "this organization has sent too many invites this hour; try again later"
	rateLimitedInvitesThisUserMessage = "you have sent too many invites this hour, across all your organizations; try again later"
	rateLimitedOrgsMessage            = "you have created too many organizations today; try again tomorrow"
)

// RateKind names a per-user counter.
type RateKind string

// The per-user counters.
const (
	RateUserInvites RateKind = "invites" // invite emails per hour
	RateUserOrgs    RateKind = "orgs"    // organizations created per UTC day
)

// Window returns the start of the window of kind k that contains at, and
// the start of the next one.
func (k RateKind) Window(at time.Time) (time.Time, time.Time) {
	at = at.UTC()
	if k == RateUserOrgs {
		day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
		return day, day.AddDate(0, 0, 1)
	}
	hour := at.Truncate(time.Hour)
	return hour, hour.Add(time.Hour)
}

// UserRate adds N to one user's counter of Kind for the window containing
// the charge's At, on condition that the count stays within Limit.
type UserRate struct {
	UserID   string
	Kind     RateKind
	N, Limit int
}

// JoinRate adds one join to an invite link's counter and to its
// organization's counter of joins by link, for the hour containing the
// charge's At, on condition each stays within its limit (negative: no
// cap).
type JoinRate struct {
	OrgID, LinkID       string
	LinkLimit, OrgLimit int
}

// ErrUserRateLimited: a per-user counter of a RateCharge would pass its
// limit; nothing was written. errors.Is(err, ErrRateLimited) holds too.
var ErrUserRateLimited = fmt.Errorf("%w: per-user cap", ErrRateLimited)

// withLimitDefaults fills in the default caps of cfg.
func withLimitDefaults(cfg Config) Config {
	if cfg.InviteEmailsPerHour == 0 {
		cfg.InviteEmailsPerHour = DefaultInviteEmailsPerHour
	}
	if cfg.UserInviteEmailsPerHour == 0 {
		cfg.UserInviteEmailsPerHour = DefaultUserInviteEmailsPerHour
	}
	if cfg.OrgsPerUserPerDay == 0 {
		cfg.OrgsPerUserPerDay = DefaultOrgsPerUserPerDay
	}
	if cfg.LinkJoinsPerHour == 0 {
		cfg.LinkJoinsPerHour = DefaultLinkJoinsCap
	}
	if cfg.OrgLinkJoinsPerHour == 0 {
		cfg.OrgLinkJoinsPerHour = DefaultOrgJoinsCap
	}
	if cfg.ExistingAccounts == "" {
		cfg.ExistingAccounts = defaultExistingAccounts
	}
	return cfg
}

// charge carries a request's invite-email charge to its first write, so
// the caps cost no call of their own and a request over a cap writes
// nothing.
type charge struct{ c *RateCharge }

// newCharge returns the charge of n invite emails sent by userID in orgID
// (no charge when both caps are off). A request for more emails than a cap
// allows in a whole hour is refused at once (rate_limited), however empty
// the counters are: the first request of an hour is held to the cap too.
func (s *Service) newCharge(orgID, userID string, n int) (*charge, error) {
	now := s.now()
	c := &RateCharge{At: now}
	if lim := s.cfg.InviteEmailsPerHour; lim >= 0 {
		if n > lim {
			return nil, rateLimited(now, RateUserInvites, fmt.Sprintf("this request would send %d invite emails; an organization may send at most %d an hour", n, lim))
		}
		c.OrgID, c.N, c.Limit = orgID, n, lim
	}
	if lim := s.cfg.UserInviteEmailsPerHour; lim >= 0 {
		if n > lim {
			return nil, rateLimited(now, RateUserInvites, fmt.Sprintf("this request would send %d invite emails; one person may send at most %d an hour", n, lim))
		}
		c.Users = append(c.Users, UserRate{UserID: userID, Kind: RateUserInvites, N: n, Limit: lim})
	}
	if c.OrgID == "" && len(c.Users) == 0 {
		return &charge{}, nil
	}
	return &charge{c: c}, nil
}

// settle records the outcome of a write that carried ch.c: once one
// succeeded, later writes carry nothing. It turns ErrRateLimited into the
// rate_limited error, saying which cap was reached.
func (s *Service) settle(ch *charge, err error) error {
	switch {
	case err == nil:
		ch.c = nil
	case errors.Is(err, ErrUserRateLimited):
		return rateLimited(s.now(), RateUserInvites, rateLimitedInvitesThisUserMessage)
	case errors.Is(err, ErrRateLimited):
		return rateLimited(s.now(), RateUserInvites, rateLimitedInvitesThisOrgMessage)
	}
	return err
}

// orgCreationCharge is the charge of one organization created by userID
// (nil when the cap is off).
func (s *Service) orgCreationCharge(userID string, now time.Time) *RateCharge {
	if s.cfg.OrgsPerUserPerDay < 0 {
		return nil
	}
	return &RateCharge{At: now, Users: []UserRate{{UserID: userID, Kind: RateUserOrgs, N: 1, Limit: s.cfg.OrgsPerUserPerDay}}}
}

// orgCreationErr turns a failed organization-creation charge into
// rate_limited; other errors pass unchanged.
func (s *Service) orgCreationErr(err error) error {
	if errors.Is(err, ErrRateLimited) {
		return rateLimited(s.now(), RateUserOrgs, rateLimitedOrgsMessage)
	}
	return err
}

// rateLimited is the rate_limited error with Retry-After set to the start
// of the next window of kind.
func rateLimited(now time.Time, kind RateKind, msg string) *Error {
	_, next := kind.Window(now)
	return &Error{Code: ECodeRateLimited, RetryAfterSeconds: int(next.Sub(now).Seconds()) + 1, Message: msg}
}
