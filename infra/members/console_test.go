package members_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/infra/members"
	"github.com/members-saas/members/shared/console"
)

// consoleOnly adds a Console to a stack of its own.
func consoleOnly(t *testing.T, name string, props members.ConsoleProps) (awscdk.Stack, *members.Console) {
	t.Helper()
	stack := awscdk.NewStack(newApp(t, name, nil), jsii.String("ConsoleOnly"), nil)
	if props.APIOrigin == nil {
		props.APIOrigin = jsii.String("https://*.execute-api.eu-west-1.amazonaws.com")
	}
	if props.AuthOrigin == nil {
		props.AuthOrigin = jsii.String("https://login.example.com")
	}
	return stack, members.NewConsole(stack, "Console", props)
}

// panicOf runs f and returns what it panicked with, or "".
func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestConsoleDeployRejectsConfigsThePagesCannotUse(t *testing.T) {
	// GIVEN a console (the two stack variants show that good configs,
	// deploy-time tokens included, pass)
	_, site := consoleOnly(t, "console-deploy", members.ConsoleProps{})
	apiURL := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), awscdk.Aws_URL_SUFFIX()})
	fixtures := filepath.Join(fixtureDir, "console")

	for _, tt := range []struct {
		name  string
		cfg   console.Config
		extra map[string]*string
		want  string
	}{
		{"oidc without issuer", console.Config{APIBaseURL: *apiURL, Auth: console.AuthOIDC, ClientID: "members-console"}, nil, "OIDCIssuer"},
		{"oidc issuer over http", console.Config{Auth: console.AuthOIDC, ClientID: "members-console"},
			map[string]*string{"oidcIssuer": jsii.String("http://login.example.com/")}, "OIDCIssuer"},
		{"oidc without client", console.Config{Auth: console.AuthOIDC},
			map[string]*string{"oidcIssuer": jsii.String("https://login.example.com/")}, "ClientID"},
		{"cognito without domain", console.Config{Auth: console.AuthCognito, ClientID: *awscdk.Aws_ACCOUNT_ID()}, nil, "CognitoDomain"},
		{"unknown auth", console.Config{Auth: "saml"}, nil, "saml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// WHEN it is deployed with a config the pages would reject
			got := panicOf(func() { site.Deploy(fixtures, tt.cfg, tt.extra) })

			// THEN synthesis stops, naming the problem
			if !strings.Contains(got, tt.want) {
				t.Errorf("Deploy panicked with %q, want a message about %s", got, tt.want)
			}
		})
	}
}

func TestConsoleExtraOrigins(t *testing.T) {
	// GIVEN a console whose provider's token endpoint is on another origin
	stack, _ := consoleOnly(t, "console-extra", members.ConsoleProps{
		ExtraOrigins: []string{"https://tokens.example.com/"},
	})

	// WHEN it is synthesized
	var tpl assertions.Template
	noPanic(t, func() { tpl = assertions.Template_FromStack(stack, nil) })
	if tpl == nil {
		return
	}

	// THEN connect-src names the API, the sign-in origin and the extra one
	var csp string
	for _, r := range *tpl.FindResources(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), nil) {
		csp, _ = path(*r, "Properties", "ResponseHeadersPolicyConfig", "SecurityHeadersConfig", "ContentSecurityPolicy", "ContentSecurityPolicy").(string)
	}
	want := "connect-src 'self' https://*.execute-api.eu-west-1.amazonaws.com https://login.example.com https://tokens.example.com;"
	if !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
	if regexp.MustCompile(`placeholder|invalid`).MatchString(csp) {
		t.Errorf("CSP %q keeps a placeholder", csp)
	}

	// AND an origin that is not one is refused
	got := panicOf(func() {
		consoleOnly(t, "console-bad-extra", members.ConsoleProps{ExtraOrigins: []string{"https://tokens.example.com/oauth/token"}})
	})
	if !strings.Contains(got, "OIDCExtraOrigins") {
		t.Errorf("NewConsole panicked with %q, want a message about the extra origin", got)
	}
}
