// Package console serves the Members console: the Users tab (/) and the
// invite-accept page (/accept), plain HTML, CSS and JavaScript modules
// embedded in the binary. The local server mounts Handler on the same origin
// as the API; the CDK app uploads the same files (Files, on disk
// shared/console/static) to S3 and writes a config.json (ConfigJSON) next to
// them, and sets the same security headers (SecurityHeaders) on CloudFront.
//
// Deployed, the pages need:
//   - "/" → index.html and "/accept" → accept.html (e.g. a CloudFront
//     function that rewrites "/accept" to "/accept.html"); invite mails link
//     to <APP_BASE_URL>/accept#token=…, and the fragment never reaches a server.
//   - Cognito: a public app client (no secret) with the authorization code
//     grant, scopes "openid email", callback URLs <console>/ and
//     <console>/accept, and sign-out URLs <console>/ and <console>/accept.
//     The pages send the ID token as the bearer token (it carries email and
//     email_verified), so the JWT authorizer's audience is the client id.
package console

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Auth modes of the console.
const (
	// AuthLocal signs in through the local server's POST /_local/token.
	AuthLocal = "local"
	// AuthCognito signs in through the Cognito hosted UI (authorization code
	// with PKCE) and calls the API with the ID token.
	AuthCognito = "cognito"
)

// Config is what the pages read from /config.json.
type Config struct {
	// APIBaseURL is the origin (and optional path prefix) of the HTTP API;
	// "" means the console's own origin.
	APIBaseURL string `json:"apiBaseUrl"`
	// Auth is AuthLocal or AuthCognito; "" means AuthLocal.
	Auth string `json:"auth"`
	// CognitoDomain is the hosted UI host, e.g. "members.auth.us-east-1.amazoncognito.com"
	// (a leading https:// is accepted). Required for AuthCognito.
	CognitoDomain string `json:"cognitoDomain,omitempty"`
	// ClientID is the Cognito app client (public, no secret). Required for AuthCognito.
	ClientID string `json:"clientId,omitempty"`
	// Region is informational (shown nowhere yet; kept for the deploy config).
	Region string `json:"region,omitempty"`
}

// Validate reports whether c is usable, and returns c with defaults applied
// and CognitoDomain reduced to a bare host.
func (c Config) Validate() (Config, error) {
	if c.Auth == "" {
		c.Auth = AuthLocal
	}
	if c.APIBaseURL != "" {
		u, err := url.Parse(c.APIBaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, fmt.Errorf("console: APIBaseURL %q must be an absolute http(s) URL without query or fragment", c.APIBaseURL)
		}
		c.APIBaseURL = strings.TrimSuffix(c.APIBaseURL, "/")
	}
	switch c.Auth {
	case AuthLocal:
	case AuthCognito:
		c.CognitoDomain = strings.TrimSuffix(strings.TrimPrefix(c.CognitoDomain, "https://"), "/")
		if c.CognitoDomain == "" || strings.ContainsAny(c.CognitoDomain, "/?#@ ") {
			return c, errors.New("console: cognito auth needs CognitoDomain, a bare host name")
		}
		if c.ClientID == "" {
			return c, errors.New("console: cognito auth needs ClientID")
		}
	default:
		return c, fmt.Errorf("console: Auth %q must be %q or %q", c.Auth, AuthLocal, AuthCognito)
	}
	return c, nil
}

// ConfigJSON returns the /config.json document for c, or an error when c is
// not valid.
func ConfigJSON(c Config) ([]byte, error) {
	c, err := c.Validate()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(c, "", "  ")
}

// ContentSecurityPolicy returns the CSP for c: nothing inline, scripts and
// styles from the console's origin only, and fetches only to the console's
// origin, the API origin and (cognito) the hosted UI's token endpoint.
// c must be valid.
func ContentSecurityPolicy(c Config) string {
	connect := []string{"'self'"}
	if c.APIBaseURL != "" {
		if u, err := url.Parse(c.APIBaseURL); err == nil {
			connect = append(connect, u.Scheme+"://"+u.Host)
		}
	}
	if c.Auth == AuthCognito && c.CognitoDomain != "" {
		connect = append(connect, "https://"+c.CognitoDomain)
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"connect-src " + strings.Join(connect, " "),
		"img-src 'self' data:",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
	}, "; ")
}

// SecurityHeaders returns the headers every console response carries; the
// CDK app sets the same ones on CloudFront. c must be valid.
func SecurityHeaders(c Config) map[string]string {
	return map[string]string{
		"Content-Security-Policy":    ContentSecurityPolicy(c),
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
}

// Files returns the static files: index.html, accept.html and assets/.
// Deployed, "/" serves index.html and "/accept" serves accept.html.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// pages maps the console's page paths to their files.
var pages = map[string]string{
	"/":       "index.html",
	"/accept": "accept.html",
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

// Handler serves the console for GET and HEAD: "/" and "/accept" (the
// pages), "/assets/..." (scripts, styles, images), and "/config.json"
// generated from cfg. Anything else is 404, other methods 405. Every
// response carries SecurityHeaders. Handler panics when cfg is not valid
// (see Config.Validate): a wiring mistake, caught at start-up.
func Handler(cfg Config) http.Handler {
	cfg, err := cfg.Validate()
	if err != nil {
		panic(err)
	}
	configJSON, err := ConfigJSON(cfg)
	if err != nil {
		panic(err)
	}
	headers := SecurityHeaders(cfg)
	files := Files()

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range headers {
			h.Set(k, v)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		var name string
		switch {
		case p == "/config.json":
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-cache")
			w.Write(configJSON)
			return
		case pages[p] != "":
			name = pages[p]
		case strings.HasPrefix(p, "/assets/") && path.Clean(p) == p:
			name = strings.TrimPrefix(p, "/")
		default:
			http.NotFound(w, r)
			return
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", ct)
		// No fingerprinted names, so revalidate every time.
		h.Set("Cache-Control", "no-cache")
		w.Write(body)
	})
}
