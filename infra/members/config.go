package members

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// CDK context keys the stack reads (cdk.json, cdk.context.json or
// `cdk ... -c key=value`). docs/deploy.md describes each.
const (
	CtxSESIdentity         = "sesIdentity"
	CtxMailFrom            = "mailFrom"
	CtxConsoleOrigin       = "consoleOrigin"
	CtxOIDCIssuer          = "oidcIssuer"
	CtxOIDCAudience        = "oidcAudience"
	CtxCognitoDomainPrefix = "cognitoDomainPrefix"
	CtxOIDCExtraOrigins    = "oidcExtraOrigins"
)

// PlaceholderSESIdentity is used when no sesIdentity is given, so that
// `make synth` works on a fresh clone; the stack then carries a warning.
const PlaceholderSESIdentity = "example.com"

// Config is the deployment's configuration, taken from CDK context.
type Config struct {
	// SESIdentity is the SES email identity: a domain ("example.com") or a
	// single address ("noreply@example.com"). Empty means
	// PlaceholderSESIdentity.
	SESIdentity string
	// MailFrom is the From of every mail ("Members <no-reply@example.com>"
	// or a bare address). It must belong to SESIdentity. Empty means the
	// identity's address, or no-reply@ the identity's domain.
	MailFrom string
	// ConsoleOrigin is where people open the console, when that is not the
	// CloudFront URL (e.g. a custom domain in front of the distribution):
	// "https://members.example.com". It becomes APP_BASE_URL (the links in
	// mails), a CORS origin and a Cognito callback origin.
	ConsoleOrigin string
	// OIDCIssuer and OIDCAudience replace Cognito: the HTTP API's JWT
	// authorizer trusts tokens from this issuer for any of these audiences,
	// and no user pool is created. Both or neither.
	OIDCIssuer   string
	OIDCAudience []string
	// OIDCExtraOrigins are further https origins the console's pages may
	// fetch in OIDC mode, for a provider whose token endpoint is not on the
	// issuer's origin (comma-separated in context).
	OIDCExtraOrigins []string
	// CognitoDomainPrefix is the hosted UI's domain prefix
	// (<prefix>.auth.<region>.amazoncognito.com), unique per region across
	// AWS. Empty means "members-<account id>".
	CognitoDomainPrefix string
	// Limits are the abuse caps and EXISTING_ACCOUNTS (limits.go).
	Limits Limits
}

// UsesOIDC reports whether an external OIDC issuer replaces Cognito.
func (c Config) UsesOIDC() bool { return c.OIDCIssuer != "" }

// ConfigFromContext reads Config from the CDK context of node (usually the
// App's). It returns an error naming the context key of any invalid value.
func ConfigFromContext(node constructs.Node) (Config, error) {
	get := func(key string) string {
		v := node.TryGetContext(&key)
		if v == nil {
			return ""
		}
		return strings.TrimSpace(fmt.Sprint(v))
	}
	c := Config{
		SESIdentity:         get(CtxSESIdentity),
		MailFrom:            get(CtxMailFrom),
		ConsoleOrigin:       get(CtxConsoleOrigin),
		OIDCIssuer:          get(CtxOIDCIssuer),
		CognitoDomainPrefix: get(CtxCognitoDomainPrefix),
	}
	c.OIDCAudience = list(get(CtxOIDCAudience))
	c.OIDCExtraOrigins = list(get(CtxOIDCExtraOrigins))
	var err error
	if c.Limits, err = limitsFromContext(get); err != nil { // limits.go
		return c, err
	}
	return c.withDefaults()
}

// list splits a comma-separated context value, dropping empty entries.
func list(v string) []string {
	var out []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

var (
	domainName   = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	cognitoLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// withDefaults fills in the defaults described on Config and validates it.
func (c Config) withDefaults() (Config, error) {
	if c.SESIdentity == "" {
		c.SESIdentity = PlaceholderSESIdentity
	}
	idDomain, idAddress := c.SESIdentity, ""
	if strings.Contains(c.SESIdentity, "@") {
		a, err := mail.ParseAddress(c.SESIdentity)
		if err != nil || a.Address != c.SESIdentity {
			return c, fmt.Errorf("context %s: %q is neither a domain nor a bare email address", CtxSESIdentity, c.SESIdentity)
		}
		idAddress = strings.ToLower(a.Address)
		idDomain = idAddress[strings.LastIndex(idAddress, "@")+1:]
	}
	if !domainName.MatchString(idDomain) {
		return c, fmt.Errorf("context %s: %q is not a domain name", CtxSESIdentity, idDomain)
	}
	idDomain = strings.ToLower(idDomain)

	if c.MailFrom == "" {
		c.MailFrom = idAddress
		if c.MailFrom == "" {
			c.MailFrom = "no-reply@" + idDomain
		}
	}
	from, err := mail.ParseAddress(c.MailFrom)
	if err != nil {
		return c, fmt.Errorf("context %s: %q: %v", CtxMailFrom, c.MailFrom, err)
	}
	fromAddr := strings.ToLower(from.Address)
	// SES only sends From addresses its identity covers: the address itself,
	// or any address at the domain or one of its subdomains.
	covered := fromAddr == idAddress ||
		(idAddress == "" && (strings.HasSuffix(fromAddr, "@"+idDomain) || strings.HasSuffix(fromAddr, "."+idDomain)))
	if !covered {
		return c, fmt.Errorf("context %s: %q is not covered by the SES identity %q", CtxMailFrom, from.Address, c.SESIdentity)
	}

	if c.ConsoleOrigin != "" {
		u, err := url.Parse(c.ConsoleOrigin)
		local := u != nil && u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")
		if err != nil || (u.Scheme != "https" && !local) || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return c, fmt.Errorf("context %s: %q must be an origin such as https://members.example.com", CtxConsoleOrigin, c.ConsoleOrigin)
		}
		c.ConsoleOrigin = strings.TrimSuffix(c.ConsoleOrigin, "/")
	}

	if (c.OIDCIssuer == "") != (len(c.OIDCAudience) == 0) {
		return c, fmt.Errorf("context %s and %s go together: give both or neither", CtxOIDCIssuer, CtxOIDCAudience)
	}
	if c.OIDCIssuer != "" {
		u, err := url.Parse(c.OIDCIssuer)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, fmt.Errorf("context %s: %q must be an https URL (the issuer's iss claim)", CtxOIDCIssuer, c.OIDCIssuer)
		}
		if c.CognitoDomainPrefix != "" {
			return c, errors.New("context " + CtxCognitoDomainPrefix + " has no use with " + CtxOIDCIssuer + ": no user pool is created")
		}
	}
	if len(c.OIDCExtraOrigins) > 0 && c.OIDCIssuer == "" {
		return c, errors.New("context " + CtxOIDCExtraOrigins + " has no use without " + CtxOIDCIssuer)
	}
	for i, o := range c.OIDCExtraOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return c, fmt.Errorf("context %s: %q must be an https origin such as https://tokens.example.com", CtxOIDCExtraOrigins, o)
		}
		c.OIDCExtraOrigins[i] = strings.TrimSuffix(o, "/")
	}
	if c.CognitoDomainPrefix != "" {
		p := c.CognitoDomainPrefix
		if !cognitoLabel.MatchString(p) || strings.Contains(p, "aws") || strings.Contains(p, "amazon") || strings.Contains(p, "cognito") {
			return c, fmt.Errorf("context %s: %q must be lowercase letters, digits and hyphens, without aws, amazon or cognito", CtxCognitoDomainPrefix, p)
		}
	}
	return c, nil
}
