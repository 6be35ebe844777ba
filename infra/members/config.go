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
	CtxConsoleDomain       = "consoleDomain"
	CtxConsoleCertificate  = "consoleCertificateArn"
	CtxWebACL              = "webAclArn"
	CtxCognitoFeaturePlan  = "cognitoFeaturePlan"
	CtxAlarmEmail          = "alarmEmail"
	CtxWebhookURL          = "webhookUrl"
	CtxWebhookSecretName   = "webhookSecretName"
)

// Cognito feature plans the stack accepts (context cognitoFeaturePlan).
const (
	CognitoEssentials = "essentials" // the default
	CognitoPlus       = "plus"       // threat protection, billed per monthly active user
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
	// ConsoleDomain and ConsoleCertificateARN put the console on your own
	// host name ("members.example.com") with an ACM certificate for it,
	// which CloudFront requires in us-east-1; viewers then need TLS 1.2
	// (security policy TLSv1.2_2021). Both or neither. ConsoleOrigin
	// defaults to https://ConsoleDomain.
	ConsoleDomain         string
	ConsoleCertificateARN string
	// WebACLARN attaches an AWS WAF web ACL (scope CLOUDFRONT, so in
	// us-east-1) to the console's distribution. Empty means none.
	WebACLARN string
	// CognitoFeaturePlan is the user pool's feature plan: CognitoEssentials
	// (empty means so) or CognitoPlus, which adds threat protection
	// (compromised credentials, adaptive authentication) at extra cost.
	CognitoFeaturePlan string
	// AlarmEmail, when set, is subscribed to the alarm topic (a bare
	// address; SNS mails it a confirmation link first).
	AlarmEmail string
	// WebhookURL, with WebhookSecretName, adds an EventBridge API
	// destination that POSTs every membership event to this https URL
	// (infra/members/events.go). WebhookSecretName names a Secrets Manager
	// secret whose value EventBridge sends in the WebhookSecretHeader header.
	WebhookURL        string
	WebhookSecretName string
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
		AlarmEmail:          get(CtxAlarmEmail),
		WebhookURL:          get(CtxWebhookURL),
		WebhookSecretName:   get(CtxWebhookSecretName),
	}
	c.ConsoleDomain, c.ConsoleCertificateARN = get(CtxConsoleDomain), get(CtxConsoleCertificate)
	c.WebACLARN = get(CtxWebACL)
	c.CognitoFeaturePlan = get(CtxCognitoFeaturePlan)
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
	// CloudFront takes certificates and web ACLs from us-east-1 only.
	cloudFrontCertificate = regexp.MustCompile(`^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$`)
	cloudFrontWebACL      = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]+/[0-9a-f-]+$`)
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

	if (c.ConsoleDomain == "") != (c.ConsoleCertificateARN == "") {
		return c, fmt.Errorf("context %s and %s go together: give both or neither", CtxConsoleDomain, CtxConsoleCertificate)
	}
	if c.ConsoleDomain != "" {
		if !domainName.MatchString(c.ConsoleDomain) {
			return c, fmt.Errorf("context %s: %q is not a domain name", CtxConsoleDomain, c.ConsoleDomain)
		}
		c.ConsoleDomain = strings.ToLower(c.ConsoleDomain)
		if !cloudFrontCertificate.MatchString(c.ConsoleCertificateARN) {
			return c, fmt.Errorf("context %s: %q must be the ARN of an ACM certificate in us-east-1 (CloudFront uses no other region)", CtxConsoleCertificate, c.ConsoleCertificateARN)
		}
		if c.ConsoleOrigin == "" {
			c.ConsoleOrigin = "https://" + c.ConsoleDomain
		}
	}
	if c.WebACLARN != "" && !cloudFrontWebACL.MatchString(c.WebACLARN) {
		return c, fmt.Errorf("context %s: %q must be the ARN of a WAF web ACL with scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)", CtxWebACL, c.WebACLARN)
	}
	switch c.CognitoFeaturePlan {
	case "", CognitoEssentials, CognitoPlus:
	default:
		return c, fmt.Errorf("context %s: %q must be %s or %s", CtxCognitoFeaturePlan, c.CognitoFeaturePlan, CognitoEssentials, CognitoPlus)
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
		if c.CognitoFeaturePlan == CognitoPlus {
			return c, errors.New("context " + CtxCognitoFeaturePlan + " has no use with " + CtxOIDCIssuer + ": no user pool is created")
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
	if c.AlarmEmail != "" {
		if a, err := mail.ParseAddress(c.AlarmEmail); err != nil || a.Address != c.AlarmEmail {
			return c, fmt.Errorf("context %s: %q must be a bare email address", CtxAlarmEmail, c.AlarmEmail)
		}
	}
	if err := c.validateWebhook(); err != nil {
		return c, err
	}
	if c.CognitoDomainPrefix != "" {
		p := c.CognitoDomainPrefix
		if !cognitoLabel.MatchString(p) || strings.Contains(p, "aws") || strings.Contains(p, "amazon") || strings.Contains(p, "cognito") {
			return c, fmt.Errorf("context %s: %q must be lowercase letters, digits and hyphens, without aws, amazon or cognito", CtxCognitoDomainPrefix, p)
		}
	}
	return c, nil
}
