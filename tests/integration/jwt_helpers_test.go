package integration

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/tests/testenv"
)

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func claimsFor(email string) map[string]any {
	return map[string]any{"iss": localserver.LocalIssuer, "aud": localserver.LocalAudience, "sub": localserver.UserIDFor(email),
		"email": email, "email_verified": true, "exp": time.Now().Add(time.Hour).Unix()}
}

// algNone is an unsigned token with valid-looking claims.
func algNone(email string) string {
	return b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64(claimsFor(email)) + "."
}

// swapPayload keeps a real signature but replaces the claims.
func swapPayload(token, email string) string {
	parts := strings.Split(token, ".")
	return parts[0] + "." + b64(claimsFor(email)) + "." + parts[2]
}

// expiredToken is correctly signed but past its exp.
func expiredToken(t *testing.T, env *testenv.Env, email string) string {
	t.Helper()
	a := *env.Stack.Server.Auth
	a.TTL = -time.Minute
	tok, _, err := a.Issue(email, true)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
