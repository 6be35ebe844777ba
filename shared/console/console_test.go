package console_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/members-saas/members/shared/console"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func TestHandlerServesPagesAssetsAndConfig(t *testing.T) {
	h := console.Handler(console.Config{Auth: console.AuthLocal})
	tests := []struct {
		path, wantType, wantBody string
	}{
		{"/", "text/html; charset=utf-8", `src="/assets/users.js"`},
		{"/accept", "text/html; charset=utf-8", `src="/assets/accept.js"`},
		{"/join", "text/html; charset=utf-8", `src="/assets/join.js"`},
		{"/assets/users.js", "text/javascript; charset=utf-8", "import"},
		{"/assets/app.css", "text/css; charset=utf-8", ":root"},
		{"/assets/favicon.svg", "image/svg+xml", "<svg"},
		{"/config.json", "application/json", `"auth": "local"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tt.path)
			body, _ := io.ReadAll(res.Body)
			if got, want := res.StatusCode, http.StatusOK; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if got := res.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body does not contain %q", tt.wantBody)
			}
			assertSecurityHeaders(t, res.Header)
		})
	}
}

func assertSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{
		"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
		"img-src 'self' data:", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
	} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows unsafe sources", csp)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q", got)
	}
}

func TestHandlerRejectsUnknownPathsAndMethods(t *testing.T) {
	h := console.Handler(console.Config{})
	for _, p := range []string{"/index.html", "/accept/", "/accept.html", "/assets/", "/assets/../index.html", "/assets/nope.js", "/static/index.html", "/me", "/favicon.ico"} {
		res := get(t, h, http.MethodGet, p)
		if got, want := res.StatusCode, http.StatusNotFound; got != want {
			t.Errorf("GET %s: status = %d, want %d", p, got, want)
		}
		assertSecurityHeaders(t, res.Header)
	}
	res := get(t, h, http.MethodPost, "/")
	if got, want := res.StatusCode, http.StatusMethodNotAllowed; got != want {
		t.Errorf("POST /: status = %d, want %d", got, want)
	}
	if res := get(t, h, http.MethodHead, "/accept"); res.StatusCode != http.StatusOK {
		t.Errorf("HEAD /accept: status = %d", res.StatusCode)
	}
}

func TestConfigJSONAndCSPForCognito(t *testing.T) {
	cfg := console.Config{
		APIBaseURL:    "https://api.example.com/v1/",
		Auth:          console.AuthCognito,
		CognitoDomain: "https://members.auth.us-east-1.amazoncognito.com",
		ClientID:      "abc123",
		Region:        "us-east-1",
	}
	h := console.Handler(cfg)
	res := get(t, h, http.MethodGet, "/config.json")
	var got map[string]string
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"apiBaseUrl":    "https://api.example.com/v1",
		"auth":          "cognito",
		"cognitoDomain": "members.auth.us-east-1.amazoncognito.com",
		"clientId":      "abc123",
		"region":        "us-east-1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("config %s = %q, want %q", k, got[k], v)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	if want := "connect-src 'self' https://api.example.com https://members.auth.us-east-1.amazoncognito.com;"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
}

func TestConfigJSONAndCSPForOIDC(t *testing.T) {
	cfg := console.Config{
		APIBaseURL: "https://api.example.com",
		Auth:       console.AuthOIDC,
		OIDCIssuer: "https://example.eu.auth0.com/",
		ClientID:   "members-console",
	}
	h := console.Handler(cfg)
	res := get(t, h, http.MethodGet, "/config.json")
	var got map[string]any
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	// The issuer stays as given: it must equal the tokens' iss claim.
	want := map[string]any{
		"apiBaseUrl": "https://api.example.com",
		"auth":       "oidc",
		"oidcIssuer": "https://example.eu.auth0.com/",
		"clientId":   "members-console",
	}
	if js(got) != js(want) {
		t.Errorf("config.json = %s, want %s", js(got), js(want))
	}
	csp := res.Header.Get("Content-Security-Policy")
	if want := "connect-src 'self' https://api.example.com https://example.eu.auth0.com;"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
	assertSecurityHeaders(t, res.Header)
}

func TestCSPForOIDCWithPathAndExtraOrigins(t *testing.T) {
	// GIVEN an issuer with a path (Okta, Entra ID), on the API's origin, and
	// a token endpoint elsewhere
	cfg, err := console.Config{
		APIBaseURL:       "https://login.example.com/api",
		Auth:             console.AuthOIDC,
		OIDCIssuer:       "https://login.example.com/oauth2/default",
		OIDCExtraOrigins: []string{"https://tokens.example.com/", "https://login.example.com:8443"},
		ClientID:         "0oa1",
	}.Validate()
	if err != nil {
		t.Fatal(err)
	}

	// WHEN the CSP is built, THEN connect-src names each origin once
	csp := console.ContentSecurityPolicy(cfg)
	if want := "connect-src 'self' https://login.example.com https://tokens.example.com https://login.example.com:8443;"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
	// AND config.json does not carry the extra origins
	b, err := console.ConfigJSON(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "tokens.example.com") {
		t.Errorf("config.json = %s", b)
	}
}

func TestCSPOfLocalAndCognitoIgnoresOtherModes(t *testing.T) {
	for _, cfg := range []console.Config{
		{Auth: console.AuthLocal},
		{Auth: console.AuthCognito, CognitoDomain: "d.auth.eu-west-1.amazoncognito.com", ClientID: "x"},
	} {
		csp := console.ContentSecurityPolicy(cfg)
		want := "connect-src 'self';"
		if cfg.Auth == console.AuthCognito {
			want = "connect-src 'self' https://d.auth.eu-west-1.amazoncognito.com;"
		}
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", cfg.Auth, csp, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	bad := map[string]console.Config{
		"unknown auth":              {Auth: "password"},
		"cognito without domain":    {Auth: console.AuthCognito, ClientID: "x"},
		"cognito without client":    {Auth: console.AuthCognito, CognitoDomain: "d.example.com"},
		"cognito domain with path":  {Auth: console.AuthCognito, CognitoDomain: "d.example.com/path", ClientID: "x"},
		"cognito domain with ;":     {Auth: console.AuthCognito, CognitoDomain: "d.example.com;script-src", ClientID: "x"},
		"api without scheme":        {APIBaseURL: "api.example.com"},
		"api javascript:":           {APIBaseURL: "javascript:alert(1)"},
		"api with query":            {APIBaseURL: "https://api.example.com/?q=1"},
		"api host with ;":           {APIBaseURL: "https://api.example.com;x/"},
		"oidc without issuer":       {Auth: console.AuthOIDC, ClientID: "x"},
		"oidc without client":       {Auth: console.AuthOIDC, OIDCIssuer: "https://login.example.com/"},
		"oidc issuer over http":     {Auth: console.AuthOIDC, OIDCIssuer: "http://login.example.com/", ClientID: "x"},
		"oidc issuer bare host":     {Auth: console.AuthOIDC, OIDCIssuer: "login.example.com", ClientID: "x"},
		"oidc issuer with query":    {Auth: console.AuthOIDC, OIDCIssuer: "https://login.example.com/?tenant=a", ClientID: "x"},
		"oidc issuer with fragment": {Auth: console.AuthOIDC, OIDCIssuer: "https://login.example.com/#a", ClientID: "x"},
		"oidc issuer with user":     {Auth: console.AuthOIDC, OIDCIssuer: "https://u@login.example.com/", ClientID: "x"},
		"oidc issuer host with ;":   {Auth: console.AuthOIDC, OIDCIssuer: "https://login.example.com;script-src/", ClientID: "x"},
		"oidc extra origin path": {Auth: console.AuthOIDC, OIDCIssuer: "https://login.example.com/", ClientID: "x",
			OIDCExtraOrigins: []string{"https://tokens.example.com/token"}},
		"oidc extra origin http": {Auth: console.AuthOIDC, OIDCIssuer: "https://login.example.com/", ClientID: "x",
			OIDCExtraOrigins: []string{"http://tokens.example.com"}},
		"oidc extra origin wildcard": {Auth: console.AuthOIDC, OIDCIssuer: "https://login.example.com/", ClientID: "x",
			OIDCExtraOrigins: []string{"https://*.example.com"}},
		"issuer outside oidc":        {Auth: console.AuthCognito, CognitoDomain: "d.example.com", ClientID: "x", OIDCIssuer: "https://login.example.com/"},
		"extra origins outside oidc": {OIDCExtraOrigins: []string{"https://tokens.example.com"}},
	}
	for name, c := range bad {
		if _, err := c.Validate(); err == nil {
			t.Errorf("%s: Validate(%+v) = nil error, want one", name, c)
		}
	}
	good := []console.Config{
		{},
		{APIBaseURL: "http://localhost:8080/"},
		{Auth: console.AuthCognito, CognitoDomain: "https://d.auth.us-east-1.amazoncognito.com/", ClientID: "x"},
		{Auth: console.AuthOIDC, OIDCIssuer: "https://example.eu.auth0.com/", ClientID: "x"},
		{Auth: console.AuthOIDC, OIDCIssuer: "https://dev-1.okta.com/oauth2/default", ClientID: "x"},
		{Auth: console.AuthOIDC, OIDCIssuer: "https://login.microsoftonline.com/0000/v2.0", ClientID: "x",
			OIDCExtraOrigins: []string{"https://graph.example.com/"}},
	}
	for _, c := range good {
		if _, err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", c, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Handler with an invalid config did not panic")
		}
	}()
	console.Handler(console.Config{Auth: "password"})
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The CSP forbids inline code; this keeps the pages honest about it.
func TestPagesHaveNoInlineCode(t *testing.T) {
	inlineScript := regexp.MustCompile(`(?is)<script(?:\s[^>]*)?>\s*[^<\s]`)
	scriptTag := regexp.MustCompile(`(?is)<script\b[^>]*>`)
	handlerAttr := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttr := regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=|<style\b`)
	jsURL := regexp.MustCompile(`(?i)javascript:`)
	err := fs.WalkDir(console.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(console.Files(), p)
		if err != nil {
			return err
		}
		s := string(b)
		if strings.HasSuffix(p, ".html") {
			for _, tag := range scriptTag.FindAllString(s, -1) {
				if !strings.Contains(tag, ` src="/assets/`) || !strings.Contains(tag, `type="module"`) {
					t.Errorf("%s: %s is not an external module script", p, tag)
				}
			}
			for name, re := range map[string]*regexp.Regexp{
				"inline script":           inlineScript,
				"event handler attribute": handlerAttr, "inline style": styleAttr, "javascript: URL": jsURL,
			} {
				if loc := re.FindStringIndex(s); loc != nil {
					t.Errorf("%s: %s at %q", p, name, s[loc[0]:min(loc[1]+20, len(s))])
				}
			}
		}
		if strings.HasSuffix(p, ".js") {
			for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "console.log", "localStorage"} {
				if strings.Contains(s, banned) {
					t.Errorf("%s uses %s", p, banned)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
