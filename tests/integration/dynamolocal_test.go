package integration

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/tests/testenv"
)

// make local's own DynamoDB Local, with DYNAMODB_DATA: the stack starts
// the jar (no endpoint given), the data outlives a restart over the same
// folder, the restarted stack reads the stream from where it starts (the
// first run's events are not published again) and Close stops Java.
func TestLocalStackKeepsDataInDynamoDBData(t *testing.T) {
	dir := t.TempDir()
	start := func() (*localserver.Stack, *testenv.Env) {
		t.Helper()
		c := config.Config{TableName: "members", AppBaseURL: "http://console.test", MailFrom: "invites@members.test",
			SESEndpoint: testenv.Parts(t).SES.URL, Region: "us-east-1", DynamoData: dir}
		logs := &testenv.SyncBuffer{}
		st, err := localserver.Start(context.Background(), c, logging.New(logs, slog.LevelDebug), nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.DynamoLocal == nil || st.DynamoLocal.Version == "" || st.DynamoEndpoint != st.DynamoLocal.URL {
			st.Close()
			t.Fatalf("the stack did not start DynamoDB Local: %+v", st.DynamoLocal)
		}
		return st, &testenv.Env{Shared: testenv.Parts(t), BaseURL: testenv.Serve(t, st.Server), Stack: st}
	}
	types := func(e *testenv.Env) []string {
		var all struct{ Events []localserver.Event }
		e.Must(t, 200, "GET", "/_local/events", "", nil, &all)
		var out []string
		for _, ev := range all.Events {
			out = append(out, ev.DetailType)
		}
		return out
	}

	st1, e1 := start()
	owner := e1.SignIn(t, testenv.Email("kept-owner"))
	var org struct{ ID string }
	e1.Must(t, 201, "POST", "/orgs", owner.Token, map[string]string{"name": "Kept"}, &org)
	if got := types(e1); !slices.Equal(got, []string{"org.created"}) {
		t.Fatalf("first run's events %v", got)
	}
	url := st1.DynamoLocal.URL
	st1.Close()
	if _, err := testenv.HTTPGet(url); err == nil {
		t.Fatalf("DynamoDB Local still answers on %s after Close", url)
	}

	st2, e2 := start()
	defer st2.Close()
	o2 := e2.SignIn(t, owner.Email)
	var me struct {
		Orgs []struct{ ID, Name, Role string }
	}
	e2.Must(t, 200, "GET", "/me", o2.Token, nil, &me)
	if len(me.Orgs) != 1 || me.Orgs[0].ID != org.ID || me.Orgs[0].Name != "Kept" || me.Orgs[0].Role != "owner" {
		t.Fatalf("after a restart over the same DYNAMODB_DATA: %+v", me)
	}
	e2.Must(t, 201, "POST", "/orgs/"+org.ID+"/projects", o2.Token, map[string]string{"name": "Web"}, nil)
	if got := types(e2); !slices.Equal(got, []string{"project.created"}) {
		t.Errorf("second run's events %v, want only its own", got)
	}
}
