package integration

// Helpers of the hardening tests (authz, race, failure, ratelimit and
// secrets): a stand-in SES endpoint that can record, throttle or hook
// sends; a DynamoDB proxy that counts calls and injects faults; a second
// local stack over an existing table; direct reads of the table; and the
// data invariants every test checks at its end.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/members-saas/members/tests/testenv"
)

// ---------------------------------------------------------------------------
// SES stand-in

// sesMode is how the SES stand-in answers SendEmail.
type sesMode int32

const (
	sesAccept      sesMode = iota // 200 with a message id; the mail is recorded
	sesThrottle                   // 429 TooManyRequestsException, as SES does when over its sending rate
	sesRejectNamed                // 400 MessageRejected quoting the addresses, as SES's sandbox does
)

// sesStub answers SES v2 SendEmail (POST /v2/email/outbound-emails) for the
// real SES v2 client. It keeps its mails in memory, so tests that send many
// do not grow the shared emulator's inbox that every other test reads.
type sesStub struct {
	URL   string
	mode  atomic.Int32
	calls atomic.Int64
	hook  atomic.Pointer[func()]
	mu    sync.Mutex
	mails []stubMail
}

type stubMail struct {
	To, Subject, Text, HTML string
	Refused                 bool // answered with an error: never delivered
}

func newSESStub(t testing.TB) *sesStub {
	t.Helper()
	s := &sesStub{}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *sesStub) setMode(m sesMode) { s.mode.Store(int32(m)) }

// onSend runs fn while answering each SendEmail, before the answer is sent.
func (s *sesStub) onSend(fn func()) {
	if fn == nil {
		s.hook.Store(nil)
		return
	}
	s.hook.Store(&fn)
}

func (s *sesStub) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		http.Error(w, "not SendEmail", http.StatusNotFound)
		return
	}
	s.calls.Add(1)
	var in struct {
		Destination struct{ ToAddresses []string }
		Content     struct {
			Simple struct {
				Subject struct{ Data string }
				Body    struct{ Text, Html struct{ Data string } }
			}
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		w.Header().Set("X-Amzn-Errortype", "BadRequestException")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"message":"bad body"}`)
		return
	}
	if h := s.hook.Load(); h != nil {
		(*h)()
	}
	mode := sesMode(s.mode.Load())
	refused := mode == sesThrottle || mode == sesRejectNamed
	s.mu.Lock()
	for _, to := range in.Destination.ToAddresses {
		s.mails = append(s.mails, stubMail{To: strings.ToLower(to), Subject: in.Content.Simple.Subject.Data,
			Text: in.Content.Simple.Body.Text.Data, HTML: in.Content.Simple.Body.Html.Data, Refused: refused})
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if mode == sesRejectNamed {
		w.Header().Set("X-Amzn-Errortype", "MessageRejected")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, `{"message":"Email address is not verified. The following identities failed the check in region US-EAST-1: %s"}`,
			strings.Join(in.Destination.ToAddresses, ", "))
		return
	}
	if refused {
		w.Header().Set("X-Amzn-Errortype", "TooManyRequestsException")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"message":"Maximum sending rate exceeded."}`)
		return
	}
	_, _ = fmt.Fprintf(w, `{"MessageId":"stub-%s"}`, randHex(8))
}

var tokenInLink = regexp.MustCompile(`/accept#token=([A-Za-z0-9_-]{43})`)

// tokens returns the invite tokens delivered to address, oldest first.
func (s *sesStub) tokens(to string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.mails {
		if m.To == strings.ToLower(to) && !m.Refused {
			if mm := tokenInLink.FindStringSubmatch(m.Text); mm != nil {
				out = append(out, mm[1])
			}
		}
	}
	return out
}

// allTokens returns every invite token the stub received, refused or not.
func (s *sesStub) allTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.mails {
		for _, mm := range tokenInLink.FindAllStringSubmatch(m.Text+m.HTML, -1) {
			out = append(out, mm[1])
		}
	}
	return out
}

// mailCount returns how many mails were delivered to address.
func (s *sesStub) mailCount(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.mails {
		if m.To == strings.ToLower(to) && !m.Refused {
			n++
		}
	}
	return n
}

func (s *sesStub) lastToken(t testing.TB, to string) string {
	t.Helper()
	ts := s.tokens(to)
	if len(ts) == 0 {
		t.Fatalf("no invite mail for %s", to)
	}
	return ts[len(ts)-1]
}

// ---------------------------------------------------------------------------
// DynamoDB proxy and a second local stack

// dynamoFault is a canned DynamoDB error answer.
type dynamoFault struct {
	Status int
	Type   string // e.g. TransactionCanceledException
	Body   string // full JSON body; built from Type when empty
}

// dynamoProxy sits between a stack and the shared DynamoDB-compatible
// server: it counts calls per operation and the conflicts the server
// reported, and can answer with injected faults.
type dynamoProxy struct {
	upstream   string
	mu         sync.Mutex
	calls      map[string]int
	cancelled  atomic.Int64 // TransactionCanceledException answers from the server
	condFailed atomic.Int64 // ConditionalCheckFailedException answers from the server
	fault      atomic.Pointer[func(op string) *dynamoFault]
}

func (p *dynamoProxy) setFault(fn func(op string) *dynamoFault) {
	if fn == nil {
		p.fault.Store(nil)
		return
	}
	p.fault.Store(&fn)
}

func (p *dynamoProxy) count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[op]
}

func (p *dynamoProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	p.mu.Lock()
	p.calls[op]++
	p.mu.Unlock()
	if f := p.fault.Load(); f != nil {
		if ft := (*f)(op); ft != nil {
			b := ft.Body
			if b == "" {
				b = fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"injected by the test"}`, ft.Type)
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(ft.Status)
			_, _ = io.WriteString(w, b)
			return
		}
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusBadRequest {
		switch {
		case bytes.Contains(rb, []byte("TransactionCanceledException")):
			p.cancelled.Add(1)
		case bytes.Contains(rb, []byte("ConditionalCheckFailedException")):
			p.condFailed.Add(1)
		}
	}
	for k, vs := range res.Header {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rb)
}

// rig is a testenv stack reaching DynamoDB through a dynamoProxy, and
// optionally over an existing table (a second stack over the same data,
// e.g. with SES pointed elsewhere).
type rig struct {
	*testenv.Env
	Proxy *dynamoProxy
	Table string
}

type rigOptions struct {
	TableName      string // "" : a fresh table
	SESEndpoint    string // "" : the shared SES emulator
	InvitesPerHour int
}

var rigSeq atomic.Int64

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	sh := testenv.Parts(t)
	proxy := &dynamoProxy{upstream: sh.DynamoURL, calls: map[string]int{}}
	psrv := httptest.NewServer(proxy)
	t.Cleanup(psrv.Close) // after the stack's own cleanup
	table := o.TableName
	if table == "" {
		table = fmt.Sprintf("hardening-%d-%d", os.Getpid(), rigSeq.Add(1))
	}
	e := testenv.New(t, testenv.Options{SESEndpoint: o.SESEndpoint, InvitesPerHour: o.InvitesPerHour,
		DynamoEndpoint: psrv.URL, TableName: table})
	t.Cleanup(func() {
		proxy.setFault(nil)
		assertNoSecrets(t, "log", e.LogText(), nil)
		assertNoSecrets(t, "table", itemsText(scanTable(t, e.Stack.Clients.DynamoDB, table)), nil)
	})
	return &rig{Env: e, Proxy: proxy, Table: table}
}

// ---------------------------------------------------------------------------
// Environments that check for leaked secrets when they end

// newEnv is testenv.New plus, at cleanup, a check that neither the log nor
// any stored item holds a JWT or an invite token the stub SES received.
func newEnv(t *testing.T, stub *sesStub, o testenv.Options) *testenv.Env {
	t.Helper()
	e := testenv.New(t, o)
	t.Cleanup(func() {
		var toks []string
		if stub != nil {
			toks = stub.allTokens()
		}
		assertNoSecrets(t, "log", e.LogText(), toks)
		assertNoAddresses(t, "log", e.LogText())
		assertNoSecrets(t, "table", itemsText(scanTable(t, e.Stack.Clients.DynamoDB, e.Stack.Config.TableName)), toks)
	})
	return e
}

// logAddressRE finds email addresses (the log may carry their hashes only).
var logAddressRE = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)

// assertNoAddresses fails when text holds an email address.
func assertNoAddresses(t testing.TB, what, text string) {
	t.Helper()
	if m := logAddressRE.FindAllString(text, 3); len(m) > 0 {
		t.Errorf("%s carries email addresses %q", what, m)
	}
}

// jwtRE finds JSON Web Tokens: a base64url JSON header, a dot, a JSON payload.
var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ`)

// assertNoSecrets fails when text holds a JWT or any of secrets.
func assertNoSecrets(t testing.TB, what, text string, secrets []string) {
	t.Helper()
	if m := jwtRE.FindString(text); m != "" {
		t.Errorf("%s holds a JWT (%q…)", what, m)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s holds the secret %q…", what, s[:min(12, len(s))])
		}
	}
}

// ---------------------------------------------------------------------------
// Reading the table directly

// item is one stored item, attributes decoded to Go values.
type item map[string]any

func (it item) str(name string) string { s, _ := it[name].(string); return s }
func (it item) num(name string) int {
	switch v := it[name].(type) {
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}
func (it item) strMap(name string) map[string]string {
	out := map[string]string{}
	if m, ok := it[name].(map[string]any); ok {
		for k, v := range m {
			s, _ := v.(string)
			out[k] = s
		}
	}
	return out
}
func (it item) key() string { return it.str("pk") + " | " + it.str("sk") }

// scanTable reads every item of the table (a test may Scan; handlers never do).
func scanTable(t testing.TB, db *dynamodb.Client, table string) []item {
	t.Helper()
	var out []item
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for _, raw := range page.Items {
			var it item
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				t.Fatalf("unmarshal item: %v", err)
			}
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// queryPK reads every item of one partition (consistent read).
func queryPK(t testing.TB, db *dynamodb.Client, table, pk string) []item {
	t.Helper()
	in := &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :pk"),
		ConsistentRead: aws.Bool(true)}
	var err error
	if in.ExpressionAttributeValues, err = attributevalue.MarshalMap(map[string]string{":pk": pk}); err != nil {
		t.Fatal(err)
	}
	var out []item
	p := dynamodb.NewQueryPaginator(db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("query %s: %v", pk, err)
		}
		for _, raw := range page.Items {
			var it item
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				t.Fatal(err)
			}
			out = append(out, it)
		}
	}
	return out
}

// itemsText is every item as one JSON line each, for greps and comparisons.
func itemsText(items []item) string {
	var b strings.Builder
	for _, it := range items {
		j, _ := json.Marshal(it)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// diffItems describes how two scans differ ("" when equal).
func diffItems(before, after []item) string {
	index := func(items []item) map[string]string {
		m := map[string]string{}
		for _, it := range items {
			j, _ := json.Marshal(it)
			m[it.key()] = string(j)
		}
		return m
	}
	b, a := index(before), index(after)
	var out []string
	for k, v := range b {
		if w, ok := a[k]; !ok {
			out = append(out, "removed "+k)
		} else if w != v {
			out = append(out, "changed "+k+": "+v+" → "+w)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, "added "+k+": "+a[k])
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// checkInvariants verifies the data rules that hold whatever happened:
//   - every organization's owners counter equals its owner member items, at least one;
//   - every member item belongs to an existing organization, and its project
//     roles match the project member items one to one (no orphans either way);
//   - every project a member item names exists in that organization;
//   - at most one pending invite per organization and address; each pending
//     invite has its OPEN# claim and its TOKEN# item, and every OPEN# claim
//     and TOKEN# item points at a live invite that points back;
//   - every registered email points at a user whose profile has that email;
//   - no two member items of an organization share an email.
func checkInvariants(t testing.TB, items []item) {
	t.Helper()
	byKey := map[string]item{}
	for _, it := range items {
		byKey[it.key()] = it
	}
	get := func(pk, sk string) (item, bool) { it, ok := byKey[pk+" | "+sk]; return it, ok }
	owners := map[string]int{}
	emails := map[string]string{}
	pendingBy := map[string]string{}
	for _, it := range items {
		pk, sk := it.str("pk"), it.str("sk")
		switch {
		case strings.HasPrefix(pk, "ORG#") && strings.HasPrefix(sk, "MEMBER#"):
			org := strings.TrimPrefix(pk, "ORG#")
			uid := strings.TrimPrefix(sk, "MEMBER#")
			if _, ok := get(pk, "META"); !ok {
				t.Errorf("member %s of missing organization %s", uid, org)
			}
			if it.str("role") == "owner" {
				owners[org]++
			}
			if prev, dup := emails[org+" "+it.str("email")]; dup {
				t.Errorf("organization %s has two members with email %s: %s and %s", org, it.str("email"), prev, uid)
			}
			emails[org+" "+it.str("email")] = uid
			for pid, role := range it.strMap("projects") {
				if _, ok := get(pk, "PROJECT#"+pid); !ok {
					t.Errorf("member %s of %s names missing project %s", uid, org, pid)
				}
				pm, ok := get("PROJECT#"+pid, sk)
				switch {
				case !ok:
					t.Errorf("member %s of %s has project %s (%s) but no project member item", uid, org, pid, role)
				case pm.str("role") != role || pm.str("orgId") != org:
					t.Errorf("project member %s/%s is %s in %s, org member item says %s in %s", pid, uid, pm.str("role"), pm.str("orgId"), role, org)
				}
			}
		case strings.HasPrefix(pk, "PROJECT#") && strings.HasPrefix(sk, "MEMBER#"):
			pid := strings.TrimPrefix(pk, "PROJECT#")
			m, ok := get("ORG#"+it.str("orgId"), sk)
			if !ok {
				t.Errorf("orphan project member item %s/%s: no member item in organization %s", pid, sk, it.str("orgId"))
			} else if m.strMap("projects")[pid] != it.str("role") {
				t.Errorf("orphan project member item %s/%s (%s): the org member item says %q", pid, sk, it.str("role"), m.strMap("projects")[pid])
			}
		case strings.HasPrefix(pk, "ORG#") && strings.HasPrefix(sk, "INVITE#"):
			if it.str("status") != "pending" {
				if it.str("status") == "revoked" {
					if _, ok := get("TOKEN#"+it.str("tokenHash"), "TOKEN"); ok {
						t.Errorf("revoked invite %s still has its token item", it.str("inviteId"))
					}
				}
				continue
			}
			id, email := it.str("inviteId"), it.str("email")
			if other, dup := pendingBy[pk+" "+email]; dup {
				t.Errorf("two pending invites for %s in %s: %s and %s", email, pk, other, id)
			}
			pendingBy[pk+" "+email] = id
			if o, ok := get(pk, "OPEN#"+email); !ok || o.str("inviteId") != id {
				t.Errorf("pending invite %s (%s) has no OPEN# claim pointing at it (claim: %v)", id, email, o)
			}
			if tok, ok := get("TOKEN#"+it.str("tokenHash"), "TOKEN"); !ok || tok.str("inviteId") != id {
				t.Errorf("pending invite %s has no token item for its current token", id)
			} else if snap, ok := tok["invite"].(map[string]any); ok {
				// The optimistic accept grants the snapshot's terms: they are the invite's.
				for _, a := range []string{"orgRole", "projectIds", "projectRoles", "projectRole", "rev", "expiresMs"} {
					if fmt.Sprint(snap[a]) != fmt.Sprint(it[a]) {
						t.Errorf("pending invite %s: its token's snapshot has %s %v, the invite %v", id, a, snap[a], it[a])
					}
				}
			}
		case strings.HasPrefix(pk, "ORG#") && strings.HasPrefix(sk, "OPEN#"):
			email := strings.TrimPrefix(sk, "OPEN#")
			inv, ok := get(pk, "INVITE#"+it.str("inviteId"))
			if !ok || inv.str("status") != "pending" || inv.str("email") != email {
				t.Errorf("OPEN# claim %s points at %s, which is not a pending invite for that address (%v)", it.key(), it.str("inviteId"), inv)
			}
		case strings.HasPrefix(pk, "TOKEN#"):
			hash := strings.TrimPrefix(pk, "TOKEN#")
			inv, ok := get("ORG#"+it.str("orgId"), "INVITE#"+it.str("inviteId"))
			switch {
			case !ok:
				t.Errorf("token item %s… points at missing invite %s", hash[:8], it.str("inviteId"))
			case inv.str("tokenHash") != hash:
				t.Errorf("token item %s… is stale: invite %s has another token", hash[:8], it.str("inviteId"))
			case inv.str("status") == "revoked":
				t.Errorf("token item %s… points at revoked invite %s", hash[:8], it.str("inviteId"))
			}
		case strings.HasPrefix(pk, "EMAIL#"):
			u, ok := get("USER#"+it.str("userId"), "PROFILE")
			if !ok || "EMAIL#"+u.str("email") != pk {
				t.Errorf("email item %s points at user %s whose profile says %q", pk, it.str("userId"), u.str("email"))
			}
		case strings.HasPrefix(pk, "USER#") && sk == "PROFILE":
			if e, ok := get("EMAIL#"+it.str("email"), "USER"); !ok || e.str("userId") != it.str("userId") {
				t.Errorf("user %s has no email item for %s", it.str("userId"), it.str("email"))
			}
		}
	}
	// The seat counter counts what is there: members, and pending invites
	// that hold a seat.
	members, seatInvites := map[string]int{}, map[string]int{}
	for _, it := range items {
		pk, sk := it.str("pk"), it.str("sk")
		switch {
		case strings.HasPrefix(pk, "ORG#") && strings.HasPrefix(sk, "MEMBER#"):
			members[pk]++
		case strings.HasPrefix(pk, "ORG#") && strings.HasPrefix(sk, "INVITE#") && it.str("status") == "pending" && it["seat"] == true:
			seatInvites[pk]++
		}
	}
	for _, it := range items {
		if strings.HasPrefix(it.str("pk"), "ORG#") && it.str("sk") == "SEATS" {
			pk := it.str("pk")
			if it.num("members") != members[pk] || it.num("invites") != seatInvites[pk] || it.num("occupied") != members[pk]+seatInvites[pk] {
				t.Errorf("seat counter of %s: members %d, invites %d, occupied %d; the table has %d members and %d pending invites holding a seat",
					pk, it.num("members"), it.num("invites"), it.num("occupied"), members[pk], seatInvites[pk])
			}
		}
	}
	for _, it := range items {
		if strings.HasPrefix(it.str("pk"), "ORG#") && it.str("sk") == "META" {
			org := strings.TrimPrefix(it.str("pk"), "ORG#")
			if got := it.num("owners"); got != owners[org] || got < 1 {
				t.Errorf("organization %s: owners counter %d, owner member items %d", org, got, owners[org])
			}
		}
	}
}

// invariants scans the table and checks checkInvariants.
func invariants(t testing.TB, e *testenv.Env) []item {
	t.Helper()
	items := scanTable(t, e.Stack.Clients.DynamoDB, e.Stack.Config.TableName)
	checkInvariants(t, items)
	return items
}

// ---------------------------------------------------------------------------
// HTTP from many goroutines

// call is Env.Do without testing.T, for goroutines (t.Fatal must stay on
// the test goroutine).
func call(e *testenv.Env, method, path, token string, body any) (testenv.Resp, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return testenv.Resp{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.BaseURL+path, rd)
	if err != nil {
		return testenv.Resp{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return testenv.Resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return testenv.Resp{Status: res.StatusCode, Header: res.Header, Body: b}, err
}

// burst runs fn(0..n-1) on n goroutines released together and returns how
// many requests were in flight at once at most: proof the calls overlapped.
func burst(n int, fn func(i int)) (maxInFlight int) {
	var wg sync.WaitGroup
	var inFlight, peak atomic.Int64
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c := inFlight.Add(1)
			for {
				p := peak.Load()
				if c <= p || peak.CompareAndSwap(p, c) {
					break
				}
			}
			fn(i)
			inFlight.Add(-1)
		}()
	}
	close(start)
	wg.Wait()
	return int(peak.Load())
}

// ---------------------------------------------------------------------------
// Small helpers

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// wantProblem checks an RFC 9457 answer: status, the problem+json media
// type, a complete body (type, title, detail, code and the same status),
// and code unless it is "" (any). It stops the test on the first mismatch.
func wantProblem(t testing.TB, r testenv.Resp, status int, code string) testenv.Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	p := r.Problem(t)
	if p.Status != status || p.Code == "" || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem body incomplete for %d (want type, title, detail, code and status): %s", status, r.Body)
	}
	if code != "" && p.Code != code {
		t.Fatalf("problem code %q, want %q: %s", p.Code, code, r.Body)
	}
	return p
}

// internalWords are fragments of internal detail no client may see.
var internalWords = []string{"dynamodb", "DynamoDB", "InternalServerError", "emulated", "injected", "operation error",
	"StatusCode", "TransactionCanceled", "Throttling", "tokenHash", "TOKEN#", "ORG#", "127.0.0.1", "ses send", "SESv2",
	"panic", "goroutine", ".go:"}

// assertUnavailable checks a 503 problem with Retry-After and no internal detail.
func assertUnavailable(t testing.TB, what string, r testenv.Resp, extra ...string) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable {
		t.Errorf("%s: status %d, want 503: %s", what, r.Status, r.Body)
		return
	}
	p := r.Problem(t)
	if p.Code != "service_unavailable" || p.Status != 503 {
		t.Errorf("%s: problem %+v", what, p)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("%s: Retry-After %q, want a small number of seconds", what, r.Header.Get("Retry-After"))
	}
	for _, w := range append(slices.Clone(internalWords), extra...) {
		if bytes.Contains(r.Body, []byte(w)) {
			t.Errorf("%s: 503 body shows internal detail %q: %s", what, w, r.Body)
		}
	}
}

// invite posts an invite and returns the results by email.
func invite(t testing.TB, e *testenv.Env, token, orgID string, body map[string]any) map[string]inviteResult {
	t.Helper()
	var out struct{ Results []inviteResult }
	e.Must(t, 201, "POST", "/orgs/"+orgID+"/invites", token, body, &out)
	m := map[string]inviteResult{}
	for _, r := range out.Results {
		m[r.Email] = r
	}
	return m
}

func listInvites(t testing.TB, e *testenv.Env, token, orgID, status string) []inviteView {
	t.Helper()
	var out invitePage
	e.Must(t, 200, "GET", "/orgs/"+orgID+"/invites?limit=100&status="+status, token, nil, &out)
	if out.NextCursor != nil {
		t.Fatalf("more than 100 invites listed; the test expects fewer")
	}
	return out.Invites
}

func listMembers(t testing.TB, e *testenv.Env, token, path string) []member {
	t.Helper()
	var out memberPage
	e.Must(t, 200, "GET", path+"?limit=100", token, nil, &out)
	if out.NextCursor != nil {
		t.Fatalf("more than 100 members listed; the test expects fewer")
	}
	return out.Members
}

// newOrg signs in a fresh owner and creates an organization.
func newOrg(t testing.TB, e *testenv.Env, name string) (testenv.User, string) {
	t.Helper()
	o := e.SignIn(t, testenv.Email(name))
	var org struct{ ID string }
	e.Must(t, 201, "POST", "/orgs", o.Token, map[string]string{"name": name + " " + randHex(3)}, &org)
	return o, org.ID
}

// register signs a user in and registers them (GET /me).
func register(t testing.TB, e *testenv.Env, name string) testenv.User {
	t.Helper()
	u := e.SignIn(t, testenv.Email(name))
	e.Must(t, 200, "GET", "/me", u.Token, nil, nil)
	return u
}
