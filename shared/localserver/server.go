// Package localserver runs the Members API on this machine the way API
// Gateway runs it in AWS: it matches the shared route table, emulates the
// HTTP API JWT authorizer, builds events.APIGatewayV2HTTPRequest values and
// calls the same handler code the Lambda functions run.
package localserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	spec "github.com/members-saas/members"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/routes"
)

// maxLocalBody bounds what the local server reads of a body before the
// handler's own 64 KiB limit applies (API Gateway accepts up to 10 MB).
const maxLocalBody = 1 << 20

// Server is the local API Gateway.
type Server struct {
	API     *httpapi.API
	Auth    *Authorizer
	Clock   *Clock
	Console http.Handler  // serves non-API GET paths; nil: 404
	Events  *EventLog     // GET /_local/events
	Stream  *StreamReader // read up to now before GET /_local/events answers
	// Sweep runs the expiry sweep once: POST /_local/expire-members.
	Sweep func(context.Context) (domain.SweepResult, error)
	// DNS is the built-in DNS server domains are verified against when
	// DNS_RESOLVER is unset: /_local/dns publishes records on it (nil: none).
	DNS *DNS
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_local/token":
		s.token(w, r)
		return
	case "/_local/clock":
		s.clock(w, r)
		return
	case "/openapi.yaml":
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			serveSpec(w, r)
			return
		}
	case "/_local/events":
		s.serveEvents(w, r)
		return
	case "/_local/expire-members":
		s.expireMembers(w, r)
		return
	case "/_local/dns":
		s.dns(w, r)
		return
	}
	rt, params, ok, pathMatched := routes.Match(r.Method, r.URL.Path)
	if !ok {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.Console != nil && !pathMatched {
			s.Console.ServeHTTP(w, r)
			return
		}
		if pathMatched {
			writeProblem(w, domain.Errorf(httpapi.CodeMethodNotAllowed, "%s is not allowed here", r.Method))
			return
		}
		writeProblem(w, domain.Errorf(domain.ECodeNotFound, "no such route"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxLocalBody+1))
	if err != nil {
		writeProblem(w, domain.Errorf(domain.ECodeInvalidRequest, "could not read the body"))
		return
	}
	if len(body) > maxLocalBody {
		writeProblem(w, domain.Errorf(httpapi.CodePayloadTooLarge, "the request body is too large"))
		return
	}
	ev := s.event(r, rt, params, body)
	if rt.Auth {
		claims, ok := s.authorize(r)
		if !ok {
			writeProblem(w, domain.Errorf(domain.ECodeUnauthorized, "a valid bearer token is required"))
			return
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: nil},
		}
	}
	resp := s.API.Serve(r.Context(), ev)
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.StatusCode)
	if resp.IsBase64Encoded {
		b, _ := base64.StdEncoding.DecodeString(resp.Body)
		_, _ = w.Write(b)
		return
	}
	_, _ = io.WriteString(w, resp.Body)
}

func (s *Server) authorize(r *http.Request) (map[string]string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, false
	}
	claims, err := s.Auth.Verify(strings.TrimSpace(tok))
	return claims, err == nil
}

// event builds the payload 2.0 event API Gateway would send.
func (s *Server) event(r *http.Request, rt routes.Route, params map[string]string, body []byte) events.APIGatewayV2HTTPRequest {
	now := time.Now()
	headers := map[string]string{}
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	if _, ok := headers["x-forwarded-proto"]; !ok { // API Gateway sets it; this server speaks plain HTTP
		headers["x-forwarded-proto"] = "http"
	}
	var cookies []string
	if c := r.Header.Get("Cookie"); c != "" {
		cookies = strings.Split(c, "; ")
		delete(headers, "cookie")
	}
	query := map[string]string{}
	for k, vs := range r.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	path := map[string]string{}
	for k, v := range params {
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		path[k] = v
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: rt.Key(), RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "000000000000", APIID: "local", DomainName: r.Host, DomainPrefix: "local",
			RequestID: domain.NewID("req", now), RouteKey: rt.Key(), Stage: "$default",
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent(),
			},
		},
	}
	if len(query) > 0 {
		ev.QueryStringParameters = query
	}
	if len(path) > 0 {
		ev.PathParameters = path
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

func sourceIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// serveSpec serves the API's contract, as the deployed stack publishes it
// next to the console.
func serveSpec(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Access-Control-Allow-Origin", "*") // viewers on other origins may load it
	http.ServeContent(w, r, "openapi.yaml", time.Time{}, bytes.NewReader(spec.OpenAPI))
}

func writeProblem(w http.ResponseWriter, err error) {
	p := httpapi.ProblemOf(err)
	setResponseHeaders(w)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, v any) {
	setResponseHeaders(w)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func decodeLocal(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method != http.MethodPost {
		writeProblem(w, domain.Errorf(httpapi.CodeMethodNotAllowed, "use POST"))
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeProblem(w, domain.Errorf(domain.ECodeInvalidRequest, "the body is not the JSON this endpoint takes: %s", strings.TrimPrefix(err.Error(), "json: ")))
		return false
	}
	return true
}

func setResponseHeaders(w http.ResponseWriter) {
	for k, v := range httpapi.ResponseHeaders {
		w.Header().Set(k, v)
	}
}

// token: POST /_local/token {"email","emailVerified"} → {"token","userId"}.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"emailVerified"`
	}
	if !decodeLocal(w, r, &in) {
		return
	}
	email, why := domain.NormalizeEmail(in.Email)
	if why != "" {
		writeProblem(w, &domain.Error{Code: domain.ECodeValidationFailed, Message: "the request has invalid fields",
			Fields: []domain.FieldError{{Field: "email", Message: why}}})
		return
	}
	verified := in.EmailVerified == nil || *in.EmailVerified
	tok, sub, err := s.Auth.Issue(email, verified)
	if err != nil {
		writeProblem(w, domain.Internal(err))
		return
	}
	writeJSON(w, map[string]string{"token": tok, "userId": sub})
}

// expireMembers: POST /_local/expire-members runs the expiry sweep once at
// the handlers' clock (what the expire-members function does on its
// schedule) → {"due","expired","reminded","failed"}.
func (s *Server) expireMembers(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeProblem(w, domain.Errorf(httpapi.CodeMethodNotAllowed, "%s is not allowed here", r.Method))
		return
	}
	if s.Sweep == nil {
		writeProblem(w, domain.Errorf(domain.ECodeNotFound, "no sweep in this server"))
		return
	}
	res, err := s.Sweep(r.Context())
	if err != nil {
		writeProblem(w, domain.Internal(err))
		return
	}
	writeJSON(w, res)
}

// dns: GET /_local/dns lists the built-in DNS server's TXT records; POST
// /_local/dns {"name","values"} publishes the TXT values at name (none:
// removes it), as a DNS provider's console would.
func (s *Server) dns(w http.ResponseWriter, r *http.Request) {
	if s.DNS == nil {
		writeProblem(w, domain.Errorf(domain.ECodeNotFound, "DNS_RESOLVER is set: publish records on that server"))
		return
	}
	if r.Method == http.MethodGet {
		writeJSON(w, map[string]any{"records": s.DNS.Records(), "addr": s.DNS.Addr})
		return
	}
	var in struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	}
	if !decodeLocal(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Name) == "" {
		writeProblem(w, &domain.Error{Code: domain.ECodeValidationFailed, Message: "the request has invalid fields",
			Fields: []domain.FieldError{{Field: "name", Message: "is required"}}})
		return
	}
	s.DNS.SetTXT(strings.TrimSpace(in.Name), in.Values...)
	writeJSON(w, map[string]any{"records": s.DNS.Records()})
}

// clock: POST /_local/clock {"advance":"25h"} or {"reset":true}.
func (s *Server) clock(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Advance string `json:"advance"`
		Reset   bool   `json:"reset"`
	}
	if !decodeLocal(w, r, &in) {
		return
	}
	switch {
	case in.Reset:
		s.Clock.Reset()
	case in.Advance != "":
		d, err := parseDuration(in.Advance)
		if err != nil {
			writeProblem(w, &domain.Error{Code: domain.ECodeValidationFailed, Message: "the request has invalid fields",
				Fields: []domain.FieldError{{Field: "advance", Message: err.Error()}}})
			return
		}
		s.Clock.Advance(d)
	default:
		writeProblem(w, domain.Errorf(domain.ECodeInvalidRequest, `send {"advance":"25h"} or {"reset":true}`))
		return
	}
	writeJSON(w, map[string]any{"now": s.Clock.Now().UTC().Format(time.RFC3339), "offsetSeconds": int64(s.Clock.Advance(0).Seconds())})
}

// parseDuration accepts Go durations plus a "d" (24h) unit, like "8d".
func parseDuration(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return 0, errors.New(`must be a duration like "25h" or "8d"`)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf(`must be a duration like "25h" or "8d"`)
	}
	return d, nil
}
