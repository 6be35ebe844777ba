// Package testenv runs the real local parts for tests: AWS's DynamoDB Local
// (one process per test binary, reached with the real AWS SDK through a
// fault-injecting proxy), the SES v2
// emulator (aws-ses-v2-local, reached with the real SES v2 client), and the
// local API Gateway serving the real handlers. Each Env gets a fresh table.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/members-saas/members/client"
	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/dynamolocal"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/shared/metrics"
)

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// FreePort returns a free loopback TCP port, never one it returned before
// in this process.
func FreePort() (int, error) {
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		handedOut.Lock()
		taken := handedOut.ports[port]
		handedOut.ports[port] = true
		handedOut.Unlock()
		if !taken {
			return port, nil
		}
	}
	return 0, errors.New("no free port that this process has not handed out already")
}

// handedOut are the ports FreePort returned: the kernel may offer a port
// again as soon as its probe closes, and two emulators of one test run
// (parallel subtests) must not be told the same one.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// SES is a running SES v2 emulator process.
type SES struct {
	URL string
	cmd *exec.Cmd
}

// StartSES starts aws-ses-v2-local (installed by `npm ci`) on a free port
// and waits for its health check.
func StartSES() (*SES, error) {
	cli := filepath.Join(RepoRoot(), "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("SES emulator not installed (run `make deps` or `npm ci`): %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", cli, "--host", "127.0.0.1", "--port", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start SES emulator: %w", err)
	}
	s := &SES{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(s.URL + "/health-check"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("SES emulator did not become healthy on %s", s.URL)
}

// Stop ends the emulator.
func (s *SES) Stop() {
	if s != nil && s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// Mail is one email as the emulator's /store returns it.
type Mail struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Subject     string `json:"subject"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Body struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
	At int64 `json:"at"`
}

// Mails returns every stored email sent to address to.
func (s *SES) Mails(to string) ([]Mail, error) {
	r, err := http.Get(s.URL + "/store")
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	var st struct {
		Emails []Mail `json:"emails"`
	}
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
		return nil, err
	}
	var out []Mail
	for _, m := range st.Emails {
		for _, d := range m.Destination.To {
			if strings.EqualFold(d, to) || strings.Contains(strings.ToLower(d), "<"+strings.ToLower(to)+">") {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// Shared holds the processes one test binary shares: one DynamoDB Local
// (each Env uses its own table) behind a fault proxy, and one SES emulator
// (each test uses its own addresses).
type Shared struct {
	// DynamoURL is the fault proxy's endpoint, the one Envs use.
	DynamoURL string
	// Faults fails chosen tables' requests (see FaultProxy.Fail).
	Faults *FaultProxy
	// Dynamo is the DynamoDB Local process itself (Dynamo.URL bypasses the proxy).
	Dynamo *dynamolocal.Server
	SES    *SES
	close  func()
}

var (
	sharedOnce sync.Once
	shared     *Shared
	sharedErr  error
	tableSeq   atomic.Int64
)

// Main is for TestMain: it runs the tests and stops the shared processes.
func Main(m *testing.M) {
	code := m.Run()
	atExit.Lock()
	for _, f := range atExit.fns {
		f()
	}
	atExit.Unlock()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

var atExit struct {
	sync.Mutex
	fns []func()
}

// AtExit runs f when Main's tests are over, before the shared processes
// stop: for processes a test starts once for the whole binary.
func AtExit(f func()) {
	atExit.Lock()
	atExit.fns = append(atExit.fns, f)
	atExit.Unlock()
}

// Parts returns the shared processes, starting them on first use.
func Parts(t testing.TB) *Shared {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = startShared() })
	if sharedErr != nil {
		t.Fatalf("test environment: %v", sharedErr)
	}
	return shared
}

// StartDynamo starts DynamoDB Local, in memory, from the repository's
// node_modules (or $DYNAMODB_LOCAL_JAR).
func StartDynamo() (*dynamolocal.Server, error) {
	jar, err := dynamolocal.FindJar(RepoRoot())
	if err != nil {
		return nil, err
	}
	return dynamolocal.Start(context.Background(), dynamolocal.Options{Jar: jar})
}

// startShared starts DynamoDB Local and the SES emulator side by side.
func startShared() (*Shared, error) {
	var (
		dyn    *dynamolocal.Server
		dynErr error
		wg     sync.WaitGroup
	)
	wg.Go(func() { dyn, dynErr = StartDynamo() })
	ses, sesErr := StartSES()
	wg.Wait()
	if err := errors.Join(dynErr, sesErr); err != nil {
		dyn.Stop()
		ses.Stop()
		return nil, err
	}
	fp, err := NewFaultProxy(dyn.URL)
	if err != nil {
		dyn.Stop()
		ses.Stop()
		return nil, err
	}
	srv := httptest.NewServer(fp)
	return &Shared{DynamoURL: srv.URL, Faults: fp, Dynamo: dyn, SES: ses,
		close: func() { srv.Close(); dyn.Stop(); ses.Stop() }}, nil
}

// Env is one test's view: a fresh table, the local API server, a clock.
type Env struct {
	*Shared
	BaseURL string
	Stack   *localserver.Stack
	logs    *SyncBuffer
}

// Options adjust an Env.
type Options struct {
	// SESEndpoint overrides the emulator (e.g. a closed port, to make sends fail).
	SESEndpoint string
	// InvitesPerHour sets the per-organization invite cap (0: default).
	InvitesPerHour int
	// UserInvitesPerHour and OrgsPerUserPerDay set the per-user caps, and
	// ExistingAccounts what inviting a registered address does (zero: default).
	UserInvitesPerHour, OrgsPerUserPerDay int
	ExistingAccounts                      string
	// LinkJoinsPerHour and OrgLinkJoinsPerHour set the invite-link join
	// caps (0: default).
	LinkJoinsPerHour, OrgLinkJoinsPerHour int
	// DynamoEndpoint overrides the shared DynamoDB-compatible server (e.g. a
	// proxy in front of it that counts calls or injects faults).
	DynamoEndpoint string
	// TableName names the table ("": a fresh one). A second Env over the
	// same table sees the same data.
	TableName string
	// MailConcurrency bounds one request's mails in flight (0: default).
	MailConcurrency int
	// DNSResolver is the DNS server verifying domains (host:port).
	DNSResolver string
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers and readers: a
// log sink that a test can read while handlers write.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p; it never fails.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// New starts an Env with a fresh table.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	sh := Parts(t)
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	logs := &SyncBuffer{}
	log := logging.New(logs, slog.LevelDebug)
	ses := sh.SES.URL
	if o.SESEndpoint != "" {
		ses = o.SESEndpoint
	}
	ddb := sh.DynamoURL
	if o.DynamoEndpoint != "" {
		ddb = o.DynamoEndpoint
	}
	table := o.TableName
	if table == "" {
		table = fmt.Sprintf("members-%d-%d", os.Getpid(), tableSeq.Add(1))
	}
	c := config.Config{
		TableName:               table,
		AppBaseURL:              "http://console.test",
		MailFrom:                "invites@members.test",
		DynamoEndpoint:          ddb,
		SESEndpoint:             ses,
		Region:                  "us-east-1",
		InviteEmailsPerHour:     o.InvitesPerHour,
		UserInviteEmailsPerHour: o.UserInvitesPerHour,
		OrgsPerUserPerDay:       o.OrgsPerUserPerDay,
		ExistingAccounts:        o.ExistingAccounts,
		MailConcurrency:         o.MailConcurrency,
		DNSResolver:             o.DNSResolver,
		LinkJoinsPerHour:        o.LinkJoinsPerHour,
		OrgLinkJoinsPerHour:     o.OrgLinkJoinsPerHour,
	}
	stack, err := localserver.Start(context.Background(), c, log, metrics.New(logs))
	if err != nil {
		t.Fatalf("start local stack: %v", err)
	}
	t.Cleanup(stack.Close)
	return &Env{Shared: sh, BaseURL: Serve(t, stack.Server), Stack: stack, logs: logs}
}

// LogText returns everything logged so far.
func (e *Env) LogText() string { return e.logs.String() }

// Resp is an HTTP response with its body read.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Resp) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem is an RFC 9457 body.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Problem decodes a problem body and checks its media type.
func (r Resp) Problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json (status %d, body %s)", ct, r.Status, r.Body)
	}
	var p Problem
	r.JSON(t, &p)
	return p
}

// Raw sends a request with a raw body and headers.
func (e *Env) Raw(t testing.TB, method, path string, body []byte, headers map[string]string) Resp {
	t.Helper()
	req, err := http.NewRequest(method, e.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Do sends a JSON request (body nil: none) with an optional bearer token.
func (e *Env) Do(t testing.TB, method, path, token string, body any) Resp {
	t.Helper()
	h := map[string]string{}
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
		h["Content-Type"] = "application/json"
	}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return e.Raw(t, method, path, b, h)
}

// Must is Do that fails the test unless the status is want, decoding the
// body into out when out is not nil.
func (e *Env) Must(t testing.TB, want int, method, path, token string, body, out any) Resp {
	t.Helper()
	r := e.Do(t, method, path, token, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	if out != nil {
		r.JSON(t, out)
	}
	return r
}

// User is a signed-in test user.
type User struct {
	Email, Token, ID string
}

// SignIn gets a local token for email (verified unless told otherwise).
func (e *Env) SignIn(t testing.TB, email string, verified ...bool) User {
	t.Helper()
	v := len(verified) == 0 || verified[0]
	var out struct{ Token, UserID string }
	e.Must(t, 200, "POST", "/_local/token", "", map[string]any{"email": email, "emailVerified": v}, &out)
	return User{Email: strings.ToLower(strings.TrimSpace(email)), Token: out.Token, ID: out.UserID}
}

// Advance shifts the handlers' clock.
func (e *Env) Advance(t testing.TB, d string) {
	t.Helper()
	e.Must(t, 200, "POST", "/_local/clock", "", map[string]string{"advance": d}, nil)
}

var tokenRE = regexp.MustCompile(`/accept#token=([A-Za-z0-9_-]{43})`)

// InviteLinks returns the invite tokens mailed to address, oldest first,
// read from the emulator's store the way an invitee reads their inbox.
func (e *Env) InviteLinks(t testing.TB, to string) []string {
	t.Helper()
	ms, err := e.SES.Mails(to)
	if err != nil {
		t.Fatalf("read SES store: %v", err)
	}
	var out []string
	for _, m := range ms {
		if mm := tokenRE.FindStringSubmatch(m.Body.Text); mm != nil {
			out = append(out, mm[1])
		}
	}
	return out
}

// LastInviteToken returns the newest invite token mailed to address.
func (e *Env) LastInviteToken(t testing.TB, to string) string {
	t.Helper()
	ls := e.InviteLinks(t, to)
	if len(ls) == 0 {
		t.Fatalf("no invite mail for %s", to)
	}
	return ls[len(ls)-1]
}

var uniq atomic.Int64

// Email returns a unique address for this test run, e.g. "alice-17-1234@example.com".
func Email(name string) string {
	return fmt.Sprintf("%s-%d-%d@example.com", name, uniq.Add(1), os.Getpid())
}

// Client returns the Go client package's client of this Env's API, signed
// in as u (zero User: no token). Its requests pass the same contract check.
func (e *Env) Client(t testing.TB, u User) *client.Client {
	t.Helper()
	var opts []client.Option
	if u.Token != "" {
		opts = append(opts, client.WithTokenSource(client.StaticToken(u.Token)))
	}
	c, err := client.New(e.BaseURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// HTTPGet is a GET of url that gives up after 2 s; it returns the status.
func HTTPGet(url string) (int, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	r, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	r.Body.Close()
	return r.StatusCode, nil
}
