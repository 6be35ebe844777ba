package members

import (
	"strings"
	"testing"

	"github.com/members-saas/members/shared/routes"
)

// TestPublicRoutesNamePublicRoutes: publicRoutes and RouteThrottles are
// keyed by operation; each names an operation routes.Table has a route
// for, and a reason is only for a route without a token.
func TestPublicRoutesNamePublicRoutes(t *testing.T) {
	// GIVEN the reasons as they are: they pass
	if err := validatePublicRoutes(publicRoutes); err != nil {
		t.Fatal(err)
	}
	for op := range RouteThrottles {
		if _, ok := routeOf(op); !ok {
			t.Errorf("RouteThrottles names %s, which has no route", op)
		}
	}

	// WHEN a reason names a route that requires a token, or no route
	for op, want := range map[routes.Op]string{
		routes.OpAcceptInvite: "POST /invites/accept requires a token",
		routes.Op("nope"):     "nope, which has no route",
	} {
		reasons := map[routes.Op]string{routes.OpHealthz: publicRoutes[routes.OpHealthz], op: "stale"}
		// THEN validation names it
		if err := validatePublicRoutes(reasons); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", op, err, want)
		}
	}
}
