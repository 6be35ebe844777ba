package lambda_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
	"github.com/members-saas/members/shared/store"
	rie "github.com/members-saas/members/tests/lambda"
	"github.com/members-saas/members/tests/testenv"
)

// eventBridge is a stand-in for EventBridge's PutEvents (AWS JSON 1.1
// protocol) that records every call; fail may refuse entries (return an
// error code for call n's entry i).
type eventBridge struct {
	mu    sync.Mutex
	calls [][]putEntry
	fail  func(call, entry int) string
	bad   []string // protocol violations seen
}

type putEntry struct {
	Source, DetailType, Detail, EventBusName string
	Time                                     json.Number
}

func (eb *eventBridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	eb.mu.Lock()
	defer eb.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		eb.bad = append(eb.bad, r.Method+" "+r.Header.Get("X-Amz-Target")+" "+r.Header.Get("Content-Type"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"UnknownOperationException"}`))
		return
	}
	var in struct{ Entries []putEntry }
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		eb.bad = append(eb.bad, "body: "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	call := len(eb.calls)
	eb.calls = append(eb.calls, in.Entries)
	type result struct {
		EventId, ErrorCode, ErrorMessage string `json:",omitempty"`
	}
	out := struct {
		Entries          []result
		FailedEntryCount int
	}{}
	for i := range in.Entries {
		if code := ""; eb.fail != nil {
			if code = eb.fail(call, i); code != "" {
				out.Entries = append(out.Entries, result{ErrorCode: code, ErrorMessage: "stand-in refused it"})
				out.FailedEntryCount++
				continue
			}
		}
		out.Entries = append(out.Entries, result{EventId: "11111111-2222-3333-4444-" + strings.Repeat("5", 12)})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func (eb *eventBridge) recorded() ([][]putEntry, []string) {
	eb.mu.Lock()
	defer eb.mu.Unlock()
	return append([][]putEntry{}, eb.calls...), append([]string{}, eb.bad...)
}

// publishEnv is publish-events' environment with the EventBridge stand-in at url.
func publishEnv(url string) map[string]string {
	return map[string]string{
		"EVENT_BUS_NAME": testBus, "EVENTS_ENDPOINT": url, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example-secret",
		"AWS_LAMBDA_FUNCTION_NAME": routes.FnPublishEvents, "AWS_LAMBDA_FUNCTION_TIMEOUT": "30",
	}
}

const testBus = "arn:aws:events:us-east-1:123456789012:event-bus/MembersEventsBus"

// The publish-events function under the runtime emulator, talking with the
// real SDK client to an EventBridge stand-in, with the sample stream events
// (events/stream-*.json).
func TestPublishEventsFunction(t *testing.T) {
	emulator(t)
	if hostBinaries(t)[fnPkg(routes.FnPublishEvents)] == "" {
		t.Fatalf("functions/%s is missing", routes.FnPublishEvents)
	}
	type response struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	cases := []struct {
		name, file string
		fail       func(call, entry int) string
		wantTypes  [][]string // detail-types per PutEvents call
		wantFailed string     // the reported sequence number
		wantEMF    metrics.Counts
	}{
		{name: "audit insert", file: "stream-audit-insert.json", wantTypes: [][]string{{"member.added"}},
			wantEMF: metrics.Counts{metrics.EventsPublished: 1}},
		{name: "non-audit records ignored", file: "stream-ignored.json"},
		{name: "malformed record reported, the one before published", file: "stream-malformed.json",
			wantTypes: [][]string{{"invite.created"}}, wantFailed: "4400000000000000000006",
			wantEMF: metrics.Counts{metrics.EventsPublished: 1, metrics.EventsFailed: 1}},
		{name: "refused entry retried", file: "stream-audit-insert.json",
			fail: func(call, _ int) string {
				if call == 0 {
					return "ThrottlingException"
				}
				return ""
			},
			wantTypes: [][]string{{"member.added"}, {"member.added"}},
			wantEMF:   metrics.Counts{metrics.EventsPublished: 1}},
		{name: "entry refused every time reported", file: "stream-audit-insert.json",
			fail:      func(int, int) string { return "InternalFailure" },
			wantTypes: [][]string{{"member.added"}, {"member.added"}, {"member.added"}, {"member.added"}}, wantFailed: "4400000000000000000001",
			wantEMF: metrics.Counts{metrics.EventsFailed: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eb := &eventBridge{fail: c.fail}
			srv := httptest.NewServer(eb)
			defer srv.Close()
			f := start(t, routes.FnPublishEvents, publishEnv(srv.URL))
			res, err := f.Invoke(context.Background(), readEvent(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusOK {
				t.Fatalf("emulator status %d, payload %s", res.Status, res.Body)
			}
			var resp response
			if err := json.Unmarshal(res.Body, &resp); err != nil || resp.BatchItemFailures == nil {
				t.Fatalf("response %s (%v), want batchItemFailures", res.Body, err)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			if want := c.wantFailed; (want == "" && len(failed) != 0) || (want != "" && (len(failed) != 1 || failed[0] != want)) {
				t.Errorf("batch item failures %v, want %q", failed, want)
			}
			calls, bad := eb.recorded()
			if len(bad) > 0 {
				t.Errorf("requests the stand-in did not understand: %v", bad)
			}
			var types [][]string
			for _, call := range calls {
				var ts []string
				for _, e := range call {
					ts = append(ts, e.DetailType)
					checkEntry(t, e)
				}
				types = append(types, ts)
			}
			if js(types) != js(c.wantTypes) {
				t.Errorf("PutEvents calls %v, want %v", types, c.wantTypes)
			}
			// AND the invocation's counts are one EMF line (none when it
			// had no events), written before its "stream batch" log line
			checkPublishEMF(t, f, c.wantEMF)
		})
	}
}

// checkPublishEMF waits for f's "stream batch" log line and checks that
// f wrote the EMF line of want before it: publish-events' function, the
// Function dimension only, want's counts and no properties; or none when
// want is empty.
func checkPublishEMF(t *testing.T, f *rie.Function, want metrics.Counts) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(f.Logs(), `"msg":"stream batch"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	logs := f.Logs()
	lines, err := testenv.EMFLines(logs[:max(strings.Index(logs, `"msg":"stream batch"`), 0)])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, l := range lines {
		if l.Namespace != metrics.Namespace || len(l.Dimensions) != 1 || l.Dimensions[metrics.DimFunction] != routes.FnPublishEvents ||
			len(l.Properties) != 0 {
			t.Errorf("EMF line %+v", l)
		}
		for k, v := range l.Values {
			got[k] += v
		}
	}
	wantV := map[string]float64{}
	for k, v := range want {
		wantV[string(k)] = v
	}
	if len(lines) != min(len(want), 1) || js(got) != js(wantV) {
		t.Errorf("EMF lines %+v, want one with %v", lines, want)
	}
}

// checkEntry checks one PutEvents entry: the bus, the source, a detail
// that is the audit event, and nothing secret.
func checkEntry(t *testing.T, e putEntry) {
	t.Helper()
	var d struct {
		EventID, OrgID, Action string
		Target                 struct{ Type, ID, Email string }
	}
	if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
		t.Errorf("detail %s: %v", e.Detail, err)
	}
	if e.EventBusName != testBus || e.Source != "members" || e.Time == "" || d.Action != e.DetailType ||
		!strings.HasPrefix(d.EventID, "evt_") || d.OrgID != "org_example" || d.Target.ID == "" {
		t.Errorf("entry %+v", e)
	}
	if d.Action == "member.added" && d.Target.Email != "alan@example.com" {
		t.Errorf("member.added target %+v", d.Target)
	}
	// The directory token events name what they are about (their action
	// and target type), never a token's value or hash.
	named := strings.NewReplacer("scim.token_created", "", "scim.token_revoked", "", "directorytoken", "")
	if strings.Contains(named.Replace(strings.ToLower(e.Detail)), "token") {
		t.Errorf("detail mentions a token: %s", e.Detail)
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// Without EVENT_BUS_NAME publish-events fails at init, so Lambda retries
// the batch (and finally bisects it to the DLQ) instead of dropping it.
func TestPublishEventsWithoutBusFailsInit(t *testing.T) {
	emulator(t)
	f := start(t, routes.FnPublishEvents, map[string]string{"AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example-secret",
		"AWS_LAMBDA_FUNCTION_NAME": routes.FnPublishEvents})
	r, err := f.Invoke(context.Background(), readEvent(t, "stream-audit-insert.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status == http.StatusOK {
		t.Fatalf("invocation succeeded without EVENT_BUS_NAME: %s", r.Body)
	}
	if logs := f.Logs(); !strings.Contains(logs, `"msg":"configuration"`) || !strings.Contains(logs, "EVENT_BUS_NAME") {
		t.Errorf("logs do not name EVENT_BUS_NAME:\n%s", logs)
	}
}

// The publish-events function under the runtime emulator, invoked with
// records read from the real stream of a DynamoDB Local table (as
// make local reads it, through localserver.StreamReader): every audit item
// the seed wrote becomes one PutEvents entry, in the stream's order, and
// the other items written with them are skipped.
func TestPublishEventsFromLocalStream(t *testing.T) {
	emulator(t)
	p := startParts(t)
	table, st := p.newTable(t)
	ctx := context.Background()
	if err := rie.Seed(ctx, st, time.Now()); err != nil {
		t.Fatal(err)
	}
	tbl, err := store.EnsureTable(ctx, p.clients.DynamoDB, table) // made by newTable: this only reads its stream ARN
	if err != nil {
		t.Fatal(err)
	}
	arn := tbl.StreamARN
	awsCfg, err := localserver.AWS(ctx, config.Config{DynamoEndpoint: p.dynamoURL, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	var payloads []json.RawMessage
	reader := &localserver.StreamReader{API: localserver.StreamClient(awsCfg, p.dynamoURL), StreamARN: arn, Region: "us-east-1",
		Log: slog.New(slog.DiscardHandler),
		Handle: func(_ context.Context, b json.RawMessage) (events.DynamoDBEventResponse, error) {
			payloads = append(payloads, b)
			return events.DynamoDBEventResponse{}, nil
		}}
	if err := reader.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if len(payloads) == 0 {
		t.Fatal("nothing read from the table's stream")
	}
	var wantAudit int
	for _, b := range payloads {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		for _, r := range ev.Records {
			// Counter items (seats, the directory's) are updated by the seed: MODIFY.
			if (r.EventName != "INSERT" && r.EventName != "MODIFY") || r.EventSource != "aws:dynamodb" || r.Change.SequenceNumber == "" || r.Change.StreamViewType != "NEW_IMAGE" {
				t.Errorf("stream record %+v", r)
			}
			if v, ok := r.Change.NewImage["type"]; ok && v.DataType() == events.DataTypeString && v.String() == "audit" {
				wantAudit++
			}
		}
	}
	if wantAudit < 4 {
		t.Fatalf("%d audit items in the stream, want the seed's (at least 4)", wantAudit)
	}

	eb := &eventBridge{}
	srv := httptest.NewServer(eb)
	defer srv.Close()
	f := start(t, routes.FnPublishEvents, publishEnv(srv.URL))
	for _, b := range payloads {
		res, err := f.Invoke(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"batchItemFailures":[]`) {
			t.Fatalf("emulator status %d, payload %s", res.Status, res.Body)
		}
	}
	calls, bad := eb.recorded()
	if len(bad) > 0 {
		t.Errorf("requests the stand-in did not understand: %v", bad)
	}
	var got int
	for _, call := range calls {
		for _, e := range call {
			checkEntry(t, e)
			got++
		}
	}
	if got != wantAudit {
		t.Errorf("%d events published, want one per audit item (%d)", got, wantAudit)
	}
}
