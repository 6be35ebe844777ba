package localserver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/store"
)

// EventLog emulates the path of membership events for the local stack. In
// AWS, every audit item the table commits reaches functions/publish-events
// through the table's DynamoDB stream, which puts one event per item on
// the EventBridge bus. The local stack has no stream, so EventLog watches
// the DynamoDB client instead: after each PutItem, TransactWriteItems or
// BatchWriteItem that succeeded (committed), it picks the audit items out
// of the request and maps them the way publish-events does
// (store.AuditFromItem, then eventbus.FromAudit). It keeps the events in
// memory (GET /_local/events) and, with ForwardURL set, POSTs each one
// there in order, as an EventBridge rule's HTTP target would receive it.
type EventLog struct {
	Log *slog.Logger
	// ForwardURL (LOCAL_EVENTS_URL) receives each event as a JSON POST.
	ForwardURL string
	// Client posts to ForwardURL (http.DefaultClient with a 10 s timeout when nil).
	Client *http.Client

	mu     sync.Mutex
	events []Event
	queue  chan Event
	done   chan struct{}
}

// Event is an event as EventBridge delivers it to a rule's target.
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"` // locally the audit event id (detail.eventId)
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// localAccount stands in for the AWS account id in local events.
const localAccount = "000000000000"

// AddMiddleware adds the observer to an SDK client's stack (pass it with
// config.WithAPIOptions); operations other than the three writes pass by.
func (l *EventLog) AddMiddleware(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("MembersLocalEvents",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if err == nil {
				l.observe(ctx, in.Parameters)
			}
			return out, md, err
		}), middleware.After)
}

// observe records the audit items a committed write request put.
func (l *EventLog) observe(ctx context.Context, params any) {
	var items []map[string]types.AttributeValue
	switch in := params.(type) {
	case *dynamodb.PutItemInput:
		items = append(items, in.Item)
	case *dynamodb.TransactWriteItemsInput:
		for _, ti := range in.TransactItems {
			if ti.Put != nil {
				items = append(items, ti.Put.Item)
			}
		}
	case *dynamodb.BatchWriteItemInput:
		for _, reqs := range in.RequestItems {
			for _, r := range reqs {
				if r.PutRequest != nil {
					items = append(items, r.PutRequest.Item)
				}
			}
		}
	default:
		return
	}
	for _, item := range items {
		if !store.IsAuditItem(item) {
			continue
		}
		rec, err := store.AuditFromItem(item)
		if err == nil {
			var e eventbus.Entry
			if e, err = eventbus.FromAudit(rec.AuditEvent, rec.TargetEmail); err == nil {
				l.add(ctx, e)
				continue
			}
		}
		// publish-events would report it and Lambda would end it in the DLQ.
		l.Log.ErrorContext(ctx, "poison audit item: no event published", "err", err)
	}
}

func (l *EventLog) add(ctx context.Context, e eventbus.Entry) {
	ev := Event{Version: "0", ID: e.EventID, DetailType: e.DetailType, Source: e.Source, Account: localAccount,
		Time: e.Time.UTC().Format(time.RFC3339), Region: "local", Resources: []string{}, Detail: e.Detail}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
	l.Log.InfoContext(ctx, "event", "detailType", ev.DetailType, "eventId", ev.ID)
	if l.ForwardURL == "" {
		return
	}
	if l.queue == nil {
		l.queue, l.done = make(chan Event, 1024), make(chan struct{})
		go l.forward()
	}
	select {
	case l.queue <- ev:
	default:
		l.Log.ErrorContext(ctx, "event not forwarded: too many waiting", "eventId", ev.ID, "url", l.ForwardURL)
	}
}

// forward POSTs queued events to ForwardURL one at a time, in order.
func (l *EventLog) forward() {
	defer close(l.done)
	cl := l.Client
	if cl == nil {
		cl = &http.Client{Timeout: 10 * time.Second}
	}
	for ev := range l.queue {
		b, _ := json.Marshal(ev)
		res, err := cl.Post(l.ForwardURL, "application/json", bytes.NewReader(b))
		if err == nil {
			res.Body.Close()
			if res.StatusCode >= 300 {
				err = &statusError{res.StatusCode}
			}
		}
		if err != nil {
			l.Log.Warn("event not forwarded", "eventId", ev.ID, "url", l.ForwardURL, "err", err)
		}
	}
}

type statusError struct{ status int }

func (e *statusError) Error() string { return "answered " + http.StatusText(e.status) }

// Since returns the events recorded after the one with id since (all of
// them when since is ""), oldest first. Returns domain.ErrNotFound when no
// event has that id.
func (l *EventLog) Since(since string) ([]Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := 0
	if since != "" {
		i := slices.IndexFunc(l.events, func(e Event) bool { return e.ID == since })
		if i < 0 {
			return nil, domain.ErrNotFound
		}
		start = i + 1
	}
	return slices.Clone(l.events[start:]), nil
}

// Close stops forwarding once the queued events are sent.
func (l *EventLog) Close() {
	l.mu.Lock()
	q, done := l.queue, l.done
	l.queue = nil
	l.mu.Unlock()
	if q != nil {
		close(q)
		<-done
	}
}

// serveEvents: GET /_local/events?since=<eventId> → {"events": [...]}.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeProblem(w, domain.Errorf(httpapi.CodeMethodNotAllowed, "use GET"))
		return
	}
	if s.Events == nil {
		writeJSON(w, map[string]any{"events": []Event{}})
		return
	}
	evs, err := s.Events.Since(r.URL.Query().Get("since"))
	if err != nil {
		writeProblem(w, domain.Errorf(domain.ECodeNotFound, "no event has id %q", r.URL.Query().Get("since")))
		return
	}
	writeJSON(w, map[string]any{"events": evs})
}
