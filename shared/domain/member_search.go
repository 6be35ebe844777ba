package domain

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseEmailPrefix validates the email query parameter of the member
// lists: a case-insensitive prefix of the address, at most 254 characters,
// no control characters. It returns the prefix lowercased and trimmed (the
// store keeps addresses lowercase), or validation_failed.
func ParseEmailPrefix(s string) (string, error) {
	v := Validation{}
	p := strings.ToLower(strings.TrimSpace(s))
	switch {
	case !utf8.ValidString(p):
		v.Add("email", "is not valid UTF-8")
	case utf8.RuneCountInString(p) > MaxEmailLen:
		v.Add("email", "must be at most %d characters", MaxEmailLen)
	case strings.IndexFunc(p, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		v.Add("email", "must not contain whitespace or control characters")
	}
	return p, v.Err()
}

// SearchMembers lists an organization's members whose address starts with
// prefix (from ParseEmailPrefix; "" for all), sorted by address. Needs
// org:members:read, like ListMembers. A cursor works only with the prefix
// it was issued for. Returns org_not_found, forbidden, invalid_cursor.
func (s *Service) SearchMembers(ctx context.Context, id Identity, orgID, prefix string, p Page) (MemberPage, error) {
	m, err := s.authorizeMemberList(ctx, id, orgID)
	if err != nil {
		return MemberPage{}, err
	}
	ms, next, err := page(s, "members-by-email/"+orgID+"/"+prefix, p, func(after string, limit int) ([]Member, string, error) {
		return s.store.SearchMembers(ctx, orgID, prefix, after, limit)
	})
	return orgMemberPage(m, ms, next), err
}

// SearchProjectMembers is SearchMembers for a project. Needs
// project:members:read in it, like ListProjectMembers. Returns
// org_not_found, project_not_found, forbidden, invalid_cursor.
func (s *Service) SearchProjectMembers(ctx context.Context, id Identity, orgID, projectID, prefix string, p Page) (MemberPage, error) {
	m, err := s.authorizeProjectMemberList(ctx, id, orgID, projectID)
	if err != nil {
		return MemberPage{}, err
	}
	ms, next, err := page(s, "project-members-by-email/"+orgID+"/"+projectID+"/"+prefix, p, func(after string, limit int) ([]Member, string, error) {
		return s.store.SearchProjectMembers(ctx, orgID, projectID, prefix, after, limit)
	})
	return projectMemberPage(m, projectID, ms, next), err
}
