package members

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/routes"
)

// Default-stage throttling: well above what a console generates, well below
// the account's regional limit that other APIs share; a runaway client hits
// 429s instead of running up Lambda and DynamoDB bills.
const (
	apiRateLimit  = 100 // requests per second, steady
	apiBurstLimit = 200
)

// API is the HTTP API (API Gateway v2).
type API struct {
	Construct constructs.Construct // everything else is added under it
	HttpApi   awsapigatewayv2.HttpApi
	// URL is the API's base URL, without a trailing slash.
	URL *string
	// AccessLogs holds one JSON line per request.
	AccessLogs awslogs.LogGroup
}

// APIProps configures NewAPI.
type APIProps struct {
	Functions  map[string]awslambda.Function
	Authorizer awsapigatewayv2.IHttpRouteAuthorizer
	// CorsOrigins are the console origins allowed to call the API.
	CorsOrigins []*string
}

// NewAPI adds the HTTP API with one route per routes.Table entry, each
// integrated with its function (payload format 2.0) and guarded by the JWT
// authorizer where the table says Auth. Preflight requests are answered by
// API Gateway for the console origins.
func NewAPI(scope constructs.Construct, id string, props APIProps) *API {
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &API{Construct: c}

	seen := map[string]bool{}
	var methods []awsapigatewayv2.CorsHttpMethod
	for _, r := range routes.Table {
		if !seen[r.Method] {
			seen[r.Method] = true
			methods = append(methods, awsapigatewayv2.CorsHttpMethod(r.Method))
		}
	}
	methods = append(methods, awsapigatewayv2.CorsHttpMethod_OPTIONS)

	a.HttpApi = awsapigatewayv2.NewHttpApi(c, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:     jsii.String(*awscdk.Stack_Of(c).StackName() + "-api"),
		Description: jsii.String("Members API"),
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: &props.CorsOrigins,
			AllowMethods: &methods,
			AllowHeaders: jsii.Strings("authorization", "content-type"),
			// Bearer tokens, no cookies.
			AllowCredentials: jsii.Bool(false),
			MaxAge:           awscdk.Duration_Hours(jsii.Number(1)),
		},
	})

	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	byOp := map[routes.Op]constructs.IConstruct{} // operation → route, for setRouteThrottles
	for _, r := range routes.Table {
		in, ok := integrations[r.Function]
		if !ok {
			in = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(FunctionLogicalID(r.Function)+"Integration"),
				props.Functions[r.Function], &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
					PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
				})
			integrations[r.Function] = in
		}
		opts := &awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: in,
		}
		if r.Auth {
			opts.Authorizer = props.Authorizer
		} else {
			opts.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
		}
		for _, route := range *a.HttpApi.AddRoutes(opts) {
			byOp[r.Op] = route
		}
	}

	a.AccessLogs = awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// No headers, query strings or bodies: tokens never reach the log.
	format, _ := json.Marshal(map[string]string{
		"requestId":          "$context.requestId",
		"time":               "$context.requestTime",
		"ip":                 "$context.identity.sourceIp",
		"routeKey":           "$context.routeKey",
		"status":             "$context.status",
		"responseLength":     "$context.responseLength",
		"latency":            "$context.responseLatency",
		"integrationLatency": "$context.integrationLatency",
		"integrationError":   "$context.integrationErrorMessage",
		"authorizerError":    "$context.authorizer.error",
		"userId":             "$context.authorizer.claims.sub",
	})
	stage := a.HttpApi.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: a.AccessLogs.LogGroupArn(),
		Format:         jsii.String(string(format)),
	})
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit:  jsii.Number(apiRateLimit),
		ThrottlingBurstLimit: jsii.Number(apiBurstLimit),
	})
	setRouteThrottles(stage, byOp) // throttle.go

	a.URL = a.HttpApi.ApiEndpoint()
	return a
}
