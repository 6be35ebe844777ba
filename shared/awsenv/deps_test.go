package awsenv_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/members-saas/members/shared/routes"
)

// TestFunctionsLinkNoSizeTraps keeps the deployed binaries small (the size
// target of docs/benchmarks.md). Two kinds of package blow them up:
//   - text/template and html/template call reflect.Value.MethodByName, which
//     makes the linker keep every exported method of every type, i.e. every
//     operation of the DynamoDB and SES v2 clients (+60% for the invite
//     function);
//   - the SDK's config loader (profiles, SSO, IMDS), which a Lambda does
//     not need: its credentials are in the environment.
//
// Only functions that send mail may link the SES v2 client, and only
// publish-events the EventBridge client (each adds ~0.2–0.9 MB).
func TestFunctionsLinkNoSizeTraps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	fns, err := filepath.Glob("../../functions/*")
	if err != nil || len(fns) == 0 {
		t.Fatalf("no functions: %v", err)
	}

	banned := []string{"text/template", "html/template", "github.com/aws/aws-sdk-go-v2/config"}
	for _, dir := range fns {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "./"+filepath.ToSlash(dir))
			cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			deps := map[string]bool{}
			for _, p := range strings.Fields(string(out)) {
				deps[p] = true
			}
			for _, b := range banned {
				if deps[b] {
					t.Errorf("functions/%s links %s", name, b)
				}
			}
			if ses := deps["github.com/aws/aws-sdk-go-v2/service/sesv2"]; ses != routes.SendsMail(name) {
				t.Errorf("functions/%s links the SES v2 client: %v, want %v", name, ses, routes.SendsMail(name))
			}
			if eb := deps["github.com/aws/aws-sdk-go-v2/service/eventbridge"]; eb != (name == routes.FnPublishEvents) {
				t.Errorf("functions/%s links the EventBridge client: %v, want %v", name, eb, name == routes.FnPublishEvents)
			}
		})
	}
}
