package domain

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
)

// Config tunes the service. Zero values take the documented defaults.
type Config struct {
	// AppBaseURL is the console's origin, used in email links.
	AppBaseURL string
	// CursorKey signs pagination cursors.
	CursorKey []byte
	// Now is the clock (time.Now when nil); the local server shifts it.
	Now func() time.Time
	// InviteEmailsPerHour caps invite emails per organization per hour
	// (default 100; negative: no cap).
	InviteEmailsPerHour int
	// UserInviteEmailsPerHour caps invite emails per inviting user per
	// hour across all organizations (default 200; negative: no cap).
	UserInviteEmailsPerHour int
	// OrgsPerUserPerDay caps organizations one user creates per UTC day
	// (default 10; negative: no cap).
	OrgsPerUserPerDay int
	// LinkJoinsPerHour caps joins through one invite link per hour
	// (default 100; negative: no cap); OrgLinkJoinsPerHour caps joins by
	// any link of one organization per hour (default 500).
	LinkJoinsPerHour, OrgLinkJoinsPerHour int
	// ExistingAccounts is what inviting an address that has an account
	// does: ExistingAccountsAdd (default) or ExistingAccountsInvite.
	ExistingAccounts string
	// Logger receives operational logs (slog.Default when nil).
	Logger *slog.Logger
	// MailConcurrency bounds the mails of one invite request in flight at
	// once (default DefaultMailConcurrency).
	MailConcurrency int
	// Resolver looks up the TXT records that verify domains (nil: domain
	// verification answers internal_error).
	Resolver Resolver
}

// Service implements every use case of the Members API.
type Service struct {
	store   Store
	mail    Mailer
	cfg     Config
	cursors cursorCodec
}

// Limits of the contract.
const (
	MaxInviteEmails   = 50
	MaxInviteProjects = 50
	DefaultExpiryDays = 7
	MaxExpiryDays     = 30
	DefaultPageLimit  = 50
	MaxPageLimit      = 100
	// attempts bounds optimistic-concurrency retries of one operation.
	attempts = 6
)

// NewService returns a Service over store and mailer.
func NewService(store Store, mailer Mailer, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg = withLimitDefaults(cfg) // limits.go
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MailConcurrency <= 0 {
		cfg.MailConcurrency = DefaultMailConcurrency
	}
	if len(cfg.CursorKey) == 0 {
		cfg.CursorKey = []byte("members-cursor-v1")
	}
	cfg.AppBaseURL = strings.TrimRight(cfg.AppBaseURL, "/")
	return &Service{store: store, mail: mailer, cfg: cfg, cursors: cursorCodec{key: cfg.CursorKey}}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// storeErr maps a store failure that the caller did not handle itself.
func storeErr(err error) error {
	var de *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case errors.Is(err, ErrSeatLimit):
		return errSeatLimit()
	case errors.Is(err, ErrThrottled), errors.Is(err, ErrConflict):
		return Unavailable(err)
	case errors.Is(err, context.DeadlineExceeded):
		return Unavailable(err)
	default:
		return Internal(err)
	}
}

// retry runs fn until it returns something other than ErrConflict, at most
// `attempts` times; fn re-reads what it depends on each time. Between
// attempts it waits a short random while (up to 20, 40, 80… ms), so writers
// contending for one item spread out instead of colliding again.
func retry(fn func() error) error {
	var err error
	for i := range attempts {
		if i > 0 {
			time.Sleep(rand.N(time.Duration(10<<i) * time.Millisecond))
		}
		if err = fn(); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return err
}

func requireSignedIn(id Identity) error {
	if id.UserID == "" {
		return Errorf(ECodeUnauthorized, "sign in first")
	}
	return nil
}

// Register makes sure the caller is a registered user, writing only when
// the user is new or their verified email changed. An unverified email is
// never registered (it cannot claim an address). Returns email_in_use when
// the address belongs to another account.
func (s *Service) Register(ctx context.Context, id Identity) (User, error) {
	if err := requireSignedIn(id); err != nil {
		return User{}, err
	}
	var out User
	err := retry(func() error {
		u, err := s.store.GetUser(ctx, id.UserID)
		var stored *User
		switch {
		case err == nil:
			stored = &u
		case !errors.Is(err, ErrNotFound):
			return err
		}
		out, err = s.registerWith(ctx, id, stored)
		return err
	})
	if errors.Is(err, ErrExists) {
		return User{}, errEmailInUse()
	}
	return out, storeErr(err)
}

func errEmailInUse() error {
	return Errorf(ECodeEmailInUse, "this email address belongs to another account")
}

// registerWith is Register given the stored profile u (nil: none): it
// writes only when the user is new or their verified email changed.
// What a directory provisioned for the address (waiting for its first
// sign-in) is linked then, and only when the write says something waits:
// the write is conditioned on the address's marker of waits
// (ErrProvisioned), so the common registration costs no read for it
// (docs/benchmarks.md: accept 2 calls, a first GET /me 3).
// Returns the store's ErrExists (the email is another user's) and
// ErrConflict (the profile changed since it was read).
func (s *Service) registerWith(ctx context.Context, id Identity, u *User) (User, error) {
	switch {
	case u != nil && (u.Email == id.Email || !id.EmailVerified):
		return *u, nil
	case !id.EmailVerified:
		return User{ID: id.UserID, Email: id.Email}, nil
	}
	nu := User{ID: id.UserID, Email: id.Email, CreatedAt: s.now()}
	prev := ""
	if u != nil {
		prev = u.Email
		if prev != "" {
			nu.CreatedAt = u.CreatedAt
		}
	}
	err := s.store.SaveUser(ctx, nu, prev)
	if errors.Is(err, ErrProvisioned) {
		// A directory provisioned the address before its owner had an
		// account: register, then make them the member it says.
		if err := s.store.SaveUserClaiming(ctx, nu, prev); err != nil {
			return User{}, err
		}
		err = s.claimProvisioned(ctx, id)
	}
	if err != nil {
		return User{}, err
	}
	return nu, nil
}

func requireVerified(id Identity) error {
	if !id.EmailVerified {
		return Errorf(ECodeEmailNotVerified, "verify your email address first")
	}
	return nil
}

// CreateOrg creates an organization owned by the caller. Returns
// validation_failed for a bad name, email_not_verified for unverified
// callers, rate_limited when the caller created too many today.
func (s *Service) CreateOrg(ctx context.Context, id Identity, name string) (Org, error) {
	n, why := NormalizeName(name)
	if why != "" {
		v := Validation{}
		v.Add("name", "%s", why)
		return Org{}, v.Err()
	}
	if err := requireVerified(id); err != nil {
		return Org{}, err
	}
	if _, err := s.Register(ctx, id); err != nil {
		return Org{}, err
	}
	now := s.now()
	org := Org{ID: NewID("org", now), Name: n, CreatedAt: now, CreatedBy: id.UserID}
	owner := Membership{OrgID: org.ID, OrgName: n, UserID: id.UserID, Email: id.Email, Role: creatorRole(),
		Projects: map[string]ProjectRole{}, JoinedAt: now}
	err := s.store.ApplyChange(ctx, Change{
		Before: Membership{OrgID: org.ID, UserID: id.UserID}, After: &owner, CreateOrg: &org, Now: now,
		Charge: s.orgCreationCharge(id.UserID, now), // limits.go
		Audit:  []AuditEvent{s.audit(id, org.ID, AuditOrgCreated, org.ID, nil, map[string]any{"name": n})},
	})
	if err != nil {
		return Org{}, storeErr(s.orgCreationErr(err))
	}
	return org, nil
}

// membership returns the caller's membership of orgID; org_not_found when
// the org does not exist or the caller is not in it (no existence leak).
func (s *Service) membership(ctx context.Context, id Identity, orgID string) (Membership, error) {
	if err := requireSignedIn(id); err != nil {
		return Membership{}, err
	}
	if !ValidID(orgID) {
		return Membership{}, errOrgNotFound()
	}
	m, err := s.store.GetMembership(ctx, orgID, id.UserID)
	if errors.Is(err, ErrNotFound) {
		return Membership{}, errOrgNotFound()
	} else if err != nil {
		return Membership{}, storeErr(err)
	}
	if m = m.at(s.now()); m.orgExpired() { // expiry.go: access that ended is gone
		return Membership{}, errOrgNotFound()
	}
	return m, nil
}

func errForbidden(what string) error {
	return Errorf(ECodeForbidden, "your role does not allow %s", what)
}
