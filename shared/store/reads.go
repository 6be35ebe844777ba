package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// getMany reads the items at keys consistently with BatchGetItem (100 keys
// a call), following UnprocessedKeys. Missing items are absent from the
// result; repeated keys are read once.
func (st *Store) getMany(ctx context.Context, keys []key) (map[key]map[string]types.AttributeValue, error) {
	out := map[key]map[string]types.AttributeValue{}
	seen := map[key]bool{}
	var uniq []key
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, k)
		}
	}
	for chunk := range slices.Chunk(uniq, 100) {
		avs := make([]map[string]types.AttributeValue, 0, len(chunk))
		for _, k := range chunk {
			avs = append(avs, keyOf(k.PK, k.SK))
		}
		req := map[string]types.KeysAndAttributes{st.table: {Keys: avs, ConsistentRead: aws.Bool(true)}}
		for len(req) > 0 {
			res, err := st.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, classify(err, nil)
			}
			for _, raw := range res.Responses[st.table] {
				var k key
				if err := attributevalue.UnmarshalMap(raw, &k); err != nil {
					return nil, err
				}
				out[k] = raw
			}
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}

// ReadForInvite reads the caller's membership, the listed projects and
// each address's email claim and open invite claim in one BatchGetItem
// (two above 100 keys). Returns domain.ErrNotFound when the caller is not
// a member.
func (st *Store) ReadForInvite(ctx context.Context, orgID, userID string, projectIDs, emails []string) (domain.InviteReads, error) {
	member := key{orgPK(orgID), memberSK(userID)}
	keys := []key{member}
	for _, p := range projectIDs {
		keys = append(keys, key{orgPK(orgID), projectSK(p)})
	}
	for _, e := range emails {
		keys = append(keys, key{emailPK(e), skUser}, key{orgPK(orgID), openSK(e)})
	}
	items, err := st.getMany(ctx, keys)
	if err != nil {
		return domain.InviteReads{}, err
	}
	out := domain.InviteReads{Projects: map[string]domain.Project{}, UserIDs: map[string]string{}, OpenInvites: map[string]string{}}
	raw, ok := items[member]
	if !ok {
		return out, domain.ErrNotFound
	}
	var mi memberItem
	if err := attributevalue.UnmarshalMap(raw, &mi); err != nil {
		return out, err
	}
	out.Membership = mi.domain()
	for _, p := range projectIDs {
		if raw, ok := items[key{orgPK(orgID), projectSK(p)}]; ok {
			var it projectItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return out, err
			}
			out.Projects[it.ProjectID] = domain.Project{ID: it.ProjectID, OrgID: it.OrgID, Name: it.Name, CreatedAt: it.CreatedAt}
		}
	}
	now := time.Now().Unix()
	for _, e := range emails {
		if raw, ok := items[key{emailPK(e), skUser}]; ok {
			var it emailItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return out, err
			}
			if it.UserID == "" {
				return out, errors.New("email item without user id")
			}
			out.UserIDs[e] = it.UserID
		}
		if raw, ok := items[key{orgPK(orgID), openSK(e)}]; ok {
			var it openItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return out, err
			}
			if it.TTL >= now { // as OpenInviteID: a claim past its TTL is gone
				out.OpenInvites[e] = it.InviteID
			}
		}
	}
	return out, nil
}

// ReadForAccept follows a token hash to its invite (the token item, read
// consistently) and reads the invite, the user's profile and their
// membership of its organization in one consistent BatchGetItem. Returns
// domain.ErrNotFound when the token or the invite is missing.
func (st *Store) ReadForAccept(ctx context.Context, tokenHash, userID string) (domain.AcceptReads, error) {
	var tok tokenItem
	if err := st.get(ctx, tokenPK(tokenHash), skToken, &tok); err != nil {
		return domain.AcceptReads{}, err
	}
	invK, userK, memK := key{orgPK(tok.OrgID), inviteSK(tok.InviteID)}, key{userPK(userID), skProfile}, key{orgPK(tok.OrgID), memberSK(userID)}
	items, err := st.getMany(ctx, []key{invK, userK, memK})
	if err != nil {
		return domain.AcceptReads{}, err
	}
	raw, ok := items[invK]
	if !ok {
		return domain.AcceptReads{}, domain.ErrNotFound
	}
	var inv inviteItem
	if err := attributevalue.UnmarshalMap(raw, &inv); err != nil {
		return domain.AcceptReads{}, err
	}
	out := domain.AcceptReads{Invite: inv.domain()}
	out.User, out.Membership, err = userAndMembership(items, userK, memK)
	return out, err
}

// userAndMembership decodes the user profile at userK and the membership
// at memK among items read by getMany (nil when absent).
func userAndMembership(items map[key]map[string]types.AttributeValue, userK, memK key) (*domain.User, *domain.Membership, error) {
	var u *domain.User
	var m *domain.Membership
	if raw, ok := items[userK]; ok {
		var it userItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, nil, err
		}
		u = &domain.User{ID: it.UserID, Email: it.Email, CreatedAt: it.CreatedAt}
	}
	if raw, ok := items[memK]; ok {
		var it memberItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, nil, err
		}
		mm := it.domain()
		m = &mm
	}
	return u, m, nil
}
