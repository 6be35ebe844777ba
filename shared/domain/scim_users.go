package domain

import (
	"context"
	"errors"
	"slices"
	"strings"
)

func errSCIMNotFound(kind string) error {
	return Errorf(ECodeNotFound, "no such %s in this organization's directory", kind)
}

func errSCIMUniqueness(what string) error {
	return Errorf(ECodeScimUniqueness, "%s is already taken in this organization's directory", what)
}

// scimUser reads a SCIM user. Returns not_found.
func (s *Service) scimUser(ctx context.Context, c SCIMCaller, id string) (SCIMUser, error) {
	if !ValidID(id) {
		return SCIMUser{}, errSCIMNotFound("user")
	}
	u, err := s.store.GetSCIMUser(ctx, c.OrgID, id)
	if errors.Is(err, ErrNotFound) {
		return SCIMUser{}, errSCIMNotFound("user")
	}
	return u, storeErr(err)
}

// userView renders u with its groups' names.
func (s *Service) userView(ctx context.Context, c SCIMCaller, u SCIMUser) (map[string]any, error) {
	groups := map[string]SCIMGroup{}
	if len(u.Groups) > 0 {
		var err error
		if groups, err = s.store.GetSCIMGroups(ctx, c.OrgID, u.Groups); err != nil {
			return nil, storeErr(err)
		}
	}
	return userResource(c, u, groups), nil
}

// CreateSCIMUser provisions a user (POST /scim/v2/Users): the address
// becomes a member of the organization with the token's default role, at
// once when it has an account, else at its first sign-in. Returns
// scim_invalid_value, scim_uniqueness (the userName, externalId or work
// email is another user's), last_owner.
func (s *Service) CreateSCIMUser(ctx context.Context, c SCIMCaller, res map[string]any) (map[string]any, error) {
	u, err := decodeUser(res, SCIMUser{})
	if err != nil {
		return nil, err
	}
	now := s.now()
	u.ID, u.OrgID, u.OrgName = NewID("scu", now), c.OrgID, c.OrgName
	u.Baseline = Grant{OrgRole: c.DefaultOrgRole}
	if _, err := s.store.SCIMLookup(ctx, c.OrgID, SCIMKeyUserName, u.UserName); err == nil {
		return nil, errSCIMUniqueness("userName " + u.UserName)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, storeErr(err)
	}
	err = retry(func() error {
		nu := u
		return s.writeSCIMUser(ctx, c, nil, &nu, nil)
	})
	if err != nil {
		return nil, scimStoreErr(err)
	}
	u, err = s.scimUser(ctx, c, u.ID)
	if err != nil {
		return nil, err
	}
	return s.userView(ctx, c, u)
}

// scimStoreErr maps the store's errors of a directory write.
func scimStoreErr(err error) error {
	switch {
	case errors.Is(err, ErrExists):
		return errSCIMUniqueness("a unique attribute (userName, externalId, work email or displayName)")
	case errors.Is(err, ErrLastOwner):
		return lastOwner(err)
	}
	return storeErr(err)
}

// GetSCIMUser returns a user resource. Returns not_found.
func (s *Service) GetSCIMUser(ctx context.Context, c SCIMCaller, id string) (map[string]any, error) {
	u, err := s.scimUser(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return s.userView(ctx, c, u)
}

// userFilterAttrs are the attributes a Users filter may test (eq).
var userFilterAttrs = map[string]string{
	"username": SCIMKeyUserName, "externalid": SCIMKeyExternalID,
	"emails.value": SCIMKeyWorkEmail, "emails": SCIMKeyWorkEmail,
}

// ListSCIMUsers answers GET /scim/v2/Users: with a filter, by indexed
// lookups only (one read of the unique attribute, one of the user, per
// term); without, a page in id order. Returns scim_invalid_filter.
func (s *Service) ListSCIMUsers(ctx context.Context, c SCIMCaller, q SCIMQuery) (SCIMList, error) {
	out := SCIMList{Schemas: []string{SCIMSchemaList}, StartIndex: q.StartIndex, Resources: []map[string]any{}}
	var users []SCIMUser
	if q.Filter != "" {
		terms, err := parseFilter(q.Filter, userFilterAttrs)
		if err != nil {
			return SCIMList{}, err
		}
		ids, err := s.resolveTerms(ctx, c, terms, func(id string) (map[string]string, error) {
			u, err := s.store.GetSCIMUser(ctx, c.OrgID, id)
			if err != nil {
				return nil, err
			}
			return map[string]string{SCIMKeyUserName: u.UserName, SCIMKeyExternalID: u.ExternalID, SCIMKeyWorkEmail: u.workEmail()}, nil
		})
		if err != nil {
			return SCIMList{}, err
		}
		for _, id := range ids {
			u, err := s.store.GetSCIMUser(ctx, c.OrgID, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return SCIMList{}, storeErr(err)
			}
			users = append(users, u)
		}
		out.TotalResults = len(users)
		users = window(users, q)
	} else {
		var err error
		users, out.TotalResults, err = s.store.ListSCIMUsers(ctx, c.OrgID, q.StartIndex-1, q.Count)
		if err != nil {
			return SCIMList{}, storeErr(err)
		}
	}
	for _, u := range users {
		v, err := s.userView(ctx, c, u)
		if err != nil {
			return SCIMList{}, err
		}
		if q.excludes("groups") {
			delete(v, "groups")
		}
		out.Resources = append(out.Resources, v)
	}
	out.ItemsPerPage = len(out.Resources)
	return out, nil
}

// window is the page q asks for of a filter's results.
func window[T any](all []T, q SCIMQuery) []T {
	from := min(q.StartIndex-1, len(all))
	return all[from:min(from+q.Count, len(all))]
}

// resolveTerms finds the ids a filter's terms (an or of ands) name: each
// and-term is looked up by its first equality, and the other equalities
// are checked on what that found (attrsOf). Ids are returned in the order
// found, without repeats.
func (s *Service) resolveTerms(ctx context.Context, c SCIMCaller, terms [][]lookup, attrsOf func(string) (map[string]string, error)) ([]string, error) {
	var ids []string
	for _, and := range terms {
		id, err := s.store.SCIMLookup(ctx, c.OrgID, and[0].kind, lookupValue(and[0]))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, storeErr(err)
		}
		ok := true
		if len(and) > 1 {
			attrs, err := attrsOf(id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, storeErr(err)
			}
			for _, l := range and[1:] {
				if !strings.EqualFold(attrs[l.kind], lookupValue(l)) {
					ok = false
				}
			}
		}
		if ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// lookupValue normalizes a looked-up value as the store keeps it:
// addresses and group names are case-insensitive, external ids are not.
func lookupValue(l lookup) string {
	switch l.kind {
	case SCIMKeyUserName, SCIMKeyWorkEmail:
		if e, why := NormalizeEmail(l.value); why == "" {
			return e
		}
		return strings.ToLower(strings.TrimSpace(l.value))
	case SCIMKeyGroupName:
		return strings.ToLower(strings.TrimSpace(l.value))
	}
	return l.value
}

// ReplaceSCIMUser replaces a user's attributes (PUT). Returns not_found,
// scim_invalid_value, scim_uniqueness, last_owner.
func (s *Service) ReplaceSCIMUser(ctx context.Context, c SCIMCaller, id string, res map[string]any) (map[string]any, SCIMTransition, error) {
	return s.updateSCIMUser(ctx, c, id, func(u SCIMUser) (SCIMUser, error) { return decodeUser(res, u) })
}

// PatchSCIMUser applies a PATCH (RFC 7644 §3.5.2) in Okta's or Entra's
// spelling: add/replace/remove with or without a path, ops in any case,
// booleans as strings. Returns not_found, scim_invalid_syntax,
// scim_invalid_path, scim_no_target, scim_invalid_value,
// scim_uniqueness, last_owner.
func (s *Service) PatchSCIMUser(ctx context.Context, c SCIMCaller, id string, p SCIMPatch) (map[string]any, SCIMTransition, error) {
	if err := checkPatch(p); err != nil {
		return nil, "", err
	}
	return s.updateSCIMUser(ctx, c, id, func(u SCIMUser) (SCIMUser, error) {
		res := userJSON(u)
		if err := patchResource(res, SCIMSchemaUser, p.Operations); err != nil {
			return u, err
		}
		return decodeUser(res, u)
	})
}

// SCIMTransition is how a user write moved the user's active flag.
type SCIMTransition string

// Transitions of a user write ("" for neither).
const (
	SCIMReactivated SCIMTransition = "reactivated"
	SCIMDeactivated SCIMTransition = "deactivated"
)

func (s *Service) updateSCIMUser(ctx context.Context, c SCIMCaller, id string, edit func(SCIMUser) (SCIMUser, error)) (map[string]any, SCIMTransition, error) {
	var out SCIMUser
	var tr SCIMTransition
	err := retry(func() error {
		tr = ""
		u, err := s.scimUser(ctx, c, id)
		if err != nil {
			return err
		}
		after, err := edit(u)
		if err != nil {
			return err
		}
		if sameUser(u, after) {
			out = u
			return nil
		}
		if err := s.writeSCIMUser(ctx, c, &u, &after, nil); err != nil {
			return err
		}
		out = after
		out.Rev, out.LastModified = u.Rev+1, s.now()
		switch {
		case !u.Active && after.Active:
			tr = SCIMReactivated
		case u.Active && !after.Active:
			tr = SCIMDeactivated
		}
		return nil
	})
	if err != nil {
		return nil, "", scimStoreErr(err)
	}
	v, err := s.userView(ctx, c, out)
	return v, tr, err
}

func sameUser(a, b SCIMUser) bool {
	return a.UserName == b.UserName && a.ExternalID == b.ExternalID && a.Active == b.Active && a.Name == b.Name &&
		a.DisplayName == b.DisplayName && slices.Equal(a.Emails, b.Emails)
}

// DeleteSCIMUser deprovisions a user (DELETE): their access to the
// organization and its projects ends at once, and they leave its groups.
// Returns not_found, last_owner.
func (s *Service) DeleteSCIMUser(ctx context.Context, c SCIMCaller, id string) error {
	err := retry(func() error {
		u, err := s.scimUser(ctx, c, id)
		if err != nil {
			return err
		}
		var gm []SCIMGroupMemberWrite
		for _, gid := range u.Groups {
			gm = append(gm, SCIMGroupMemberWrite{GroupID: gid, Member: SCIMGroupMember{UserID: u.ID, UserName: u.UserName}, Remove: true})
		}
		return s.writeSCIMUser(ctx, c, &u, nil, gm)
	})
	return scimStoreErr(err)
}
