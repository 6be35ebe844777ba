package domain

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"strconv"
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
	// ExistingAccounts is what inviting an address that has an account
	// does: ExistingAccountsAdd (default) or ExistingAccountsInvite.
	ExistingAccounts string
	// Logger receives operational logs (slog.Default when nil).
	Logger *slog.Logger
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
	if err := s.store.SaveUser(ctx, nu, prev); err != nil {
		return User{}, err
	}
	return nu, nil
}

// MeView is GET /me.
type MeView struct {
	User     User        `json:"user"`
	Orgs     []MeOrg     `json:"orgs"`
	Projects []MeProject `json:"projects"`
}

// MeOrg is an organization in MeView.
type MeOrg struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Role OrgRole `json:"role"`
}

// MeProject is a project in MeView.
type MeProject struct {
	ID    string      `json:"id"`
	OrgID string      `json:"orgId"`
	Name  string      `json:"name"`
	Role  ProjectRole `json:"role"`
}

// Me registers the caller if needed and returns their memberships.
func (s *Service) Me(ctx context.Context, id Identity) (MeView, error) {
	u, err := s.Register(ctx, id)
	if err != nil {
		return MeView{}, err
	}
	orgs, projects, err := s.store.ListUserMemberships(ctx, id.UserID)
	if err != nil {
		return MeView{}, storeErr(err)
	}
	v := MeView{User: u, Orgs: []MeOrg{}, Projects: []MeProject{}}
	for _, o := range orgs {
		v.Orgs = append(v.Orgs, MeOrg{ID: o.OrgID, Name: o.OrgName, Role: o.Role})
	}
	for _, p := range projects {
		v.Projects = append(v.Projects, MeProject{ID: p.ProjectID, OrgID: p.OrgID, Name: p.ProjectName, Role: p.Role})
	}
	return v, nil
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
	owner := Membership{OrgID: org.ID, OrgName: n, UserID: id.UserID, Email: id.Email, Role: OrgOwner,
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
		return Membership{}, Errorf(ECodeOrgNotFound, "organization not found")
	}
	m, err := s.store.GetMembership(ctx, orgID, id.UserID)
	if errors.Is(err, ErrNotFound) {
		return Membership{}, Errorf(ECodeOrgNotFound, "organization not found")
	}
	return m, storeErr(err)
}

func (s *Service) ownerMembership(ctx context.Context, id Identity, orgID string) (Membership, error) {
	m, err := s.membership(ctx, id, orgID)
	if err == nil && m.Role != OrgOwner {
		err = Errorf(ECodeForbidden, "only organization owners can do this")
	}
	return m, err
}

// CreateProject creates a project in an organization; the caller (an org
// owner) becomes its owner. Returns org_not_found, forbidden, validation_failed.
func (s *Service) CreateProject(ctx context.Context, id Identity, orgID, name string) (Project, error) {
	n, why := NormalizeName(name)
	if why != "" {
		v := Validation{}
		v.Add("name", "%s", why)
		return Project{}, v.Err()
	}
	var p Project
	err := retry(func() error {
		m, err := s.ownerMembership(ctx, id, orgID)
		if err != nil {
			return err
		}
		now := s.now()
		p = Project{ID: NewID("prj", now), OrgID: orgID, Name: n, CreatedAt: now}
		after := m.clone()
		after.Projects[p.ID] = ProjectOwner
		return s.store.ApplyChange(ctx, Change{Before: m, After: &after, CreateProject: &p, Now: now,
			ProjectNames: map[string]string{p.ID: n},
			Audit:        []AuditEvent{s.audit(id, orgID, AuditProjectCreated, p.ID, nil, map[string]any{"name": n})}})
	})
	return p, storeErr(err)
}

// ProjectView is one row of GET /orgs/{orgId}/projects.
type ProjectView struct {
	ID   string       `json:"id"`
	Name string       `json:"name"`
	Role *ProjectRole `json:"role"`
}

// ListProjects returns the projects the caller can see: all of them for
// organization owners, their own for others. Returns org_not_found.
func (s *Service) ListProjects(ctx context.Context, id Identity, orgID string) ([]ProjectView, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListProjects(ctx, orgID)
	if err != nil {
		return nil, storeErr(err)
	}
	out := []ProjectView{}
	for _, p := range all {
		r, in := m.Projects[p.ID]
		if !in && m.Role != OrgOwner {
			continue
		}
		v := ProjectView{ID: p.ID, Name: p.Name}
		if in {
			v.Role = &r
		}
		out = append(out, v)
	}
	return out, nil
}

func (m Membership) clone() Membership {
	c := m
	c.Projects = maps.Clone(m.Projects)
	if c.Projects == nil {
		c.Projects = map[string]ProjectRole{}
	}
	return c
}

// merged returns m with orgRole and projectRole on projects granted, never
// downgrading a role it has.
func (m Membership) merged(orgRole OrgRole, projects []string, projectRole ProjectRole) Membership {
	c := m.clone()
	c.Role = m.Role.Max(orgRole)
	for _, p := range projects {
		c.Projects[p] = c.Projects[p].Max(projectRole)
	}
	return c
}

func (m Membership) sameAccess(o Membership) bool {
	return m.Role == o.Role && maps.Equal(m.Projects, o.Projects)
}

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
	return out
}

// Page is a validated page request.
type Page struct {
	Limit  int
	Cursor string
}

// ParsePage validates the limit and cursor query parameters (limit 1..100,
// default 50). Returns validation_failed.
func ParsePage(limit, cursor string) (Page, error) {
	p := Page{Limit: DefaultPageLimit, Cursor: cursor}
	v := Validation{}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxPageLimit {
			v.Add("limit", "must be a whole number from 1 to %d", MaxPageLimit)
		}
		p.Limit = n
	}
	return p, v.Err()
}

// MemberPage is a page of members.
type MemberPage struct {
	Members    []Member `json:"members"`
	NextCursor *string  `json:"nextCursor"`
}

func (s *Service) nextCursor(scope, pos string) *string {
	if pos == "" {
		return nil
	}
	c := s.cursors.encode(scope, pos)
	return &c
}

// page runs one store page request for p in scope: it decodes the
// cursor (invalid_cursor for one not issued for scope), lists, and
// encodes the next cursor. items is never nil.
func page[T any](s *Service, scope string, p Page, list func(after string, limit int) ([]T, string, error)) ([]T, *string, error) {
	pos, err := s.cursors.decode(scope, p.Cursor)
	if err != nil {
		return nil, nil, err
	}
	items, next, err := list(pos, p.Limit)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	if items == nil {
		items = []T{}
	}
	return items, s.nextCursor(scope, next), nil
}

// ListMembers lists an organization's members by user id. Any member may
// list. Returns org_not_found, invalid_cursor.
func (s *Service) ListMembers(ctx context.Context, id Identity, orgID string, p Page) (MemberPage, error) {
	if _, err := s.membership(ctx, id, orgID); err != nil {
		return MemberPage{}, err
	}
	ms, next, err := page(s, "members/"+orgID, p, func(after string, limit int) ([]Member, string, error) {
		return s.store.ListMembers(ctx, orgID, after, limit)
	})
	return MemberPage{Members: ms, NextCursor: next}, err
}

// project checks that projectID is a project of orgID. Returns project_not_found.
func (s *Service) project(ctx context.Context, orgID, projectID string) (Project, error) {
	if !ValidID(projectID) {
		return Project{}, Errorf(ECodeProjectNotFound, "project not found")
	}
	ps, err := s.store.GetProjects(ctx, orgID, []string{projectID})
	if err != nil {
		return Project{}, storeErr(err)
	}
	p, ok := ps[projectID]
	if !ok {
		return Project{}, Errorf(ECodeProjectNotFound, "project not found")
	}
	return p, nil
}

// ListProjectMembers lists a project's members; project members and org
// owners may list. Returns org_not_found, project_not_found, forbidden.
func (s *Service) ListProjectMembers(ctx context.Context, id Identity, orgID, projectID string, p Page) (MemberPage, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return MemberPage{}, err
	}
	if _, in := m.Projects[projectID]; !in {
		if _, err := s.project(ctx, orgID, projectID); err != nil {
			return MemberPage{}, err
		}
		if m.Role != OrgOwner {
			return MemberPage{}, Errorf(ECodeForbidden, "only members of this project can list its members")
		}
	}
	ms, next, err := page(s, "project-members/"+orgID+"/"+projectID, p, func(after string, limit int) ([]Member, string, error) {
		return s.store.ListProjectMembers(ctx, orgID, projectID, after, limit)
	})
	return MemberPage{Members: ms, NextCursor: next}, err
}
