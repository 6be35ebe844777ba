package members_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/members-saas/members/infra/members"
	"github.com/members-saas/members/shared/routes"
)

var variants = []struct {
	name string
	s    func(*testing.T) *synthesized
}{{"default", defaultStack}, {"oidc", oidcStack}}

// TestNagNoUnsuppressedFindings is `make synth`'s gate in `make test`: the
// AwsSolutions checks leave no error and no warning on any resource.
func TestNagNoUnsuppressedFindings(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			// GIVEN a synthesized stack (NewMembersStack applies the checks)
			s := v.s(t)

			// WHEN we collect the pack's annotations
			rule := assertions.Match_StringLikeRegexp(jsii.String("^" + members.NagPack + "-"))
			noPanic(t, func() {
				ann := assertions.Annotations_FromStack(s.stack)
				// THEN there are none: every finding is fixed or suppressed
				for _, m := range *ann.FindError(jsii.String("*"), rule) {
					t.Errorf("error at %s: %v", *m.Id, m.Entry.Data)
				}
				for _, m := range *ann.FindWarning(jsii.String("*"), rule) {
					t.Errorf("warning at %s: %v", *m.Id, m.Entry.Data)
				}
			})
		})
	}
}

// nagRow is one line of the report: rule, resource path (below the
// stack), compliance, reason, rule level and what the rule finds.
type nagRow struct{ rule, resource, compliance, reason, level, info string }

func nagReport(t *testing.T, s *synthesized) []nagRow {
	t.Helper()
	f, err := os.Open(filepath.Join(s.outdir, members.NagReportFile(s.stack)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info" {
		t.Fatalf("report header %v, %d lines", recs[0], len(recs))
	}
	var rows []nagRow
	for _, r := range recs[1:] {
		rows = append(rows, nagRow{r[0], strings.TrimPrefix(r[1], "Members/"), r[2], r[3], r[4], r[5]})
	}
	return rows
}

// compliance returns the report's distinct verdicts for rule on resource
// (a test synthesizes a stack more than once; the report repeats lines).
func compliance(rows []nagRow, rule, resource string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if r.rule == members.NagPack+"-"+rule && r.resource == resource && !seen[r.compliance] {
			seen[r.compliance] = true
			out = append(out, r.compliance)
		}
	}
	sort.Strings(out)
	return out
}

func TestNagReport(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			// GIVEN the report cdk-nag wrote for a synthesized stack
			s := v.s(t)
			rows := nagReport(t, s)

			// THEN nothing is non-compliant, and every suppressed finding
			// carries its reason
			for _, r := range rows {
				if r.compliance == "Non-Compliant" || (r.compliance == "Suppressed" && (r.reason == "" || r.reason == "N/A")) {
					t.Errorf("%+v", r)
				}
			}

			// AND every suppression the stack records sits on one resource
			// for one rule with a reason, and is used: the report shows
			// each finding it names as suppressed (no stale suppressions)
			if md := path(s.doc, "Metadata", "cdk_nag"); md != nil {
				t.Errorf("stack-wide suppressions %s: suppress on one resource instead", js(md))
			}
			sups := members.Suppressions(s.stack)
			if len(sups) == 0 {
				t.Fatal("no suppressions recorded")
			}
			for _, sup := range sups {
				if len(sup.Reason) < 60 {
					t.Errorf("%s on %s: reason %q is too short to convince a reviewer", sup.Rule, sup.Path, sup.Reason)
				}
				var findings []string // "[finding] reason" of suppressed granular findings
				used := false
				for _, r := range rows {
					if r.rule == sup.Rule && r.resource == sup.Path && r.compliance == "Suppressed" {
						used = true
						findings = append(findings, r.reason)
					}
				}
				if !used {
					t.Errorf("%s on %s is suppressed but the report has no such finding", sup.Rule, sup.Path)
				}
				for _, a := range sup.AppliesTo {
					match := func(f string) bool { return strings.HasPrefix(f, "["+a+"] ") }
					if strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/") {
						re := regexp.MustCompile(strings.ReplaceAll(a[1:len(a)-1], `\/`, `/`))
						match = func(f string) bool {
							end := strings.Index(f, "] ")
							return strings.HasPrefix(f, "[") && end > 0 && re.MatchString(f[1:end])
						}
					}
					hit := false
					for _, f := range findings {
						hit = hit || match(f)
					}
					if !hit {
						t.Errorf("%s on %s applies to %s, which the report does not show", sup.Rule, sup.Path, a)
					}
				}
			}
		})
	}
}

// TestNagFixedFindings: what the rules first found and the stack fixed is
// compliant, not suppressed.
func TestNagFixedFindings(t *testing.T) {
	s := defaultStack(t)
	rows := nagReport(t, s)
	want := map[string][]string{ // rule → resources
		"S1":   {"Console/Bucket/Resource"},
		"CFR3": {"Console/Distribution/Resource"},
		"SNS3": {"Mail/EventsTopic/Resource"},
		"COG1": {"Auth/UserPool/Resource"},
	}
	// The functions' index/* grants are fixed (each index by name, for the
	// functions that query it: TestFunctionPermissions). What IAM5 still
	// finds on a function's policy is only its grants on "*" (X-Ray, and
	// ListStreams for publish-events: TestFunctionResourceWildcards),
	// suppressed for exactly that finding.
	star := map[string]bool{}
	for _, sup := range members.Suppressions(s.stack) {
		if sup.Rule == members.NagPack+"-IAM5" && strings.HasPrefix(sup.Path, "Functions/") {
			if fmt.Sprint(sup.AppliesTo) != "[Resource::*]" {
				t.Errorf("IAM5 on %s is suppressed for %v, want only the grants on \"*\" [Resource::*]", sup.Path, sup.AppliesTo)
			}
			star[sup.Path] = true
		}
	}
	for _, fn := range members.FunctionNames() {
		res := "Functions/" + members.FunctionLogicalID(fn) + "Role/DefaultPolicy/Resource"
		if !star[res] {
			t.Errorf("%s: no IAM5 suppression for its grants on \"*\"", res)
		}
		if got := compliance(rows, "IAM5", res); strings.Join(got, ",") != "Suppressed" {
			t.Errorf("IAM5 on %s: %v, want Suppressed (Resource::* only)", res, got)
		}
	}
	for rule, resources := range want {
		for _, res := range resources {
			if got := compliance(rows, rule, res); strings.Join(got, ",") != "Compliant" {
				t.Errorf("%s on %s: %v, want Compliant", rule, res, got)
			}
		}
	}

	// AND with a console domain, a web ACL and no user pool (the OIDC
	// variant) the distribution needs no TLS or WAF suppression
	rows = nagReport(t, oidcStack(t))
	for _, rule := range []string{"CFR2", "CFR4"} {
		if got := compliance(rows, rule, "Console/Distribution/Resource"); strings.Join(got, ",") != "Compliant" {
			t.Errorf("OIDC variant: %s on the distribution: %v, want Compliant", rule, got)
		}
	}
}

// resourceWildcardActions are the only actions a function's role may hold
// on Resource "*": X-Ray's (active tracing) for every function, and
// dynamodb:ListStreams for publish-events (its stream's event source
// mapping). None of them supports resource-level permissions. A new grant
// on "*" fails TestFunctionResourceWildcards until it is added here and
// named in the reason of the role's IAM5 suppression (nag.go).
func resourceWildcardActions(fn string) []string {
	actions := []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}
	if fn == routes.FnPublishEvents {
		actions = append(actions, "dynamodb:ListStreams")
	}
	sort.Strings(actions)
	return actions
}

// TestFunctionResourceWildcards: every statement of a function's role on
// Resource "*" holds only the actions of resourceWildcardActions, and the
// IAM5 suppression that accepts the role's "*" names each of them in its
// reason, so that a reviewer reading the reason sees every action on "*".
func TestFunctionResourceWildcards(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			// GIVEN a synthesized stack and its suppressions by resource
			s := v.s(t)
			reasons := map[string]string{}
			for _, sup := range members.Suppressions(s.stack) {
				if sup.Rule == members.NagPack+"-IAM5" {
					reasons[sup.Path] = sup.Reason
				}
			}
			for _, fn := range members.FunctionNames() {
				// WHEN we collect the actions of the role's statements on "*"
				var got []string
				seen := map[string]bool{}
				for _, st := range s.roleStatements(s.functionRoleID(t, fn)) {
					if !slices.Contains(asSlice(st["Resource"]), any("*")) {
						continue
					}
					if st["Effect"] != "Allow" {
						t.Errorf("%s: %s statement on \"*\": %s", fn, st["Effect"], js(st))
					}
					for _, a := range strs(st["Action"]) {
						if !seen[a] {
							seen[a] = true
							got = append(got, a)
						}
					}
				}
				sort.Strings(got)

				// THEN they are exactly the function's allowed actions
				want := resourceWildcardActions(fn)
				if !slices.Equal(got, want) {
					t.Errorf("%s: actions on \"*\" %v, want %v", fn, got, want)
				}
				// AND the suppression's reason names each of them
				res := "Functions/" + members.FunctionLogicalID(fn) + "Role/DefaultPolicy/Resource"
				reason, ok := reasons[res]
				if !ok {
					t.Errorf("%s: no IAM5 suppression on %s", fn, res)
					continue
				}
				for _, a := range got {
					if !strings.Contains(reason, a) {
						t.Errorf("%s: the IAM5 reason does not name %s: %q", fn, a, reason)
					}
				}
			}
		})
	}
}

// TestNagSuppressedFindings pins what the default deployment accepts, so
// that a new suppression is a visible change.
func TestNagSuppressedFindings(t *testing.T) {
	var got []string
	for _, sup := range members.Suppressions(defaultStack(t).stack) {
		res := regexp.MustCompile(`CDKBucketDeployment[0-9A-F]+`).ReplaceAllString(sup.Path, "CDKBucketDeployment")
		got = append(got, sup.Rule+" "+res)
	}
	want := []string{
		"AwsSolutions-APIG4 Api/HttpApi/GET--healthz/Resource",
		"AwsSolutions-APIG4 Api/HttpApi/POST--invite-links--preview/Resource",
		"AwsSolutions-APIG4 Api/HttpApi/POST--invites--preview/Resource",
		"AwsSolutions-COG2 Auth/UserPool/Resource",
		"AwsSolutions-COG8 Auth/UserPool/Resource",
		"AwsSolutions-CFR1 Console/Distribution/Resource",
		"AwsSolutions-CFR2 Console/Distribution/Resource",
		"AwsSolutions-CFR4 Console/Distribution/Resource",
		"AwsSolutions-L1 Custom::CDKBucketDeployment/Resource",
		"AwsSolutions-IAM4 Custom::CDKBucketDeployment/ServiceRole/Resource",
		"AwsSolutions-IAM5 Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource",
		"AwsSolutions-SQS3 Events/PublishDeadLetters/Resource",
		"AwsSolutions-SMG4 CursorKey/Resource",
	}
	for _, fn := range members.FunctionNames() {
		want = append(want, "AwsSolutions-IAM5 Functions/"+members.FunctionLogicalID(fn)+"Role/DefaultPolicy/Resource")
	}
	// The SCIM routes check the directory token in the function.
	for _, r := range routes.Table {
		if routes.IsSCIM(r.Path) {
			want = append(want, "AwsSolutions-APIG4 Api/HttpApi/"+r.Method+"--"+strings.ReplaceAll(strings.TrimPrefix(r.Path, "/"), "/", "--")+"/Resource")
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("suppressions\n got %q\nwant %q", got, want)
	}
}

func TestConsoleAccessLogs(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	logsID, logs := s.byPrefix(t, "ConsoleAccessLogs", "AWS::S3::Bucket")
	_, bucket := s.byPrefix(t, "ConsoleBucket", "AWS::S3::Bucket")
	_, dist := s.only(t, "AWS::CloudFront::Distribution")

	// THEN the console bucket logs its accesses to the log bucket
	if got := js(path(props(bucket), "LoggingConfiguration")); got != js(map[string]any{"DestinationBucketName": ref(logsID), "LogFilePrefix": "s3/"}) {
		t.Errorf("console bucket logging = %s", got)
	}
	// AND so does the distribution (standard logging)
	if got := js(path(props(dist), "DistributionConfig", "Logging")); got != js(map[string]any{"Bucket": getAtt(logsID, "RegionalDomainName"), "Prefix": "cloudfront/"}) {
		t.Errorf("distribution logging = %s", got)
	}
	// AND the log bucket is private, encrypted, keeps logs a year, takes
	// CloudFront's ACL-written logs, and outlives the stack
	lp := props(logs)
	if js(lp["PublicAccessBlockConfiguration"]) != `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}` ||
		path(lp, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "AES256" ||
		path(lp, "LifecycleConfiguration", "Rules", 0, "ExpirationInDays") != float64(365) ||
		path(lp, "OwnershipControls", "Rules", 0, "ObjectOwnership") != "ObjectWriter" {
		t.Errorf("log bucket = %s", js(lp))
	}
	if logs["DeletionPolicy"] != "Retain" {
		t.Errorf("log bucket DeletionPolicy = %v, want Retain", logs["DeletionPolicy"])
	}
	// AND it refuses plain HTTP and lets S3 deliver the console bucket's logs
	var tlsOnly, s3Logs bool
	for id, p := range s.resources("AWS::S3::BucketPolicy") {
		if js(props(p)["Bucket"]) != js(ref(logsID)) {
			continue
		}
		for _, st := range asSlice(path(props(p), "PolicyDocument", "Statement")) {
			tlsOnly = tlsOnly || (path(st, "Effect") == "Deny" && path(st, "Condition", "Bool", "aws:SecureTransport") == "false")
			s3Logs = s3Logs || (path(st, "Principal", "Service") == "logging.s3.amazonaws.com" && path(st, "Action") == "s3:PutObject")
		}
		if !tlsOnly || !s3Logs {
			t.Errorf("log bucket policy %s = %s", id, js(props(p)))
		}
	}
}

func TestConsoleTLSAndWAF(t *testing.T) {
	// GIVEN the default stack: no console domain, no web ACL
	_, dist := defaultStack(t).only(t, "AWS::CloudFront::Distribution")
	cfg := path(props(dist), "DistributionConfig")

	// THEN the distribution has only its cloudfront.net name and no web ACL
	if path(cfg, "Aliases") != nil || path(cfg, "ViewerCertificate", "AcmCertificateArn") != nil || path(cfg, "WebACLId") != nil {
		t.Errorf("default distribution = %s", js(cfg))
	}

	// GIVEN the OIDC variant: consoleDomain, its certificate and a web ACL
	_, dist = oidcStack(t).only(t, "AWS::CloudFront::Distribution")
	cfg = path(props(dist), "DistributionConfig")

	// THEN the distribution answers for the domain with the certificate,
	// requires TLS 1.2 (TLSv1.2_2021) over SNI, and is behind the web ACL
	want := map[string]any{"AcmCertificateArn": oidcCertificate, "MinimumProtocolVersion": "TLSv1.2_2021", "SslSupportMethod": "sni-only"}
	if js(path(cfg, "Aliases")) != `["members.example.org"]` || js(path(cfg, "ViewerCertificate")) != js(want) {
		t.Errorf("aliases %s, viewer certificate %s, want %s", js(path(cfg, "Aliases")), js(path(cfg, "ViewerCertificate")), js(want))
	}
	if path(cfg, "WebACLId") != oidcWebACL {
		t.Errorf("WebACLId = %v, want %s", path(cfg, "WebACLId"), oidcWebACL)
	}
}

func TestEventsTopicRequiresTLS(t *testing.T) {
	// GIVEN the default stack's SES events topic policy
	s := defaultStack(t)
	topicID := s.withProp(t, "AWS::SNS::Topic", "DisplayName", "Members SES delivery events")
	policy := s.resource(t, s.withProp(t, "AWS::SNS::TopicPolicy", "Topics", []any{ref(topicID)}), "AWS::SNS::TopicPolicy")

	// THEN it denies publishing to the topic over plain HTTP, to anyone
	var deny bool
	for _, st := range asSlice(path(props(policy), "PolicyDocument", "Statement")) {
		if path(st, "Effect") == "Deny" && path(st, "Condition", "Bool", "aws:SecureTransport") == "false" &&
			js(path(st, "Resource")) == js(ref(topicID)) && strings.Contains(js(path(st, "Principal")), `"*"`) &&
			strings.Contains(js(path(st, "Action")), `"sns:Publish"`) {
			deny = true
		}
	}
	if !deny {
		t.Errorf("topic policy has no TLS guard: %s", js(props(policy)))
	}
}

func TestUserPoolPasswordAndMFA(t *testing.T) {
	// GIVEN the default stack's user pool
	_, pool := defaultStack(t).only(t, "AWS::Cognito::UserPool")
	p := props(pool)

	// THEN passwords have 12 characters or more, of all four classes
	want := map[string]any{
		"MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true, "RequireNumbers": true, "RequireSymbols": true,
		"TemporaryPasswordValidityDays": 3,
	}
	if got := js(path(p, "Policies", "PasswordPolicy")); got != js(want) {
		t.Errorf("password policy = %s, want %s", got, js(want))
	}
	// AND MFA is optional, by authenticator app only
	if p["MfaConfiguration"] != "OPTIONAL" || js(p["EnabledMfas"]) != `["SOFTWARE_TOKEN_MFA"]` {
		t.Errorf("MFA %v %s, want OPTIONAL with SOFTWARE_TOKEN_MFA", p["MfaConfiguration"], js(p["EnabledMfas"]))
	}
	// AND the feature plan is Essentials, without threat protection
	if p["UserPoolTier"] != "ESSENTIALS" || p["UserPoolAddOns"] != nil {
		t.Errorf("tier %v, add-ons %s", p["UserPoolTier"], js(p["UserPoolAddOns"]))
	}
}

func TestCognitoPlusPlan(t *testing.T) {
	// GIVEN a user pool alone, with context cognitoFeaturePlan=plus, under
	// the AwsSolutions checks
	app := newApp(t, "plus", map[string]string{members.CtxCognitoFeaturePlan: members.CognitoPlus})
	cfg, err := members.ConfigFromContext(app.Node())
	if err != nil {
		t.Fatal(err)
	}
	stack := awscdk.NewStack(app, jsii.String("Plus"), nil)
	members.NewAuth(stack, "Auth", members.AuthProps{Config: cfg, ConsoleOrigins: []*string{jsii.String("https://members.example.com")}})
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)

	noPanic(t, func() {
		// THEN the pool is on the Plus plan with threat protection enforced
		tpl := assertions.Template_FromStack(stack, nil)
		tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"UserPoolTier":   "PLUS",
			"UserPoolAddOns": map[string]any{"AdvancedSecurityMode": "ENFORCED"},
		})
		// AND AwsSolutions-COG8 finds nothing to report
		for _, m := range *assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-COG8"))) {
			t.Errorf("%s: %v", *m.Id, m.Entry.Data)
		}
	})
}

// TestSecurityReviewDoc: docs/deploy.md lists the default deployment's
// suppressions as the code records them. MEMBERS_UPDATE_DOCS=1 rewrites
// the section.
func TestSecurityReviewDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("| rule | resource | findings | reason |\n|---|---|---|---|\n")
	for _, sup := range members.Suppressions(defaultStack(t).stack) {
		res := strings.TrimSuffix(sup.Path, "/Resource")
		res = regexp.MustCompile(`CDKBucketDeployment[0-9A-F]+`).ReplaceAllString(res, "CDKBucketDeployment…")
		var findings []string
		for _, a := range sup.AppliesTo {
			findings = append(findings, "`"+a+"`")
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", sup.Rule, res, strings.Join(findings, "<br>"), strings.ReplaceAll(sup.Reason, "|", `\|`))
	}
	checkGeneratedSection(t, filepath.Join("..", "..", "docs", "deploy.md"), "nag-suppressions", b.String())
}

// TestNagRulesDoc: docs/deploy.md lists the rules that apply to the default
// deployment with their verdicts, from its report.
func TestNagRulesDoc(t *testing.T) {
	type rule struct {
		level, info string
		verdicts    map[string]bool
	}
	rules := map[string]*rule{}
	for _, r := range nagReport(t, defaultStack(t)) {
		if rules[r.rule] == nil {
			rules[r.rule] = &rule{level: r.level, info: r.info, verdicts: map[string]bool{}}
		}
		rules[r.rule].verdicts[strings.ToLower(r.compliance)] = true
	}
	var ids []string
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString("| rule | level | finding when | verdicts |\n|---|---|---|---|\n")
	for _, id := range ids {
		var vs []string
		for v := range rules[id].verdicts {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", id, strings.ToLower(rules[id].level), rules[id].info, strings.Join(vs, ", "))
	}
	checkGeneratedSection(t, filepath.Join("..", "..", "docs", "deploy.md"), "nag-rules", b.String())
}

// checkGeneratedSection compares the text between
// <!-- BEGIN generated:NAME --> and <!-- END generated:NAME --> in file with
// want, or writes want there when MEMBERS_UPDATE_DOCS=1.
func checkGeneratedSection(t *testing.T, file, name, want string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- BEGIN generated:"+name+" -->\n", "<!-- END generated:"+name+" -->"
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %s…%s section", file, strings.TrimSpace(begin), end)
	}
	got := doc[i+len(begin) : j]
	if got == want {
		return
	}
	if os.Getenv("MEMBERS_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(file, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the %s section of %s", name, file)
		return
	}
	t.Errorf("%s: the %s section differs from the code (MEMBERS_UPDATE_DOCS=1 go test ./infra/members -run %s rewrites it)\n got:\n%s\nwant:\n%s", file, name, t.Name(), got, want)
}

// byPrefix returns the one resource of type typ whose logical id starts
// with prefix.
func (s *synthesized) byPrefix(t *testing.T, prefix, typ string) (string, map[string]any) {
	t.Helper()
	var ids []string
	for id := range s.resources(typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("resources %s* of type %s: %v, want 1", prefix, typ, ids)
	}
	return ids[0], s.resources(typ)[ids[0]]
}
