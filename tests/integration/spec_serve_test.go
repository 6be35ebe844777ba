package integration

import (
	"bytes"
	"testing"

	"github.com/members-saas/members"
	"github.com/members-saas/members/tests/testenv"
)

// TestServesOpenAPISpec: the local server serves the contract at
// GET /openapi.yaml, byte for byte the repository's openapi.yaml.
func TestServesOpenAPISpec(t *testing.T) {
	env := testenv.New(t)
	r := env.Do(t, "GET", "/openapi.yaml", "", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/yaml" || !bytes.Equal(r.Body, members.OpenAPI) {
		t.Fatalf("GET /openapi.yaml: %d %q, %d bytes; want 200 application/yaml, the embedded spec", r.Status, r.Header.Get("Content-Type"), len(r.Body))
	}
}
