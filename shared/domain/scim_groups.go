package domain

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// scimGroup reads a group. Returns not_found.
func (s *Service) scimGroup(ctx context.Context, orgID, id string) (SCIMGroup, error) {
	if !ValidID(id) {
		return SCIMGroup{}, errSCIMNotFound("group")
	}
	g, err := s.store.GetSCIMGroup(ctx, orgID, id)
	if errors.Is(err, ErrNotFound) {
		return SCIMGroup{}, errSCIMNotFound("group")
	}
	return g, storeErr(err)
}

// decodeGroup reads a Group resource's displayName and externalId into g
// and returns the member ids it lists (nil when it has no members
// attribute). Returns scim_invalid_value.
func decodeGroup(res map[string]any, g SCIMGroup) (SCIMGroup, []string, error) {
	v := Validation{}
	raw, _ := get(res, "displayName")
	g.DisplayName = scimString(raw, "displayName", &v)
	if g.DisplayName == "" {
		v.Add("displayName", "is required")
	} else if len(g.DisplayName) > maxSCIMString {
		v.Add("displayName", "is at most %d characters", maxSCIMString)
	}
	raw, _ = get(res, "externalId")
	g.ExternalID = scimString(raw, "externalId", &v)
	var members []string
	if raw, ok := get(res, "members"); ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			v.Add("members", "must be an array")
		}
		members = []string{}
		for _, e := range list {
			obj, _ := e.(map[string]any)
			id, _ := get(obj, "value")
			sid, ok := id.(string)
			if !ok || sid == "" {
				v.Add("members", "each member needs a value (a user id)")
				break
			}
			if !slices.Contains(members, sid) {
				members = append(members, sid)
			}
		}
	}
	if err := v.Err(); err != nil {
		return g, nil, scimValidation(err)
	}
	return g, members, nil
}

// groupView renders g with its members unless q excludes them.
func (s *Service) groupView(ctx context.Context, c SCIMCaller, g SCIMGroup, withMembers bool) (map[string]any, error) {
	var ms []SCIMGroupMember
	if withMembers {
		var err error
		if ms, err = s.store.ListSCIMGroupMembers(ctx, c.OrgID, g.ID); err != nil {
			return nil, storeErr(err)
		}
		ms = nonNil(ms)
	}
	return groupResource(c, g, ms), nil
}

// CreateSCIMGroup creates a group (POST /scim/v2/Groups) with its members.
// Returns scim_invalid_value, scim_uniqueness (displayName).
func (s *Service) CreateSCIMGroup(ctx context.Context, c SCIMCaller, res map[string]any) (map[string]any, error) {
	g, members, err := decodeGroup(res, SCIMGroup{})
	if err != nil {
		return nil, err
	}
	now := s.now()
	g.ID, g.OrgID, g.Created, g.LastModified, g.Rev = NewID("scg", now), c.OrgID, now, now, 1
	if err := s.store.SaveSCIMGroup(ctx, nil, &g, nil); err != nil {
		return nil, scimStoreErr(err)
	}
	if err := s.setGroupMembers(ctx, c, g, members, nil); err != nil {
		return nil, err
	}
	return s.groupView(ctx, c, g, true)
}

// setGroupMembers adds the users add and removes the users remove, one
// transaction per user (their membership follows at once).
func (s *Service) setGroupMembers(ctx context.Context, c SCIMCaller, g SCIMGroup, add, remove []string) error {
	for _, uid := range add {
		if err := s.groupMembership(ctx, c, g, uid, true); err != nil {
			return err
		}
	}
	for _, uid := range remove {
		if err := s.groupMembership(ctx, c, g, uid, false); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) groupMembership(ctx context.Context, c SCIMCaller, g SCIMGroup, userID string, add bool) error {
	err := retry(func() error {
		u, err := s.store.GetSCIMUser(ctx, c.OrgID, userID)
		if errors.Is(err, ErrNotFound) || (err == nil && !ValidID(userID)) {
			if add {
				return Errorf(ECodeScimInvalidValue, "member %q is not a user of this directory", userID)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if slices.Contains(u.Groups, g.ID) == add {
			return nil
		}
		after := u
		if add {
			after.Groups = append(slices.Clone(u.Groups), g.ID)
		} else {
			after.Groups = slices.DeleteFunc(slices.Clone(u.Groups), func(x string) bool { return x == g.ID })
		}
		return s.writeSCIMUser(ctx, c, &u, &after, []SCIMGroupMemberWrite{{GroupID: g.ID,
			Member: SCIMGroupMember{UserID: u.ID, UserName: u.UserName}, Remove: !add}})
	})
	return scimStoreErr(err)
}

// GetSCIMGroup returns a group resource, with its members unless q
// excludes them. Returns not_found.
func (s *Service) GetSCIMGroup(ctx context.Context, c SCIMCaller, id string, q SCIMQuery) (map[string]any, error) {
	g, err := s.scimGroup(ctx, c.OrgID, id)
	if err != nil {
		return nil, err
	}
	return s.groupView(ctx, c, g, !q.excludes("members"))
}

var groupFilterAttrs = map[string]string{"displayname": SCIMKeyGroupName, "externalid": SCIMKeyGroupExtern}

// ListSCIMGroups answers GET /scim/v2/Groups (filter displayName or
// externalId eq, by indexed lookups). Returns scim_invalid_filter.
func (s *Service) ListSCIMGroups(ctx context.Context, c SCIMCaller, q SCIMQuery) (SCIMList, error) {
	out := SCIMList{Schemas: []string{SCIMSchemaList}, StartIndex: q.StartIndex, Resources: []map[string]any{}}
	var groups []SCIMGroup
	if q.Filter != "" {
		terms, err := parseFilter(q.Filter, groupFilterAttrs)
		if err != nil {
			return SCIMList{}, err
		}
		ids, err := s.resolveTerms(ctx, c, terms, func(id string) (map[string]string, error) {
			g, err := s.store.GetSCIMGroup(ctx, c.OrgID, id)
			if err != nil {
				return nil, err
			}
			return map[string]string{SCIMKeyGroupName: strings.ToLower(g.DisplayName), SCIMKeyGroupExtern: g.ExternalID}, nil
		})
		if err != nil {
			return SCIMList{}, err
		}
		for _, id := range ids {
			g, err := s.store.GetSCIMGroup(ctx, c.OrgID, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return SCIMList{}, storeErr(err)
			}
			groups = append(groups, g)
		}
		out.TotalResults = len(groups)
		groups = window(groups, q)
	} else {
		var err error
		if groups, out.TotalResults, err = s.store.ListSCIMGroups(ctx, c.OrgID, q.StartIndex-1, q.Count); err != nil {
			return SCIMList{}, storeErr(err)
		}
	}
	for _, g := range groups {
		v, err := s.groupView(ctx, c, g, !q.excludes("members"))
		if err != nil {
			return SCIMList{}, err
		}
		out.Resources = append(out.Resources, v)
	}
	out.ItemsPerPage = len(out.Resources)
	return out, nil
}

// ReplaceSCIMGroup replaces a group's name and members (PUT). Returns
// not_found, scim_invalid_value, scim_uniqueness.
func (s *Service) ReplaceSCIMGroup(ctx context.Context, c SCIMCaller, id string, res map[string]any) (map[string]any, error) {
	g, err := s.scimGroup(ctx, c.OrgID, id)
	if err != nil {
		return nil, err
	}
	after, members, err := decodeGroup(res, g)
	if err != nil {
		return nil, err
	}
	if g, err = s.saveGroup(ctx, g, after); err != nil {
		return nil, err
	}
	if members != nil {
		cur, err := s.store.ListSCIMGroupMembers(ctx, c.OrgID, id)
		if err != nil {
			return nil, storeErr(err)
		}
		var had []string
		for _, m := range cur {
			had = append(had, m.UserID)
		}
		add, remove := diff(had, members)
		if err := s.setGroupMembers(ctx, c, g, add, remove); err != nil {
			return nil, err
		}
	}
	return s.groupView(ctx, c, g, true)
}

// saveGroup writes after in place of g when its name or external id
// changed (the last modification time follows).
func (s *Service) saveGroup(ctx context.Context, g, after SCIMGroup) (SCIMGroup, error) {
	if g.DisplayName == after.DisplayName && g.ExternalID == after.ExternalID {
		return g, nil
	}
	after.LastModified, after.Rev = s.now(), g.Rev+1
	if err := s.store.SaveSCIMGroup(ctx, &g, &after, nil); err != nil {
		return g, scimStoreErr(err)
	}
	return after, nil
}

// diff returns what want adds to had and what it drops.
func diff(had, want []string) (add, remove []string) {
	for _, w := range want {
		if !slices.Contains(had, w) {
			add = append(add, w)
		}
	}
	for _, h := range had {
		if !slices.Contains(want, h) {
			remove = append(remove, h)
		}
	}
	return add, remove
}

// PatchSCIMGroup applies a PATCH: members added and removed (Okta's
// `members[value eq "…"]` and Entra's value lists), displayName and
// externalId replaced. It answers nothing (204, as Entra expects and Okta
// accepts), so a member added to a large group costs no read of the
// group's members. Returns not_found, scim_invalid_syntax,
// scim_invalid_path, scim_no_target, scim_invalid_value, scim_uniqueness.
func (s *Service) PatchSCIMGroup(ctx context.Context, c SCIMCaller, id string, p SCIMPatch) error {
	if err := checkPatch(p); err != nil {
		return err
	}
	g, err := s.scimGroup(ctx, c.OrgID, id)
	if err != nil {
		return err
	}
	var add, remove, rest []string
	var others []SCIMPatchOp
	for _, op := range p.Operations {
		ids, isMembers, replaceAll, err := memberOp(op)
		if err != nil {
			return err
		}
		if !isMembers {
			others = append(others, op)
			continue
		}
		switch {
		case replaceAll:
			rest = ids
			add, remove = nil, nil
			if rest == nil {
				rest = []string{}
			}
		case strings.EqualFold(op.Op, "remove"):
			remove = append(remove, ids...)
		default:
			add = append(add, ids...)
		}
	}
	if len(others) > 0 {
		res := groupResource(SCIMCaller{}, g, nil)
		b, _ := json.Marshal(res)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if err := patchResource(m, SCIMSchemaGroup, others); err != nil {
			return err
		}
		after, _, err := decodeGroup(m, g)
		if err != nil {
			return err
		}
		if g, err = s.saveGroup(ctx, g, after); err != nil {
			return err
		}
	}
	if rest != nil {
		cur, err := s.store.ListSCIMGroupMembers(ctx, c.OrgID, id)
		if err != nil {
			return storeErr(err)
		}
		var had []string
		for _, m := range cur {
			had = append(had, m.UserID)
		}
		a, r := diff(had, rest)
		add, remove = append(a, add...), append(r, remove...)
	}
	return s.setGroupMembers(ctx, c, g, add, remove)
}

// memberOp reads a PATCH operation on a group's members: the user ids it
// names, and whether it replaces the whole list. isMembers is false for
// operations on other attributes.
func memberOp(op SCIMPatchOp) (ids []string, isMembers, replaceAll bool, err error) {
	path := strings.TrimSpace(op.Path)
	if strings.HasPrefix(strings.ToLower(path), strings.ToLower(SCIMSchemaGroup)+":") {
		path = path[len(SCIMSchemaGroup)+1:]
	}
	lower := strings.ToLower(path)
	kind := strings.ToLower(op.Op)
	switch {
	case path == "":
		// Okta's no-path replace may carry members with the other attributes.
		var obj map[string]json.RawMessage
		if json.Unmarshal(op.Value, &obj) == nil {
			for k := range obj {
				if strings.EqualFold(k, "members") {
					return nil, false, false, Errorf(ECodeScimInvalidPath, "change members with a members path")
				}
			}
		}
		return nil, false, false, nil
	case lower == "members":
		var list []struct {
			Value string `json:"value"`
		}
		if len(op.Value) > 0 {
			if err := json.Unmarshal(op.Value, &list); err != nil {
				return nil, true, false, Errorf(ECodeScimInvalidValue, "members must be an array of {\"value\": userId}")
			}
		}
		for _, m := range list {
			ids = append(ids, m.Value)
		}
		if kind == "remove" && len(list) == 0 {
			return nil, true, true, nil // remove all members
		}
		return ids, true, kind == "replace", nil
	case strings.HasPrefix(lower, "members["):
		m := memberValuePath.FindStringSubmatch(path)
		if m == nil || kind != "remove" {
			return nil, true, false, Errorf(ECodeScimInvalidPath, `use "members[value eq \"<id>\"]" to remove one member`)
		}
		return []string{m[1]}, true, false, nil
	}
	return nil, false, false, nil
}

// DeleteSCIMGroup deletes a group: its members lose what only it granted.
// Returns not_found.
func (s *Service) DeleteSCIMGroup(ctx context.Context, c SCIMCaller, id string) error {
	g, err := s.scimGroup(ctx, c.OrgID, id)
	if err != nil {
		return err
	}
	cur, err := s.store.ListSCIMGroupMembers(ctx, c.OrgID, id)
	if err != nil {
		return storeErr(err)
	}
	var had []string
	for _, m := range cur {
		had = append(had, m.UserID)
	}
	if err := s.setGroupMembers(ctx, c, g, nil, had); err != nil {
		return err
	}
	return scimStoreErr(s.store.SaveSCIMGroup(ctx, &g, nil, nil))
}

// GroupGrantInput is PUT /orgs/{orgId}/scim-groups/{groupId}/grants.
type GroupGrantInput struct {
	OrgRole  *string        `json:"orgRole"`
	Projects []ProjectGrant `json:"projects"`
}

// SCIMGroupView is a group with what it grants, for owners.
type SCIMGroupView struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	ExternalID  string         `json:"externalId,omitempty"`
	OrgRole     OrgRole        `json:"orgRole,omitempty"`
	Projects    []ProjectGrant `json:"projects"`
}

func groupViewOf(g SCIMGroup) SCIMGroupView {
	return SCIMGroupView{ID: g.ID, DisplayName: g.DisplayName, ExternalID: g.ExternalID, OrgRole: g.Grant.OrgRole,
		Projects: nonNil(g.Grant.Projects)}
}

// ListSCIMGroupGrants lists the directory's groups with their grants.
// Needs org:directory:manage. Returns org_not_found, forbidden.
func (s *Service) ListSCIMGroupGrants(ctx context.Context, id Identity, orgID string) ([]SCIMGroupView, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return nil, err
	}
	if !canManageDirectory(m) {
		return nil, errForbidden("managing the directory (SCIM)")
	}
	out := []SCIMGroupView{}
	for offset := 0; ; offset += SCIMMaxCount {
		gs, total, err := s.store.ListSCIMGroups(ctx, orgID, offset, SCIMMaxCount)
		if err != nil {
			return nil, storeErr(err)
		}
		for _, g := range gs {
			out = append(out, groupViewOf(g))
		}
		if len(gs) < SCIMMaxCount || offset+len(gs) >= total {
			return out, nil
		}
	}
}

// SetSCIMGroupGrants maps a directory group to access: its members get
// orgRole and the project roles (the highest of all their groups' and the
// default, per project), at once. What the caller may grant is decided by
// the policy invites use (canGrant). Needs org:directory:manage. Returns
// org_not_found, forbidden, not_found, validation_failed,
// project_not_found, last_owner.
func (s *Service) SetSCIMGroupGrants(ctx context.Context, id Identity, orgID, groupID string, in GroupGrantInput) (SCIMGroupView, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return SCIMGroupView{}, err
	}
	if !canManageDirectory(m) {
		return SCIMGroupView{}, errForbidden("managing the directory (SCIM)")
	}
	v := Validation{}
	g := Grant{}
	if in.OrgRole != nil && *in.OrgRole != "" {
		g.OrgRole = OrgRole(*in.OrgRole)
		if !g.OrgRole.Valid() {
			v.Add("orgRole", "must be %s", orgRoleNames())
		}
	}
	if len(in.Projects) > MaxInviteProjects {
		v.Add("projects", "at most %d projects", MaxInviteProjects)
	}
	var ids []string
	for i, p := range in.Projects {
		if !p.Role.Valid() {
			v.Add("projects["+itoa(i)+"].role", "must be %s", projectRoleNames())
		}
		if slices.Contains(ids, p.ID) {
			v.Add("projects["+itoa(i)+"].id", "is listed twice")
		}
		ids = append(ids, p.ID)
		g.Projects = append(g.Projects, p)
	}
	if err := v.Err(); err != nil {
		return SCIMGroupView{}, err
	}
	if len(ids) > 0 {
		ps, err := s.store.GetProjects(ctx, orgID, ids)
		if err != nil {
			return SCIMGroupView{}, storeErr(err)
		}
		for _, pid := range ids {
			if _, ok := ps[pid]; !ok {
				return SCIMGroupView{}, Errorf(ECodeProjectNotFound, "project %s not found in this organization", pid)
			}
		}
	}
	if !canGrant(m, Grant{OrgRole: g.OrgRole.Max(lowestOrgRole()), Projects: g.Projects}) {
		return SCIMGroupView{}, errForbidden("granting these roles")
	}
	var out SCIMGroup
	err = retry(func() error {
		grp, err := s.scimGroup(ctx, orgID, groupID)
		if err != nil {
			return err
		}
		after := grp
		after.Grant, after.LastModified, after.Rev = g, s.now(), grp.Rev+1
		ev := s.audit(id, orgID, AuditScimGroupGrants, groupID, grantMap(grp.Grant), grantMap(g))
		out = after
		return s.store.SaveSCIMGroup(ctx, &grp, &after, []AuditEvent{ev})
	})
	if err != nil {
		return SCIMGroupView{}, scimStoreErr(err)
	}
	// Every member's membership follows the new grant.
	ms, err := s.store.ListSCIMGroupMembers(ctx, orgID, groupID)
	if err != nil {
		return SCIMGroupView{}, storeErr(err)
	}
	c := SCIMCaller{OrgID: orgID, OrgName: m.OrgName, actor: &id}
	for _, mem := range ms {
		err := retry(func() error {
			u, err := s.store.GetSCIMUser(ctx, orgID, mem.UserID)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			return s.writeSCIMUser(ctx, c, &u, &u, nil)
		})
		if err != nil {
			return SCIMGroupView{}, scimStoreErr(err)
		}
	}
	return groupViewOf(out), nil
}

func grantMap(g Grant) map[string]any {
	out := map[string]any{}
	if g.OrgRole != "" {
		out["orgRole"] = string(g.OrgRole)
	}
	if len(g.Projects) > 0 {
		ps := map[string]any{}
		for _, p := range g.Projects {
			ps[p.ID] = string(p.Role)
		}
		out["projects"] = ps
	}
	return out
}

// memberValuePath reads Okta's `members[value eq "<id>"]`.
var memberValuePath = regexp.MustCompile(`(?i)^members\[\s*value\s+eq\s+"([^"]+)"\s*\]$`)

func itoa(n int) string { return strconv.Itoa(n) }
