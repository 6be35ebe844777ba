package browser

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/members-saas/members/shared/console"
)

// TestBrowserOIDCSignIn drives the console's OIDC mode in headless Chromium
// against a fake OpenID provider (discovery, authorize, token, end-session,
// on its own https origin) and a fake GET /me: sign-in with PKCE, the ID
// token as bearer, sign-out through end-session, the next sign-in asking for
// credentials again, the accept page's callback, a refused sign-in and a
// forged callback. No token may appear in any URL either server sees.
func TestBrowserOIDCSignIn(t *testing.T) {
	if testing.Short() && !inCI() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := findChromium(t)

	// GIVEN a provider and a console in OIDC mode that trusts it
	op := newFakeOP(t)
	cfg := console.Config{Auth: console.AuthOIDC, OIDCIssuer: op.issuer, ClientID: op.clientID}
	consoleMux := http.NewServeMux()
	consoleMux.Handle("/", console.Handler(cfg))
	consoleMux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+op.idToken {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"title":"Unauthorized","status":401}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"user":{"id":"u1","email":"ada@example.com"},"orgs":[],"projects":[]}`))
	})
	site := httptest.NewServer(op.record(consoleMux))
	t.Cleanup(site.Close)
	op.setConsole(site.URL)

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.IgnoreCertErrors, // the provider's certificate is httptest's
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	var mu sync.Mutex
	var problems []string
	go func() {
		for m, err := range chromedp.Console(tab) {
			if err != nil {
				return
			}
			if m.IsException() || m.Source == "security" || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('Content Security Policy: ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});`})
	if err != nil {
		t.Fatal(err)
	}

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(tab, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`location.href + '\n' + (document.body ? document.body.innerText : '')`))
			t.Fatalf("%s: %v\npage %s", step, err, text)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(tab, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return s
	}
	// poll waits until expr is true, across the navigations of a sign-in
	// (chromedp.Poll gives up when the page it polls navigates away).
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			for {
				ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
				if err == nil && ok {
					return nil
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("waiting for %s: %w (last error: %v)", expr, ctx.Err(), err)
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	signedInAs := poll(`document.querySelector('[data-testid="account-email"]')?.textContent === 'ada@example.com'`)
	signInButton := `[data-testid="signin-submit"]`

	// WHEN Ada signs in from the Users tab
	do("sign in",
		chromedp.Navigate(site.URL+"/"),
		chromedp.WaitVisible(signInButton),
		chromedp.Click(signInButton),
		signedInAs,
	)

	// THEN the provider saw a PKCE authorization request for the console's /
	q := op.last("authorize")
	for k, want := range map[string]string{
		"response_type": "code", "client_id": op.clientID, "redirect_uri": site.URL + "/",
		"scope": "openid email profile", "code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("authorize %s = %q, want %q", k, got, want)
		}
	}
	if q.Get("state") == "" || q.Get("code_challenge") == "" || q.Has("prompt") {
		t.Errorf("authorize query = %v", q)
	}
	// AND the code was redeemed once, with the verifier (the fake checks it)
	if f := op.last("token"); f.Get("code_verifier") == "" || f.Get("redirect_uri") != site.URL+"/" || f.Get("client_id") != op.clientID {
		t.Errorf("token request = %v", f)
	}
	// AND the page keeps the ID token, with the callback gone from the URL
	if got := eval(`JSON.parse(sessionStorage.getItem('members.session')).token`); got != op.idToken {
		t.Errorf("session token = %q, want the ID token", got)
	}
	if got := eval(`location.search`); got != "" {
		t.Errorf("location.search = %q after sign-in", got)
	}

	// WHEN she signs out
	do("sign out",
		chromedp.Click(`[data-testid="sign-out"]`),
		chromedp.WaitVisible(signInButton),
	)
	// THEN the provider's end-session saw the client and the way back, and
	// the session id as hint, but no ID token
	q = op.last("logout")
	if q.Get("client_id") != op.clientID || q.Get("post_logout_redirect_uri") != site.URL+"/" || q.Get("logout_hint") != "sess-1" || q.Has("id_token_hint") {
		t.Errorf("end-session query = %v", q)
	}
	if got := eval(`String(sessionStorage.getItem('members.session'))`); got != "null" {
		t.Errorf("session after sign-out = %s", got)
	}

	// WHEN she signs in again, THEN the provider is asked for credentials
	do("sign in again", chromedp.Click(signInButton), signedInAs)
	if got := op.last("authorize").Get("prompt"); got != "login" {
		t.Errorf("prompt after a sign-out = %q, want login", got)
	}

	// WHEN the accept page signs in, THEN it comes back to /accept, signed
	// in, with the callback gone from the URL
	do("sign in from /accept",
		chromedp.Navigate(site.URL+"/accept"),
		poll(`document.readyState === 'complete'`),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.removeItem('members.session'); import('/assets/auth.js').then((m) => m.startSignIn('/accept'))`),
		poll(`location.pathname === '/accept' && location.search === '' && !!sessionStorage.getItem('members.session')`),
	)
	if got := op.last("authorize").Get("redirect_uri"); got != site.URL+"/accept" {
		t.Errorf("redirect_uri from /accept = %q", got)
	}

	// WHEN the provider refuses a sign-in, THEN the page says so
	op.deny("The user said no")
	do("refused sign-in",
		chromedp.Navigate(site.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.removeItem('members.session')`),
		chromedp.Reload(),
		chromedp.WaitVisible(signInButton),
		chromedp.Click(signInButton),
		poll(`document.querySelector('#signin-note')?.textContent.includes('Sign-in was not completed: The user said no')`),
	)
	// AND a callback this tab did not ask for is refused, and leaves the URL
	do("forged callback",
		chromedp.Navigate(site.URL+"/?code=stolen&state=forged"),
		poll(`document.querySelector('#signin-note')?.textContent.includes('did not match this tab') && location.search === ''`),
	)

	// AND discovery ran once per tab, no URL carried a token, and the pages
	// had no exceptions or CSP violations
	if n := op.count("discovery"); n != 1 {
		t.Errorf("discovery fetched %d times, want 1 (cached in the tab)", n)
	}
	for _, u := range op.urls() {
		if strings.Contains(u, op.idToken) || strings.Contains(u, "access-token") {
			t.Errorf("a token in the URL %s", u)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("page problem: %s", p)
	}
}

// fakeOP is an OpenID provider on its own https origin that answers the
// console's origin with CORS, checks PKCE and records what it is sent.
type fakeOP struct {
	t        *testing.T
	srv      *httptest.Server
	issuer   string
	clientID string
	idToken  string

	mu       sync.Mutex
	console  string
	codes    map[string]url.Values // code → authorize query
	seen     map[string][]url.Values
	uris     []string
	denyWith string
}

func newFakeOP(t *testing.T) *fakeOP {
	op := &fakeOP{t: t, clientID: "members-console", codes: map[string]url.Values{}, seen: map[string][]url.Values{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	mux.HandleFunc("GET /logout", op.logout)
	op.srv = httptest.NewTLSServer(op.record(mux))
	t.Cleanup(op.srv.Close)
	op.issuer = op.srv.URL + "/" // Auth0 style: the trailing slash is part of iss
	op.idToken = fakeJWT(map[string]any{
		"iss": op.issuer, "aud": op.clientID, "sub": "auth0|ada", "email": "ada@example.com",
		"email_verified": true, "exp": time.Now().Add(time.Hour).Unix(), "sid": "sess-1",
	})
	return op
}

func fakeJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func (op *fakeOP) setConsole(origin string) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.console = origin
}

func (op *fakeOP) deny(description string) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.denyWith = description
}

// record notes every request URI h serves (the console's and the provider's).
func (op *fakeOP) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op.mu.Lock()
		op.uris = append(op.uris, r.URL.RequestURI())
		op.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (op *fakeOP) note(kind string, v url.Values) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.seen[kind] = append(op.seen[kind], v)
}

func (op *fakeOP) last(kind string) url.Values {
	op.t.Helper()
	op.mu.Lock()
	defer op.mu.Unlock()
	s := op.seen[kind]
	if len(s) == 0 {
		op.t.Fatalf("the provider saw no %s request", kind)
	}
	return s[len(s)-1]
}

func (op *fakeOP) count(kind string) int {
	op.mu.Lock()
	defer op.mu.Unlock()
	return len(op.seen[kind])
}

func (op *fakeOP) urls() []string {
	op.mu.Lock()
	defer op.mu.Unlock()
	return append([]string(nil), op.uris...)
}

// cors lets the console's origin read the answer (discovery, token).
func (op *fakeOP) cors(w http.ResponseWriter) {
	op.mu.Lock()
	defer op.mu.Unlock()
	w.Header().Set("Access-Control-Allow-Origin", op.console)
	w.Header().Set("Vary", "Origin")
}

func (op *fakeOP) discovery(w http.ResponseWriter, r *http.Request) {
	op.note("discovery", r.URL.Query())
	op.cors(w)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                 op.issuer,
		"authorization_endpoint": op.srv.URL + "/authorize",
		"token_endpoint":         op.srv.URL + "/token",
		"end_session_endpoint":   op.srv.URL + "/logout",
		"jwks_uri":               op.srv.URL + "/.well-known/jwks.json",
	})
}

func (op *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.note("authorize", q)
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != op.clientID || q.Get("response_type") != "code" || q.Get("state") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	res := url.Values{"state": {q.Get("state")}}
	op.mu.Lock()
	if op.denyWith != "" {
		res.Set("error", "access_denied")
		res.Set("error_description", op.denyWith)
	} else {
		code := rand.Text()
		op.codes[code] = q
		res.Set("code", code)
	}
	op.mu.Unlock()
	back.RawQuery = res.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (op *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	op.cors(w)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	op.note("token", f)
	op.mu.Lock()
	auth, ok := op.codes[f.Get("code")]
	delete(op.codes, f.Get("code")) // single use
	op.mu.Unlock()
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	if !ok || f.Get("grant_type") != "authorization_code" || f.Get("client_id") != op.clientID ||
		f.Get("redirect_uri") != auth.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != auth.Get("code_challenge") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": "access-token", "id_token": op.idToken, "token_type": "Bearer", "expires_in": 3600,
	})
}

func (op *fakeOP) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.note("logout", q)
	http.Redirect(w, r, q.Get("post_logout_redirect_uri"), http.StatusFound)
}
