package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

// evDetail is what the tests read of an event's detail.
type evDetail struct {
	EventID string `json:"eventId"`
	OrgID   string `json:"orgId"`
	Action  string `json:"action"`
	Target  struct {
		Type, ID, UserID, Email string
	} `json:"target"`
}

func evDetailOf(t *testing.T, ev localserver.Event) evDetail {
	t.Helper()
	var d evDetail
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		t.Fatalf("detail %s: %v", ev.Detail, err)
	}
	return d
}

// evHook receives the events LOCAL_EVENTS_URL forwards.
type evHook struct {
	mu     sync.Mutex
	events []localserver.Event
}

func (h *evHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var ev localserver.Event
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &ev) != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *evHook) ids() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		out = append(out, e.ID)
	}
	return out
}

// The whole story, locally: every audit item becomes one event, in order
// per organization, each valid against its docs/events schema, none
// carrying a token or its hash; GET /_local/events pages with since, and
// LOCAL_EVENTS_URL receives the same events in the same order.
func TestMembershipEventsStory(t *testing.T) {
	env := testenv.New(t)
	hook := &evHook{}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()
	env.Stack.Events.ForwardURL = hookSrv.URL

	// Organization A: a project, an invite resent, edited, then accepted, a
	// registered user added at once, role changes, an invite revoked, an
	// invite that bounces, a member who leaves and one who is removed.
	a := mgNewOrg(t, env, "events-a")
	web := a.project(t, "Web")
	adaEmail, adaInvite := a.pending(t, "events-ada", map[string]any{"projectIds": []string{web}, "projectRole": "member"})
	env.Must(t, 200, "POST", a.path("/invites/"+adaInvite+"/resend"), a.Owner.Token, nil, nil)
	env.Must(t, 200, "PATCH", a.path("/invites/"+adaInvite), a.Owner.Token,
		map[string]any{"projects": []map[string]string{{"id": web, "role": "viewer"}}}, nil)
	var secrets []string
	for _, tok := range env.InviteLinks(t, adaEmail) {
		secrets = append(secrets, tok, domain.HashToken(tok))
	}
	ada := env.SignIn(t, adaEmail)
	env.Must(t, 200, "POST", "/invites/accept", ada.Token, map[string]string{"token": env.LastInviteToken(t, adaEmail)}, nil)
	grace := a.member(t, "events-grace", "member", []string{web}, "member")
	env.Must(t, 200, "PATCH", a.path("/projects/"+web+"/members/"+ada.ID), a.Owner.Token, map[string]string{"role": "owner"}, nil)
	env.Must(t, 200, "PATCH", a.path("/members/"+ada.ID), a.Owner.Token, map[string]string{"role": "owner"}, nil)
	bobEmail, bobInvite := a.pending(t, "events-bob", nil)
	for _, tok := range env.InviteLinks(t, bobEmail) {
		secrets = append(secrets, tok, domain.HashToken(tok))
	}
	env.Must(t, 204, "DELETE", a.path("/invites/"+bobInvite), a.Owner.Token, nil, nil)
	_, carolInvite := a.pending(t, "events-carol", nil)
	st := store.New(env.Stack.Clients.DynamoDB, env.Stack.Config.TableName)
	carol, err := st.GetInvite(context.Background(), a.ID, carolInvite)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordDeliveryEvent(context.Background(), domain.DeliveryEvent{MessageID: "bounce-1", OrgID: a.ID,
		InviteID: carolInvite, MailID: carol.MailID, Kind: domain.DeliveryBounced, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	env.Must(t, 204, "DELETE", a.path("/members/"+grace.ID), grace.Token, nil, nil)
	env.Must(t, 204, "DELETE", a.path("/members/"+ada.ID), a.Owner.Token, nil, nil)
	// Organization B, in between: its events interleave with none of A's.
	b := mgNewOrg(t, env, "events-b")
	b.pending(t, "events-dan", nil)

	var all struct{ Events []localserver.Event }
	env.Must(t, 200, "GET", "/_local/events", "", nil, &all)

	// THEN each organization's events are its audit trail, oldest first
	byOrg := map[string][]string{}
	var typesA []string
	for _, ev := range all.Events {
		d := evDetailOf(t, ev)
		if ev.Source != eventbus.Source || ev.DetailType != d.Action || ev.ID != d.EventID || ev.Version != "0" {
			t.Errorf("event %s: envelope %+v", d.EventID, ev)
		}
		byOrg[d.OrgID] = append(byOrg[d.OrgID], d.EventID)
		if d.OrgID == a.ID {
			typesA = append(typesA, ev.DetailType)
		}
	}
	for _, org := range []*mgOrg{a, b} {
		var page mgAuditPage
		env.Must(t, 200, "GET", org.path("/audit?limit=100"), org.Owner.Token, nil, &page)
		var trail []string
		for _, e := range slices.Backward(page.Events) {
			trail = append(trail, e.ID)
		}
		if !slices.Equal(byOrg[org.ID], trail) {
			t.Errorf("org %s: events %v\nwant the audit trail %v", org.ID, byOrg[org.ID], trail)
		}
	}
	wantA := []string{"org.created", "project.created", "invite.created", "invite.resent", "invite.updated", "invite.accepted", "member.added",
		"member.added", "member.role_changed", "member.role_changed", "invite.created", "invite.revoked", "invite.created",
		"invite.delivery_failed", "member.left", "member.removed"}
	if !slices.Equal(typesA, wantA) {
		t.Errorf("org A detail-types\n got %v\nwant %v", typesA, wantA)
	}
	if len(byOrg) != 2 || len(byOrg[b.ID]) != 2 {
		t.Errorf("events by org %v", byOrg)
	}

	// AND each detail is valid against its detail-type's schema
	schemas := compileEventSchemas(t)
	for _, ev := range all.Events {
		sch := schemas[ev.DetailType]
		if sch == nil {
			t.Errorf("no schema for %s", ev.DetailType)
			continue
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(ev.Detail)))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s %s: %v\n%s", ev.DetailType, ev.ID, err, ev.Detail)
		}
	}

	// (and the schemas do reject what they do not describe)
	bad := map[string]any{"eventId": "evt_1", "orgId": "org_1", "action": "member.added", "at": "2026-12-01T10:00:00Z",
		"actor": map[string]any{"userId": "u"}, "target": map[string]any{"type": "member", "id": "u", "userId": "u"},
		"projectIds": []any{}, "after": map[string]any{"role": "admin"}}
	if err := schemas["member.added"].Validate(bad); err == nil {
		t.Errorf("member.added schema accepts the role admin")
	}
	bad["after"], bad["tokenHash"] = map[string]any{"role": "member"}, "x"
	if err := schemas["member.added"].Validate(bad); err == nil {
		t.Errorf("member.added schema accepts an undocumented field")
	}

	// AND who the events are about is spelt out
	for _, ev := range all.Events {
		d := evDetailOf(t, ev)
		switch {
		case d.Action == "member.left" && (d.Target.UserID != grace.ID || d.Target.Email != grace.Email):
			t.Errorf("member.left target %+v, want grace", d.Target)
		case d.Action == "member.removed" && (d.Target.UserID != ada.ID || d.Target.Email != ada.Email):
			t.Errorf("member.removed target %+v, want ada", d.Target)
		case d.Action == "invite.accepted" && (d.Target.UserID != ada.ID || d.Target.Email != ada.Email || d.Target.ID != adaInvite):
			t.Errorf("invite.accepted target %+v", d.Target)
		case d.Action == "invite.revoked" && d.Target.Email != bobEmail:
			t.Errorf("invite.revoked target %+v", d.Target)
		}
	}

	// AND no event carries a token or a token's hash
	text, _ := json.Marshal(all.Events)
	assertNoSecrets(t, "events", string(text), secrets)
	if strings.Contains(strings.ToLower(string(text)), "token") {
		t.Errorf("an event mentions a token: %s", text)
	}

	// AND since= lists what came after an event; an unknown id is a 404
	var rest struct{ Events []localserver.Event }
	env.Must(t, 200, "GET", "/_local/events?since="+all.Events[2].ID, "", nil, &rest)
	if len(rest.Events) != len(all.Events)-3 || rest.Events[0].ID != all.Events[3].ID {
		t.Errorf("since %s: %d events, want %d", all.Events[2].ID, len(rest.Events), len(all.Events)-3)
	}
	wantProblem(t, env.Do(t, "GET", "/_local/events?since=evt_unknown", "", nil), 404, "not_found")

	// AND LOCAL_EVENTS_URL got the same events in the same order
	var want []string
	for _, ev := range all.Events {
		want = append(want, ev.ID)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(hook.ids(), want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := hook.ids(); !slices.Equal(got, want) {
		t.Errorf("forwarded %v\nwant %v", got, want)
	}
}

// compileEventSchemas compiles docs/events/<detail-type>.schema.json for
// every detail-type, failing when a detail-type has no schema or a schema
// no detail-type.
func compileEventSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "docs", "events")
	files, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".schema.json"); name != "common" {
			have = append(have, name)
		}
	}
	want := slices.Sorted(slices.Values(eventbus.DetailTypes))
	if slices.Sort(have); !slices.Equal(have, want) {
		t.Errorf("docs/events has schemas for %v, want one per detail-type %v", have, want)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for _, dt := range eventbus.DetailTypes {
		p := filepath.Join(dir, dt+".schema.json")
		if _, err := os.Stat(p); err != nil {
			continue
		}
		sch, err := c.Compile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[dt] = sch
	}
	return out
}

// A mail SES refuses is an invite.delivery_failed event right after the
// invite's invite.created.
func TestRefusedMailIsAnEvent(t *testing.T) {
	env := testenv.New(t, testenv.Options{SESEndpoint: "http://127.0.0.1:9"}) // nothing listens there
	a := mgNewOrg(t, env, "events-refused")
	r := a.invite(t, a.Owner, map[string]any{"emails": []string{testenv.Email("events-zoe")}})
	if r.Delivery != "failed" || r.InviteID == "" {
		t.Fatalf("invite %+v, want delivery failed", r)
	}
	var all struct{ Events []localserver.Event }
	env.Must(t, 200, "GET", "/_local/events", "", nil, &all)
	var types []string
	for _, ev := range all.Events {
		types = append(types, ev.DetailType)
	}
	if want := []string{"org.created", "invite.created", "invite.delivery_failed"}; !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	last := all.Events[2]
	d := evDetailOf(t, last)
	if d.Target.ID != r.InviteID || d.Target.Type != "invite" || d.OrgID != a.ID || d.Target.Email != r.Email {
		t.Errorf("delivery_failed detail %s", last.Detail)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(last.Detail)))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileEventSchemas(t)[last.DetailType].Validate(v); err != nil {
		t.Errorf("%v\n%s", err, last.Detail)
	}
}
