package localserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// trimmingStream is one open shard whose first GetRecords answers
// TrimmedDataAccessException (as DynamoDB Local sometimes does under
// load); after that, an iterator taken at TRIM_HORIZON reads one record.
type trimmingStream struct {
	trims     int // how many GetRecords answer trimmed
	iterTypes []stypes.ShardIteratorType
}

func (f *trimmingStream) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &stypes.StreamDescription{
		Shards: []stypes.Shard{{ShardId: aws.String("shard-1")}}}}, nil
}

func (f *trimmingStream) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.iterTypes = append(f.iterTypes, in.ShardIteratorType)
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(string(in.ShardIteratorType))}, nil
}

func (f *trimmingStream) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	if f.trims > 0 {
		f.trims--
		return nil, &stypes.TrimmedDataAccessException{Message: aws.String("trimmed")}
	}
	if aws.ToString(in.ShardIterator) == "done" {
		return &dynamodbstreams.GetRecordsOutput{NextShardIterator: aws.String("done")}, nil
	}
	return &dynamodbstreams.GetRecordsOutput{NextShardIterator: aws.String("done"), Records: []stypes.Record{{
		EventName: stypes.OperationTypeInsert, Dynamodb: &stypes.StreamRecord{SequenceNumber: aws.String("7")}}}}, nil
}

func TestStreamReaderReadsOnAfterTrimmedData(t *testing.T) {
	api := &trimmingStream{trims: 1}
	handled := 0
	r := &StreamReader{API: api, StreamARN: "arn", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handle: func(_ context.Context, raw json.RawMessage) (events.DynamoDBEventResponse, error) {
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			handled += len(ev.Records)
			return events.DynamoDBEventResponse{}, nil
		}}
	if err := r.Sync(context.Background()); err != nil {
		t.Fatalf("Sync after a trimmed answer: %v", err)
	}
	if handled != 1 {
		t.Fatalf("handled %d records, want the 1 still kept", handled)
	}
	want := []stypes.ShardIteratorType{stypes.ShardIteratorTypeTrimHorizon, stypes.ShardIteratorTypeTrimHorizon}
	if len(api.iterTypes) != 2 || api.iterTypes[1] != want[1] {
		t.Fatalf("iterators taken: %v, want %v", api.iterTypes, want)
	}

	// A shard that stays trimmed is an error, not a loop.
	api2 := &trimmingStream{trims: 5}
	r2 := &StreamReader{API: api2, StreamARN: "arn", Log: r.Log, Handle: r.Handle}
	if err := r2.Sync(context.Background()); err == nil {
		t.Fatal("Sync of a shard that stays trimmed: no error")
	}
}
