package routes

import "testing"

func TestMatch(t *testing.T) {
	r, p, ok, _ := Match("PATCH", "/orgs/o1/projects/p1/members/u1")
	if !ok || r.Function != FnProjectMembers || p["orgId"] != "o1" || p["projectId"] != "p1" || p["userId"] != "u1" {
		t.Fatalf("%+v %v", r, p)
	}
	if _, _, ok, pm := Match("PUT", "/orgs"); ok || !pm {
		t.Fatal("PUT /orgs should match the path only")
	}
	if _, _, ok, pm := Match("GET", "/orgs//members"); ok || pm {
		t.Fatal("empty segment matched")
	}
	if _, _, ok, _ := Match("GET", "/healthz"); !ok {
		t.Fatal("healthz")
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	ops := map[Op]bool{}
	for _, r := range Table {
		if r.Op == "" || ops[r.Op] {
			t.Errorf("route %s: operation %q missing or used twice", r.Key(), r.Op)
		}
		ops[r.Op] = true
		if seen[r.Key()] {
			t.Errorf("duplicate route %s", r.Key())
		}
		seen[r.Key()] = true
		if r.Function == "" || r.Summary == "" {
			t.Errorf("route %s lacks function or summary", r.Key())
		}
		// The SCIM routes check their directory token themselves.
		if !r.Auth && r.Path != "/healthz" && r.Path != "/invites/preview" && r.Path != "/invite-links/preview" && !IsSCIM(r.Path) {
			t.Errorf("route %s is public", r.Key())
		}
	}
	if len(Functions()) != 15 {
		t.Errorf("functions %v", Functions())
	}
}

func TestIsSCIM(t *testing.T) {
	for in, want := range map[string]bool{"GET /scim/v2/Users": true, "/scim/v2/Users/x": true, "/scim/v2": false,
		"GET /orgs/{orgId}/scim-tokens": false, "/scimx/v2/Users": false} {
		if IsSCIM(in) != want {
			t.Errorf("IsSCIM(%q) != %v", in, want)
		}
	}
}
