// Package store is the DynamoDB implementation of domain.Store: one table,
// keys built by the functions of keys.go, item structs with dynamodbav
// tags kept apart from the domain types, conditional writes on every
// create, transactions for every multi-item invariant, and Query (never
// Scan). docs/data-model.md lists the access patterns.
package store

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// Attribute and index names of the table (the CDK app declares the same).
const (
	AttrPK     = "pk"
	AttrSK     = "sk"
	AttrGSI1PK = "gsi1pk"
	AttrGSI1SK = "gsi1sk"
	AttrTTL    = "ttl"
	IndexGSI1  = "gsi1"
	// gsi2: members of an organization or project by address (search).
	AttrGSI2PK = "gsi2pk"
	AttrGSI2SK = "gsi2sk"
	IndexGSI2  = "gsi2"
	// gsi3: memberships that end, by when the sweep is next due (expiry.go).
	AttrGSI3PK = "gsi3pk"
	AttrGSI3SK = "gsi3sk"
	IndexGSI3  = "gsi3"
)

const (
	skProfile  = "PROFILE"
	skUser     = "USER"
	skMeta     = "META"
	skToken    = "TOKEN"
	skCatalog  = "PROJECTS"
	skSeats    = "SEATS"
	preMember  = "MEMBER#"
	preProject = "PROJECT#"
	preInvite  = "INVITE#"
	preOpen    = "OPEN#"
	preAudit   = "AUDIT#"
	preRate    = "RATE#"
	preOrgGSI  = "ORG#"
)

func userPK(userID string) string       { return "USER#" + userID }
func emailPK(email string) string       { return "EMAIL#" + email }
func orgPK(orgID string) string         { return "ORG#" + orgID }
func projectPK(projectID string) string { return "PROJECT#" + projectID }
func tokenPK(hash string) string        { return "TOKEN#" + hash }
func memberSK(userID string) string     { return preMember + userID }
func projectSK(projectID string) string { return preProject + projectID }
func inviteSK(inviteID string) string   { return preInvite + inviteID }
func openSK(email string) string        { return preOpen + email }
func auditSK(eventID string) string     { return preAudit + eventID }
func rateSK(hour time.Time) string      { return preRate + hour.UTC().Format("2006010215") }

// gsi1 keys: a user's memberships, organizations then projects.
func userGSI(userID string) string              { return "USER#" + userID }
func orgGSI(orgID string) string                { return preOrgGSI + orgID }
func projectGSI(orgID, projectID string) string { return preProject + orgID + "#" + projectID }

// gsi1 keys of a pending invite: its sender's pending invites, by
// organization (SENDER# never collides with a user's USER# partition); an
// accepted or revoked invite loses both keys and leaves the index
// (senders.go).
func senderGSI(userID string) string        { return "SENDER#" + userID }
func sentGSI(orgID, inviteID string) string { return sentPrefix(orgID) + inviteID }
func sentPrefix(orgID string) string        { return preOrgGSI + orgID + "#" + preInvite }

// gsi3 keys of a membership with an end (expiry.go): one of expiryShards
// partitions, so the index's writes spread over several partitions while
// the sweep still reads it with a few Queries (one per shard) and no scan;
// the sort key is when the sweep is next due, in Unix milliseconds,
// zero-padded so it sorts as a number.
func expiryShard(orgID, userID string) string {
	h := fnv.New32a()
	h.Write([]byte(orgID + "#" + userID))
	return preExpiry + strconv.Itoa(int(h.Sum32()%expiryShards))
}

func dueSK(t time.Time) string { return fmt.Sprintf("%015d", max(t.UnixMilli(), 0)) }

const (
	preExpiry    = "EXPIRY#"
	expiryShards = 8
)

// catalogAttr is the attribute of an organization's project catalog item
// (pk ORG#<orgId>, sk PROJECTS) that holds a project's name.
func catalogAttr(projectID string) string { return catalogPrefix + projectID }

const (
	catalogPrefix   = "p_"
	catalogComplete = "complete" // true: every project of the organization is listed
)

func trimPrefix(s, prefix string) (string, bool) { return strings.CutPrefix(s, prefix) }
func ttlAt(t time.Time) int64                    { return t.Unix() }
func itoa64(n int64) string                      { return strconv.FormatInt(n, 10) }

// deadInviteRetention is how long after expiry invite items stay before
// DynamoDB's TTL may delete them (expiry itself is enforced on read).
const deadInviteRetention = 30 * 24 * time.Hour
