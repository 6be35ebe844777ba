package domain

import (
	"context"
	"errors"
)

// OrgAccess answers what the caller may do in an organization: their role,
// its permissions, via "org". One store read. Returns unauthorized,
// org_not_found (also when the caller is not a member).
func (s *Service) OrgAccess(ctx context.Context, id Identity, orgID string) (Access, error) {
	m, err := s.membership(ctx, id, orgID)
	if err != nil {
		return Access{}, err
	}
	a, ok := orgAccess(m)
	if !ok {
		return Access{}, errOrgNotFound()
	}
	return a, nil
}

// ProjectAccess answers what the caller may do in a project: their
// effective role there, its permissions, and whether it comes from their
// organization role ("org") or a project role ("project"). It is what a
// product's backend calls to authorize a request in a project, so it costs
// one store read (the membership and the project at once). Returns
// unauthorized, org_not_found, project_not_found (also when the caller has
// no access to the project).
func (s *Service) ProjectAccess(ctx context.Context, id Identity, orgID, projectID string) (Access, error) {
	if err := requireSignedIn(id); err != nil {
		return Access{}, err
	}
	if !ValidID(orgID) {
		return Access{}, errOrgNotFound()
	}
	if !ValidID(projectID) {
		// Still a member check first, so a stranger learns nothing.
		if _, err := s.membership(ctx, id, orgID); err != nil {
			return Access{}, err
		}
		return Access{}, errProjectNotFound()
	}
	pre, err := s.store.ReadForInvite(ctx, orgID, id.UserID, []string{projectID}, nil)
	if errors.Is(err, ErrNotFound) {
		return Access{}, errOrgNotFound()
	} else if err != nil {
		return Access{}, storeErr(err)
	}
	if _, ok := pre.Projects[projectID]; !ok {
		return Access{}, errProjectNotFound()
	}
	m := pre.Membership.at(s.now())
	if m.orgExpired() {
		return Access{}, errOrgNotFound()
	}
	a, ok := projectAccess(m, projectID)
	if !ok {
		return Access{}, errProjectNotFound()
	}
	return a, nil
}

func errOrgNotFound() error     { return Errorf(ECodeOrgNotFound, "organization not found") }
func errProjectNotFound() error { return Errorf(ECodeProjectNotFound, "project not found") }
