package domain

import "context"

// CreateProject creates a project in an organization; the caller becomes
// its owner. Needs org:projects:create. Returns org_not_found, forbidden,
// validation_failed.
func (s *Service) CreateProject(ctx context.Context, id Identity, orgID, name string) (Project, error) {
	n, why := NormalizeName(name)
	if why != "" {
		v := Validation{}
		v.Add("name", "%s", why)
		return Project{}, v.Err()
	}
	var p Project
	err := retry(func() error {
		m, err := s.membership(ctx, id, orgID)
		if err != nil {
			return err
		}
		if !canCreateProject(m) {
			return errForbidden("creating projects")
		}
		now := s.now()
		p = Project{ID: NewID("prj", now), OrgID: orgID, Name: n, CreatedAt: now}
		after := m.clone()
		after.Projects[p.ID] = creatorProjectRole()
		return s.store.ApplyChange(ctx, Change{Before: m, After: &after, CreateProject: &p, Now: now,
			ProjectNames: map[string]string{p.ID: n},
			Audit:        []AuditEvent{s.audit(id, orgID, AuditProjectCreated, p.ID, nil, map[string]any{"name": n})}})
	})
	return p, storeErr(err)
}

// ProjectView is one row of GET /orgs/{orgId}/projects: a project with the
// caller's effective role there and the project roles they may give in it
// (as in GET /me).
type ProjectView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Access
	GrantableProjectRoles []ProjectRole `json:"grantableProjectRoles"`
}

// ListProjects returns the projects the caller has access to: all of them
// for organization owners and managers, their own for others. Returns
// org_not_found.
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
		if a, ok := projectAccess(m, p.ID); ok {
			out = append(out, ProjectView{ID: p.ID, Name: p.Name, Access: a, GrantableProjectRoles: grantableProjectRoles(m, p.ID)})
		}
	}
	return out, nil
}

// project checks that projectID is a project of orgID. Returns project_not_found.
func (s *Service) project(ctx context.Context, orgID, projectID string) (Project, error) {
	if !ValidID(projectID) {
		return Project{}, errProjectNotFound()
	}
	ps, err := s.store.GetProjects(ctx, orgID, []string{projectID})
	if err != nil {
		return Project{}, storeErr(err)
	}
	p, ok := ps[projectID]
	if !ok {
		return Project{}, errProjectNotFound()
	}
	return p, nil
}
