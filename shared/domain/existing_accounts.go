package domain

import (
	"context"
	"errors"
)

// What inviting an address that already has an account does
// (Config.ExistingAccounts, EXISTING_ACCOUNTS). "add" is the product's
// promise: access at once, and a notice by mail. "invite" sends the same
// invite anyone else gets, so nobody joins an organization without
// consent; the trade-off either way is in README ("added" tells the
// inviter that an address has an account, "invited" does not).
const (
	// ExistingAccountsAdd gives access at once and mails a notice.
	ExistingAccountsAdd = "add"
	// ExistingAccountsInvite sends a normal invite: access only on accept.
	ExistingAccountsInvite = "invite"
)

// inviteExisting handles an address that has an account, as pre read it,
// returning the mail still to send, if any (see grantNow). done is false
// when the address has none, or when it gets a normal invite
// (ExistingAccountsInvite and the invite would grant something new); an
// account that already has every role asked for is already_member either
// way.
func (s *Service) inviteExisting(ctx context.Context, id Identity, m Membership, req inviteRequest, names map[string]string, email string, pre InviteReads, ch *charge) (r InviteResult, mail func() Delivery, done bool, err error) {
	uid, ok := pre.UserIDs[email]
	if !ok {
		return InviteResult{}, nil, false, nil
	}
	if s.cfg.ExistingAccounts != ExistingAccountsInvite {
		r, mail, err := s.grantNow(ctx, id, m, req, names, email, uid, ch)
		return r, mail, true, err
	}
	target, err := s.store.GetMembership(ctx, m.OrgID, uid)
	target = target.at(s.now())
	switch {
	case errors.Is(err, ErrNotFound):
		return InviteResult{}, nil, false, nil
	case err != nil:
		return InviteResult{}, nil, true, storeErr(err)
	case target.sameAccess(target.merged(req.grant)):
		return InviteResult{Email: email, Status: ResultAlreadyMember}, nil, true, nil
	}
	return InviteResult{}, nil, false, nil
}
