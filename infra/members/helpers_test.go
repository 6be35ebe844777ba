package members_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/infra/members"
)

// The jsii runtime makes each synthesis cost seconds, so the tests share two:
// the default deployment (Cognito, domain identity, CloudFront URL as the
// console origin) and the OIDC variant (external issuer, address identity,
// custom console domain with its certificate, web ACL). Only
// TestConsoleExtraOrigins and TestCognitoPlusPlan synthesize more, small
// stacks (the console alone, the user pool alone).
var (
	fixtureDir string // asset and console directories for every synthesis

	defaultOnce sync.Once
	defaultSyn  *synthesized
	oidcOnce    sync.Once
	oidcSyn     *synthesized
)

// Context of the two variants (on top of cdk.json's feature flags).
var (
	defaultContext = map[string]string{
		members.CtxSESIdentity: "members.example.com",
		members.CtxMailFrom:    "Members <no-reply@members.example.com>",
	}
	oidcContext = map[string]string{
		members.CtxSESIdentity:        "invites@example.org",
		members.CtxConsoleOrigin:      "https://members.example.org",
		members.CtxOIDCIssuer:         "https://example.eu.auth0.com/",
		members.CtxOIDCAudience:       "members-console, members-cli",
		members.CtxConsoleDomain:      "members.example.org",
		members.CtxConsoleCertificate: oidcCertificate,
		members.CtxWebACL:             oidcWebACL,
		members.CtxAlarmEmail:         "oncall@example.org",
		// abuse limits (limits.go), so one variant shows them reaching the functions
		members.CtxUserInvitesPerHour: "50",
		members.CtxOrgsPerUserPerDay:  "3",
		members.CtxExistingAccounts:   "invite",
		members.CtxMailConcurrency:    "1",
	}
	oidcCertificate = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
	oidcWebACL      = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/members/a1b2c3d4-5678-90ab-cdef-0123456789ab"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "members-infra-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtureDir = dir
	code := func() int {
		if err := writeFixtures(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// writeFixtures lays out what make build and the console would: an empty
// bootstrap per function (the template does not look inside) and two pages.
func writeFixtures(dir string) error {
	for _, fn := range members.FunctionNames() {
		if err := os.MkdirAll(filepath.Join(dir, "build", fn), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "build", fn, "bootstrap"), nil, 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "console"), 0o755); err != nil {
		return err
	}
	for _, page := range []string{"index.html", "accept.html", "join.html"} {
		if err := os.WriteFile(filepath.Join(dir, "console", page), []byte("<!doctype html>"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// synthesized is one synthesized stack: the assertions Template, the same
// template as plain JSON for walking, and the assembly directory.
type synthesized struct {
	stack  awscdk.Stack
	tpl    assertions.Template
	doc    map[string]any
	outdir string
}

func defaultStack(t *testing.T) *synthesized {
	t.Helper()
	defaultOnce.Do(func() { defaultSyn = synth(t, "default", defaultContext) })
	if defaultSyn == nil {
		t.Fatal("default stack did not synthesize (see the first failure)")
	}
	return defaultSyn
}

func oidcStack(t *testing.T) *synthesized {
	t.Helper()
	oidcOnce.Do(func() { oidcSyn = synth(t, "oidc", oidcContext) })
	if oidcSyn == nil {
		t.Fatal("OIDC stack did not synthesize (see the first failure)")
	}
	return oidcSyn
}

// newApp returns an App with cdk.json's context plus ctx, writing to a
// fresh directory under the fixtures.
func newApp(t *testing.T, name string, ctx map[string]string) awscdk.App {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &cdkJSON); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	all := map[string]any{}
	for k, v := range cdkJSON.Context {
		all[k] = v
	}
	for k, v := range ctx {
		all[k] = v
	}
	return awscdk.NewApp(&awscdk.AppProps{
		Context: &all,
		Outdir:  jsii.String(filepath.Join(fixtureDir, "cdk.out."+name)),
	})
}

func synth(t *testing.T, name string, ctx map[string]string) *synthesized {
	t.Helper()
	app := newApp(t, name, ctx)
	cfg, err := members.ConfigFromContext(app.Node())
	if err != nil {
		t.Fatalf("ConfigFromContext: %v", err)
	}
	stack, err := members.NewMembersStack(app, "Members", &members.MembersStackProps{
		Config:     cfg,
		AssetDir:   filepath.Join(fixtureDir, "build"),
		ConsoleDir: filepath.Join(fixtureDir, "console"),
	})
	if err != nil {
		t.Fatalf("NewMembersStack: %v", err)
	}
	s := synthesized{stack: stack}
	noPanic(t, func() { s.tpl = assertions.Template_FromStack(stack, nil) })
	if s.tpl == nil {
		return nil
	}
	s.doc = *s.tpl.ToJSON()
	s.outdir = *app.Outdir()
	return &s
}

// noPanic runs an assertions call; the jsii runtime reports a failed
// assertion as a panic, which becomes a test error here.
func noPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	f()
}

// resources returns the template's resources of type typ by logical id.
func (s *synthesized) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.doc["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// resource returns the resource with logical id, failing when it is missing
// or of another type.
func (s *synthesized) resource(t *testing.T, id, typ string) map[string]any {
	t.Helper()
	r, ok := s.doc["Resources"].(map[string]any)[id].(map[string]any)
	if !ok {
		t.Fatalf("no resource %s", id)
	}
	if r["Type"] != typ {
		t.Fatalf("resource %s is a %v, want %s", id, r["Type"], typ)
	}
	return r
}

// only returns the one resource of type typ.
func (s *synthesized) only(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	rs := s.resources(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	panic("unreachable")
}

// props returns a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// path walks nested maps and arrays: path(v, "A", "B", 0, "C").
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// js renders v as compact JSON, for comparisons and messages.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// strs converts a JSON array of strings (or one string) to a sorted slice.
func strs(v any) []string {
	var out []string
	switch v := v.(type) {
	case string:
		out = []string{v}
	case []any:
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
	}
	sort.Strings(out)
	return out
}

// functionRoleID returns the logical id of function name's role.
func (s *synthesized) functionRoleID(t *testing.T, name string) string {
	t.Helper()
	p := props(s.resource(t, members.FunctionLogicalID(name), "AWS::Lambda::Function"))
	id, _ := path(p, "Role", "Fn::GetAtt", 0).(string)
	return id
}

// roleStatements returns the IAM statements attached to the role with
// logical id roleID through AWS::IAM::Policy resources and inline policies.
func (s *synthesized) roleStatements(roleID string) []map[string]any {
	var out []map[string]any
	add := func(doc any) {
		for _, st := range asSlice(path(doc, "Statement")) {
			out = append(out, st.(map[string]any))
		}
	}
	for _, p := range s.resources("AWS::IAM::Policy") {
		for _, r := range asSlice(props(p)["Roles"]) {
			if js(r) == js(ref(roleID)) {
				add(props(p)["PolicyDocument"])
			}
		}
	}
	role := s.doc["Resources"].(map[string]any)[roleID].(map[string]any)
	for _, p := range asSlice(props(role)["Policies"]) {
		add(path(p, "PolicyDocument"))
	}
	return out
}

func asSlice(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	default:
		return []any{v}
	}
}

// actionsOn returns the sorted actions of statements whose actions start
// with prefix ("dynamodb:"), and the resources they apply to.
func actionsOn(sts []map[string]any, prefix string) (actions []string, resources []string) {
	seenA, seenR := map[string]bool{}, map[string]bool{}
	for _, st := range sts {
		hit := false
		for _, a := range strs(st["Action"]) {
			if strings.HasPrefix(a, prefix) {
				hit = true
				if !seenA[a] {
					seenA[a] = true
					actions = append(actions, a)
				}
			}
		}
		if hit {
			for _, r := range asSlice(st["Resource"]) {
				if k := js(r); !seenR[k] {
					seenR[k] = true
					resources = append(resources, k)
				}
			}
		}
	}
	sort.Strings(actions)
	sort.Strings(resources)
	return actions, resources
}

// consoleConfig returns the console's config.json as synthesized (deploy-time
// values appear as markers) and a function that renders the template value a
// key's marker stands for.
func (s *synthesized) consoleConfig(t *testing.T) (doc map[string]string, resolved func(key string) string) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(s.outdir, "asset.*", "config.json"))
	if len(matches) != 1 {
		t.Fatalf("config.json assets: %v", matches)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	_, deploy := s.only(t, "Custom::CDKBucketDeployment")
	markers, _ := asSlice(props(deploy)["SourceMarkers"])[1].(map[string]any)
	return doc, func(key string) string { return js(markers[doc[key]]) }
}
