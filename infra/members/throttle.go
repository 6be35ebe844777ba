package members

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/members-saas/members/shared/routes"
)

// Throttle is a steady rate (requests per second) and a burst.
type Throttle struct{ Rate, Burst float64 }

// RouteThrottles are the stricter per-route limits of the stage, by the
// route's operation (routes.Table gives its route key): the routes anyone
// can call without signing in (a health probe, the invite preview a mailed
// link opens) and accept, which a signed-in stranger can call with guessed
// tokens. Each has its own budget, so one client hammering them gets 429s
// there while the console's routes keep the stage's default
// (apiRateLimit, apiBurstLimit). A person opening an invite link makes one
// preview and one accept; a monitor probes healthz a few times a minute.
//
// The SCIM routes are called without the JWT authorizer (the handler
// checks the directory token), so each has its own budget too, sized for an
// identity provider's initial sync (Okta and Entra send a few to a few
// dozen requests a second); creating directory tokens is an owner's rare
// act.
var RouteThrottles = func() map[routes.Op]Throttle {
	m := map[routes.Op]Throttle{
		routes.OpHealthz:         {Rate: 5, Burst: 10},
		routes.OpPreviewInvite:   {Rate: 10, Burst: 20},
		routes.OpAcceptInvite:    {Rate: 10, Burst: 20},
		routes.OpCreateScimToken: {Rate: 1, Burst: 5},
		// Invite links are shared widely: their preview (public) and
		// join routes get the same per-route cap as an invite's.
		routes.OpPreviewInviteLink: {Rate: 10, Burst: 20},
		routes.OpJoinInviteLink:    {Rate: 10, Burst: 20},
	}
	for _, r := range routes.Table {
		if routes.IsSCIM(r.Path) {
			m[r.Op] = Throttle{Rate: 50, Burst: 100}
		}
	}
	return m
}()

// setRouteThrottles puts RouteThrottles on the stage, keyed by route key
// as API Gateway wants them; byOp holds the API's routes by operation.
// API Gateway refuses route settings for routes that do not exist yet, so
// the stage waits for those routes. It panics when RouteThrottles names an
// operation the API has no route for.
func setRouteThrottles(stage awsapigatewayv2.CfnStage, byOp map[routes.Op]constructs.IConstruct) {
	settings := map[string]any{}
	for _, op := range slices.Sorted(maps.Keys(RouteThrottles)) {
		r, ok := byOp[op]
		route, inTable := routeOf(op)
		if !ok || !inTable {
			panic("members: RouteThrottles names " + string(op) + ", which has no route in shared/routes.Table")
		}
		t := RouteThrottles[op]
		settings[route.Key()] = map[string]any{"ThrottlingRateLimit": t.Rate, "ThrottlingBurstLimit": t.Burst}
		stage.Node().AddDependency(r)
	}
	stage.SetRouteSettings(settings)
}

// routeOf returns the route of routes.Table that runs op.
func routeOf(op routes.Op) (routes.Route, bool) {
	for _, r := range routes.Table {
		if r.Op == op {
			return r, true
		}
	}
	return routes.Route{}, false
}
