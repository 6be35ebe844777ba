package members_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/members-saas/members/infra/members"
)

func configFrom(t *testing.T, ctx map[string]any) (members.Config, error) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	return members.ConfigFromContext(app.Node())
}

func TestConfigFromContext(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want members.Config
	}{
		{
			name: "nothing given: placeholder identity",
			ctx:  map[string]any{},
			want: members.Config{SESIdentity: "example.com", MailFrom: "no-reply@example.com"},
		},
		{
			name: "domain identity: mail from no-reply@",
			ctx:  map[string]any{"sesIdentity": "members.example.com"},
			want: members.Config{SESIdentity: "members.example.com", MailFrom: "no-reply@members.example.com"},
		},
		{
			name: "address identity: mail from that address",
			ctx:  map[string]any{"sesIdentity": "invites@example.org"},
			want: members.Config{SESIdentity: "invites@example.org", MailFrom: "invites@example.org"},
		},
		{
			name: "display name, subdomain sender, origin with slash, OIDC audiences",
			ctx: map[string]any{
				"sesIdentity": "example.com", "mailFrom": "Members <team@mail.example.com>",
				"consoleOrigin": "https://members.example.com/",
				"oidcIssuer":    "https://login.example.com/", "oidcAudience": " a , b ,",
				"oidcExtraOrigins": "https://tokens.example.com/, https://keys.example.net",
			},
			want: members.Config{
				SESIdentity: "example.com", MailFrom: "Members <team@mail.example.com>",
				ConsoleOrigin: "https://members.example.com",
				OIDCIssuer:    "https://login.example.com/", OIDCAudience: []string{"a", "b"},
				OIDCExtraOrigins: []string{"https://tokens.example.com", "https://keys.example.net"},
			},
		},
		{
			name: "cognito domain prefix",
			ctx:  map[string]any{"sesIdentity": "example.com", "cognitoDomainPrefix": "members-staging"},
			want: members.Config{SESIdentity: "example.com", MailFrom: "no-reply@example.com", CognitoDomainPrefix: "members-staging"},
		},
		{
			name: "console domain and certificate: the console origin by default; web ACL; Plus plan",
			ctx: map[string]any{
				"sesIdentity": "example.com", "consoleDomain": "Members.Example.com",
				"consoleCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
				"webAclArn":             "arn:aws:wafv2:us-east-1:123456789012:global/webacl/members/a1b2c3d4-5678-90ab-cdef-0123456789ab",
				"cognitoFeaturePlan":    "plus",
			},
			want: members.Config{
				SESIdentity: "example.com", MailFrom: "no-reply@example.com",
				ConsoleOrigin: "https://members.example.com", ConsoleDomain: "members.example.com",
				ConsoleCertificateARN: "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
				WebACLARN:             "arn:aws:wafv2:us-east-1:123456789012:global/webacl/members/a1b2c3d4-5678-90ab-cdef-0123456789ab",
				CognitoFeaturePlan:    "plus",
			},
		},
		{
			name: "alarm email",
			ctx:  map[string]any{"sesIdentity": "example.com", "alarmEmail": " oncall@example.com "},
			want: members.Config{SESIdentity: "example.com", MailFrom: "no-reply@example.com", AlarmEmail: "oncall@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFrom(t, tt.ctx)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestConfigFromContext_Invalid(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		wantKey string
	}{
		{"identity not a domain", map[string]any{"sesIdentity": "not a domain"}, "sesIdentity"},
		{"identity with display name", map[string]any{"sesIdentity": "X <x@example.com>"}, "sesIdentity"},
		{"from outside the domain", map[string]any{"sesIdentity": "example.com", "mailFrom": "x@example.org"}, "mailFrom"},
		{"from look-alike domain", map[string]any{"sesIdentity": "example.com", "mailFrom": "x@badexample.com"}, "mailFrom"},
		{"from other address", map[string]any{"sesIdentity": "a@example.com", "mailFrom": "b@example.com"}, "mailFrom"},
		{"origin with path", map[string]any{"consoleOrigin": "https://example.com/app"}, "consoleOrigin"},
		{"origin over http", map[string]any{"consoleOrigin": "http://example.com"}, "consoleOrigin"},
		{"issuer without audience", map[string]any{"oidcIssuer": "https://login.example.com/"}, "oidcAudience"},
		{"audience without issuer", map[string]any{"oidcAudience": "a"}, "oidcIssuer"},
		{"issuer over http", map[string]any{"oidcIssuer": "http://login.example.com/", "oidcAudience": "a"}, "oidcIssuer"},
		{"prefix with oidc", map[string]any{"oidcIssuer": "https://l.example.com/", "oidcAudience": "a", "cognitoDomainPrefix": "x"}, "cognitoDomainPrefix"},
		{"prefix with aws", map[string]any{"cognitoDomainPrefix": "my-aws-app"}, "cognitoDomainPrefix"},
		{"prefix uppercase", map[string]any{"cognitoDomainPrefix": "Members"}, "cognitoDomainPrefix"},
		{"extra origins without oidc", map[string]any{"oidcExtraOrigins": "https://t.example.com"}, "oidcExtraOrigins"},
		{"domain without certificate", map[string]any{"consoleDomain": "members.example.com"}, "consoleCertificateArn"},
		{"certificate without domain", map[string]any{"consoleCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c"}, "consoleDomain"},
		{"certificate outside us-east-1", map[string]any{"consoleDomain": "m.example.com", "consoleCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c"}, "consoleCertificateArn"},
		{"domain not a domain", map[string]any{"consoleDomain": "https://m.example.com", "consoleCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c"}, "consoleDomain"},
		{"regional web ACL", map[string]any{"webAclArn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/m/a1b2"}, "webAclArn"},
		{"unknown feature plan", map[string]any{"cognitoFeaturePlan": "lite"}, "cognitoFeaturePlan"},
		{"feature plan with oidc", map[string]any{"oidcIssuer": "https://l.example.com/", "oidcAudience": "a", "cognitoFeaturePlan": "plus"}, "cognitoFeaturePlan"},
		{"alarm email with a display name", map[string]any{"alarmEmail": "On call <oncall@example.com>"}, "alarmEmail"},
		{"alarm email not an address", map[string]any{"alarmEmail": "oncall"}, "alarmEmail"},
		{"extra origin with a path", map[string]any{"oidcIssuer": "https://l.example.com/", "oidcAudience": "a", "oidcExtraOrigins": "https://t.example.com/oauth/token"}, "oidcExtraOrigins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configFrom(t, tt.ctx)
			if err == nil || !strings.Contains(err.Error(), tt.wantKey) {
				t.Errorf("err = %v, want one naming %s", err, tt.wantKey)
			}
		})
	}
}

func TestFunctionLogicalID(t *testing.T) {
	for in, want := range map[string]string{"healthz": "HealthzFunction", "list-members": "ListMembersFunction", "ses-events": "SesEventsFunction"} {
		if got := members.FunctionLogicalID(in); got != want {
			t.Errorf("FunctionLogicalID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMissingBootstrapIsAnError(t *testing.T) {
	// GIVEN an asset directory without the ses-events binary
	dir := t.TempDir()
	for _, fn := range members.FunctionNames() {
		if fn == "ses-events" {
			continue
		}
		os.MkdirAll(filepath.Join(dir, fn), 0o755)
		os.WriteFile(filepath.Join(dir, fn, "bootstrap"), nil, 0o755)
	}
	app := awscdk.NewApp(nil)

	// WHEN the stack is built
	_, err := members.NewMembersStack(app, "Members", &members.MembersStackProps{
		Config: members.Config{SESIdentity: "example.com"}, AssetDir: dir, ConsoleDir: dir,
	})

	// THEN it says which function and what to run
	if err == nil || !strings.Contains(err.Error(), `"ses-events"`) || !strings.Contains(err.Error(), "make build") && strings.Contains(err.Error(), "functions/ses-events") {
		t.Errorf("err = %v", err)
	}
}

// TestContextKeysDoc: docs/deploy.md's context table has a row for every
// context key the app reads (the Ctx* constants of infra/members) and for
// no other.
func TestContextKeysDoc(t *testing.T) {
	// GIVEN the Ctx* constants of the package's source
	var keys []string
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Ctx") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						keys = append(keys, v)
					}
				}
			}
		}
	}
	if len(keys) < 19 {
		t.Fatalf("only %d Ctx* constants found: %v", len(keys), keys)
	}

	// WHEN we read the first column of the table in section 2
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "deploy.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "## 2. Choose the context values")
	if i < 0 {
		t.Fatal("docs/deploy.md has no section 2. Choose the context values")
	}
	section := doc[i+3:]
	section = section[:strings.Index(section, "\n## ")]
	var rows []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\|").FindAllStringSubmatch(section, -1) {
		rows = append(rows, m[1])
	}

	// THEN they are the same keys
	sort.Strings(keys)
	sort.Strings(rows)
	if !reflect.DeepEqual(keys, rows) {
		t.Errorf("docs/deploy.md context table %v\nCtx* constants %v", rows, keys)
	}
}
