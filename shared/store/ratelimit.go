package store

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// Rate counters: one item per subject and window, with a TTL a little past
// the window so DynamoDB removes them. An organization's invite emails per
// hour live under the organization (ORG#id, RATE#yyyymmddhh); a user's
// invite emails per hour and organizations created per day live under the
// user (USER#id, RATE#INVITES#yyyymmddhh and RATE#ORGS#yyyymmdd); joins
// by invite link per hour under the organization, per link (RATE#LINK#
// <linkId>#yyyymmddhh) and for all its links (RATE#JOINS#yyyymmddhh).
const (
	preUserRateInvites = preRate + "INVITES#"
	preUserRateOrgs    = preRate + "ORGS#"
)

// userRateSK is the sort key of a user's counter of kind for the window
// starting at start.
func userRateSK(kind domain.RateKind, start time.Time) string {
	if kind == domain.RateUserOrgs {
		return preUserRateOrgs + start.UTC().Format("20060102")
	}
	return preUserRateInvites + start.UTC().Format("2006010215")
}

// charge adds the counter updates of c (nil: none) to the transaction:
// ADD N to each window's count on condition it stays within the limit. A
// failed organization counter means domain.ErrRateLimited, a failed user
// counter domain.ErrUserRateLimited.
func (t *tx) charge(table string, c *domain.RateCharge) {
	if c == nil {
		return
	}
	if c.OrgID != "" {
		hour := c.At.UTC().Truncate(time.Hour)
		t.count(table, orgPK(c.OrgID), rateSK(hour), c.N, c.Limit, hour.Add(2*time.Hour), domain.ErrRateLimited)
	}
	if j := c.Joins; j != nil {
		hour := c.At.UTC().Truncate(time.Hour)
		if j.LinkLimit >= 0 {
			t.count(table, orgPK(j.OrgID), preRate+"LINK#"+j.LinkID+"#"+hour.Format("2006010215"), 1, j.LinkLimit, hour.Add(2*time.Hour), domain.ErrRateLimited)
		}
		if j.OrgLimit >= 0 {
			t.count(table, orgPK(j.OrgID), preRate+"JOINS#"+hour.Format("2006010215"), 1, j.OrgLimit, hour.Add(2*time.Hour), domain.ErrRateLimited)
		}
	}
	for _, u := range c.Users {
		start, next := u.Kind.Window(c.At)
		t.count(table, userPK(u.UserID), userRateSK(u.Kind, start), u.N, u.Limit, next.Add(time.Hour), domain.ErrUserRateLimited)
	}
}

// count adds add to the counter item (pk, sk) on condition it stays within
// limit, and sets its TTL to expire.
func (t *tx) count(table, pk, sk string, add, limit int, expire time.Time, kind error) {
	t.update(table, pk, sk, "ADD #c :n SET #ttl = :ttl", "attribute_not_exists(#c) OR #c <= :max",
		map[string]string{"#c": "count", "#ttl": AttrTTL},
		map[string]types.AttributeValue{":n": n(int64(add)), ":max": n(int64(limit - add)), ":ttl": n(ttlAt(expire))}, kind)
}
