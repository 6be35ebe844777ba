package config

import (
	"strings"
	"testing"
)

func TestLimitsFromEnv(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "APP_BASE_URL": "https://console.example", "MAIL_FROM": "a@example.com"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := FromEnv(env(base))
	if err != nil || c.UserInviteEmailsPerHour != 0 || c.OrgsPerUserPerDay != 0 || c.ExistingAccounts != "" {
		t.Fatalf("unset: %+v %v (want zero: the domain's defaults)", c, err)
	}
	c, err = FromEnv(env(with(EnvUserInvitesPerHour, "50", EnvOrgsPerUserPerDay, "-1", EnvExistingAccounts, "invite")))
	if err != nil || c.UserInviteEmailsPerHour != 50 || c.OrgsPerUserPerDay != -1 || c.ExistingAccounts != "invite" {
		t.Fatalf("%+v %v", c, err)
	}
	if s := c.Service(nil, nil); s.UserInviteEmailsPerHour != 50 || s.OrgsPerUserPerDay != -1 || s.ExistingAccounts != "invite" {
		t.Errorf("service config %+v", s)
	}
	for _, kv := range [][2]string{{EnvUserInvitesPerHour, "0"}, {EnvUserInvitesPerHour, "x"}, {EnvOrgsPerUserPerDay, "-2"}, {EnvExistingAccounts, "join"}} {
		if _, err := FromEnv(env(with(kv[0], kv[1]))); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%q: %v", kv[0], kv[1], err)
		}
	}
}
