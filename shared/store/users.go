package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// GetUser returns a registered user, or domain.ErrNotFound.
func (st *Store) GetUser(ctx context.Context, userID string) (domain.User, error) {
	var it userItem
	if err := st.get(ctx, userPK(userID), skProfile, &it); err != nil {
		return domain.User{}, err
	}
	return domain.User{ID: it.UserID, Email: it.Email, CreatedAt: it.CreatedAt}, nil
}

// SaveUser registers u and claims its email in one transaction, releasing
// prevEmail when it moves, on condition no directory (SCIM) user waits
// for the address. Returns domain.ErrExists when another user holds
// the email, domain.ErrConflict when the profile changed concurrently,
// domain.ErrProvisioned when something waits (nothing written).
func (st *Store) SaveUser(ctx context.Context, u domain.User, prevEmail string) error {
	return st.saveUser(ctx, u, prevEmail, true)
}

// SaveUserClaiming is SaveUser without the condition on waiting directory
// users: the caller links them right after. Returns domain.ErrExists,
// domain.ErrConflict.
func (st *Store) SaveUserClaiming(ctx context.Context, u domain.User, prevEmail string) error {
	return st.saveUser(ctx, u, prevEmail, false)
}

// noneWaits adds to t the condition that no directory user waits for the
// first registration of email (its marker has no refs): a registration
// learns that in its own write, with no read (domain.ErrProvisioned).
func (st *Store) noneWaits(t *tx, email string) {
	t.checkWith(st.table, emailPK(email), skSCIMWaits, "attribute_not_exists(#r)", map[string]string{"#r": attrWaitRefs}, nil,
		domain.ErrProvisioned)
}

func (st *Store) saveUser(ctx context.Context, u domain.User, prevEmail string, check bool) error {
	t := &tx{}
	if check {
		st.noneWaits(t, u.Email)
	}
	prof := userItem{key: key{userPK(u.ID), skProfile}, Type: "user", UserID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt}
	if prevEmail == "" {
		t.put(st.table, prof, condNew, nil, nil, domain.ErrConflict)
	} else {
		t.put(st.table, prof, "email = :prev", nil, map[string]types.AttributeValue{":prev": s(prevEmail)}, domain.ErrConflict)
		t.del(st.table, emailPK(prevEmail), skUser, "userId = :u", nil, map[string]types.AttributeValue{":u": s(u.ID)}, domain.ErrConflict)
	}
	t.put(st.table, emailItem{key: key{emailPK(u.Email), skUser}, Type: "email", UserID: u.ID},
		"attribute_not_exists(pk) OR userId = :u", nil, map[string]types.AttributeValue{":u": s(u.ID)}, domain.ErrExists)
	return t.run(ctx, st.db)
}
