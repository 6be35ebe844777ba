package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"slices"
	"strings"
	"time"
)

// Verified domains: an organization proves it controls a DNS domain by
// publishing a TXT record, then lets people whose verified address is at
// that domain join at once (JoinPolicyAuto) or ask to (JoinPolicyRequest).

// Domain statuses.
const (
	DomainPending  = "pending"
	DomainVerified = "verified"
)

// JoinPolicy is what a verified domain lets people at it do.
type JoinPolicy string

// Join policies.
const (
	JoinPolicyOff     JoinPolicy = "off"
	JoinPolicyAuto    JoinPolicy = "auto"
	JoinPolicyRequest JoinPolicy = "request"
)

// Valid reports whether p is a known join policy.
func (p JoinPolicy) Valid() bool {
	return p == JoinPolicyOff || p == JoinPolicyAuto || p == JoinPolicyRequest
}

// Suggested reports whether people at the domain are offered to join.
func (p JoinPolicy) Suggested() bool { return p == JoinPolicyAuto || p == JoinPolicyRequest }

// The TXT record that proves control of a domain.
const (
	ChallengeLabel  = "_members-challenge"
	ChallengePrefix = "members-verify="
)

// DNSRecord is a DNS record to publish.
type DNSRecord struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Domain is a DNS domain an organization added, with its challenge and,
// once verified, who may join through it and with which roles.
type Domain struct {
	Domain       string            `json:"domain"`
	OrgID        string            `json:"-"`
	OrgName      string            `json:"-"`
	Status       string            `json:"status"`
	Record       DNSRecord         `json:"record"`
	JoinPolicy   JoinPolicy        `json:"joinPolicy"`
	OrgRole      OrgRole           `json:"orgRole"`
	Projects     []ProjectGrant    `json:"projects"`
	ProjectNames map[string]string `json:"-"`
	CreatedAt    time.Time         `json:"createdAt"`
	CreatedBy    string            `json:"-"`
	VerifiedAt   *time.Time        `json:"verifiedAt,omitempty"`
	// Challenge is the random part of the TXT record's value.
	Challenge string `json:"-"`
	// Rev counts stored changes (1 when added); writes are conditioned on it.
	Rev int64 `json:"-"`
}

// Grant is what joining through d gives.
func (d Domain) Grant() Grant { return Grant{OrgRole: d.OrgRole, Projects: d.Projects} }

// challengeRecord is the TXT record of domain name with challenge c.
func challengeRecord(name, c string) DNSRecord {
	return DNSRecord{Type: "TXT", Name: ChallengeLabel + "." + name, Value: ChallengePrefix + c}
}

// DomainClaim is the organization that verified a domain: at most one.
type DomainClaim struct {
	Domain     string
	OrgID      string
	OrgName    string
	JoinPolicy JoinPolicy
}

// publicMailDomains are mail providers anyone can get an address at: no
// organization may claim them (nor their subdomains).
var publicMailDomains = []string{
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "live.com",
	"live.co.uk", "msn.com", "outlook.de", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "ymail.com",
	"rocketmail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "protonmail.ch",
	"pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.ru", "yandex.com", "mail.ru",
	"zoho.com", "zohomail.com", "qq.com", "163.com", "126.com", "fastmail.com", "hey.com", "tutanota.com",
	"tuta.io", "tutanota.de", "hushmail.com", "inbox.com", "mailinator.com", "t-online.de", "orange.fr",
	"free.fr", "libero.it", "naver.com", "daum.net", "rediffmail.com", "comcast.net", "verizon.net", "att.net",
}

// IsPublicMailDomain reports whether d (normalized) is, or is under, a
// public mail provider's domain.
func IsPublicMailDomain(d string) bool {
	for _, p := range publicMailDomains {
		if d == p || strings.HasSuffix(d, "."+p) {
			return true
		}
	}
	return false
}

// NormalizeDomain lowercases and checks a DNS domain name: two or more
// labels of letters, digits and inner hyphens, at most 253 characters. It
// returns the name, or why it is not one.
func NormalizeDomain(s string) (string, string) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	switch {
	case d == "":
		return "", "is required"
	case len(d) > 253:
		return "", "must be at most 253 characters"
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", "must be a domain name such as acme.com"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", "must be a domain name such as acme.com"
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return "", "must be a domain name such as acme.com (ASCII; write internationalized names in their xn-- form)"
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", "must be a domain name such as acme.com, not an address"
	}
	return d, ""
}

// EmailDomain returns the domain of a normalized address ("" when none).
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return email[i+1:]
}

// newChallenge returns 128 random bits, base32 lowercase without padding.
func newChallenge() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

func errDomainNotFound() error {
	return Errorf(ECodeDomainNotFound, "this organization has no such domain")
}

func errDomainClaimed() error {
	return Errorf(ECodeDomainClaimed, "another organization has verified this domain")
}

// domainName validates a domain from a request (field "domain" of the body
// or the path): normalized, not a public mail provider's.
func domainName(s string) (string, error) {
	d, why := NormalizeDomain(s)
	if why != "" {
		v := Validation{}
		v.Add("domain", "%s", why)
		return "", v.Err()
	}
	if IsPublicMailDomain(d) {
		return "", &Error{Code: ECodePublicEmailDomain,
			Message: "anyone can get an address at " + d + "; add a domain your organization owns",
			Fields:  []FieldError{{Field: "domain", Message: "is a public email provider's domain"}}}
	}
	return d, nil
}

// authorizeDomains returns the caller's membership when they may manage
// the organization's domains. Returns org_not_found, forbidden.
func (s *Service) authorizeDomains(ctx context.Context, id Identity, orgID string) (Membership, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return Membership{}, err
	}
	if !canManageDomains(m) {
		return Membership{}, errForbidden("managing the organization's domains")
	}
	return m, nil
}

// AddDomain adds a domain to the organization, pending verification, and
// returns it with the TXT record to publish. Only roles with
// org:domains:manage. Returns org_not_found, forbidden, validation_failed,
// public_email_domain, domain_exists (already added here), domain_claimed
// (verified by another organization).
func (s *Service) AddDomain(ctx context.Context, id Identity, orgID, domainIn string) (Domain, error) {
	m, err := s.authorizeDomains(ctx, id, orgID)
	if err != nil {
		return Domain{}, err
	}
	name, err := domainName(domainIn)
	if err != nil {
		return Domain{}, err
	}
	if c, err := s.store.DomainClaim(ctx, name); err == nil && c.OrgID != orgID {
		return Domain{}, errDomainClaimed()
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return Domain{}, storeErr(err)
	}
	now := s.now()
	c := newChallenge()
	d := Domain{Domain: name, OrgID: orgID, OrgName: m.OrgName, Status: DomainPending, Record: challengeRecord(name, c),
		JoinPolicy: JoinPolicyOff, OrgRole: lowestOrgRole(), Projects: []ProjectGrant{}, CreatedAt: now, CreatedBy: id.UserID,
		Challenge: c, Rev: 1}
	ev := s.audit(id, orgID, AuditDomainAdded, name, nil, map[string]any{"domain": name})
	switch err := s.store.CreateDomain(ctx, d, ev); {
	case errors.Is(err, ErrExists):
		return Domain{}, Errorf(ECodeDomainExists, "this organization has added this domain already")
	case err != nil:
		return Domain{}, storeErr(err)
	}
	return d, nil
}

// ListDomains lists the organization's domains. Returns org_not_found,
// forbidden.
func (s *Service) ListDomains(ctx context.Context, id Identity, orgID string) ([]Domain, error) {
	if _, err := s.authorizeDomains(ctx, id, orgID); err != nil {
		return nil, err
	}
	ds, err := s.store.ListDomains(ctx, orgID)
	if err != nil {
		return nil, storeErr(err)
	}
	return nonNil(ds), nil
}

// domainOf reads the organization's domain named in a path. Returns
// domain_not_found.
func (s *Service) domainOf(ctx context.Context, orgID, name string) (Domain, error) {
	n, why := NormalizeDomain(name)
	if why != "" {
		return Domain{}, errDomainNotFound()
	}
	d, err := s.store.GetDomain(ctx, orgID, n)
	if errors.Is(err, ErrNotFound) {
		return Domain{}, errDomainNotFound()
	}
	return d, storeErr(err)
}

// VerifyDomain looks the domain's TXT record up (Config.Resolver) and, when
// it carries the challenge, marks the domain verified and claims it for the
// organization. Verifying is a one-time proof: a domain already verified
// stays verified whatever DNS says later; checking it again answers
// domain_verification_failed when the record is gone, without changing it.
// Returns org_not_found, forbidden, domain_not_found,
// domain_verification_failed (no such record, or another value),
// domain_claimed (another organization verified it first),
// service_unavailable (DNS did not answer).
func (s *Service) VerifyDomain(ctx context.Context, id Identity, orgID, name string) (Domain, error) {
	if _, err := s.authorizeDomains(ctx, id, orgID); err != nil {
		return Domain{}, err
	}
	d, err := s.domainOf(ctx, orgID, name)
	if err != nil {
		return Domain{}, err
	}
	if err := s.checkChallenge(ctx, d); err != nil {
		return Domain{}, err
	}
	if d.Status == DomainVerified {
		return d, nil
	}
	now := s.now()
	prev := d.Rev
	d.Status, d.VerifiedAt, d.Rev = DomainVerified, &now, d.Rev+1
	ev := s.audit(id, orgID, AuditDomainVerified, d.Domain, nil, map[string]any{"domain": d.Domain})
	switch err := s.store.SaveDomain(ctx, d, prev, true, ev); {
	case errors.Is(err, ErrExists):
		return Domain{}, errDomainClaimed()
	case errors.Is(err, ErrConflict):
		return s.domainOf(ctx, orgID, d.Domain) // verified (or removed) meanwhile
	case err != nil:
		return Domain{}, storeErr(err)
	}
	return d, nil
}

// checkChallenge resolves d's TXT record and checks it carries d's value.
func (s *Service) checkChallenge(ctx context.Context, d Domain) error {
	if s.cfg.Resolver == nil {
		return Internal(errors.New("no DNS resolver configured"))
	}
	vals, err := s.cfg.Resolver.LookupTXT(ctx, d.Record.Name)
	fail := func(why string) error {
		return &Error{Code: ECodeDomainVerificationFailed, Message: why,
			Extensions: map[string]any{"record": d.Record}}
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return fail("no TXT record " + d.Record.Name + " was found; publish it and try again (DNS changes can take a while)")
	case err != nil:
		return Unavailable(err)
	case !slices.Contains(vals, d.Record.Value):
		return fail("the TXT record " + d.Record.Name + " does not have the value " + d.Record.Value)
	}
	return nil
}

// DomainEdit is the body of PATCH /orgs/{orgId}/domains/{domain}: any of
// the join policy and the roles joining gives.
type DomainEdit struct {
	JoinPolicy *string         `json:"joinPolicy"`
	OrgRole    *string         `json:"orgRole"`
	Projects   *[]ProjectInput `json:"projects"`
}

// UpdateDomain sets a domain's join policy and the roles joining through it
// gives (validated by the policy code invites use). A policy other than off
// needs a verified domain. Returns org_not_found, forbidden,
// domain_not_found, validation_failed, domain_not_verified,
// project_not_found.
func (s *Service) UpdateDomain(ctx context.Context, id Identity, orgID, name string, e DomainEdit) (Domain, error) {
	m, err := s.authorizeDomains(ctx, id, orgID)
	if err != nil {
		return Domain{}, err
	}
	v := Validation{}
	if e.JoinPolicy == nil && e.OrgRole == nil && e.Projects == nil {
		v.Add("joinPolicy", "give joinPolicy, orgRole or projects")
	}
	var policy JoinPolicy
	if e.JoinPolicy != nil {
		if policy = JoinPolicy(*e.JoinPolicy); !policy.Valid() {
			v.Add("joinPolicy", `must be "auto", "request" or "off"`)
		}
	}
	var role OrgRole
	if e.OrgRole != nil {
		role = validOrgRole(&v, *e.OrgRole)
	}
	var projects []ProjectGrant
	if e.Projects != nil {
		for i, p := range *e.Projects {
			if p.AccessExpiresAt != nil {
				v.Add(fieldIndex("projects", i)+".accessExpiresAt", "is not taken here: joining through a domain gives lasting roles")
			}
		}
		projects, _ = validProjects(&v, nil, "", *e.Projects, s.now())
	}
	if err := v.Err(); err != nil {
		return Domain{}, err
	}
	var out Domain
	err = retry(func() error {
		d, err := s.domainOf(ctx, orgID, name)
		if err != nil {
			return err
		}
		before := domainAudit(d)
		if policy != "" {
			d.JoinPolicy = policy
		}
		if role != "" {
			d.OrgRole = role
		}
		if e.Projects != nil {
			ps, err := s.store.GetProjects(ctx, orgID, (Grant{Projects: projects}).ProjectIDs())
			if err != nil {
				return err
			}
			d.Projects, d.ProjectNames = []ProjectGrant{}, map[string]string{}
			for _, p := range projects {
				pr, ok := ps[p.ID]
				if !ok {
					return Errorf(ECodeProjectNotFound, "a listed project is not in this organization")
				}
				d.Projects = append(d.Projects, p)
				d.ProjectNames[p.ID] = pr.Name
			}
		}
		if d.JoinPolicy != JoinPolicyOff && d.Status != DomainVerified {
			return Errorf(ECodeDomainNotVerified, "verify the domain before letting people join through it")
		}
		if !canGrant(m, d.Grant()) {
			return errCannotGrant(m, d.Grant())
		}
		prev := d.Rev
		d.Rev++
		ev := s.audit(id, orgID, AuditDomainUpdated, d.Domain, before, domainAudit(d))
		if err := s.store.SaveDomain(ctx, d, prev, false, ev); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, storeErr(err)
}

func domainAudit(d Domain) map[string]any {
	out := map[string]any{"domain": d.Domain, "joinPolicy": string(d.JoinPolicy), "orgRole": string(d.OrgRole)}
	if len(d.Projects) > 0 {
		ps := map[string]any{}
		for _, p := range d.Projects {
			ps[p.ID] = string(p.Role)
		}
		out["projects"] = ps
	}
	return out
}

// RemoveDomain removes a domain (and the organization's claim on it, so
// another organization may verify it). Pending join requests stay for
// approvers to answer. Returns org_not_found, forbidden, domain_not_found.
func (s *Service) RemoveDomain(ctx context.Context, id Identity, orgID, name string) error {
	if _, err := s.authorizeDomains(ctx, id, orgID); err != nil {
		return err
	}
	err := retry(func() error {
		d, err := s.domainOf(ctx, orgID, name)
		if err != nil {
			return err
		}
		return s.store.DeleteDomain(ctx, d, s.audit(id, orgID, AuditDomainRemoved, d.Domain, domainAudit(d), nil))
	})
	return storeErr(err)
}
