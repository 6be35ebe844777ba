// Package console serves the Members console: the Users tab (/), the
// invite-accept page (/accept) and the invite-link join page (/join), plain HTML, CSS and JavaScript modules
// embedded in the binary. The local server mounts Handler on the same origin
// as the API; the CDK app uploads the same files (Files, on disk
// shared/console/static) to S3 and writes a config.json (ConfigJSON) next to
// them, and sets the same security headers (SecurityHeaders) on CloudFront.
//
// Deployed, the pages need:
//   - "/" → index.html, "/accept" → accept.html and "/join" → join.html
//     (e.g. a CloudFront function that rewrites "/accept" to
//     "/accept.html"); invite mails link to <APP_BASE_URL>/accept#token=…,
//     invite links are <APP_BASE_URL>/join#token=…, and the fragment never
//     reaches a server.
//   - Cognito or another OpenID provider: a public app client (no secret)
//     with the authorization code grant and PKCE, scopes "openid email"
//     (OIDC: "openid email profile"), callback URLs <console>/,
//     <console>/accept and <console>/join, and the same sign-out URLs.
//     The pages send the ID token as the bearer token (it carries email and
//     email_verified), so the JWT authorizer's audience is the client id.
//   - OIDC: the provider's discovery document and token endpoint must answer
//     cross-origin requests from the console (CORS), and be on the issuer's
//     origin or in OIDCExtraOrigins (CSP).
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
	"regexp"
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
	// AuthOIDC signs in through any OpenID provider (Auth0, Okta, …) found by
	// discovery, with the same flow as AuthCognito.
	AuthOIDC = "oidc"
)

// Config is what the pages read from /config.json.
type Config struct {
	// APIBaseURL is the origin (and optional path prefix) of the HTTP API;
	// "" means the console's own origin.
	APIBaseURL string `json:"apiBaseUrl"`
	// Auth is AuthLocal, AuthCognito or AuthOIDC; "" means AuthLocal.
	Auth string `json:"auth"`
	// CognitoDomain is the hosted UI host, e.g. "members.auth.us-east-1.amazoncognito.com"
	// (a leading https:// is accepted). Required for AuthCognito.
	CognitoDomain string `json:"cognitoDomain,omitempty"`
	// OIDCIssuer is the OpenID provider's issuer exactly as in the tokens'
	// iss claim, e.g. "https://example.eu.auth0.com/": an https URL without
	// query or fragment. The pages read its endpoints from
	// <issuer>/.well-known/openid-configuration. Required for AuthOIDC.
	OIDCIssuer string `json:"oidcIssuer,omitempty"`
	// OIDCExtraOrigins are origins ("https://login.example.com") the pages
	// may fetch besides the issuer's, for a provider whose token endpoint is
	// on another origin. AuthOIDC only; they go into the CSP, not config.json.
	OIDCExtraOrigins []string `json:"-"`
	// ClientID is the public app client (no secret) the pages sign in with:
	// the Cognito app client or the OIDC client id. The API's JWT authorizer
	// must accept it as audience, as the pages send the ID token. Required for
	// AuthCognito and AuthOIDC.
	ClientID string `json:"clientId,omitempty"`
	// Region is informational (shown nowhere yet; kept for the deploy config).
	Region string `json:"region,omitempty"`
}

// hostPort is a host name (or IPv4 address) with an optional port: nothing
// that could end a CSP source expression or directive.
var hostPort = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$`)

// parseHTTPURL parses an absolute URL with one of schemes and a plain host,
// without user info, query or fragment.
func parseHTTPURL(s string, schemes ...string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || !hostPort.MatchString(u.Host) || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, false
	}
	for _, sc := range schemes {
		if u.Scheme == sc {
			return u, true
		}
	}
	return nil, false
}

// originOf returns scheme://host[:port] of an absolute URL.
func originOf(u *url.URL) string { return u.Scheme + "://" + u.Host }

// Validate reports whether c is usable, and returns c with defaults applied,
// APIBaseURL without a trailing slash and CognitoDomain reduced to a bare
// host. OIDCIssuer is kept as given: it must match the tokens' iss claim.
func (c Config) Validate() (Config, error) {
	if c.Auth == "" {
		c.Auth = AuthLocal
	}
	if c.APIBaseURL != "" {
		if _, ok := parseHTTPURL(c.APIBaseURL, "https", "http"); !ok {
			return c, fmt.Errorf("console: APIBaseURL %q must be an absolute http(s) URL without query or fragment", c.APIBaseURL)
		}
		c.APIBaseURL = strings.TrimSuffix(c.APIBaseURL, "/")
	}
	if c.Auth != AuthOIDC && (c.OIDCIssuer != "" || len(c.OIDCExtraOrigins) > 0) {
		return c, fmt.Errorf("console: OIDCIssuer and OIDCExtraOrigins need Auth %q", AuthOIDC)
	}
	switch c.Auth {
	case AuthLocal:
	case AuthCognito:
		c.CognitoDomain = strings.TrimSuffix(strings.TrimPrefix(c.CognitoDomain, "https://"), "/")
		if !hostPort.MatchString(c.CognitoDomain) {
			return c, errors.New("console: cognito auth needs CognitoDomain, a bare host name")
		}
		if c.ClientID == "" {
			return c, errors.New("console: cognito auth needs ClientID")
		}
	case AuthOIDC:
		if _, ok := parseHTTPURL(c.OIDCIssuer, "https"); !ok {
			return c, fmt.Errorf("console: oidc auth needs OIDCIssuer, an https URL without query or fragment (got %q)", c.OIDCIssuer)
		}
		if c.ClientID == "" {
			return c, errors.New("console: oidc auth needs ClientID")
		}
		for _, o := range c.OIDCExtraOrigins {
			if u, ok := parseHTTPURL(o, "https"); !ok || strings.TrimSuffix(o, "/") != originOf(u) {
				return c, fmt.Errorf("console: OIDCExtraOrigins: %q must be an https origin such as https://login.example.com", o)
			}
		}
	default:
		return c, fmt.Errorf("console: Auth %q must be %q, %q or %q", c.Auth, AuthLocal, AuthCognito, AuthOIDC)
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
// origin, the API origin and the sign-in service: the Cognito hosted UI, or
// the OIDC issuer's origin (discovery, token endpoint) and OIDCExtraOrigins.
// Sign-in and sign-out are navigations, which connect-src does not limit.
// c must be valid.
func ContentSecurityPolicy(c Config) string {
	connect := []string{"'self'"}
	add := func(origin string) {
		for _, o := range connect {
			if o == origin {
				return
			}
		}
		connect = append(connect, origin)
	}
	if u, err := url.Parse(c.APIBaseURL); c.APIBaseURL != "" && err == nil {
		add(originOf(u))
	}
	switch c.Auth {
	case AuthCognito:
		if c.CognitoDomain != "" {
			add("https://" + c.CognitoDomain)
		}
	case AuthOIDC:
		if u, err := url.Parse(c.OIDCIssuer); c.OIDCIssuer != "" && err == nil {
			add(originOf(u))
		}
		for _, o := range c.OIDCExtraOrigins {
			add(strings.TrimSuffix(o, "/"))
		}
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

// Files returns the static files: index.html, accept.html, join.html and
// assets/. Deployed, "/" serves index.html, "/accept" accept.html and
// "/join" join.html.
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
	"/join":   "join.html",
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

// Handler serves the console for GET and HEAD: "/", "/accept" and "/join"
// (the pages), "/assets/..." (scripts, styles, images), and "/config.json"
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
