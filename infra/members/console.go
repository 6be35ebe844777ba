package members

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	spec "github.com/members-saas/members"
	"github.com/members-saas/members/shared/console"
)

// Console hosts the console's static files: a private S3 bucket that only
// CloudFront may read (origin access control), and the distribution.
type Console struct {
	Construct    constructs.Construct // everything else is added under it
	Bucket       awss3.Bucket
	Distribution awscloudfront.Distribution
	// Files uploads the console's files (Deploy); nil before.
	Files awss3deployment.BucketDeployment
	// AccessLogs receives the bucket's server access logs (s3/) and the
	// distribution's standard logs (cloudfront/).
	AccessLogs awss3.Bucket
	// URL is the distribution's https URL (no trailing slash).
	URL *string
	// connectSrc is the pages' connect-src, the API origin a placeholder
	// until Deploy knows it (console_csp.go).
	connectSrc string
}

// ConsoleProps configures NewConsole.
type ConsoleProps struct {
	// APIOrigin and AuthOrigin are what the pages may fetch besides their
	// own origin (CSP connect-src): the API, and the sign-in service (the
	// Cognito hosted UI, or the OIDC issuer's origin, which serves discovery
	// and usually the token endpoint). They must not refer to the API or
	// user pool resources: those depend on the distribution's URL (CORS,
	// callback URLs), so a reference back would be a cycle. Wildcards and
	// pseudo parameters are fine.
	APIOrigin  *string
	AuthOrigin *string
	// ExtraOrigins are further https origins the pages may fetch, for an
	// OIDC provider whose token endpoint is not on the issuer's origin
	// (plain strings, no tokens). NewConsole panics on an invalid one.
	ExtraOrigins []string
	// Domain and CertificateARN serve the console on a host name of your
	// own with that ACM certificate (us-east-1), requiring TLS 1.2 of
	// viewers. Empty: the distribution's *.cloudfront.net name, whose
	// default certificate CloudFront also offers over TLS 1.0 and 1.1.
	Domain         string
	CertificateARN string
	// WebACLARN is an AWS WAF web ACL (scope CLOUDFRONT) for the
	// distribution; empty means none.
	WebACLARN string
}

// accessLogDays is how long the console's access logs are kept.
const accessLogDays = 365

// Placeholders handed to shared/console's CSP builder, then replaced by the
// deploy-time origins, so the directives stay defined in one place.
const (
	cspAPIPlaceholder  = "https://api.csp-placeholder.invalid"
	cspAuthPlaceholder = "https://auth.csp-placeholder.invalid"
)

// rewriteFunction maps the console's page paths onto its files, as the local
// server does: "/" → /index.html, "/accept" → /accept.html. Paths with an
// extension pass unchanged.
const rewriteFunction = `function handler(event) {
  var req = event.request;
  var uri = req.uri;
  if (uri.endsWith('/')) {
    req.uri = uri + 'index.html';
  } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
    req.uri = uri + '.html';
  }
  return req;
}`

// NewConsole adds the bucket and the distribution, with shared/console's
// security headers on every response, both logging to the access log
// bucket; with props.Domain the distribution serves that name over TLS 1.2
// or later, with props.WebACLARN behind that web ACL.
func NewConsole(scope constructs.Construct, id string, props ConsoleProps) *Console {
	c := constructs.NewConstruct(scope, jsii.String(id))
	k := &Console{Construct: c, connectSrc: connectSrcDirective(props)}

	k.AccessLogs = awss3.NewBucket(c, jsii.String("AccessLogs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		// CloudFront's standard logging writes with an object ACL (for its
		// awslogsdelivery account), which needs ACLs enabled.
		ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(accessLogDays)),
		}},
		// Evidence for a security review outlives the stack: `make
		// destroy` leaves the bucket; the lifecycle rule empties it.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	k.Bucket = awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// Only build output lives here; `make deploy` puts it back.
		RemovalPolicy:          awscdk.RemovalPolicy_DESTROY,
		AutoDeleteObjects:      jsii.Bool(true),
		ServerAccessLogsBucket: k.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("s3/"),
	})

	rewrite := awscloudfront.NewFunction(c, jsii.String("PagePaths"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(rewriteFunction)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("Members console: page paths to files"),
	})

	dp := &awscloudfront.DistributionProps{
		Comment:           jsii.String("Members console"),
		DefaultRootObject: jsii.String("index.html"),
		// North America and Europe edges: the cheapest class; others still
		// reach it, a little slower.
		PriceClass:  awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion: awscloudfront.HttpVersion_HTTP2_AND_3,
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(k.Bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: newSecurityHeaders(c, props),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				Function:  rewrite,
			}},
		},
		EnableLogging: jsii.Bool(true),
		LogBucket:     k.AccessLogs,
		LogFilePrefix: jsii.String("cloudfront/"),
	}
	if props.Domain != "" {
		dp.DomainNames = jsii.Strings(props.Domain)
		dp.Certificate = awscertificatemanager.Certificate_FromCertificateArn(c, jsii.String("Certificate"), jsii.String(props.CertificateARN))
		dp.SslSupportMethod = awscloudfront.SSLMethod_SNI
		dp.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	if props.WebACLARN != "" {
		dp.WebAclId = jsii.String(props.WebACLARN)
	}
	k.Distribution = awscloudfront.NewDistribution(c, jsii.String("Distribution"), dp)
	k.URL = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), k.Distribution.DistributionDomainName()})
	return k
}

// newSecurityHeaders builds the response headers policy from
// console.SecurityHeaders, plus HSTS.
func newSecurityHeaders(scope constructs.Construct, props ConsoleProps) awscloudfront.ResponseHeadersPolicy {
	// Cognito's CSP and OIDC's have the same shape: the sign-in service's
	// origin in connect-src after the API's. The OIDC form also takes the
	// extra origins.
	cfg, err := console.Config{
		APIBaseURL: cspAPIPlaceholder, Auth: console.AuthOIDC,
		OIDCIssuer: cspAuthPlaceholder, ClientID: "-", OIDCExtraOrigins: props.ExtraOrigins,
	}.Validate()
	if err != nil {
		panic(fmt.Sprintf("members: console CSP: %v", err))
	}
	headers := console.SecurityHeaders(cfg)
	sec := &awscloudfront.ResponseSecurityHeadersBehavior{
		StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
			AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)),
			IncludeSubdomains:   jsii.Bool(false),
			Override:            jsii.Bool(true),
		},
	}
	var custom []*awscloudfront.ResponseCustomHeader
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := headers[name]
		switch http.CanonicalHeaderKey(name) {
		case "Content-Security-Policy":
			csp := strings.ReplaceAll(v, cspAPIPlaceholder, *props.APIOrigin)
			csp = strings.ReplaceAll(csp, cspAuthPlaceholder, *props.AuthOrigin)
			sec.ContentSecurityPolicy = &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(csp), Override: jsii.Bool(true),
			}
		case "X-Content-Type-Options":
			sec.ContentTypeOptions = &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)}
		case "X-Frame-Options":
			sec.FrameOptions = &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption(strings.ToUpper(v)), Override: jsii.Bool(true),
			}
		case "Referrer-Policy":
			sec.ReferrerPolicy = &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy(strings.ToUpper(strings.ReplaceAll(v, "-", "_"))), Override: jsii.Bool(true),
			}
		default:
			custom = append(custom, &awscloudfront.ResponseCustomHeader{
				Header: jsii.String(name), Value: jsii.String(v), Override: jsii.Bool(true),
			})
		}
	}
	p := &awscloudfront.ResponseHeadersPolicyProps{
		Comment:                 jsii.String("Members console security headers"),
		SecurityHeadersBehavior: sec,
	}
	if len(custom) > 0 {
		p.CustomHeadersBehavior = &awscloudfront.ResponseCustomHeadersBehavior{CustomHeaders: &custom}
	}
	return awscloudfront.NewResponseHeadersPolicy(scope, jsii.String("SecurityHeaders"), p)
}

// Deploy uploads the static files in dir plus a generated config.json, and
// invalidates the distribution's cache. cfg is marshalled with
// shared/console's field names; its values may be deploy-time tokens. extra
// adds or overrides fields by their JSON name. Deploy panics when the
// document is not one the pages accept (console.Config.Validate, tokens
// standing for well-formed values): a wiring mistake that would otherwise
// only show in the browser.
func (k *Console) Deploy(dir string, cfg console.Config, extra map[string]*string) {
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	var doc map[string]interface{}
	if err := json.Unmarshal(b, &doc); err != nil {
		panic(err)
	}
	for key, v := range extra {
		doc[key] = v
	}
	if err := checkConfigJSON(doc); err != nil {
		panic(fmt.Sprintf("members: console config.json: %v", err))
	}
	k.Files = awss3deployment.NewBucketDeployment(k.Construct, jsii.String("Files"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: k.Bucket,
		// The pages come with the API's exact origin in a <meta> CSP
		// (console_csp.go), in place of the files as built.
		Sources: func() *[]awss3deployment.ISource {
			src := []awss3deployment.ISource{
				awss3deployment.Source_Asset(jsii.String(dir), &awss3assets.AssetOptions{Exclude: jsii.Strings(cspPages...)}),
				awss3deployment.Source_JsonData(jsii.String("config.json"), doc, nil),
				// The API's contract, next to the pages: <console>/openapi.yaml.
				awss3deployment.Source_Data(jsii.String("openapi.yaml"), jsii.String(string(spec.OpenAPI)), nil),
			}
			src = append(src, k.pageSources(dir, cfg.APIBaseURL)...)
			return &src
		}(),
		// File names carry no content hash, so browsers revalidate; the
		// invalidation below refreshes the edge caches on every deploy.
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
		Distribution:      k.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
		LogGroup: awslogs.NewLogGroup(k.Construct, jsii.String("DeployLogs"), &awslogs.LogGroupProps{
			Retention:     LogRetention,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		}),
	})
}

// checkConfigJSON reads doc as the pages would (console.Config) and
// validates it, with unresolved tokens replaced by well-formed stand-ins.
func checkConfigJSON(doc map[string]interface{}) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	var c console.Config
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	for _, f := range []struct {
		v       *string
		standIn string
	}{
		{&c.APIBaseURL, "https://api.token.invalid"},
		{&c.CognitoDomain, "auth.token.invalid"},
		{&c.OIDCIssuer, "https://issuer.token.invalid/"},
		{&c.ClientID, "client-token"},
	} {
		if *f.v != "" && *awscdk.Token_IsUnresolved(*f.v) {
			*f.v = f.standIn
		}
	}
	_, err = c.Validate()
	return err
}
