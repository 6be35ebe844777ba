package lambdaenv

import (
	"fmt"
	"strconv"

	"github.com/members-saas/members/shared/domain"
)

// Environment variables of the abuse limits (README's configuration table,
// docs/deploy.md). Unset means the domain's default.
const (
	EnvInvitesPerHour     = "INVITES_PER_HOUR"      // per organization (default 100)
	EnvUserInvitesPerHour = "USER_INVITES_PER_HOUR" // per inviting user, all organizations (default 200)
	EnvOrgsPerUserPerDay  = "ORGS_PER_USER_PER_DAY" // organizations a user creates per UTC day (default 10)
	EnvExistingAccounts   = "EXISTING_ACCOUNTS"     // add (default) or invite
)

// limitsFromEnv reads the per-user caps and EXISTING_ACCOUNTS into c.
// Returns an error naming a malformed variable.
func limitsFromEnv(c *Config, getenv func(string) string) error {
	for _, l := range []struct {
		name string
		dst  *int
	}{{EnvUserInvitesPerHour, &c.UserInviteEmailsPerHour}, {EnvOrgsPerUserPerDay, &c.OrgsPerUserPerDay}} {
		n, err := capFromEnv(l.name, getenv(l.name))
		if err != nil {
			return err
		}
		*l.dst = n
	}
	switch v := getenv(EnvExistingAccounts); v {
	case "", domain.ExistingAccountsAdd, domain.ExistingAccountsInvite:
		c.ExistingAccounts = v
	default:
		return fmt.Errorf("%s must be %q or %q, got %q", EnvExistingAccounts, domain.ExistingAccountsAdd, domain.ExistingAccountsInvite, v)
	}
	return nil
}

// capFromEnv parses a cap: a positive number, or -1 for no cap ("" is 0,
// the default).
func capFromEnv(name, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n == 0 || n < -1 {
		return 0, fmt.Errorf("%s must be a positive number or -1, got %q", name, v)
	}
	return n, nil
}
