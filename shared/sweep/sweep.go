// Package sweep runs the membership expiry sweep (domain.Service.SweepExpiry)
// once and reports it: a log line and the expire-members metrics. The
// expire-members function runs it on EventBridge Scheduler's schedule;
// the local server runs it every minute and on POST /_local/expire-members.
package sweep

import (
	"context"
	"log/slog"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/metrics"
	"github.com/members-saas/members/shared/routes"
)

// Sweeper is the part of domain.Service a run needs.
type Sweeper interface {
	SweepExpiry(ctx context.Context) (domain.SweepResult, error)
}

// Run sweeps once. A run that handled every due membership counts
// SweepsCompleted (the SweepMissing alarm watches it); a run that could
// not read the index, or failed some memberships, counts SweepFailures
// and returns the error, so the function's invocation fails (its Errors
// alarm) and the scheduler's retry policy may run it again.
func Run(ctx context.Context, s Sweeper, met *metrics.Sink, log *slog.Logger) (domain.SweepResult, error) {
	res, err := s.SweepExpiry(ctx)
	c := metrics.Counts{}
	c.Add(metrics.MembersExpired, float64(res.Expired))
	c.Add(metrics.ExpiryReminders, float64(res.Reminded))
	switch {
	case err != nil:
		c.Add(metrics.SweepFailures, float64(max(res.Failed, 1)))
		log.ErrorContext(ctx, "expiry sweep failed", "due", res.Due, "expired", res.Expired, "reminded", res.Reminded,
			"failed", res.Failed, "err", err)
	default:
		c.Add(metrics.SweepsCompleted, 1)
		log.InfoContext(ctx, "expiry sweep", "due", res.Due, "expired", res.Expired, "reminded", res.Reminded, "deferred", res.Deferred,
			"seatsReleased", res.SeatsReleased)
	}
	if merr := met.Emit(routes.FnExpireMembers, c, nil); merr != nil {
		log.WarnContext(ctx, "metrics not written", "err", merr)
	}
	return res, err
}
