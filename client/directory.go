package client

import (
	"context"
	"net/http"

	"github.com/members-saas/members/client/internal/oapi"
)

// Directory sync (SCIM): the owners' side. The SCIM 2.0 routes under
// /scim/v2 are for identity providers and have no client methods.
type (
	// ScimToken is a directory token as listed (no secret).
	ScimToken = oapi.ScimToken
	// ScimTokenCreated is a new directory token with its secret, shown once.
	ScimTokenCreated = oapi.ScimTokenCreated
	// ScimGroupGrant is a directory group with the access it grants.
	ScimGroupGrant = oapi.ScimGroupGrant
	// ScimGroupGrantInput maps a group to an organization role and project roles.
	ScimGroupGrantInput = oapi.ScimGroupGrantInput
)

// PermOrgDirectoryManage is the owners' permission to manage the directory.
const PermOrgDirectoryManage Permission = oapi.OrgDirectoryManage

// CreateScimToken makes a directory token for an identity provider; users
// it provisions join with defaultOrgRole ("" for member). The secret is
// in the answer only. A *Problem with code forbidden for non-owners.
func (c *Client) CreateScimToken(ctx context.Context, orgID, name string, defaultOrgRole OrgRole) (ScimTokenCreated, error) {
	body := oapi.CreateScimTokenJSONRequestBody{Name: name}
	if defaultOrgRole != "" {
		body.DefaultOrgRole = &defaultOrgRole
	}
	res, err := c.raw.CreateScimToken(ctx, orgID, body)
	return result[ScimTokenCreated](res, err, http.StatusCreated)
}

// ListScimTokens returns the organization's directory tokens, without
// their secrets, with when each was last used.
func (c *Client) ListScimTokens(ctx context.Context, orgID string) ([]ScimToken, error) {
	res, err := c.raw.ListScimTokens(ctx, orgID)
	v, err := result[oapi.ScimTokenList](res, err, http.StatusOK)
	return v.Tokens, err
}

// RevokeScimToken revokes a directory token: it fails from the next
// request on. A *Problem with code not_found for an unknown token.
func (c *Client) RevokeScimToken(ctx context.Context, orgID, tokenID string) error {
	res, err := c.raw.RevokeScimToken(ctx, orgID, tokenID)
	_, err = result[struct{}](res, err, http.StatusNoContent)
	return err
}

// ListScimGroups returns the directory's groups with what each grants.
func (c *Client) ListScimGroups(ctx context.Context, orgID string) ([]ScimGroupGrant, error) {
	res, err := c.raw.ListScimGroups(ctx, orgID)
	v, err := result[oapi.ScimGroupGrantList](res, err, http.StatusOK)
	return v.Groups, err
}

// SetScimGroupGrants maps a directory group to an organization role and
// project roles; its members' access follows at once.
func (c *Client) SetScimGroupGrants(ctx context.Context, orgID, groupID string, in ScimGroupGrantInput) (ScimGroupGrant, error) {
	res, err := c.raw.SetScimGroupGrants(ctx, orgID, groupID, oapi.SetScimGroupGrantsJSONRequestBody(in))
	return result[ScimGroupGrant](res, err, http.StatusOK)
}

// DetachMember takes a member out of the directory's management so the
// API may change and remove them (owners). A *Problem with code
// invalid_request when they are not managed.
func (c *Client) DetachMember(ctx context.Context, orgID, userID string) (Member, error) {
	res, err := c.raw.DetachMember(ctx, orgID, userID, oapi.DetachMemberJSONRequestBody{})
	return result[Member](res, err, http.StatusOK)
}
