package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/members-saas/members"
	"github.com/members-saas/members/shared/routes"
)

// The contract check sits in front of every local API server a test
// starts (Serve), not in one client: whatever sends the request (Env.Do,
// a goroutine's own http.Client, the Go client package, a browser), it is
// checked against openapi.yaml, so no test can skip it.
//
//   - A request the spec accepts must get a response the spec documents:
//     a documented status, content type and body (every object schema
//     forbids undocumented fields), and no body where none is documented.
//   - A request the spec rejects (a test sending bad input on purpose) must
//     get a 4xx, itself documented.
//   - A path of no route must get a 404 or 405 problem; the local-only
//     /_local/ routes and the console's GET pages are not the API's.

var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractErr    error
)

// ContractRouter returns the router over openapi.yaml (loaded once).
func ContractRouter() (routers.Router, error) {
	contractOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(members.OpenAPI)
		if err != nil {
			contractErr = fmt.Errorf("load openapi.yaml: %w", err)
			return
		}
		doc.Servers = nil // match any host: tests listen on random ports
		contractRouter, contractErr = gorillamux.NewRouter(doc)
	})
	return contractRouter, contractErr
}

// contract records the violations seen by one server.
type contract struct {
	router routers.Router
	next   http.Handler
	mu     sync.Mutex
	fails  []string
}

func (c *contract) fail(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fails) < 20 {
		c.fails = append(c.fails, fmt.Sprintf(format, args...))
	}
}

func (c *contract) failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.fails...)
}

func (c *contract) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_local/") {
		c.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	res := rec.Result()
	for k, vs := range res.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rec.Body.Bytes())

	what := r.Method + " " + r.URL.RequestURI()
	if err := c.check(r, body, res.StatusCode, res.Header, rec.Body.Bytes()); err != nil {
		c.fail("%s → %d %s: %v", what, res.StatusCode, truncate(rec.Body.String(), 300), err)
	}
}

func (c *contract) check(r *http.Request, body []byte, status int, h http.Header, resBody []byte) error {
	_, _, ok, pathMatched := routes.Match(r.Method, r.URL.Path)
	if !ok {
		switch {
		case pathMatched:
			return wantProblem(status, h, http.StatusMethodNotAllowed)
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			return nil // the console's pages and /openapi.yaml
		default:
			return wantProblem(status, h, http.StatusNotFound)
		}
	}
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("route %s is in routes.Table but openapi.yaml has no operation for it: %v", r.Method+" "+r.URL.Path, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && (status < 400 || status > 499) {
		return fmt.Errorf("the spec rejects this request (%v) but the server answered %d", reqErr, status)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: h, Options: opts}
	out.SetBodyBytes(resBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response not as documented: %v", err)
	}
	if rr := route.Operation.Responses.Status(status); rr != nil && rr.Value != nil && len(rr.Value.Content) == 0 && len(resBody) > 0 {
		return fmt.Errorf("status %d is documented without a body but has one", status)
	}
	return nil
}

func wantProblem(status int, h http.Header, want int) error {
	if status != want || h.Get("Content-Type") != "application/problem+json" {
		return fmt.Errorf("a request of no route must get a %d problem", want)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Serve starts an httptest server for h behind the contract check; the
// test fails (at its end) when a request or response broke the contract.
// It returns the server's base URL.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	router, err := ContractRouter()
	if err != nil {
		t.Fatalf("contract: %v", err)
	}
	c := &contract{router: router, next: h}
	// Registered before the server's own cleanup, so it runs after the
	// server closed and every request finished.
	t.Cleanup(func() {
		for _, f := range c.failures() {
			t.Errorf("openapi.yaml contract: %s", f)
		}
	})
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv.URL
}
