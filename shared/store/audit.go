package store

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// Audit items: the attribute that tells an item's kind, and its value on
// audit items. The table's stream is filtered on these (infra/members).
const (
	AttrType  = "type"
	TypeAudit = "audit"
)

// AuditRecord is an audit item as the table holds it: the event with its
// organization (OrgID set), and the address of whom it is about, when the
// store knew it (the member or the invitee).
type AuditRecord struct {
	domain.AuditEvent
	TargetEmail string
}

// ErrNotAudit is returned by AuditFromItem for items that are not audit
// items.
var ErrNotAudit = errors.New("not an audit item")

// IsAuditItem reports whether a raw item (a write's item, a stream record's
// new image) is an audit item.
func IsAuditItem(item map[string]types.AttributeValue) bool {
	v, ok := item[AttrType].(*types.AttributeValueMemberS)
	return ok && v.Value == TypeAudit
}

// AuditFromItem decodes a raw audit item, such as a DynamoDB stream
// record's new image. Returns ErrNotAudit for other items, and an error
// naming what is wrong for an audit item that cannot be read (no event id,
// action, time or organization).
func AuditFromItem(item map[string]types.AttributeValue) (AuditRecord, error) {
	if !IsAuditItem(item) {
		return AuditRecord{}, ErrNotAudit
	}
	var it auditItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return AuditRecord{}, fmt.Errorf("audit item: %w", err)
	}
	if it.OrgID == "" { // items written before orgId was stored
		it.OrgID, _ = trimPrefix(it.PK, "ORG#")
	}
	switch {
	case it.EventID == "" || it.SK != auditSK(it.EventID):
		return AuditRecord{}, fmt.Errorf("audit item %s/%s: no event id matching its key", it.PK, it.SK)
	case it.OrgID == "" || it.PK != orgPK(it.OrgID):
		return AuditRecord{}, fmt.Errorf("audit item %s/%s: no organization", it.PK, it.SK)
	case it.Action == "":
		return AuditRecord{}, fmt.Errorf("audit item %s/%s: no action", it.PK, it.SK)
	case it.At.IsZero():
		return AuditRecord{}, fmt.Errorf("audit item %s/%s: no time", it.PK, it.SK)
	}
	return AuditRecord{AuditEvent: it.domain(), TargetEmail: it.TargetEmail}, nil
}
