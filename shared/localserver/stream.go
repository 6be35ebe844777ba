package localserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamAPI is the part of the DynamoDB Streams client StreamReader uses.
type StreamAPI interface {
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

var _ StreamAPI = (*dynamodbstreams.Client)(nil)

// StreamClient returns the DynamoDB Streams client at endpoint ("":
// AWS's), with awsCfg's region and credentials. DynamoDB Local serves
// streams on its one endpoint.
func StreamClient(awsCfg aws.Config, endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// StreamReader does locally what Lambda's event source mapping does for
// publish-events: it reads the table's stream shard by shard, in order,
// and hands each batch of records, as the Lambda event they would be, to
// Handle (publish.StreamHandler.Handle). A record Handle reports as
// failed is logged and skipped, as the mapping would after its retries
// (to the dead-letter queue).
type StreamReader struct {
	API       StreamAPI
	StreamARN string
	Region    string
	Handle    func(context.Context, json.RawMessage) (events.DynamoDBEventResponse, error)
	Log       *slog.Logger
	// FromLatest starts at the records written after Start (a table kept
	// from an earlier run, whose events that run published); otherwise
	// from the oldest record the stream holds (TRIM_HORIZON, as deployed).
	FromLatest bool
	// Interval between polls (0: 250 ms).
	Interval time.Duration

	mu     sync.Mutex // one read of the stream at a time
	shards map[string]*shardState
	stop   chan struct{}
	done   chan struct{}
}

type shardState struct {
	iterator string // "" once the shard is closed and read to its end
	lastSeq  string
	parent   string
	started  bool
}

// batchSize is GetRecords' limit, the deployed mapping's batch size order.
const batchSize = 100

// Start takes the shards' iterators (so FromLatest means the records
// written after Start returns), then polls the stream in the background
// until Close. Returns the Streams API's error.
func (r *StreamReader) Start(ctx context.Context) error {
	r.mu.Lock()
	err := r.discover(ctx)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	iv := r.Interval
	if iv == 0 {
		iv = 250 * time.Millisecond
	}
	go func() {
		defer close(r.done)
		t := time.NewTicker(iv)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := r.Sync(ctx); err != nil && ctx.Err() == nil {
					r.Log.Warn("table stream not read", "stream", r.StreamARN, "err", err)
				}
				cancel()
			}
		}
	}()
	return nil
}

// Close stops polling after the read under way.
func (r *StreamReader) Close() {
	if r.stop != nil {
		close(r.stop)
		<-r.done
		r.stop = nil
	}
}

// Sync reads every shard up to the newest record and hands what it read to
// Handle. GET /_local/events calls it first, so it lists every write
// committed before the request. Returns the first Streams API error.
func (r *StreamReader) Sync(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.discover(ctx); err != nil {
		return err
	}
	for {
		progressed := false
		for id, s := range r.shards {
			if s.iterator == "" || !r.parentDone(s) {
				continue
			}
			n, err := r.drain(ctx, id, s)
			if err != nil {
				return err
			}
			if n > 0 || s.iterator == "" {
				progressed = true
			}
		}
		if !progressed {
			return nil
		}
		if err := r.discover(ctx); err != nil { // a closed shard has children
			return err
		}
	}
}

// parentDone is true when s has no parent still to read.
func (r *StreamReader) parentDone(s *shardState) bool {
	p, ok := r.shards[s.parent]
	return s.parent == "" || !ok || p.iterator == ""
}

// discover adds the shards DescribeStream lists that are new.
func (r *StreamReader) discover(ctx context.Context) error {
	if r.shards == nil {
		r.shards = map[string]*shardState{}
	}
	first := len(r.shards) == 0
	var start *string
	for {
		out, err := r.API.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(r.StreamARN), ExclusiveStartShardId: start})
		if err != nil {
			return fmt.Errorf("DescribeStream: %w", err)
		}
		for _, sh := range out.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if _, ok := r.shards[id]; ok {
				continue
			}
			typ := stypes.ShardIteratorTypeTrimHorizon
			if first && r.FromLatest {
				typ = stypes.ShardIteratorTypeLatest
			}
			it, err := r.API.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.StreamARN),
				ShardId: sh.ShardId, ShardIteratorType: typ})
			if err != nil {
				return fmt.Errorf("GetShardIterator: %w", err)
			}
			r.shards[id] = &shardState{iterator: aws.ToString(it.ShardIterator), parent: aws.ToString(sh.ParentShardId)}
		}
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			return nil
		}
	}
}

// drain reads shard id until GetRecords returns nothing new, handing each
// batch to Handle. Returns how many records it read.
func (r *StreamReader) drain(ctx context.Context, id string, s *shardState) (int, error) {
	total, renewedTrimmed := 0, false
	for s.iterator != "" {
		out, err := r.API.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(s.iterator), Limit: aws.Int32(batchSize)})
		var expired *stypes.ExpiredIteratorException
		if errors.As(err, &expired) {
			if err := r.renew(ctx, id, s); err != nil {
				return total, err
			}
			continue
		}
		// DynamoDB Local sometimes answers TrimmedDataAccessException for
		// an iterator behind its trim horizon (seen under heavy parallel
		// load). What was trimmed cannot be read again: say so and go on
		// from the oldest record the shard still holds, instead of
		// stopping the reader for good.
		var trimmed *stypes.TrimmedDataAccessException
		if errors.As(err, &trimmed) && !renewedTrimmed {
			renewedTrimmed = true
			r.Log.Warn("table stream trimmed before it was read; reading on from the oldest record kept",
				"stream", r.StreamARN, "shard", id, "afterSequence", s.lastSeq)
			s.lastSeq = ""
			if err := r.renew(ctx, id, s); err != nil {
				return total, err
			}
			continue
		}
		if err != nil {
			return total, fmt.Errorf("GetRecords: %w", err)
		}
		s.iterator = aws.ToString(out.NextShardIterator) // nil: the shard is closed and read
		if len(out.Records) == 0 {
			return total, nil
		}
		total += len(out.Records)
		s.lastSeq = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber)
		r.handle(ctx, out.Records)
	}
	return total, nil
}

// renew gets a fresh iterator after the last record read.
func (r *StreamReader) renew(ctx context.Context, id string, s *shardState) error {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.StreamARN), ShardId: aws.String(id),
		ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon}
	if s.lastSeq != "" {
		in.ShardIteratorType, in.SequenceNumber = stypes.ShardIteratorTypeAfterSequenceNumber, aws.String(s.lastSeq)
	}
	it, err := r.API.GetShardIterator(ctx, in)
	if err != nil {
		return fmt.Errorf("GetShardIterator: %w", err)
	}
	s.iterator = aws.ToString(it.ShardIterator)
	return nil
}

// handle passes records to Handle as one Lambda event and logs what it
// reports failed.
func (r *StreamReader) handle(ctx context.Context, recs []stypes.Record) {
	ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(recs))}
	for _, rec := range recs {
		ev.Records = append(ev.Records, LambdaRecord(rec, r.StreamARN, r.Region))
	}
	payload, err := json.Marshal(ev)
	if err == nil {
		var res events.DynamoDBEventResponse
		res, err = r.Handle(ctx, payload)
		for _, f := range res.BatchItemFailures {
			r.Log.ErrorContext(ctx, "stream record not published (deployed, it would end in the dead-letter queue)",
				"sequenceNumber", f.ItemIdentifier)
		}
	}
	if err != nil {
		r.Log.ErrorContext(ctx, "stream batch not handled", "err", err)
	}
}

// LambdaRecord is a stream record as Lambda's event source mapping
// delivers it to a function.
func LambdaRecord(rec stypes.Record, streamARN, region string) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{
		EventID: aws.ToString(rec.EventID), EventName: string(rec.EventName), EventVersion: aws.ToString(rec.EventVersion),
		EventSource: "aws:dynamodb", AWSRegion: region, EventSourceArn: streamARN,
	}
	if d := rec.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

func image(m map[string]stypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attr(v)
	}
	return out
}

func attr(v stypes.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *stypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *stypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *stypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *stypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *stypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *stypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *stypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *stypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = attr(e)
		}
		return events.NewListAttribute(l)
	case *stypes.AttributeValueMemberM:
		return events.NewMapAttribute(image(v.Value))
	}
	return events.NewNullAttribute()
}
