package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/shared/store"
)

// StreamHandler publishes the audit items of DynamoDB stream batches.
type StreamHandler struct {
	Publisher *Publisher
	Log       *slog.Logger
	// Metrics gets one EMF line per invocation (EventsPublished,
	// EventsFailed); nil writes none.
	Metrics *metrics.Sink
}

// entryOf is an entry and the stream record it came from.
type entryOf struct {
	entry  eventbus.Entry
	record int
}

// Handle publishes one batch of stream records (the event source mapping
// delivers new images of inserted audit items; anything else is skipped).
// It reads each record on its own, so one that cannot be read, or an
// audit item that cannot be mapped, is a poison record: the records
// before it are published, and it is reported as the batch's first
// failure (ReportBatchItemFailures), so Lambda retries from it, bisects,
// and finally sends it to the dead-letter queue. A record whose events
// EventBridge keeps refusing is reported the same way. The error result
// is only for a payload that is not a stream event at all. The events
// published and those not published are counted in one EMF line.
func (h StreamHandler) Handle(ctx context.Context, payload json.RawMessage) (events.DynamoDBEventResponse, error) {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		ctx = logging.WithRequestID(ctx, lc.AwsRequestID)
	}
	var batch struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(payload, &batch); err != nil {
		return events.DynamoDBEventResponse{}, fmt.Errorf("not a DynamoDB stream event: %w", err)
	}
	seqs := make([]string, len(batch.Records))
	var entries []entryOf
	poison := -1
	for i, raw := range batch.Records {
		seqs[i] = sequenceNumber(raw)
		e, ok, err := entryFromRecord(raw)
		if err != nil {
			h.Log.ErrorContext(ctx, "poison stream record", "sequenceNumber", seqs[i], "err", err)
			poison = i
			break
		}
		if ok {
			entries = append(entries, entryOf{e, i})
		}
	}
	list := make([]eventbus.Entry, len(entries))
	for i, e := range entries {
		list[i] = e.entry
	}
	n, err := h.Publisher.Publish(ctx, list)
	failed := poison
	c := metrics.Counts{metrics.EventsPublished: float64(n)}
	if poison >= 0 {
		c.Add(metrics.EventsFailed, 1)
	}
	if err != nil && n < len(entries) {
		failed = entries[n].record
		c.Add(metrics.EventsFailed, float64(len(entries)-n))
		h.Log.ErrorContext(ctx, "events not published", "published", n, "pending", len(entries)-n,
			"sequenceNumber", seqs[failed], "err", err)
	}
	if err := h.Metrics.Emit(routes.FnPublishEvents, c, nil); err != nil {
		h.Log.WarnContext(ctx, "metrics not written", "err", err)
	}
	h.Log.InfoContext(ctx, "stream batch", "records", len(batch.Records), "published", n)
	if failed < 0 {
		return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}, nil
	}
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: seqs[failed]}}}, nil
}

// sequenceNumber reads a record's sequence number, whatever else is wrong
// with it ("" when it has none).
func sequenceNumber(raw json.RawMessage) string {
	var r struct {
		DynamoDB struct {
			SequenceNumber string `json:"SequenceNumber"`
		} `json:"dynamodb"`
	}
	_ = json.Unmarshal(raw, &r)
	return r.DynamoDB.SequenceNumber
}

// entryFromRecord maps a stream record to its event. ok is false for
// records that are not the insert of an audit item.
func entryFromRecord(raw json.RawMessage) (e eventbus.Entry, ok bool, err error) {
	var r events.DynamoDBEventRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return e, false, fmt.Errorf("record: %w", err)
	}
	if r.EventName != string(events.DynamoDBOperationTypeInsert) {
		return e, false, nil
	}
	item, err := ItemFromImage(r.Change.NewImage)
	if err != nil {
		return e, false, err
	}
	rec, err := store.AuditFromItem(item)
	if errors.Is(err, store.ErrNotAudit) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	e, err = eventbus.FromAudit(rec.AuditEvent, rec.TargetEmail)
	return e, err == nil, err
}

// ItemFromImage converts a stream image (aws-lambda-go's attribute values)
// to the DynamoDB client's attribute values. Returns an error for an
// attribute of unknown type.
func ItemFromImage(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := attributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", strconv.Quote(k), err)
		}
		out[k] = av
	}
	return out, nil
}

func attributeValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		l := make([]types.AttributeValue, len(v.List()))
		for i, e := range v.List() {
			av, err := attributeValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeMap:
		m, err := ItemFromImage(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %v", v.DataType())
}
