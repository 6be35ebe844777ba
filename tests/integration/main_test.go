// Package integration drives the real handlers through the local API
// Gateway, with the real AWS SDK against a DynamoDB-compatible server over
// HTTP and the real SES v2 client against the SES emulator.
package integration

import (
	"log/slog"
	"testing"
	"time"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/mailer"
	"github.com/members-saas/members/shared/store"
	"github.com/members-saas/members/tests/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newService builds the service over cl the way a mail-sending function's
// main does (store → mailer → service); now is the clock (time.Now when nil).
func newService(c config.Config, cl localserver.Clients, now func() time.Time, log *slog.Logger) *domain.Service {
	return domain.NewService(store.New(cl.DynamoDB, c.TableName), mailer.New(cl.SES, c.MailFrom, c.ConfigurationSet), c.Service(now, log))
}
