package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestContractCatchesViolations: the check in front of every test server
// flags an undocumented field, an undocumented status, and a success
// answered to a request the spec rejects; it passes a documented answer.
func TestContractCatchesViolations(t *testing.T) {
	router, err := ContractRouter()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		resp                     string
		wantFail                 bool
	}{
		{"documented", "GET", "/healthz", "", 200, `{"status":"ok"}`, false},
		{"undocumented field", "GET", "/healthz", "", 200, `{"status":"ok","extra":1}`, true},
		{"undocumented status", "GET", "/healthz", "", 418, `{"status":"ok"}`, true},
		{"bad request answered 200", "POST", "/invites/preview", `{"token":"x","extra":true}`, 200,
			`{"orgId":"org_1234","orgName":"A","invitedBy":"a@b.c","email":"d@e.f","orgRole":"user","projects":[],"projectRole":null,"expiresAt":"2026-01-01T00:00:00Z","status":"pending"}`, true},
		{"bad request answered 400", "POST", "/invites/preview", `{"token":"x","extra":true}`, 400,
			`{"type":"urn:members:problem:invalid_request","title":"Bad Request","status":400,"detail":"unknown field","code":"invalid_request"}`, false},
		{"code not listed for the route", "POST", "/invites/preview", `{"token":"x"}`, 404,
			`{"type":"urn:members:problem:org_not_found","title":"Not Found","status":404,"detail":"x","code":"org_not_found"}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct := "application/json"
			if tc.status >= 400 {
				ct = "application/problem+json"
			}
			c := &contract{router: router, next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.resp)
			})}
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			c.ServeHTTP(httptest.NewRecorder(), req)
			if got := len(c.failures()) > 0; got != tc.wantFail {
				t.Fatalf("failed %v, want %v: %v", got, tc.wantFail, c.failures())
			}
		})
	}
}
