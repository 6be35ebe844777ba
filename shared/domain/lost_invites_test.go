package domain

import (
	"context"
	"slices"
	"testing"
)

// senderStore is a Store of one organization that answers a sender's
// pending invites, records what it was asked and the change it was given.
// Any other method (ListOpenInvites, the organization's whole list) panics.
type senderStore struct {
	Store
	members map[string]Membership
	sent    map[string][]Invite // by sender
	asked   []string
	change  *Change
}

func (f *senderStore) GetMembership(_ context.Context, orgID, userID string) (Membership, error) {
	if m, ok := f.members[userID]; ok && orgID == "org_lost" {
		return m, nil
	}
	return Membership{}, ErrNotFound
}

func (f *senderStore) ListPendingInvitesBySender(_ context.Context, orgID, userID string) ([]Invite, error) {
	f.asked = append(f.asked, orgID+"/"+userID)
	return f.sent[userID], nil
}

func (f *senderStore) ApplyChange(_ context.Context, c Change) error {
	f.change = &c
	return nil
}

// TestLostInvitesAsksForTheSendersInvites: a role change revokes, of the
// invites its member sent (asked of the store by sender, never by listing
// the organization's invites), those the new role cannot grant.
func TestLostInvitesAsksForTheSendersInvites(t *testing.T) {
	owner := Membership{OrgID: "org_lost", UserID: "u-owner", Role: OrgOwner, Projects: map[string]ProjectRole{}, Rev: 1}
	mg := Membership{OrgID: "org_lost", UserID: "u-mg", Role: OrgManager, Projects: map[string]ProjectRole{}, Rev: 1}
	asManager := Invite{ID: "inv_mgr", OrgID: "org_lost", OrgRole: OrgManager, InvitedBy: mg.UserID, Status: InvitePending}
	asMember := Invite{ID: "inv_mbr", OrgID: "org_lost", OrgRole: OrgMember, InvitedBy: mg.UserID, Status: InvitePending}
	for _, c := range []struct {
		role string
		want []string
	}{
		{"owner", nil}, // an owner grants both
		{"member", []string{"inv_mgr", "inv_mbr"}}, // a member grants neither
	} {
		f := &senderStore{members: map[string]Membership{owner.UserID: owner, mg.UserID: mg},
			sent: map[string][]Invite{mg.UserID: {asManager, asMember}}}
		s := NewService(f, nil, Config{})
		_, revoked, err := s.SetOrgRole(context.Background(), Identity{UserID: owner.UserID}, "org_lost", mg.UserID, RoleChange{Role: &c.role})
		if err != nil {
			t.Fatalf("%s: %v", c.role, err)
		}
		if !slices.Equal(f.asked, []string{"org_lost/u-mg"}) {
			t.Errorf("%s: asked the store for %v, want the manager's invites once", c.role, f.asked)
		}
		var got []string
		for _, r := range f.change.Revoke {
			got = append(got, r.Invite.ID)
		}
		if !slices.Equal(got, c.want) || revoked != len(c.want) {
			t.Errorf("%s: revoked %v (%d), want %v", c.role, got, revoked, c.want)
		}
	}
}
