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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/publish"
)

// EventLog is the local stand-in for the EventBridge bus. In AWS, every
// audit item the table commits reaches functions/publish-events through
// the table's DynamoDB stream, and publish-events puts one event per item
// on the bus. Locally the stack reads the table's stream itself
// (StreamReader, DynamoDB Local's streams endpoint) and runs the same
// publish-events code (publish.StreamHandler and publish.Publisher) with
// EventLog as its bus: PutEvents keeps the events in memory (GET
// /_local/events) and, with ForwardURL set, POSTs each one there in order,
// as an EventBridge rule's HTTP target would receive it.
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

// PutEvents records each entry as the event EventBridge would deliver
// (its id is the audit event's, detail.eventId) and answers each entry
// with that id. It refuses none.
func (l *EventLog) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	out := &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}
	for i, e := range in.Entries {
		var d struct {
			EventID string `json:"eventId"`
		}
		_ = json.Unmarshal([]byte(aws.ToString(e.Detail)), &d)
		at := time.Now()
		if e.Time != nil {
			at = *e.Time
		}
		l.add(ctx, Event{Version: "0", ID: d.EventID, DetailType: aws.ToString(e.DetailType), Source: aws.ToString(e.Source),
			Account: localAccount, Time: at.UTC().Format(time.RFC3339), Region: "local", Resources: []string{},
			Detail: json.RawMessage(aws.ToString(e.Detail))})
		out.Entries[i].EventId = aws.String(d.EventID)
	}
	return out, nil
}

var _ publish.API = (*EventLog)(nil)

func (l *EventLog) add(ctx context.Context, ev Event) {
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
	// Read the stream up to now first: the list has every write committed
	// before this request.
	if s.Stream != nil {
		if err := s.Stream.Sync(r.Context()); err != nil {
			s.Stream.Log.ErrorContext(r.Context(), "table stream not read", "err", err)
			writeProblem(w, domain.Errorf(domain.ECodeServiceUnavailable, "the table's stream could not be read; try again"))
			return
		}
	}
	evs, err := s.Events.Since(r.URL.Query().Get("since"))
	if err != nil {
		writeProblem(w, domain.Errorf(domain.ECodeNotFound, "no event has id %q", r.URL.Query().Get("since")))
		return
	}
	writeJSON(w, map[string]any{"events": evs})
}
