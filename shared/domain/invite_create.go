package domain

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InviteInput is the body of POST /orgs/{orgId}/invites, as decoded. The
// projects come either as ProjectIDs with one ProjectRole, or as Projects
// with a role each; not both.
type InviteInput struct {
	Emails        []string       `json:"emails"`
	OrgRole       string         `json:"orgRole"`
	ProjectIDs    []string       `json:"projectIds"`
	ProjectRole   string         `json:"projectRole"`
	Projects      []ProjectInput `json:"projects"`
	ExpiresInDays *int           `json:"expiresInDays"`
	// AccessExpiresAt (RFC 3339) ends the organization access the invite
	// gives at that instant (expiry.go); nil for no end.
	AccessExpiresAt *string `json:"accessExpiresAt"`
}

// ProjectInput is one project of an invite body with its role, and when
// that role ends (nil: with the organization access).
type ProjectInput struct {
	ID              string  `json:"id"`
	Role            string  `json:"role"`
	AccessExpiresAt *string `json:"accessExpiresAt,omitempty"`
}

type inviteRequest struct {
	emails []string
	// invalid holds malformed addresses: they fail on their own while the
	// others are invited (one result per distinct address, in input order).
	invalid map[string]*Error
	order   []string
	grant   Grant
	// fields names the input field of each project of grant, for errors.
	fields []string
	days   int
}

func (in InviteInput) validate() (inviteRequest, error) { return in.validateAt(time.Now()) }

// validateAt validates in, judging accessExpiresAt values at now.
func (in InviteInput) validateAt(now time.Time) (inviteRequest, error) {
	v := Validation{}
	r := inviteRequest{grant: Grant{OrgRole: lowestOrgRole()}, days: DefaultExpiryDays}
	switch n := len(in.Emails); {
	case n == 0:
		v.Add("emails", "must list at least one address")
	case n > MaxInviteEmails:
		v.Add("emails", "must list at most %d addresses", MaxInviteEmails)
	}
	for i, e := range in.Emails {
		if len(in.Emails) > MaxInviteEmails {
			break
		}
		ne, why := NormalizeEmail(e)
		if why != "" {
			if r.invalid == nil {
				r.invalid = map[string]*Error{}
			}
			key := strings.TrimSpace(e)
			if _, dup := r.invalid[key]; !dup {
				r.invalid[key] = &Error{Code: ECodeValidationFailed, Message: "this is not a valid email address",
					Fields: []FieldError{{Field: fieldIndex("emails", i), Message: why}}}
				r.order = append(r.order, key)
			}
			continue
		}
		if !slices.Contains(r.emails, ne) {
			r.emails = append(r.emails, ne)
			r.order = append(r.order, ne)
		}
	}
	if len(r.emails) == 0 && len(r.invalid) > 0 {
		for _, k := range r.order {
			v.Fields = append(v.Fields, r.invalid[k].Fields...)
		}
	}
	if in.OrgRole != "" {
		r.grant.OrgRole = validOrgRole(&v, in.OrgRole)
	}
	r.grant.Projects, r.fields = validProjects(&v, in.ProjectIDs, in.ProjectRole, in.Projects, now)
	if in.AccessExpiresAt != nil {
		r.grant.AccessExpiresAt = validExpiry(&v, "accessExpiresAt", *in.AccessExpiresAt, now)
		if ownersNeverExpire(r.grant.OrgRole) {
			v.Add("accessExpiresAt", "cannot be set for an organization owner: an organization must keep its owners")
		}
	}
	if in.ExpiresInDays != nil {
		r.days = validDays(&v, *in.ExpiresInDays)
	}
	return r, v.Err()
}

func validOrgRole(v *Validation, s string) OrgRole {
	r := OrgRole(s)
	if !r.Valid() {
		v.Add("orgRole", "must be %s", orgRoleNames())
	}
	return r
}

func validDays(v *Validation, d int) int {
	if d < 1 || d > MaxExpiryDays {
		v.Add("expiresInDays", "must be from 1 to %d", MaxExpiryDays)
	}
	return d
}

// validProjects checks the projects of an invite body, given either as ids
// with one role or as {id, role} pairs, and returns them without repeats
// with the input field of each.
func validProjects(v *Validation, ids []string, role string, projects []ProjectInput, now time.Time) ([]ProjectGrant, []string) {
	if projects != nil && (ids != nil || role != "") {
		v.Add("projects", "give either projects, or projectIds with projectRole, not both")
		return nil, nil
	}
	var out []ProjectGrant
	var fields []string
	add := func(field, id string, r ProjectRole, end time.Time) {
		if !ValidID(id) {
			v.Add(field, "is not a project of this organization")
			return
		}
		if i := slices.IndexFunc(out, func(g ProjectGrant) bool { return g.ID == id }); i >= 0 {
			if out[i].Role != r || !out[i].AccessExpiresAt.Equal(end) {
				v.Add(field, "names a project listed earlier with another role or end")
			}
			return
		}
		out = append(out, ProjectGrant{ID: id, Role: r, AccessExpiresAt: end})
		fields = append(fields, field)
	}
	if projects != nil {
		if len(projects) > MaxInviteProjects {
			v.Add("projects", "must list at most %d projects", MaxInviteProjects)
			return nil, nil
		}
		for i, p := range projects {
			r := ProjectRole(p.Role)
			if !r.Valid() {
				v.Add(fieldIndex("projects", i)+".role", "must be %s", projectRoleNames())
				continue
			}
			var end time.Time
			if p.AccessExpiresAt != nil {
				end = validExpiry(v, fieldIndex("projects", i)+".accessExpiresAt", *p.AccessExpiresAt, now)
			}
			add(fieldIndex("projects", i)+".id", p.ID, r, end)
		}
		return out, fields
	}
	r := ProjectRole(role)
	switch {
	case role != "" && !r.Valid():
		v.Add("projectRole", "must be %s", projectRoleNames())
	case role == "" && len(ids) > 0:
		v.Add("projectRole", "is required when projectIds is not empty")
	}
	if len(ids) > MaxInviteProjects {
		v.Add("projectIds", "must list at most %d projects", MaxInviteProjects)
		return nil, nil
	}
	for i, id := range ids {
		add(fieldIndex("projectIds", i), id, r, time.Time{})
	}
	return out, fields
}

func fieldIndex(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// InviteResult is the outcome for one address.
type InviteResult struct {
	Email     string     `json:"email"`
	Status    string     `json:"status"` // invited, added, already_member, failed
	InviteID  string     `json:"inviteId,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Delivery  Delivery   `json:"delivery,omitempty"`
	Error     *Error     `json:"-"`
}

// Invite statuses of InviteResult.
const (
	ResultInvited       = "invited"
	ResultAdded         = "added"
	ResultAlreadyMember = "already_member"
	ResultFailed        = "failed"
)

// errCannotGrant is the forbidden error of a grant the caller may not give.
func errCannotGrant(m Membership, g Grant) error {
	if needsOwnerAuthority(g.OrgRole) && !hasOrg(m, PermOrgOwnersManage) {
		return errForbidden("inviting organization owners")
	}
	return errForbidden("inviting with these roles: invite to projects you own, with the lowest organization role, or ask an organization owner or manager")
}

// Invite invites each address: registered users get access at once
// (added; with Config.ExistingAccounts "invite", a pending invite like
// anyone else), others get a pending invite (invited); one result per
// distinct address. Returns org_not_found, forbidden, validation_failed,
// rate_limited.
func (s *Service) Invite(ctx context.Context, id Identity, orgID string, in InviteInput) ([]InviteResult, error) {
	req, verr := in.validateAt(s.now())
	if err := requireSignedIn(id); err != nil {
		return nil, err
	}
	if !ValidID(orgID) {
		return nil, errOrgNotFound()
	}
	// One consistent read for the caller's membership and, when the
	// request is valid, the projects and each address's state.
	var pids, emails []string
	if verr == nil {
		pids, emails = req.grant.ProjectIDs(), req.emails
	}
	pre, err := s.store.ReadForInvite(ctx, orgID, id.UserID, pids, emails)
	if errors.Is(err, ErrNotFound) {
		return nil, errOrgNotFound()
	} else if err != nil {
		return nil, storeErr(err)
	}
	m := pre.Membership.at(s.now())
	if m.orgExpired() {
		return nil, errOrgNotFound()
	}
	if verr != nil {
		return nil, verr
	}
	if !canGrant(m, req.grant) {
		return nil, errCannotGrant(m, req.grant)
	}
	v := Validation{}
	for i, p := range req.grant.Projects {
		if _, ok := pre.Projects[p.ID]; !ok {
			v.Add(req.fields[i], "is not a project of this organization")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ch, err := s.newCharge(orgID, id.UserID, len(req.emails)) // limits.go
	if err != nil {
		return nil, err
	}
	names := projectNames(pre.Projects)
	// Addresses with no account and no open invite (as pre read them) are
	// written several to a transaction (inviteNew); each other address, or
	// one that a batch could not write, on its own (inviteOne). The first
	// write carries the request's charge, so the units are written one by
	// one until one write took it; then the others are written concurrently
	// (they carry nothing). Each address's mail goes out as soon as its
	// write is done. Both are bounded by MailConcurrency; at 1, nothing is
	// batched and each address is written and mailed before the next one.
	sequential := s.cfg.MailConcurrency == 1
	results := make([]InviteResult, len(req.order))
	one := func(i int, email string, ch *charge) (func() Delivery, error) {
		r, mail, err := s.inviteOne(ctx, id, m, req, names, email, pre, ch)
		if ErrorCode(err) == ECodeRateLimited {
			return nil, err // only the first write carries the charge: nothing was written
		}
		if err != nil {
			r = InviteResult{Email: email, Status: ResultFailed, Error: asError(err)}
			s.cfg.Logger.ErrorContext(ctx, "invite failed", "org", orgID, "code", r.Error.Code, "err", err.Error())
		}
		results[i] = r
		return mail, nil
	}
	// write writes one unit (indexes of req.order) and returns the mails to
	// send, by index.
	write := func(unit []int, ch *charge) (map[int]func() Delivery, error) {
		if len(unit) == 1 {
			mail, err := one(unit[0], req.order[unit[0]], ch)
			if mail == nil || err != nil {
				return nil, err
			}
			return map[int]func() Delivery{unit[0]: mail}, nil
		}
		emails := make([]string, len(unit))
		for k, i := range unit {
			emails[k] = req.order[i]
		}
		written, rest, err := s.inviteNew(ctx, id, m, req, names, emails, ch)
		if err != nil {
			return nil, err
		}
		mails := map[int]func() Delivery{}
		for k, w := range written {
			if w.inv.ID == "" {
				continue
			}
			i := unit[k]
			exp := w.inv.ExpiresAt
			results[i] = InviteResult{Email: w.inv.Email, Status: ResultInvited, InviteID: w.inv.ID, ExpiresAt: &exp, Delivery: w.inv.Delivery}
			mails[i] = func() Delivery { return s.sendInvite(ctx, w.inv, w.token) }
		}
		for _, k := range rest {
			mail, err := one(unit[k], emails[k], ch)
			if err != nil {
				return nil, err // the charge was still to take: nothing was written
			}
			if mail != nil {
				mails[unit[k]] = mail
			}
		}
		return mails, nil
	}
	work := s.newFanout()
	defer work.wait()
	for _, unit := range s.inviteUnits(req, pre, results, sequential) {
		if ch.c == nil && !sequential { // the charge is settled (or there is none)
			work.spawn(func() {
				var mails map[int]func() Delivery
				work.write(func() { mails, _ = write(unit, &charge{}) })
				for i, mail := range mails {
					work.send(&results[i].Delivery, mail)
				}
			})
			continue
		}
		mails, err := write(unit, ch)
		if err != nil {
			return nil, err
		}
		for _, i := range unit {
			switch mail := mails[i]; {
			case mail == nil:
			case sequential:
				results[i].Delivery = mail()
			default:
				work.send(&results[i].Delivery, mail)
			}
		}
	}
	work.wait()
	return results, nil
}

// inviteUnits groups the addresses of req (indexes of req.order) into the
// units Invite writes: first the addresses that, as pre read them, have no
// account and no open invite, in batches of at most MaxInvitesPerWrite
// (as even as can be), then every other address alone. Malformed
// addresses get their failed result in results and no unit. When
// sequential, every address is alone.
func (s *Service) inviteUnits(req inviteRequest, pre InviteReads, results []InviteResult, sequential bool) [][]int {
	var fresh []int
	var units [][]int
	for i, email := range req.order {
		if bad := req.invalid[email]; bad != nil {
			results[i] = InviteResult{Email: email, Status: ResultFailed, Error: bad}
			continue
		}
		_, registered := pre.UserIDs[email]
		if !sequential && !registered && pre.OpenInvites[email] == "" {
			fresh = append(fresh, i)
			continue
		}
		units = append(units, []int{i})
	}
	var batches [][]int
	for n := (len(fresh) + MaxInvitesPerWrite - 1) / MaxInvitesPerWrite; n > 0; n-- {
		k := (len(fresh) + n - 1) / n
		batches = append(batches, fresh[:k])
		fresh = fresh[k:]
	}
	return append(batches, units...)
}

// newInvite is a new invite of email on req's terms, with its token.
func (s *Service) newInvite(id Identity, m Membership, req inviteRequest, names map[string]string, email string, now time.Time) (Invite, string) {
	inv := Invite{ID: NewID("inv", now), OrgID: m.OrgID, OrgName: m.OrgName, Email: email,
		OrgRole: req.grant.OrgRole, Projects: req.grant.Projects, ProjectNames: names,
		InvitedBy: id.UserID, InvitedByEmail: id.Email, CreatedAt: now, AccessExpiresAt: req.grant.AccessExpiresAt,
		ExpiresAt: now.Add(time.Duration(req.days) * 24 * time.Hour), ExpiresInDays: req.days, HoldsSeat: true}
	return inv, inv.issueToken(now)
}

// issued is an invite written with the token its mail carries.
type issued struct {
	inv   Invite
	token string
}

// inviteNew writes new invites of emails (addresses with no account and no
// open invite, as the request's read saw them) in one transaction carrying
// ch. When some addresses' conditions fail (a concurrent request opened an
// invite for them), the others are written again without them, up to
// three times. It returns what it wrote, by position in emails (a zero
// issued where nothing was written), and the positions left to write
// one by one (inviteOne re-reads their state and retries). Returns
// rate_limited when ch's charge would pass a cap (nothing written).
func (s *Service) inviteNew(ctx context.Context, id Identity, m Membership, req inviteRequest, names map[string]string, emails []string, ch *charge) ([]issued, []int, error) {
	out := make([]issued, len(emails))
	todo := make([]int, len(emails))
	for k := range todo {
		todo[k] = k
	}
	var rest []int
	for round := 0; len(todo) > 0; round++ {
		if round == 3 {
			return out, append(rest, todo...), nil
		}
		now := s.now()
		batch := make([]NewInvite, len(todo))
		for b, k := range todo {
			inv, token := s.newInvite(id, m, req, names, emails[k], now)
			out[k] = issued{inv: inv, token: token}
			batch[b] = NewInvite{Invite: inv, Audit: s.audit(id, m.OrgID, AuditInviteCreated, inv.ID, nil, inviteAudit(inv))}
		}
		failed, err := s.store.CreateInvites(ctx, batch, ch.c)
		if err == nil {
			s.settle(ch, nil)
			slices.Sort(rest)
			return out, rest, nil
		}
		for _, k := range todo {
			out[k] = issued{}
		}
		if errors.Is(err, ErrRateLimited) && len(failed) == 0 {
			return nil, nil, s.settle(ch, err)
		}
		if len(failed) == 0 { // the write failed as a whole: each address on its own
			if !errors.Is(err, ErrSeatLimit) { // under a seat limit on invites, one by one is the way
				s.cfg.Logger.WarnContext(ctx, "invite batch failed; writing its addresses one by one", "org", m.OrgID, "err", err.Error())
			}
			return out, append(rest, todo...), nil
		}
		var again []int
		for b, k := range todo {
			if slices.Contains(failed, b) {
				rest = append(rest, k)
			} else {
				again = append(again, k)
			}
		}
		todo = again
	}
	slices.Sort(rest)
	return out, rest, nil
}

func projectNames(ps map[string]Project) map[string]string {
	names := map[string]string{}
	for pid, p := range ps {
		names[pid] = p.Name
	}
	return names
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// inviteOne invites one address, starting from its state as pre read it
// (a retry re-reads it). An open invite of the address is merged with the
// request (see mergeGrants) and gets a new token. It returns the mail
// still to send, if any: it tells the result's delivery.
func (s *Service) inviteOne(ctx context.Context, id Identity, m Membership, req inviteRequest, names map[string]string, email string, pre InviteReads, ch *charge) (InviteResult, func() Delivery, error) {
	if r, mail, done, err := s.inviteExisting(ctx, id, m, req, names, email, pre, ch); done { // existing_accounts.go
		return r, mail, err
	}
	var inv Invite
	var token string
	first, reused := true, false
	err := retry(func() error {
		now := s.now()
		token, reused = "", false
		var openID string
		var err error
		if first {
			first = false
			if openID = pre.OpenInvites[email]; openID == "" {
				err = ErrNotFound
			}
		} else {
			openID, err = s.store.OpenInviteID(ctx, m.OrgID, email)
		}
		if errors.Is(err, ErrNotFound) {
			inv, token = s.newInvite(id, m, req, names, email, now)
			err = s.store.CreateInvite(ctx, inv, s.audit(id, m.OrgID, AuditInviteCreated, inv.ID, nil, inviteAudit(inv)), ch.c)
			if errors.Is(err, ErrExists) {
				return ErrConflict // someone else opened one: refresh it instead
			}
			return err
		}
		if err != nil {
			return err
		}
		prev, err := s.store.GetInvite(ctx, m.OrgID, openID)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrConflict
			}
			return err
		}
		inv = prev
		g := mergeGrants(prev.Grant(), req.grant)
		inv.OrgRole, inv.Projects, inv.AccessExpiresAt = g.OrgRole, g.Projects, g.AccessExpiresAt
		inv.ProjectNames = mergeNames(prev.ProjectNames, names)
		// Refreshing replaces the open invite's token, so the caller must be
		// able to manage it as it stands, not only as merged: otherwise a
		// project owner could take over an org owner's invite by merging.
		if !canManageInvite(m, prev) || !canGrant(m, g) {
			return Errorf(ECodeForbidden, "this address has an open invite you cannot change; ask an organization owner or manager")
		}
		if freshlyCovers(prev, req, now) {
			reused = true // a concurrent or repeated request just mailed these terms
			return nil
		}
		token = inv.issueToken(now)
		inv.ExpiresInDays = req.days
		inv.ExpiresAt = now.Add(time.Duration(req.days) * 24 * time.Hour)
		inv.InvitedBy, inv.InvitedByEmail = id.UserID, id.Email
		inv.HoldsSeat = true // again, if the sweep released it when it expired
		return s.store.ReplaceInvite(ctx, inv, prev,
			s.audit(id, m.OrgID, AuditInviteResent, inv.ID, inviteAudit(prev), inviteAudit(inv)), ch.c)
	})
	exp := inv.ExpiresAt
	res := InviteResult{Email: email, Status: ResultInvited, InviteID: inv.ID, ExpiresAt: &exp, Delivery: inv.Delivery}
	if reused { // a reused invite was written and mailed by the request that issued it
		return res, nil, storeErr(err)
	}
	if err := s.settle(ch, err); err != nil {
		return InviteResult{}, nil, storeErr(err)
	}
	return res, func() Delivery { return s.sendInvite(ctx, inv, token) }, nil
}

// mergeGrants merges two grants to one address per project: the stronger
// organization role; each project keeps the stronger of its two roles, and
// a project only one side names keeps that side's role. a's projects come
// first.
func mergeGrants(a, b Grant) Grant {
	out := Grant{OrgRole: a.OrgRole.Max(b.OrgRole), Projects: slices.Clone(a.Projects),
		AccessExpiresAt: latest(a.AccessExpiresAt, b.AccessExpiresAt)}
	if ownersNeverExpire(out.OrgRole) {
		out.AccessExpiresAt = time.Time{}
	}
	for _, p := range b.Projects {
		if i := slices.IndexFunc(out.Projects, func(q ProjectGrant) bool { return q.ID == p.ID }); i >= 0 {
			out.Projects[i].Role = out.Projects[i].Role.Max(p.Role)
			out.Projects[i].AccessExpiresAt = latest(out.Projects[i].AccessExpiresAt, p.AccessExpiresAt)
		} else {
			out.Projects = append(out.Projects, p)
		}
	}
	return out
}

// covers reports whether g already grants at least what o does.
func (g Grant) covers(o Grant) bool {
	m := mergeGrants(g, o)
	return m.OrgRole == g.OrgRole && m.AccessExpiresAt.Equal(g.AccessExpiresAt) &&
		slices.EqualFunc(m.Projects, g.Projects, func(a, b ProjectGrant) bool {
			return a.ID == b.ID && a.Role == b.Role && a.AccessExpiresAt.Equal(b.AccessExpiresAt)
		})
}

// reuseWindow is how recently an open invite must have been issued for a
// request with the same or narrower terms to reuse it instead of replacing
// its token: concurrent or double-submitted invites of one address then
// mail one working link instead of several dead ones.
const reuseWindow = 10 * time.Second

// freshlyCovers reports whether open invite prev was issued within
// reuseWindow of now, was not left undelivered, and already grants at least
// what req asks for, for at least as long.
func freshlyCovers(prev Invite, req inviteRequest, now time.Time) bool {
	issued := prev.ExpiresAt.Add(-time.Duration(prev.ExpiresInDays) * 24 * time.Hour)
	return prev.Status == InvitePending && prev.Delivery != DeliveryFailed && prev.Delivery != DeliveryBounced &&
		now.Sub(issued) <= reuseWindow && req.days <= prev.ExpiresInDays && prev.Grant().covers(req.grant)
}

func mergeNames(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// grantNow gives a registered user the request's access at once, merged
// per project with what they have. It returns the mail to send them, if
// any.
func (s *Service) grantNow(ctx context.Context, id Identity, m Membership, req inviteRequest, names map[string]string, email, uid string, ch *charge) (InviteResult, func() Delivery, error) {
	status := ResultAlreadyMember
	var after Membership
	err := retry(func() error {
		now := s.now()
		target, err := s.store.GetMembership(ctx, m.OrgID, uid)
		target = target.at(now)
		if errors.Is(err, ErrNotFound) {
			target = Membership{OrgID: m.OrgID, OrgName: m.OrgName, UserID: uid, Email: email}
		} else if err != nil {
			return err
		}
		after = target.merged(req.grant)
		if target.Exists() && target.sameAccess(after) {
			status = ResultAlreadyMember
			return nil
		}
		if target.Exists() { // the directory decides a managed member's access
			if err := checkUnmanaged(target); err != nil {
				return err
			}
		}
		if !target.Exists() {
			after.JoinedAt = now
		}
		action := AuditMemberAdded
		if target.Exists() {
			action = AuditMemberRole
		}
		status = ResultAdded
		return s.store.ApplyChange(ctx, Change{Before: target, After: &after, ProjectNames: names, Now: now, Charge: ch.c,
			Audit: []AuditEvent{s.audit(id, m.OrgID, action, uid, accessMap(target), withVia(accessMap(after), JoinedViaInvite, ""))}})
	})
	if err != nil || status == ResultAdded { // already_member wrote nothing: the charge waits for a write
		err = s.settle(ch, err)
	}
	if err != nil {
		return InviteResult{}, nil, storeErr(err)
	}
	res := InviteResult{Email: email, Status: status}
	if status != ResultAdded {
		return res, nil, nil
	}
	mail := AddedMail{To: email, OrgName: m.OrgName, InviterEmail: id.Email, OrgRole: after.Role, Link: s.cfg.AppBaseURL + "/"}
	for _, p := range req.grant.Projects {
		mail.Projects = append(mail.Projects, MailProject{Name: names[p.ID], Role: after.Projects[p.ID]})
	}
	return res, func() Delivery {
		if _, err := s.mail.SendAdded(ctx, mail); err != nil {
			s.cfg.Logger.WarnContext(ctx, "added email not sent", "org", m.OrgID, "user", uid, "err", err)
			return DeliveryFailed
		}
		return DeliverySent
	}, nil
}
