// Package contract checks openapi.yaml against kin-openapi's validator and
// against the route table.
package contract

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/members-saas/members"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/eventbus"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/routes"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(members.OpenAPI)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	return doc
}

// TestSpecValidates: kin-openapi loads openapi.yaml as OpenAPI 3.1 and its
// validator (examples included) accepts it.
func TestSpecValidates(t *testing.T) {
	doc := loadSpec(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.IsOpenAPI31OrLater(), openapi3.EnableExamplesValidation(), openapi3.EnableSchemaDefaultsValidation(), openapi3.EnableSchemaPatternValidation()); err != nil {
		t.Fatalf("openapi.yaml does not validate: %v", err)
	}
}

var paramRE = regexp.MustCompile(`\{([^}]+)\}`)

// TestSpecMatchesRoutes: the spec's operations are exactly routes.Table's
// routes (method and path), each operation's operationId is its route's
// Op (so the client's method names are the operations' names), each
// operation declares exactly its path's parameters, and the spec's
// security follows each route's Auth.
func TestSpecMatchesRoutes(t *testing.T) {
	doc := loadSpec(t)
	var inSpec []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			inSpec = append(inSpec, key)
			rt, ok := routeOf(key)
			if !ok {
				continue
			}
			if op.OperationID != string(rt.Op) {
				t.Errorf("%s: operationId %q, want the route's Op %q", key, op.OperationID, rt.Op)
			}
			var want, got []string
			for _, m := range paramRE.FindAllStringSubmatch(rt.Path, -1) {
				want = append(want, m[1])
			}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value.In == openapi3.ParameterInPath {
					got = append(got, p.Value.Name)
					if !p.Value.Required {
						t.Errorf("%s: path parameter %s is not required", key, p.Value.Name)
					}
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: path parameters %v, want %v", key, got, want)
			}
			secured := len(doc.Security) > 0
			if op.Security != nil {
				secured = len(*op.Security) > 0
			}
			if secured != rt.Auth {
				t.Errorf("%s: secured %v in the spec, Auth %v in routes.Table", key, secured, rt.Auth)
			}
		}
	}
	var inTable []string
	for _, rt := range routes.Table {
		inTable = append(inTable, rt.Key())
	}
	for _, k := range inTable {
		if !slices.Contains(inSpec, k) {
			t.Errorf("route %s is in routes.Table but not in openapi.yaml", k)
		}
	}
	for _, k := range inSpec {
		if !slices.Contains(inTable, k) {
			t.Errorf("operation %s is in openapi.yaml but not in routes.Table", k)
		}
	}
}

func routeOf(key string) (routes.Route, bool) {
	for _, rt := range routes.Table {
		if rt.Key() == key {
			return rt, true
		}
	}
	return routes.Route{}, false
}

// TestSpecProblemsAreProblemJSON: every 4xx and 5xx response of every
// operation is application/problem+json (401 may also be API Gateway's
// own JSON), so a client can rely on one error shape.
func TestSpecProblemsAreProblemJSON(t *testing.T) {
	doc := loadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, r := range op.Responses.Map() {
				if !strings.HasPrefix(status, "4") && !strings.HasPrefix(status, "5") {
					continue
				}
				if strings.HasPrefix(path, "/scim/v2/") { // SCIM's own error schema (RFC 7644 §3.12)
					if r.Value.Content.Get("application/scim+json") == nil {
						t.Errorf("%s %s: %s has no application/scim+json body", method, path, status)
					}
					continue
				}
				if r.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s: %s has no application/problem+json body", method, path, status)
				}
			}
		}
	}
}

// TestSpecVocabularies: the spec's closed lists are the code's: the error
// codes are httpapi's table, the audit actions the domain's (as
// eventbus.DetailTypes lists them), and every role it names is a role of
// the domain's policy.
func TestSpecVocabularies(t *testing.T) {
	doc := loadSpec(t)
	enum := func(schema string) []string {
		s := doc.Components.Schemas[schema]
		if s == nil || s.Value == nil {
			t.Fatalf("no schema %s", schema)
		}
		var out []string
		for _, v := range s.Value.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	prop := func(schema, name string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[schema].Value.Properties[name].Value.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	var codes []string
	for _, c := range httpapi.Codes() {
		codes = append(codes, string(c))
	}
	same := func(what string, got, want []string) {
		t.Helper()
		got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the spec lists %v, the code %v", what, got, want)
		}
	}
	same("error codes", enum("ErrorCode"), codes)
	same("audit actions", prop("AuditEvent", "action"), eventbus.DetailTypes)
	for _, r := range enum("OrgRole") {
		if !domain.OrgRole(r).Valid() {
			t.Errorf("OrgRole %q is not a role of the policy", r)
		}
	}
	for _, r := range enum("ProjectRole") {
		if !domain.ProjectRole(r).Valid() {
			t.Errorf("ProjectRole %q is not a role of the policy", r)
		}
	}
	for _, p := range enum("Permission") {
		if !strings.Contains(domain.PermissionTableMarkdown(), "`"+p+"`") {
			t.Errorf("Permission %q is not in the policy's table", p)
		}
	}
}
