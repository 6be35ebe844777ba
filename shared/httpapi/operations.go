package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
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
	domainBody struct {
		Domain *string `json:"domain"`
	}
)

// orgBody is PATCH /orgs/{orgId}: seatLimit is a number, or null for
// no limit.
type orgBody struct {
	SeatLimit                json.RawMessage `json:"seatLimit"`
	SeatsCountPendingInvites *bool           `json:"seatsCountPendingInvites"`
}

// update is the body as the service takes it. Returns validation_failed
// for a seatLimit that is neither a whole number nor null.
func (b orgBody) update() (domain.OrgUpdate, error) {
	u := domain.OrgUpdate{SeatsCountPendingInvites: b.SeatsCountPendingInvites}
	switch raw := strings.TrimSpace(string(b.SeatLimit)); raw {
	case "":
	case "null":
		u.RemoveSeatLimit = true
	default:
		var n int
		if err := json.Unmarshal(b.SeatLimit, &n); err != nil {
			v := domain.Validation{}
			v.Add("seatLimit", "must be a whole number from 1 to %d, or null for no limit", domain.MaxSeatLimit)
			return u, v.Err()
		}
		u.SeatLimit = &n
	}
	return u, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ok(body any) response      { return response{status: http.StatusOK, body: body} }
func created(body any) response { return response{status: http.StatusCreated, body: body} }

var noContent = response{status: http.StatusNoContent}

// counted returns r counting one of each name; serve drops the counts when
// the operation fails.
func counted(r response, names ...metrics.Name) response {
	r.counts = metrics.Counts{}
	for _, n := range names {
		r.counts.Add(n, 1)
	}
	return r
}

// plus returns r also counting n of name.
func plus(r response, name metrics.Name, n int) response {
	if r.counts == nil {
		r.counts = metrics.Counts{}
	}
	r.counts.Add(name, float64(n))
	return r
}

func page(r *request) (domain.Page, error) {
	return domain.ParsePage(r.query("limit"), r.query("cursor"))
}

// resultJSON is an InviteResult on the wire; a failure carries a problem.
type resultJSON struct {
	domain.InviteResult
	Error *Problem `json:"error,omitempty"`
}

// searchMembers answers a member list with ?email=<prefix>: the members
// whose address starts with it, by address (of the project when projectID
// is not empty).
func searchMembers(ctx context.Context, s *domain.Service, r *request, p domain.Page, projectID string) (response, error) {
	prefix, err := domain.ParseEmailPrefix(r.query("email"))
	if err != nil {
		return response{}, err
	}
	var v domain.MemberPage
	if projectID == "" {
		v, err = s.SearchMembers(ctx, r.id, r.path("orgId"), prefix, p)
	} else {
		v, err = s.SearchProjectMembers(ctx, r.id, r.path("orgId"), projectID, prefix, p)
	}
	return ok(v), err
}

// HealthzOps are the operations of the healthz function's routes (see Ops).
func HealthzOps(*API) Ops {
	return Ops{
		routes.OpHealthz: func(context.Context, *request) (response, error) {
			return ok(map[string]string{"status": "ok"}), nil
		},
	}
}

// MeOps are the operations of the me function's routes (see Ops).
func MeOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpGetMe: func(ctx context.Context, r *request) (response, error) {
			v, err := s.Me(ctx, r.id)
			return ok(v), err
		},
	}
}

// OrgsOps are the operations of the orgs function's routes (see Ops).
func OrgsOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpCreateOrg: func(ctx context.Context, r *request) (response, error) {
			var b nameBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			o, err := s.CreateOrg(ctx, r.id, str(b.Name))
			return created(o), err
		},
		routes.OpGetOrg: func(ctx context.Context, r *request) (response, error) {
			v, err := s.GetOrg(ctx, r.id, r.path("orgId"))
			return ok(v), err
		},
		routes.OpUpdateOrg: func(ctx context.Context, r *request) (response, error) {
			var b orgBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			u, err := b.update()
			if err != nil {
				return response{}, err
			}
			v, err := s.UpdateOrg(ctx, r.id, r.path("orgId"), u)
			return ok(v), err
		},
		routes.OpListProjects: func(ctx context.Context, r *request) (response, error) {
			ps, err := s.ListProjects(ctx, r.id, r.path("orgId"))
			return ok(map[string]any{"projects": ps}), err
		},
		routes.OpCreateProject: func(ctx context.Context, r *request) (response, error) {
			var b nameBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			p, err := s.CreateProject(ctx, r.id, r.path("orgId"), str(b.Name))
			return created(p), err
		},
	}
}

// InviteOps are the operations of the invite function's routes (see Ops).
func InviteOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpCreateInvites: func(ctx context.Context, r *request) (response, error) {
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
			resp := created(map[string]any{"results": out})
			resp.counts = inviteCounts(res)
			return resp, nil
		},
	}
}

// InvitesOps are the operations of the invites function's routes (see Ops).
func InvitesOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpListInvites: func(ctx context.Context, r *request) (response, error) {
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
		routes.OpUpdateInvite: func(ctx context.Context, r *request) (response, error) {
			var e domain.InviteEdit
			if err := decode(r, &e); err != nil {
				return response{}, err
			}
			v, err := s.UpdateInvite(ctx, r.id, r.path("orgId"), r.path("inviteId"), e)
			return counted(ok(v), metrics.InvitesUpdated), err
		},
		routes.OpRevokeInvite: func(ctx context.Context, r *request) (response, error) {
			return counted(noContent, metrics.InvitesRevoked), s.RevokeInvite(ctx, r.id, r.path("orgId"), r.path("inviteId"))
		},
		routes.OpResendInvite: func(ctx context.Context, r *request) (response, error) {
			var b struct{}
			if err := decodeOptional(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.ResendInvite(ctx, r.id, r.path("orgId"), r.path("inviteId"))
			resp := counted(ok(v), metrics.InvitesResent)
			mailCounts(resp.counts, v.Delivery)
			return resp, err
		},
		routes.OpCreateInviteLink: func(ctx context.Context, r *request) (response, error) {
			var in domain.InviteLinkInput
			if err := decode(r, &in); err != nil {
				return response{}, err
			}
			v, err := s.CreateInviteLink(ctx, r.id, r.path("orgId"), in)
			return created(v), err
		},
		routes.OpListInviteLinks: func(ctx context.Context, r *request) (response, error) {
			v, err := s.ListInviteLinks(ctx, r.id, r.path("orgId"))
			return ok(v), err
		},
		routes.OpDisableInviteLink: func(ctx context.Context, r *request) (response, error) {
			return noContent, s.DisableInviteLink(ctx, r.id, r.path("orgId"), r.path("linkId"))
		},
	}
}

// PreviewOps are the operations of the preview function's routes (see Ops).
func PreviewOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpPreviewInvite: func(ctx context.Context, r *request) (response, error) {
			var b tokenBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.Preview(ctx, str(b.Token))
			return ok(v), err
		},
		routes.OpPreviewInviteLink: func(ctx context.Context, r *request) (response, error) {
			var b tokenBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.PreviewInviteLink(ctx, str(b.Token))
			return ok(v), err
		},
	}
}

// AcceptOps are the operations of the accept function's routes (see Ops).
func AcceptOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpAcceptInvite: func(ctx context.Context, r *request) (response, error) {
			var b tokenBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			v, joined, err := s.Accept(ctx, r.id, str(b.Token))
			resp := counted(ok(v), metrics.InvitesAccepted)
			if joined {
				resp.counts.Add(metrics.MembersAdded, 1)
			}
			return resp, err
		},
		routes.OpJoinInviteLink: func(ctx context.Context, r *request) (response, error) {
			var b tokenBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.JoinByLink(ctx, r.id, str(b.Token))
			resp := ok(v)
			if v.Joined {
				resp = counted(resp, metrics.MembersAdded)
			}
			return resp, err
		},
	}
}

// ListMembersOps are the operations of the list-members function's routes (see Ops).
func ListMembersOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpListMembers: func(ctx context.Context, r *request) (response, error) {
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			if r.hasQuery("email") {
				return searchMembers(ctx, s, r, p, "")
			}
			v, err := s.ListMembers(ctx, r.id, r.path("orgId"), p)
			return ok(v), err
		},
	}
}

// MembersOps are the operations of the members function's routes (see Ops).
func MembersOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpSetOrgRole: func(ctx context.Context, r *request) (response, error) {
			var b domain.RoleChange
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			m, revoked, err := s.SetOrgRole(ctx, r.id, r.path("orgId"), r.path("userId"), b)
			return plus(ok(m), metrics.InvitesRevoked, revoked), err
		},
		routes.OpRemoveMember: func(ctx context.Context, r *request) (response, error) {
			revoked, err := s.RemoveMember(ctx, r.id, r.path("orgId"), r.path("userId"))
			return plus(counted(noContent, metrics.MembersRemoved), metrics.InvitesRevoked, revoked), err
		},
		routes.OpDetachMember: func(ctx context.Context, r *request) (response, error) {
			var b struct{}
			if err := decodeOptional(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.DetachMember(ctx, r.id, r.path("orgId"), r.path("userId"))
			return ok(v), err
		},
	}
}

// ProjectMembersOps are the operations of the project-members function's routes (see Ops).
func ProjectMembersOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpListProjectMembers: func(ctx context.Context, r *request) (response, error) {
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			if r.hasQuery("email") {
				return searchMembers(ctx, s, r, p, r.path("projectId"))
			}
			v, err := s.ListProjectMembers(ctx, r.id, r.path("orgId"), r.path("projectId"), p)
			return ok(v), err
		},
		routes.OpSetProjectRole: func(ctx context.Context, r *request) (response, error) {
			var b domain.RoleChange
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			m, revoked, err := s.SetProjectRole(ctx, r.id, r.path("orgId"), r.path("projectId"), r.path("userId"), b)
			return plus(ok(m), metrics.InvitesRevoked, revoked), err
		},
		routes.OpRemoveProjectMember: func(ctx context.Context, r *request) (response, error) {
			revoked, err := s.RemoveProjectMember(ctx, r.id, r.path("orgId"), r.path("projectId"), r.path("userId"))
			return plus(counted(noContent, metrics.ProjectMembersRemoved), metrics.InvitesRevoked, revoked), err
		},
	}
}

// AuditOps are the operations of the audit function's routes (see Ops).
func AuditOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpListAudit: func(ctx context.Context, r *request) (response, error) {
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListAudit(ctx, r.id, r.path("orgId"), p)
			return ok(v), err
		},
	}
}

// AccessOps are the operations of the access function's routes (see Ops).
func AccessOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpGetOrgAccess: func(ctx context.Context, r *request) (response, error) {
			v, err := s.OrgAccess(ctx, r.id, r.path("orgId"))
			return ok(v), err
		},
		routes.OpGetProjectAccess: func(ctx context.Context, r *request) (response, error) {
			v, err := s.ProjectAccess(ctx, r.id, r.path("orgId"), r.path("projectId"))
			return ok(v), err
		},
	}
}

// DomainsOps are the operations of the domains function's routes (see Ops).
func DomainsOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpAddDomain: func(ctx context.Context, r *request) (response, error) {
			var b domainBody
			if err := decode(r, &b); err != nil {
				return response{}, err
			}
			d, err := s.AddDomain(ctx, r.id, r.path("orgId"), str(b.Domain))
			return created(d), err
		},
		routes.OpListDomains: func(ctx context.Context, r *request) (response, error) {
			ds, err := s.ListDomains(ctx, r.id, r.path("orgId"))
			return ok(map[string]any{"domains": ds}), err
		},
		routes.OpVerifyDomain: func(ctx context.Context, r *request) (response, error) {
			var b struct{}
			if err := decodeOptional(r, &b); err != nil {
				return response{}, err
			}
			d, err := s.VerifyDomain(ctx, r.id, r.path("orgId"), r.path("domain"))
			return ok(d), err
		},
		routes.OpUpdateDomain: func(ctx context.Context, r *request) (response, error) {
			var e domain.DomainEdit
			if err := decode(r, &e); err != nil {
				return response{}, err
			}
			d, err := s.UpdateDomain(ctx, r.id, r.path("orgId"), r.path("domain"), e)
			return ok(d), err
		},
		routes.OpRemoveDomain: func(ctx context.Context, r *request) (response, error) {
			return noContent, s.RemoveDomain(ctx, r.id, r.path("orgId"), r.path("domain"))
		},
	}
}

// JoinOps are the operations of the join function's routes (see Ops).
func JoinOps(a *API) Ops {
	s := a.svc
	return Ops{
		routes.OpJoinOrg: func(ctx context.Context, r *request) (response, error) {
			var b struct{}
			if err := decodeOptional(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.Join(ctx, r.id, r.path("orgId"))
			switch v.Status {
			case domain.JoinResultRequested:
				return response{status: http.StatusAccepted, body: v}, err
			case domain.JoinResultJoined:
				return counted(ok(v), metrics.MembersAdded), err
			}
			return ok(v), err
		},
		routes.OpListJoinRequests: func(ctx context.Context, r *request) (response, error) {
			p, err := page(r)
			if err != nil {
				return response{}, err
			}
			v, err := s.ListJoinRequests(ctx, r.id, r.path("orgId"), p)
			return ok(v), err
		},
		routes.OpApproveJoinRequest: func(ctx context.Context, r *request) (response, error) {
			var in domain.ApproveInput
			if err := decodeOptional(r, &in); err != nil {
				return response{}, err
			}
			v, err := s.ApproveJoinRequest(ctx, r.id, r.path("orgId"), r.path("requestId"), in)
			return counted(ok(v), metrics.MembersAdded), err
		},
		routes.OpDenyJoinRequest: func(ctx context.Context, r *request) (response, error) {
			var b struct{}
			if err := decodeOptional(r, &b); err != nil {
				return response{}, err
			}
			v, err := s.DenyJoinRequest(ctx, r.id, r.path("orgId"), r.path("requestId"))
			return ok(v), err
		},
	}
}
