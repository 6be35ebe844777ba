package members

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Auth is who signs people in: a Cognito user pool with its hosted UI, or an
// external OIDC issuer. Either way the HTTP API's JWT authorizer verifies the
// token and hands its claims (sub, email, email_verified) to the functions.
type Auth struct {
	Construct  constructs.Construct // everything else is added under it
	Authorizer awsapigatewayv2.IHttpRouteAuthorizer

	// Cognito only; nil with an OIDC issuer.
	UserPool awscognito.UserPool
	Client   awscognito.UserPoolClient
	Domain   awscognito.UserPoolDomain
	// HostedUIHost is the hosted UI's host name, built from the domain prefix
	// and the region alone (no resource reference), so the console's
	// Content-Security-Policy can name it without a dependency cycle.
	HostedUIHost *string

	// OIDC only: the issuer and the audience the console signs in with.
	Issuer   string
	ClientID string
}

// AuthProps configures NewAuth.
type AuthProps struct {
	Config Config
	// ConsoleOrigins are the origins the console is served from; "/" and
	// "/accept" and "/join" under each are the OAuth callback and sign-out
	// URLs.
	ConsoleOrigins []*string
}

// NewAuth adds the identity side. With cfg.OIDCIssuer set it only builds a
// JWT authorizer for that issuer and audiences; otherwise it adds a Cognito
// user pool (email sign-in and self sign-up, emails verified by Cognito), a
// public app client (authorization code with PKCE, no secret) and a hosted UI
// domain, and an authorizer that accepts that client's tokens.
func NewAuth(scope constructs.Construct, id string, props AuthProps) *Auth {
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &Auth{Construct: c}
	cfg := props.Config

	if cfg.UsesOIDC() {
		a.Issuer = cfg.OIDCIssuer
		a.ClientID = cfg.OIDCAudience[0]
		a.Authorizer = awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("Authorizer"), jsii.String(cfg.OIDCIssuer),
			&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
				JwtAudience: jsii.Strings(cfg.OIDCAudience...),
			})
		return a
	}

	pp := &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(true),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		// Cognito verifies the address at sign-up, so email_verified is true
		// in the ID token; accepting an invite requires it.
		AutoVerify: &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		UserVerification: &awscognito.UserVerificationConfig{
			EmailStyle:   awscognito.VerificationEmailStyle_CODE,
			EmailSubject: jsii.String("Your Members verification code"),
			EmailBody:    jsii.String("Your Members verification code is {####}"),
		},
		KeepOriginal:    &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		PasswordPolicy:  &passwordPolicy,
		// Optional, so invitees can join without an authenticator app;
		// authenticator apps (TOTP) only: SMS costs money per message and
		// can be intercepted.
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		FeaturePlan:     featurePlan(cfg),
		// The accounts are customers' users: keep them when the stack goes.
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	}
	if cfg.CognitoFeaturePlan == CognitoPlus {
		// Block sign-ins Cognito rates high-risk and passwords known
		// from breaches.
		pp.StandardThreatProtectionMode = awscognito.StandardThreatProtectionMode_FULL_FUNCTION
	}
	a.UserPool = awscognito.NewUserPool(c, jsii.String("UserPool"), pp)

	var callbacks, logouts []*string
	for _, o := range props.ConsoleOrigins {
		for _, p := range []string{"/", "/accept", "/join"} {
			u := awscdk.Fn_Join(jsii.String(""), &[]*string{o, jsii.String(p)})
			callbacks = append(callbacks, u)
			logouts = append(logouts, u)
		}
	}
	a.Client = a.UserPool.AddClient(jsii.String("ConsoleClient"), &awscognito.UserPoolClientOptions{
		// A browser app cannot keep a secret; PKCE protects the code instead.
		GenerateSecret: jsii.Bool(false),
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: &callbacks,
			LogoutUrls:   &logouts,
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		// The console sends the ID token (it carries email and
		// email_verified); one hour, then the hosted UI signs in again.
		IdTokenValidity:     awscdk.Duration_Hours(jsii.Number(1)),
		AccessTokenValidity: awscdk.Duration_Hours(jsii.Number(1)),
	})

	a.Domain = a.UserPool.AddDomain(jsii.String("HostedUI"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: domainPrefix(cfg)},
	})
	a.HostedUIHost = hostedUIHost(cfg)

	a.Authorizer = awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("Authorizer"), a.UserPool,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &[]awscognito.IUserPoolClient{a.Client},
		})
	return a
}

// passwordPolicy is the user pool's: at least 12 characters with upper
// and lower case letters, digits and symbols (AwsSolutions-COG1 asks for all
// four classes; the length is what makes guessing expensive). Temporary
// passwords (admin-created users) expire after 3 days.
var passwordPolicy = awscognito.PasswordPolicy{
	MinLength:            jsii.Number(12),
	RequireLowercase:     jsii.Bool(true),
	RequireUppercase:     jsii.Bool(true),
	RequireDigits:        jsii.Bool(true),
	RequireSymbols:       jsii.Bool(true),
	TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
}

// featurePlan maps context cognitoFeaturePlan onto Cognito's plans.
func featurePlan(cfg Config) awscognito.FeaturePlan {
	if cfg.CognitoFeaturePlan == CognitoPlus {
		return awscognito.FeaturePlan_PLUS
	}
	return awscognito.FeaturePlan_ESSENTIALS
}

// domainPrefix is the hosted UI's domain prefix: from context, else
// "members-<account id>" (unique per account; a second stack in the same
// account and region needs cognitoDomainPrefix).
func domainPrefix(cfg Config) *string {
	if cfg.CognitoDomainPrefix != "" {
		return jsii.String(cfg.CognitoDomainPrefix)
	}
	return awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String("members"), awscdk.Aws_ACCOUNT_ID()})
}

// hostedUIHost is the hosted UI's host name for cfg, from the prefix and the
// region alone.
func hostedUIHost(cfg Config) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		domainPrefix(cfg), jsii.String(".auth."), awscdk.Aws_REGION(), jsii.String(".amazoncognito.com"),
	})
}
