package httpapi

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/domain"
)

func TestEveryCodeHasAStatus(t *testing.T) {
	codes := []domain.Code{domain.ECodeInvalidRequest, domain.ECodeValidationFailed, domain.ECodeInvalidCursor, domain.ECodeUnauthorized, domain.ECodeForbidden,
		domain.ECodeNotFound, domain.ECodeOrgNotFound, domain.ECodeProjectNotFound, domain.ECodeMemberNotFound,
		domain.ECodeInviteNotFound, domain.ECodeInviteExpired, domain.ECodeInviteEmailMismatch, domain.ECodeEmailNotVerified,
		domain.ECodeEmailInUse, domain.ECodeInviteAlreadyAccepted, domain.ECodeInviteNotPending, domain.ECodeLastOwner, domain.ECodeConflict, CodePayloadTooLarge,
		domain.ECodeSeatLimit, domain.ECodeLinkExpired, domain.ECodeLinkNotFound, domain.ECodeEmailDomainNotAllowed,
		CodeUnsupportedMediaType, CodeMethodNotAllowed, domain.ECodeRateLimited, domain.ECodeServiceUnavailable, domain.ECodeInternalError,
		domain.ECodeDomainNotFound, domain.ECodeDomainExists, domain.ECodeDomainClaimed, domain.ECodeDomainNotVerified,
		domain.ECodeDomainVerificationFailed, domain.ECodePublicEmailDomain, domain.ECodeJoinRequestNotFound,
		domain.ECodeJoinRequestNotPending,
		domain.ECodeManagedByDirectory, domain.ECodeScimUniqueness, domain.ECodeScimInvalidFilter, domain.ECodeScimInvalidPath,
		domain.ECodeScimInvalidValue, domain.ECodeScimInvalidSyntax, domain.ECodeScimNoTarget, domain.ECodeScimMutability}
	for _, c := range codes {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("no status for %s", c)
		}
	}
	if len(statusOf) != len(codes) {
		t.Errorf("status table has %d codes, test knows %d", len(statusOf), len(codes))
	}
}

func TestInternalErrorsHideDetail(t *testing.T) {
	p := ProblemOf(domain.Internal(errSecret{}))
	if p.Status != 500 || strings.Contains(p.Detail, "secret") || p.Code != domain.ECodeInternalError {
		t.Fatalf("%+v", p)
	}
	p = ProblemOf(errSecret{})
	if p.Status != 500 || strings.Contains(p.Detail, "secret") {
		t.Fatalf("%+v", p)
	}
	p = ProblemOf(domain.Unavailable(errSecret{}))
	if p.Status != 503 || strings.Contains(p.Detail, "secret") || p.headers()["Retry-After"] == "" {
		t.Fatalf("%+v", p)
	}
}

type errSecret struct{}

func (errSecret) Error() string { return "secret table name and stack" }

func TestIdentityFromClaims(t *testing.T) {
	ev := func(c map[string]string) events.APIGatewayV2HTTPRequest {
		return events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c}}}}
	}
	id := identityOf(ev(map[string]string{"sub": "u1", "email": " Ada@Example.COM", "email_verified": "true"}))
	if id.UserID != "u1" || id.Email != "ada@example.com" || !id.EmailVerified {
		t.Fatalf("%+v", id)
	}
	if id := identityOf(ev(map[string]string{"sub": "u1", "email": "ada@example.com", "email_verified": "false"})); id.EmailVerified {
		t.Fatal("unverified taken as verified")
	}
	if id := identityOf(ev(map[string]string{"sub": "u#1"})); id.UserID != "" {
		t.Fatal("bad sub accepted")
	}
	if id := identityOf(events.APIGatewayV2HTTPRequest{}); id.UserID != "" {
		t.Fatal("no authorizer")
	}
}

func TestBodyOf(t *testing.T) {
	b, err := bodyOf(events.APIGatewayV2HTTPRequest{Body: base64.StdEncoding.EncodeToString([]byte(`{"a":1}`)), IsBase64Encoded: true})
	if err != nil || string(b) != `{"a":1}` {
		t.Fatal(string(b), err)
	}
	if _, err := bodyOf(events.APIGatewayV2HTTPRequest{Body: strings.Repeat("x", MaxBodyBytes+1)}); domain.ErrorCode(err) != CodePayloadTooLarge {
		t.Fatal(err)
	}
	if _, err := bodyOf(events.APIGatewayV2HTTPRequest{Body: "{}", Headers: map[string]string{"Content-Type": "text/html"}}); domain.ErrorCode(err) != CodeUnsupportedMediaType {
		t.Fatal(err)
	}
	if _, err := bodyOf(events.APIGatewayV2HTTPRequest{Body: "{}", Headers: map[string]string{"content-type": "application/merge-patch+json; charset=utf-8"}}); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeIsStrict(t *testing.T) {
	var v struct {
		Name *string `json:"name"`
	}
	for body, code := range map[string]domain.Code{
		`{"name":"x","other":1}`: domain.ECodeInvalidRequest,
		`{"name":"x"} x`:         domain.ECodeInvalidRequest,
		`{"name":`:               domain.ECodeInvalidRequest,
		`{"name":1}`:             domain.ECodeValidationFailed,
		`"x"`:                    domain.ECodeInvalidRequest,
		``:                       domain.ECodeInvalidRequest,
	} {
		if err := decode(&request{body: []byte(body)}, &v); domain.ErrorCode(err) != code {
			t.Errorf("%q: %v, want %s", body, err, code)
		}
	}
	if err := decode(&request{body: []byte(` {"name":"x"} `)}, &v); err != nil || *v.Name != "x" {
		t.Fatal(err)
	}
}
