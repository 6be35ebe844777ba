// Command hello-lambda is the smallest aws-lambda-go function: it answers
// every HTTP API event with 200 "hello". The cold-start benchmark
// (tests/lambda) builds it like the Members functions and reports their init
// time and binary size as ratios to it.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "hello"}, nil
	})
}
