// Package httpapi maps API Gateway HTTP API (payload 2.0) events to the
// domain service and back. Handlers are thin: event → typed input →
// service call → response; every error becomes an RFC 9457 problem.
package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// MaxBodyBytes is the largest request body accepted (64 KiB).
const MaxBodyBytes = 64 << 10

// Handler is a Lambda handler for HTTP API events.
type Handler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// request is what an operation sees of an event.
type request struct {
	ev   events.APIGatewayV2HTTPRequest
	id   domain.Identity
	body []byte
}

func (r *request) path(name string) string { return r.ev.PathParameters[name] }
func (r *request) query(name string) string {
	return r.ev.QueryStringParameters[name]
}

// hasQuery reports whether the query string names the parameter, even empty.
func (r *request) hasQuery(name string) bool {
	_, ok := r.ev.QueryStringParameters[name]
	return ok
}

// response is an operation's success: a status, a JSON body (nil: none)
// and the business metrics of what it did.
type response struct {
	status int
	body   any
	counts metrics.Counts
}

type operation func(ctx context.Context, r *request) (response, error)

// API serves the routes of routes.Table with a domain.Service.
type API struct {
	svc *domain.Service
	log *slog.Logger
	met *metrics.Sink
	ops map[string]operation // by route key, as events carry it
	// auth tells, per route key, whether the route needs a signed-in caller.
	auth map[string]bool
}

// noRoute answers an event whose route key this API does not serve.
func noRoute(context.Context, *request) (response, error) {
	return response{}, domain.Errorf(domain.ECodeNotFound, "no such route")
}

// Ops maps operations to their handlers. Each Lambda's main passes New the
// Ops of its own function (InviteOps for invite, ...), so its binary links
// only the service methods, store calls and packages its routes use (the
// binary-size target of docs/benchmarks.md); AllOps are every route's.
type Ops map[routes.Op]operation

// AllOps returns the Ops of every function: the local server and tests
// serve every route. A Lambda's main must not use it (its binary would
// link every operation).
func AllOps() []func(*API) Ops {
	return []func(*API) Ops{HealthzOps, MeOps, OrgsOps, InviteOps, InvitesOps, PreviewOps, AcceptOps,
		ListMembersOps, MembersOps, ProjectMembersOps, AuditOps, AccessOps, DomainsOps, JoinOps, ScimOps}
}

// New returns the API over svc serving the routes whose operations sets
// give (see Ops). It panics when two sets give the same operation, or
// one gives an operation routes.Table does not have.
func New(svc *domain.Service, log *slog.Logger, sets ...func(*API) Ops) *API {
	a := &API{svc: svc, log: log, auth: map[string]bool{}}
	ops := map[routes.Op]operation{}
	for _, set := range sets {
		for op, f := range set(a) {
			if ops[op] != nil {
				panic("httpapi: operation " + string(op) + " given twice")
			}
			ops[op] = f
		}
	}
	a.ops = make(map[string]operation, len(ops))
	for _, rt := range routes.Table {
		if f := ops[rt.Op]; f != nil {
			a.ops[rt.Key()] = f
			a.auth[rt.Key()] = rt.Auth
			delete(ops, rt.Op)
		}
	}
	for op := range ops {
		panic("httpapi: operation " + string(op) + " has no route")
	}
	return a
}

// WithMetrics makes a write one EMF line per request to m (see
// requestMetrics) and returns a. Call it before serving; without it no
// metrics are written.
func (a *API) WithMetrics(m *metrics.Sink) *API {
	a.met = m
	return a
}

// Function returns the Lambda handler of function fn: it serves that
// function's routes (by the event's route key) and answers 404 otherwise.
// It panics when New was not given the operations of fn's routes.
func (a *API) Function(fn string) Handler {
	mine := map[string]bool{}
	for _, rt := range routes.ForFunction(fn) {
		if a.ops[rt.Key()] == nil {
			panic("httpapi: no operation " + string(rt.Op) + " for route " + rt.Key() + " of function " + fn + " (pass New its Ops)")
		}
		mine[rt.Key()] = true
	}
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if !mine[ev.RouteKey] {
			return a.serve(ctx, ev, noRoute, false, fn), nil
		}
		return a.Serve(ctx, ev), nil
	}
}

// Serve handles one event by its route key, whichever function serves it
// (the local server uses this).
func (a *API) Serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	op, ok := a.ops[ev.RouteKey]
	if !ok {
		return a.serve(ctx, ev, noRoute, false, "")
	}
	return a.serve(ctx, ev, op, a.auth[ev.RouteKey], functionOf[ev.RouteKey])
}

func requestID(ctx context.Context, ev events.APIGatewayV2HTTPRequest) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return ev.RequestContext.RequestID
}

// serve runs op for ev; fn is the function the metrics count it under ("":
// none serves the route).
func (a *API) serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest, op operation, auth bool, fn string) (resp events.APIGatewayV2HTTPResponse) {
	start := time.Now()
	rid := requestID(ctx, ev)
	ctx = logging.WithRequestID(ctx, rid)
	var err error
	var out response
	isSCIM := routes.IsSCIM(ev.RouteKey)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			resp = a.problem(ctx, err)
		}
		if isSCIM { // SCIM's media type and error schema (scim.go)
			if err != nil {
				resp = a.scimError(ctx, err)
				out.counts = metrics.Counts{metrics.ScimRejected: 1}
			} else if resp.Headers["Content-Type"] == "application/json" {
				resp.Headers["Content-Type"] = ScimMediaType
			}
		}
		a.emit(ctx, fn, ev.RouteKey, resp.StatusCode, err, out.counts)
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		if rid != "" {
			resp.Headers["X-Request-Id"] = rid
		}
		setResponseHeaders(resp.Headers) // headers.go
		attrs := []any{"route", ev.RouteKey, "status", resp.StatusCode, "ms", time.Since(start).Milliseconds()}
		if err != nil {
			attrs = append(attrs, "code", domain.ErrorCode(err))
		}
		a.log.InfoContext(ctx, "request", attrs...)
	}()
	r := &request{ev: ev, id: identityOf(ev)}
	if auth && r.id.UserID == "" {
		err = domain.Errorf(domain.ECodeUnauthorized, "sign in first: this route needs a valid bearer token")
		return a.problem(ctx, err)
	}
	if r.body, err = bodyOf(ev); err != nil {
		return a.problem(ctx, err)
	}
	if out, err = op(ctx, r); err != nil {
		out.counts = nil // a failed operation did nothing to count
		return a.problem(ctx, err)
	}
	return jsonResponse(out.status, out.body)
}

func (a *API) problem(ctx context.Context, err error) events.APIGatewayV2HTTPResponse {
	p := ProblemOf(err)
	if p.Status >= 500 {
		a.log.ErrorContext(ctx, "request failed", "code", p.Code, "err", err.Error())
	}
	b, _ := json.Marshal(p)
	return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: p.headers(), Body: string(b)}
}

func jsonResponse(status int, body any) events.APIGatewayV2HTTPResponse {
	h := map[string]string{"Cache-Control": "no-store"}
	if body == nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: h}
	}
	b, err := json.Marshal(body)
	if err != nil {
		p := ProblemOf(domain.Internal(err))
		b, _ = json.Marshal(p)
		return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: p.headers(), Body: string(b)}
	}
	h["Content-Type"] = "application/json"
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: h, Body: string(b)}
}

// identityOf reads the caller from the JWT authorizer's claims. Claim values
// arrive as strings ("email_verified":"true").
func identityOf(ev events.APIGatewayV2HTTPRequest) domain.Identity {
	az := ev.RequestContext.Authorizer
	if az == nil || az.JWT == nil {
		return domain.Identity{}
	}
	c := az.JWT.Claims
	sub := c["sub"]
	if !domain.ValidUserID(sub) {
		return domain.Identity{}
	}
	email, why := domain.NormalizeEmail(c["email"])
	if why != "" {
		email = ""
	}
	return domain.Identity{UserID: sub, Email: email, EmailVerified: email != "" && strings.EqualFold(c["email_verified"], "true")}
}

func header(ev events.APIGatewayV2HTTPRequest, name string) string {
	for k, v := range ev.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// bodyOf returns the raw body, enforcing the size limit and JSON media type.
func bodyOf(ev events.APIGatewayV2HTTPRequest) ([]byte, error) {
	raw := ev.Body
	if len(raw) > MaxBodyBytes*4/3+4 {
		return nil, domain.Errorf(CodePayloadTooLarge, "the request body is over %d KiB", MaxBodyBytes>>10)
	}
	b := []byte(raw)
	if ev.IsBase64Encoded {
		var err error
		if b, err = base64.StdEncoding.DecodeString(raw); err != nil {
			return nil, domain.Errorf(domain.ECodeInvalidRequest, "the request body is not valid base64")
		}
	}
	if len(b) > MaxBodyBytes {
		return nil, domain.Errorf(CodePayloadTooLarge, "the request body is over %d KiB", MaxBodyBytes>>10)
	}
	if len(bytes.TrimSpace(b)) > 0 {
		if ct := header(ev, "content-type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
				return nil, domain.Errorf(CodeUnsupportedMediaType, "send the body as application/json")
			}
		}
	}
	return b, nil
}

// decode reads the JSON body strictly into v: an object, no unknown fields,
// nothing after it. Returns invalid_request problems.
func decode(r *request, v any) error {
	trimmed := bytes.TrimSpace(r.body)
	if len(trimmed) == 0 {
		return domain.Errorf(domain.ECodeInvalidRequest, "the request needs a JSON body")
	}
	if trimmed[0] != '{' {
		return domain.Errorf(domain.ECodeInvalidRequest, "the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeErr(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.ECodeInvalidRequest, "the body must be one JSON object with nothing after it")
	}
	return nil
}

// decodeOptional is decode for routes whose body may be empty.
func decodeOptional(r *request, v any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	return decode(r, v)
}

func decodeErr(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.ECodeInvalidRequest, "the body is not valid JSON")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return domain.Errorf(domain.ECodeInvalidRequest, "the body must be a JSON object")
		}
		v := domain.Validation{}
		v.Add(typ.Field, "must be a JSON %s", jsonKind(typ.Type.Kind().String()))
		return v.Err()
	default:
		// encoding/json reports unknown fields only as text: `json: unknown field "x"`.
		msg := strings.TrimPrefix(err.Error(), "json: ")
		return domain.Errorf(domain.ECodeInvalidRequest, "%s", msg)
	}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	case "ptr":
		return "value of the right type"
	}
	return "number"
}
