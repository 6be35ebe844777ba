package metrics_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/members-saas/members/shared/metrics"
)

func TestEmitWritesOneEMFLine(t *testing.T) {
	var buf bytes.Buffer
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := metrics.NewWithClock(&buf, func() time.Time { return at })
	err := s.Emit("invite", metrics.Counts{metrics.InvitesCreated: 2, metrics.EmailsSent: 2, metrics.EmailsFailed: 0},
		map[string]string{"route": "POST /orgs/{orgId}/invites", "Function": "spoofed", "InvitesCreated": "x"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"EmailsSent":2,"Function":"invite","InvitesCreated":2,"_aws":{"Timestamp":` +
		`1796119200000,"CloudWatchMetrics":[{"Namespace":"Members","Dimensions":[["Function"]],` +
		`"Metrics":[{"Name":"EmailsSent","Unit":"Count"},{"Name":"InvitesCreated","Unit":"Count"}]}]},` +
		`"route":"POST /orgs/{orgId}/invites"}` + "\n"
	if got := buf.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(bytes.TrimSpace(buf.Bytes())) {
		t.Fatal("not JSON")
	}
}

func TestEmitWritesNothingForZeroCountsOrANilSink(t *testing.T) {
	var buf bytes.Buffer
	if err := metrics.New(&buf).Emit("me", metrics.Counts{metrics.Requests: 0}, nil); err != nil || buf.Len() != 0 {
		t.Fatalf("wrote %q, %v", buf.String(), err)
	}
	var nilSink *metrics.Sink
	if err := nilSink.Emit("me", metrics.Counts{metrics.Requests: 1}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogNamesAreUnique(t *testing.T) {
	seen := map[metrics.Name]bool{}
	for _, m := range metrics.Catalog {
		if seen[m.Name] || m.Help == "" || m.Source == "" {
			t.Errorf("catalog entry %+v duplicated or undescribed", m)
		}
		seen[m.Name] = true
	}
}
