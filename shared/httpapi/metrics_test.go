package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/httpapi"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// A route of another function, or no route at all, is counted under the
// function that answered it, with the caller's route key kept out.
func TestMetricsOfUnservedRoutes(t *testing.T) {
	var buf bytes.Buffer
	api := httpapi.New(domain.NewService(nil, nil, domain.Config{}), slog.New(slog.NewJSONHandler(io.Discard, nil)), httpapi.AllOps()...).
		WithMetrics(metrics.New(&buf))
	ctx := context.Background()
	if _, err := api.Function(routes.FnMe)(ctx, events.APIGatewayV2HTTPRequest{RouteKey: "GET /healthz"}); err != nil {
		t.Fatal(err)
	}
	api.Serve(ctx, events.APIGatewayV2HTTPRequest{RouteKey: "GET /org_secret"})
	api.Serve(ctx, events.APIGatewayV2HTTPRequest{RouteKey: "GET /healthz"})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`"ClientErrors":1,"Function":"me","Requests":1,`, `"route":"unrouted","status":"404"}`,
		`"ClientErrors":1,"Function":"unrouted","Requests":1,`, `"route":"unrouted","status":"404"}`,
		`{"Function":"healthz","Requests":1,`, `"route":"GET /healthz","status":"200"}`,
	}
	if len(lines) != 3 {
		t.Fatalf("lines:\n%s", buf.String())
	}
	for i, l := range lines {
		if !strings.Contains(l, want[2*i]) || !strings.HasSuffix(l, want[2*i+1]) || strings.Contains(l, "secret") {
			t.Errorf("line %d: %s\nwant %s … %s", i, l, want[2*i], want[2*i+1])
		}
	}
}
