package httpapi

import (
	"context"
	"net/http"

	"github.com/members-saas/members/shared/domain"
)

// The request bodies. Pointer fields tell "missing" from "wrong type";
// the service validates the values.
type (
	nameBody struct {
		Name *string `json:"name"`
	}
	tokenBody struct {
		Token *string `json:"token"`
	}
	roleBody struct {
		Role *string `json:"role"`
	}
)

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ok(body any) response      { return response{status: http.StatusOK, body: body} }
func created(body any) response { return response{status: http.StatusCreated, body: body} }

var noContent = response{status: http.StatusNoContent}

func page(r *request) (domain.Page, error) {
	return domain.ParsePage(r.query("limit"), r.query("cursor"))
}

// resultJSON is an InviteResult on the wire; a failure carries a problem.
type resultJSON struct {
	domain.InviteResult
	Error *Problem `json:"error,omitempty"`
}

// operations maps each route key of routes.Table to its operation.
func (a *API) operations() map[string]operation {
	s := a.svc
	return map[string]operation{
		"GET /healthz": func(context.Context, *request) (response, error) {
			return ok(map[string]string{"status": "ok"}), nil
		},
		"GET /me": func(ctx context.Context, r *request) (response, error) {
			v, err := s.Me(ctx, r.id)
			return ok(v), err
		},
		"POST /orgs": func(ctx context.Context, r *request) (response, error) {
			var b nameBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			o, err := s.CreateOrg(ctx, r.id, str(b.Name))
			return created(o), err
		},
		"GET /orgs/{orgId}/projects": func(ctx context.Context, r *request) (response, error) {
			ps, err := s.ListProjects(ctx, r.id, r.path("orgId"))
			return ok(map[string]any{"projects": ps}), err
		},
		"POST /orgs/{orgId}/projects": func(ctx context.Context, r *request) (response, error) {
			var b nameBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			p, err := s.CreateProject(ctx, r.id, r.path("orgId"), str(b.Name))
			return created(p), err
		},
		"POST /orgs/{orgId}/invites": func(ctx context.Context, r *request) (response, error) {
			var in domain.InviteInput
			if err := decode(r, &in); err != nil {
				return response{}, err
			}
			res, err := s.Invite(ctx, r.id, r.path("orgId"), in)
			if err != nil {
				return response{}, err
			}
			out := make([]resultJSON, len(res))
			for i, x := range res {
				out[i] = resultJSON{InviteResult: x}
				if x.Error != nil {
					p := ProblemOf(x.Error)
					out[i].Error = &p
				}
			}
			return created(map[string]any{"results": out}), nil
		},
		"GET /orgs/{orgId}/invites": func(ctx context.Context, r *request) (response, error) {
			f, err := domain.ParseInviteFilter(r.query("status"))
			if err != nil {
				return response{}, err
			}
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListInvites(ctx, r.id, r.path("orgId"), f, p)
			return ok(v), err
		},
		"PATCH /orgs/{orgId}/invites/{inviteId}": func(ctx context.Context, r *request) (response, error) {
			var e domain.InviteEdit
			if err := decode(r, &e); err != nil {
				return response{}, err
			}
			v, err := s.UpdateInvite(ctx, r.id, r.path("orgId"), r.path("inviteId"), e)
			return ok(v), err
		},
		"DELETE /orgs/{orgId}/invites/{inviteId}": func(ctx context.Context, r *request) (response, error) {
			return noContent, s.RevokeInvite(ctx, r.id, r.path("orgId"), r.path("inviteId"))
		},
		"POST /orgs/{orgId}/invites/{inviteId}/resend": func(ctx context.Context, r *request) (response, error) {
			var b struct{}
			if err := decodeOptional(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.ResendInvite(ctx, r.id, r.path("orgId"), r.path("inviteId"))
			return ok(v), err
		},
		"POST /invites/preview": func(ctx context.Context, r *request) (response, error) {
			var b tokenBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.Preview(ctx, str(b.Token))
			return ok(v), err
		},
		"POST /invites/accept": func(ctx context.Context, r *request) (response, error) {
			var b tokenBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.Accept(ctx, r.id, str(b.Token))
			return ok(v), err
		},
		"GET /orgs/{orgId}/members": func(ctx context.Context, r *request) (response, error) {
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListMembers(ctx, r.id, r.path("orgId"), p)
			return ok(v), err
		},
		"PATCH /orgs/{orgId}/members/{userId}": func(ctx context.Context, r *request) (response, error) {
			var b roleBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			m, err := s.SetOrgRole(ctx, r.id, r.path("orgId"), r.path("userId"), str(b.Role))
			return ok(m), err
		},
		"DELETE /orgs/{orgId}/members/{userId}": func(ctx context.Context, r *request) (response, error) {
			return noContent, s.RemoveMember(ctx, r.id, r.path("orgId"), r.path("userId"))
		},
		"GET /orgs/{orgId}/projects/{projectId}/members": func(ctx context.Context, r *request) (response, error) {
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListProjectMembers(ctx, r.id, r.path("orgId"), r.path("projectId"), p)
			return ok(v), err
		},
		"PATCH /orgs/{orgId}/projects/{projectId}/members/{userId}": func(ctx context.Context, r *request) (response, error) {
			var b roleBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			m, err := s.SetProjectRole(ctx, r.id, r.path("orgId"), r.path("projectId"), r.path("userId"), str(b.Role))
			return ok(m), err
		},
		"DELETE /orgs/{orgId}/projects/{projectId}/members/{userId}": func(ctx context.Context, r *request) (response, error) {
			return noContent, s.RemoveProjectMember(ctx, r.id, r.path("orgId"), r.path("projectId"), r.path("userId"))
		},
		"GET /orgs/{orgId}/audit": func(ctx context.Context, r *request) (response, error) {
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListAudit(ctx, r.id, r.path("orgId"), p)
			return ok(v), err
		},
		"GET /orgs/{orgId}/access": func(ctx context.Context, r *request) (response, error) {
			v, err := s.OrgAccess(ctx, r.id, r.path("orgId"))
			return ok(v), err
		},
		"GET /orgs/{orgId}/projects/{projectId}/access": func(ctx context.Context, r *request) (response, error) {
			v, err := s.ProjectAccess(ctx, r.id, r.path("orgId"), r.path("projectId"))
			return ok(v), err
		},
	}
}
