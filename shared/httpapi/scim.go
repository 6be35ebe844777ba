package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// The SCIM routes (routes.ScimBase) speak application/scim+json and answer
// errors in SCIM's error schema (RFC 7644 §3.12) instead of problem+json;
// the status of each error code is statusOf's, as everywhere.

// ScimMediaType is the media type of SCIM bodies.
const ScimMediaType = "application/scim+json"

// scimTypeOf is the scimType (RFC 7644 §3.12) of the codes that have one.
var scimTypeOf = map[domain.Code]string{
	domain.ECodeScimUniqueness:    "uniqueness",
	domain.ECodeScimInvalidFilter: "invalidFilter",
	domain.ECodeScimInvalidPath:   "invalidPath",
	domain.ECodeScimInvalidValue:  "invalidValue",
	domain.ECodeScimInvalidSyntax: "invalidSyntax",
	domain.ECodeScimNoTarget:      "noTarget",
	domain.ECodeScimMutability:    "mutability",
	domain.ECodeInvalidRequest:    "invalidSyntax",
	domain.ECodeValidationFailed:  "invalidValue",
}

// ScimError is the SCIM error body.
type ScimError struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

func (a *API) scimError(ctx context.Context, err error) events.APIGatewayV2HTTPResponse {
	p := ProblemOf(err)
	if p.Status >= 500 {
		a.log.ErrorContext(ctx, "request failed", "code", p.Code, "err", err.Error())
	}
	body := ScimError{Schemas: []string{domain.SCIMSchemaError}, Status: strconv.Itoa(p.Status),
		ScimType: scimTypeOf[p.Code], Detail: p.Detail}
	b, _ := json.Marshal(body)
	h := map[string]string{"Content-Type": ScimMediaType, "Cache-Control": "no-store"}
	if p.RetryAfter > 0 {
		h["Retry-After"] = strconv.Itoa(p.RetryAfter)
	}
	if p.Status == http.StatusUnauthorized {
		h["WWW-Authenticate"] = `Bearer realm="scim"`
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: h, Body: string(b)}
}

// scimBaseURL is the absolute /scim/v2 URL the request came to, for
// meta.location.
func scimBaseURL(ev events.APIGatewayV2HTTPRequest) string {
	host := header(ev, "x-forwarded-host")
	if host == "" {
		host = ev.RequestContext.DomainName
	}
	if host == "" {
		host = header(ev, "host")
	}
	if host == "" {
		return ""
	}
	proto := header(ev, "x-forwarded-proto")
	if proto == "" {
		proto = "https"
	}
	return proto + "://" + host + routes.ScimBase
}

// scimCaller authenticates the directory token of a SCIM request.
func (a *API) scimCaller(ctx context.Context, r *request) (domain.SCIMCaller, error) {
	return a.svc.SCIMAuth(ctx, header(r.ev, "authorization"), scimBaseURL(r.ev))
}

// scimResource reads a SCIM request body: one JSON object (any members:
// SCIM clients send extensions we ignore). Returns scim_invalid_syntax.
func scimResource(r *request) (map[string]any, error) {
	t := bytes.TrimSpace(r.body)
	if len(t) == 0 || t[0] != '{' {
		return nil, domain.Errorf(domain.ECodeScimInvalidSyntax, "the body must be a JSON object")
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(t))
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, domain.Errorf(domain.ECodeScimInvalidSyntax, "the body is not one valid JSON object")
	}
	return m, nil
}

func scimPatchBody(r *request) (domain.SCIMPatch, error) {
	var p domain.SCIMPatch
	t := bytes.TrimSpace(r.body)
	if len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &p) != nil {
		return p, domain.Errorf(domain.ECodeScimInvalidSyntax, "the body must be a PatchOp JSON object")
	}
	return p, nil
}

func scimQuery(r *request) (domain.SCIMQuery, error) {
	return domain.ParseSCIMQuery(r.query("filter"), r.query("startIndex"), r.query("count"), r.query("excludedAttributes"))
}

// transitionCounts counts a user write by how its active flag moved.
func transitionCounts(resp response, tr domain.SCIMTransition) response {
	switch tr {
	case domain.SCIMReactivated:
		return counted(resp, metrics.ScimProvisioned)
	case domain.SCIMDeactivated:
		return counted(resp, metrics.ScimDeprovisioned)
	}
	return resp
}

// ScimOps are the operations of the scim function's routes: the
// directory's tokens and group grants, and SCIM 2.0 (see Ops).
func ScimOps(a *API) Ops {
	s := a.svc
	// auth wraps a SCIM operation: the directory token first.
	auth := func(f func(context.Context, *request, domain.SCIMCaller) (response, error)) operation {
		return func(ctx context.Context, r *request) (response, error) {
			c, err := a.scimCaller(ctx, r)
			if err != nil {
				return response{}, err
			}
			return f(ctx, r, c)
		}
	}
	return Ops{
		routes.OpScimServiceProviderConfig: auth(func(context.Context, *request, domain.SCIMCaller) (response, error) {
			return ok(domain.SCIMServiceProviderConfig()), nil
		}),
		routes.OpScimResourceTypes: auth(func(_ context.Context, _ *request, c domain.SCIMCaller) (response, error) {
			return ok(domain.SCIMResourceTypes(c)), nil
		}),
		routes.OpScimSchemas: auth(func(_ context.Context, _ *request, c domain.SCIMCaller) (response, error) {
			return ok(domain.SCIMSchemas(c)), nil
		}),
		routes.OpScimListUsers: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			q, err := scimQuery(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListSCIMUsers(ctx, c, q)
			return ok(v), err
		}),
		routes.OpScimCreateUser: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			res, err := scimResource(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.CreateSCIMUser(ctx, c, res)
			return counted(created(v), metrics.ScimProvisioned), err
		}),
		routes.OpScimGetUser: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			v, err := s.GetSCIMUser(ctx, c, r.path("id"))
			return ok(v), err
		}),
		routes.OpScimReplaceUser: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			res, err := scimResource(r)
			if err != nil {
				return response{}, err
			}
			v, tr, err := s.ReplaceSCIMUser(ctx, c, r.path("id"), res)
			return transitionCounts(ok(v), tr), err
		}),
		routes.OpScimPatchUser: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			p, err := scimPatchBody(r)
			if err != nil {
				return response{}, err
			}
			v, tr, err := s.PatchSCIMUser(ctx, c, r.path("id"), p)
			return transitionCounts(ok(v), tr), err
		}),
		routes.OpScimDeleteUser: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			return counted(noContent, metrics.ScimDeprovisioned), s.DeleteSCIMUser(ctx, c, r.path("id"))
		}),
		routes.OpScimListGroups: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			q, err := scimQuery(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListSCIMGroups(ctx, c, q)
			return ok(v), err
		}),
		routes.OpScimCreateGroup: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			res, err := scimResource(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.CreateSCIMGroup(ctx, c, res)
			return created(v), err
		}),
		routes.OpScimGetGroup: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			q, err := scimQuery(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.GetSCIMGroup(ctx, c, r.path("id"), q)
			return ok(v), err
		}),
		routes.OpScimReplaceGroup: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			res, err := scimResource(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ReplaceSCIMGroup(ctx, c, r.path("id"), res)
			return ok(v), err
		}),
		routes.OpScimPatchGroup: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			p, err := scimPatchBody(r)
			if err != nil {
				return response{}, err
			}
			return noContent, s.PatchSCIMGroup(ctx, c, r.path("id"), p)
		}),
		routes.OpScimDeleteGroup: auth(func(ctx context.Context, r *request, c domain.SCIMCaller) (response, error) {
			return noContent, s.DeleteSCIMGroup(ctx, c, r.path("id"))
		}),

		// The owners' routes (JWT): tokens, group grants, detach.
		routes.OpCreateScimToken: func(ctx context.Context, r *request) (response, error) {
			var in domain.SCIMTokenInput
			if err := decode(r, &in); err != nil {
				return response{}, err
			}
			v, err := s.CreateSCIMToken(ctx, r.id, r.path("orgId"), in)
			return created(v), err
		},
		routes.OpListScimTokens: func(ctx context.Context, r *request) (response, error) {
			v, err := s.ListSCIMTokens(ctx, r.id, r.path("orgId"))
			return ok(map[string]any{"tokens": v}), err
		},
		routes.OpRevokeScimToken: func(ctx context.Context, r *request) (response, error) {
			return noContent, s.RevokeSCIMToken(ctx, r.id, r.path("orgId"), r.path("tokenId"))
		},
		routes.OpListScimGroups: func(ctx context.Context, r *request) (response, error) {
			v, err := s.ListSCIMGroupGrants(ctx, r.id, r.path("orgId"))
			return ok(map[string]any{"groups": v}), err
		},
		routes.OpSetScimGroupGrants: func(ctx context.Context, r *request) (response, error) {
			var in domain.GroupGrantInput
			if err := decode(r, &in); err != nil {
				return response{}, err
			}
			v, err := s.SetSCIMGroupGrants(ctx, r.id, r.path("orgId"), r.path("groupId"), in)
			return ok(v), err
		},
	}
}
