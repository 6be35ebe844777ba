// Package publish is the AWS side of membership events: it reads audit
// items from the table's DynamoDB stream and sends them to the EventBridge
// bus with PutEvents (functions/publish-events). What an event says is
// shared/eventbus's; which items are audit items is shared/store's.
package publish

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/members-saas/members/shared/eventbus"
)

// Client returns the EventBridge client at endpoint ("": AWS's) with
// awsCfg's region and credentials (awsenv.AWS). It is here rather than in
// awsenv so that only publish-events links EventBridge.
func Client(awsCfg aws.Config, endpoint string) *eventbridge.Client {
	return eventbridge.NewFromConfig(awsCfg, func(o *eventbridge.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// API is the part of the EventBridge client Publisher uses.
type API interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ API = (*eventbridge.Client)(nil)

// Publisher sends entries to one bus.
type Publisher struct {
	API API
	Bus string
	Log *slog.Logger
	// Retries is how often entries EventBridge refused are sent again
	// (throttling, internal failures) before Publish gives up.
	Retries int
	// Backoff is the wait before retry n (1, 2, …); DefaultBackoff when nil.
	Backoff func(n int) time.Duration
}

// DefaultBackoff waits 100 ms, 200 ms, 400 ms, … up to 5 s.
func DefaultBackoff(n int) time.Duration {
	return min(100*time.Millisecond<<(n-1), 5*time.Second)
}

// Publish sends entries in order, in PutEvents requests of at most 10
// entries and 256 KB, sending entries EventBridge refused again up to
// p.Retries times. It stops at the first request with entries still
// refused and returns how many leading entries are published for sure
// (the others of that request may be published too: delivery is at least
// once) and the error.
func (p *Publisher) Publish(ctx context.Context, entries []eventbus.Entry) (int, error) {
	done := 0
	for _, batch := range eventbus.Batches(entries) {
		if i, err := p.putBatch(ctx, batch); err != nil {
			return done + i, err
		}
		done += len(batch)
	}
	return done, nil
}

// putBatch sends one batch with retries. It returns the index of the
// first entry not published, with the error.
func (p *Publisher) putBatch(ctx context.Context, batch []eventbus.Entry) (int, error) {
	backoff := p.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	pending := make([]int, len(batch)) // indexes into batch
	for i := range pending {
		pending[i] = i
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return pending[0], ctx.Err()
			case <-time.After(backoff(attempt)):
			}
		}
		in := &eventbridge.PutEventsInput{Entries: make([]ebtypes.PutEventsRequestEntry, len(pending))}
		for j, i := range pending {
			e := batch[i]
			in.Entries[j] = ebtypes.PutEventsRequestEntry{EventBusName: aws.String(p.Bus), Source: aws.String(e.Source),
				DetailType: aws.String(e.DetailType), Detail: aws.String(string(e.Detail)), Time: aws.Time(e.Time)}
		}
		out, err := p.API.PutEvents(ctx, in)
		switch {
		case err != nil: // the SDK already retried what it could
			lastErr = fmt.Errorf("PutEvents: %w", err)
		case len(out.Entries) != len(pending):
			lastErr = fmt.Errorf("PutEvents answered %d entries for %d", len(out.Entries), len(pending))
		default:
			var still []int
			for j, r := range out.Entries {
				if r.ErrorCode == nil && aws.ToString(r.EventId) != "" {
					continue
				}
				e := batch[pending[j]]
				still = append(still, pending[j])
				lastErr = fmt.Errorf("PutEvents refused event %s: %s: %s", e.EventID, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
				if p.Log != nil {
					p.Log.WarnContext(ctx, "event refused", "eventId", e.EventID, "org", e.OrgID,
						"code", aws.ToString(r.ErrorCode), "message", aws.ToString(r.ErrorMessage), "attempt", attempt+1)
				}
			}
			if len(still) == 0 {
				return len(batch), nil
			}
			pending = still
		}
		if attempt >= p.Retries {
			return pending[0], lastErr
		}
	}
}
