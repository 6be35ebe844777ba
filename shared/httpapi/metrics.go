package httpapi

import (
	"context"
	"strconv"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// functionOf maps each route key to its function: the metrics' dimension.
var functionOf = func() map[string]string {
	m := map[string]string{}
	for _, rt := range routes.Table {
		m[rt.Key()] = rt.Function
	}
	return m
}()

// emit writes the request's EMF line for function fn: Requests,
// ClientErrors or ServerErrors by status, RateLimited for a 429
// rate_limited, and the operation's own counts. The only properties are
// the route key (a template such as "POST /orgs/{orgId}/invites", never its
// values) and the status. A route key that fn does not serve came from the
// caller: it is written as "unrouted", and so is fn when no function
// serves it.
func (a *API) emit(ctx context.Context, fn, routeKey string, status int, err error, counts metrics.Counts) {
	if a.met == nil {
		return
	}
	c := metrics.Counts{metrics.Requests: 1}
	for k, v := range counts {
		c.Add(k, v)
	}
	switch {
	case status >= 500:
		c.Add(metrics.ServerErrors, 1)
	case status >= 400:
		c.Add(metrics.ClientErrors, 1)
	}
	if err != nil && domain.ErrorCode(err) == domain.ECodeRateLimited {
		c.Add(metrics.RateLimited, 1)
	}
	if fn == "" {
		fn = unrouted
	}
	if functionOf[routeKey] != fn {
		routeKey = unrouted
	}
	if werr := a.met.Emit(fn, c, map[string]string{"route": routeKey, "status": strconv.Itoa(status)}); werr != nil {
		a.log.WarnContext(ctx, "metrics not written", "err", werr)
	}
}

// unrouted stands for a route key no function serves.
const unrouted = "unrouted"

// inviteCounts counts an invite request's results: an invite created per
// invited address, a member added per existing account added, and each
// mail SES accepted or refused.
func inviteCounts(res []domain.InviteResult) metrics.Counts {
	c := metrics.Counts{}
	for _, r := range res {
		switch r.Status {
		case domain.ResultInvited:
			c.Add(metrics.InvitesCreated, 1)
		case domain.ResultAdded:
			c.Add(metrics.MembersAdded, 1)
		}
		mailCounts(c, r.Delivery)
	}
	return c
}

// mailCounts counts one mail by the delivery an operation reports.
func mailCounts(c metrics.Counts, d domain.Delivery) {
	switch d {
	case domain.DeliverySent:
		c.Add(metrics.EmailsSent, 1)
	case domain.DeliveryFailed:
		c.Add(metrics.EmailsFailed, 1)
	}
}
