package publish_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/publish"
)

// fakeBus records PutEvents calls (their entries' details) and refuses
// what refuse says.
type fakeBus struct {
	calls  [][]string
	refuse func(call int, detail string) bool
}

func (f *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	call := len(f.calls)
	out := &eventbridge.PutEventsOutput{}
	var ds []string
	for _, e := range in.Entries {
		d := aws.ToString(e.Detail)
		ds = append(ds, d)
		if aws.ToString(e.EventBusName) != "bus" {
			return nil, fmt.Errorf("bus %q", aws.ToString(e.EventBusName))
		}
		if f.refuse != nil && f.refuse(call, d) {
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("ThrottlingException")})
			out.FailedEntryCount++
		} else {
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("id")})
		}
	}
	f.calls = append(f.calls, ds)
	return out, nil
}

func entries(n int) []eventbus.Entry {
	var out []eventbus.Entry
	for i := range n {
		d, _ := json.Marshal(fmt.Sprint(i))
		out = append(out, eventbus.Entry{Source: "members", DetailType: "member.added", Detail: d, EventID: fmt.Sprint(i)})
	}
	return out
}

func noWait(int) time.Duration { return 0 }

func TestPublishBatchesInOrder(t *testing.T) {
	f := &fakeBus{}
	p := &publish.Publisher{API: f, Bus: "bus", Retries: 2, Backoff: noWait}
	n, err := p.Publish(context.Background(), entries(23))
	if n != 23 || err != nil {
		t.Fatalf("Publish = %d, %v", n, err)
	}
	var sizes []int
	var all []string
	for _, c := range f.calls {
		sizes, all = append(sizes, len(c)), append(all, c...)
	}
	var want []string
	for i := range 23 {
		want = append(want, fmt.Sprintf("%q", fmt.Sprint(i)))
	}
	if !slices.Equal(sizes, []int{10, 10, 3}) || !slices.Equal(all, want) {
		t.Errorf("calls %v: %v", sizes, all)
	}
}

func TestPublishRetriesRefusedEntriesOnly(t *testing.T) {
	f := &fakeBus{refuse: func(call int, d string) bool { return call == 0 && (d == `"2"` || d == `"5"`) }}
	p := &publish.Publisher{API: f, Bus: "bus", Retries: 2, Backoff: noWait}
	if n, err := p.Publish(context.Background(), entries(8)); n != 8 || err != nil {
		t.Fatalf("Publish = %d, %v", n, err)
	}
	if len(f.calls) != 2 || !slices.Equal(f.calls[1], []string{`"2"`, `"5"`}) {
		t.Errorf("calls %v", f.calls)
	}
}

func TestPublishStopsAtRefusedBatch(t *testing.T) {
	f := &fakeBus{refuse: func(_ int, d string) bool { return d == `"13"` }}
	p := &publish.Publisher{API: f, Bus: "bus", Retries: 2, Backoff: noWait}
	n, err := p.Publish(context.Background(), entries(25))
	if n != 13 || err == nil {
		t.Fatalf("Publish = %d, %v; want 13 published for sure and an error", n, err)
	}
	// batch 2 sent once and retried twice for its refused entry; batch 3 never sent
	if len(f.calls) != 4 || !slices.Equal(f.calls[3], []string{`"13"`}) {
		t.Errorf("calls %v", f.calls)
	}
}

// streamOf is a stream event of n copies of events/stream-audit-insert.json's
// record, with sequence numbers 1…n.
func streamOf(t *testing.T, n int) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "stream-audit-insert.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Records []map[string]any }
	if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("sample: %v", err)
	}
	var recs []any
	for i := range n {
		var r map[string]any
		raw, _ := json.Marshal(ev.Records[0])
		_ = json.Unmarshal(raw, &r)
		r["dynamodb"].(map[string]any)["SequenceNumber"] = fmt.Sprint(i + 1)
		recs = append(recs, r)
	}
	out, _ := json.Marshal(map[string]any{"Records": recs})
	return out
}

// An invocation writes one EMF line: the events published, and those
// EventBridge kept refusing with the ones after them.
func TestStreamHandlerCountsEvents(t *testing.T) {
	f := &fakeBus{refuse: func(call int, _ string) bool { return call >= 1 }} // the second batch, every time
	var buf bytes.Buffer
	h := publish.StreamHandler{Publisher: &publish.Publisher{API: f, Bus: "bus", Retries: 2, Backoff: noWait},
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: metrics.New(&buf)}
	resp, err := h.Handle(context.Background(), streamOf(t, 12))
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "11" {
		t.Fatalf("Handle = %+v, %v; want record 11 reported", resp, err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("EMF line %q: %v", buf.String(), err)
	}
	if line["Function"] != "publish-events" || line["EventsPublished"] != 10.0 || line["EventsFailed"] != 2.0 {
		t.Errorf("EMF line %s", buf.String())
	}
}
