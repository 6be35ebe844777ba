package integration

import (
	"time"

	"github.com/members-saas/members/tests/testenv"
)

// The API's response bodies as the tests read them (one type per shape).

// inviteResult is one entry of POST /orgs/{orgId}/invites.
type inviteResult struct {
	Email     string           `json:"email"`
	Status    string           `json:"status"`
	InviteID  string           `json:"inviteId"`
	Delivery  string           `json:"delivery"`
	ExpiresAt *time.Time       `json:"expiresAt"`
	Error     *testenv.Problem `json:"error"`
}

// inviteView is one invite of GET /orgs/{orgId}/invites (and resend's body).
type inviteView struct {
	ID        string          `json:"id"`
	Email     string          `json:"email"`
	OrgRole   string          `json:"orgRole"`
	Projects  []inviteProject `json:"projects"`
	InvitedBy string          `json:"invitedBy"`
	CreatedAt time.Time       `json:"createdAt"`
	ExpiresAt time.Time       `json:"expiresAt"`
	Status    string          `json:"status"`
	Delivery  string          `json:"delivery"`
}

// inviteProject is a project of an invite view, preview or accept result.
type inviteProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// roles maps each project of an invite to its role.
func (v inviteView) roles() map[string]string {
	out := map[string]string{}
	for _, p := range v.Projects {
		out[p.ID] = p.Role
	}
	return out
}

type invitePage struct {
	Invites    []inviteView `json:"invites"`
	NextCursor *string      `json:"nextCursor"`
}

// member is one entry of the organization and project member lists.
type member struct {
	UserID   string    `json:"userId"`
	Email    string    `json:"email"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
	// CanManage: the caller may change this member's role and remove them.
	CanManage bool `json:"canManage"`
	// ManagedByDirectory: the organization's identity provider manages them.
	ManagedByDirectory bool `json:"managedByDirectory"`
}

type memberPage struct {
	Members    []member `json:"members"`
	NextCursor *string  `json:"nextCursor"`
}

// meResp is GET /me.
type meResp struct {
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"user"`
	Orgs []struct {
		ID                string   `json:"id"`
		Name              string   `json:"name"`
		Role              string   `json:"role"`
		GrantableOrgRoles []string `json:"grantableOrgRoles"`
	} `json:"orgs"`
	Projects []struct {
		ID                    string   `json:"id"`
		OrgID                 string   `json:"orgId"`
		Name                  string   `json:"name"`
		Role                  string   `json:"role"`
		GrantableProjectRoles []string `json:"grantableProjectRoles"`
	} `json:"projects"`
}
