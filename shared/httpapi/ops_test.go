package httpapi

import (
	"io"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/routes"
)

// TestOpsAreTheFunctionsRoutes checks that each function's Ops (InviteOps
// for invite, ...) give exactly the operations of that function's routes,
// so a Lambda's main passing its own Ops serves all its routes and links
// no other operation; and that AllOps serve every route.
func TestOpsAreTheFunctionsRoutes(t *testing.T) {
	svc := domain.NewService(nil, nil, domain.Config{})
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	seen := map[string]bool{}
	for _, set := range AllOps() {
		name := runtime.FuncForPC(reflect.ValueOf(set).Pointer()).Name()
		name = strings.TrimSuffix(name[strings.LastIndex(name, ".")+1:], "Ops")
		var fn string
		for _, f := range routes.Functions() {
			if strings.ReplaceAll(f, "-", "") == strings.ToLower(name) {
				fn = f
			}
		}
		if fn == "" {
			t.Errorf("%sOps: no function of that name", name)
			continue
		}
		seen[fn] = true
		want := map[routes.Op]bool{}
		for _, rt := range routes.ForFunction(fn) {
			want[rt.Op] = true
		}
		got := map[routes.Op]bool{}
		for op := range set(&API{svc: svc, log: log}) {
			got[op] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%sOps give %v, the routes of %s are %v", name, got, fn, want)
		}
		New(svc, log, set).Function(fn) // panics on a missing operation
	}
	for _, fn := range routes.Functions() {
		if !seen[fn] {
			t.Errorf("AllOps has no Ops of function %s", fn)
		}
	}
	a := New(svc, log, AllOps()...)
	for _, rt := range routes.Table {
		if a.ops[rt.Key()] == nil {
			t.Errorf("AllOps: no operation for %s", rt.Key())
		}
	}
}
