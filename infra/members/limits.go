package members

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/config"
)

// CDK context keys of the abuse limits (docs/deploy.md). Unset means the
// functions' defaults.
const (
	CtxInvitesPerHour     = "invitesPerHour"     // INVITES_PER_HOUR: per organization (100)
	CtxUserInvitesPerHour = "userInvitesPerHour" // USER_INVITES_PER_HOUR: per user, all organizations (200)
	CtxOrgsPerUserPerDay  = "orgsPerUserPerDay"  // ORGS_PER_USER_PER_DAY (10)
	CtxExistingAccounts   = "existingAccounts"   // EXISTING_ACCOUNTS: add (default) or invite
	// CtxMailConcurrency sets MAIL_CONCURRENCY (8): the mails of one invite
	// request in flight at once; 1 for an SES account with a low send rate
	// (README).
	CtxMailConcurrency = "mailConcurrency"
)

// Limits are the abuse limits of a deployment, and how fast it mails;
// zero values and "" leave the functions' defaults.
type Limits struct {
	InvitesPerHour, UserInvitesPerHour, OrgsPerUserPerDay int // -1: no cap
	ExistingAccounts                                      string
	MailConcurrency                                       int
}

// limitsFromContext reads Limits with get. Returns an error naming the
// context key of a malformed value (shared/config validates them as the
// functions do).
func limitsFromContext(get func(string) string) (Limits, error) {
	var l Limits
	for _, c := range []struct {
		key string
		dst *int
	}{{CtxInvitesPerHour, &l.InvitesPerHour}, {CtxUserInvitesPerHour, &l.UserInvitesPerHour}, {CtxOrgsPerUserPerDay, &l.OrgsPerUserPerDay}} {
		n, err := config.ParseCap("context "+c.key, get(c.key))
		if err != nil {
			return l, err
		}
		*c.dst = n
	}
	var err error
	if l.MailConcurrency, err = config.ParseMailConcurrency("context "+CtxMailConcurrency, get(CtxMailConcurrency)); err != nil {
		return l, err
	}
	l.ExistingAccounts, err = config.ParseExistingAccounts("context "+CtxExistingAccounts, get(CtxExistingAccounts))
	return l, err
}

// env returns the functions' environment for l: only the values set.
func (l Limits) env() map[string]*string {
	out := map[string]*string{}
	for name, n := range map[string]int{config.EnvInvitesPerHour: l.InvitesPerHour, config.EnvUserInvitesPerHour: l.UserInvitesPerHour, config.EnvOrgsPerUserPerDay: l.OrgsPerUserPerDay,
		config.EnvMailConcurrency: l.MailConcurrency} {
		if n != 0 {
			out[name] = jsii.String(strconv.Itoa(n))
		}
	}
	if l.ExistingAccounts != "" {
		out[config.EnvExistingAccounts] = jsii.String(l.ExistingAccounts)
	}
	return out
}

// NewCursorKey adds the deployment's own key for page cursors, in place
// of the built-in one that every copy of the code shares: a secret that
// Secrets Manager generates at deploy time. The functions get it as
// CURSOR_KEY through a CloudFormation dynamic reference, so the template
// holds only the secret's name, never the key. Replacing the secret's
// value only makes cursors already handed out invalid (invalid_cursor:
// clients start again from the first page).
func NewCursorKey(scope constructs.Construct, id string) awssecretsmanager.Secret {
	return awssecretsmanager.NewSecret(scope, jsii.String(id), &awssecretsmanager.SecretProps{
		Description: jsii.String("Members: HMAC key of page cursors (CURSOR_KEY of the functions)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
		},
		// Only cursors depend on it: a new stack may start with a new key.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
}
