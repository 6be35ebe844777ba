package members

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/constructs-go/constructs/v10"
)

// Throttle is a steady rate (requests per second) and a burst.
type Throttle struct{ Rate, Burst float64 }

// RouteThrottles are the stricter per-route limits of the stage, by route
// key: the routes anyone can call without signing in (a health probe, the
// invite preview a mailed link opens) and accept, which a signed-in
// stranger can call with guessed tokens. Each has its own budget, so one
// client hammering them gets 429s there while the console's routes keep
// the stage's default (apiRateLimit, apiBurstLimit). A person opening an
// invite link makes one preview and one accept; a monitor probes healthz a
// few times a minute.
var RouteThrottles = map[string]Throttle{
	"GET /healthz":          {Rate: 5, Burst: 10},
	"POST /invites/preview": {Rate: 10, Burst: 20},
	"POST /invites/accept":  {Rate: 10, Burst: 20},
}

// setRouteThrottles puts RouteThrottles on the stage. API Gateway refuses
// route settings for routes that do not exist yet, so the stage waits for
// those routes.
func setRouteThrottles(stage awsapigatewayv2.CfnStage, routes map[string]constructs.IConstruct) {
	settings := map[string]any{}
	keys := make([]string, 0, len(RouteThrottles))
	for k := range RouteThrottles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		r, ok := routes[key]
		if !ok {
			panic("members: RouteThrottles names " + key + ", which is not in shared/routes.Table")
		}
		t := RouteThrottles[key]
		settings[key] = map[string]any{"ThrottlingRateLimit": t.Rate, "ThrottlingBurstLimit": t.Burst}
		stage.Node().AddDependency(r)
	}
	stage.SetRouteSettings(settings)
}
