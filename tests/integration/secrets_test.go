package integration

import (
	"strings"
	"testing"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/logging"
	"github.com/members-saas/members/tests/testenv"
)

// TestSecretsNeverStoredOrLogged walks the whole story (invite, added,
// resend, preview, accept twice, revoke, and some hostile requests) with
// the real SES emulator, then greps every stored item, every log line and
// every API answer for the raw invite tokens from the inbox and for the
// bearer JWTs: none may appear. Tokens live only in the mail, and there
// only in the link's fragment.
func TestSecretsNeverStoredOrLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, testenv.Options{})
	var answers []string
	do := func(want int, method, path, token string, body any) testenv.Resp {
		t.Helper()
		r := e.Do(t, method, path, token, body)
		if r.Status != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
		}
		answers = append(answers, string(r.Body))
		return r
	}

	o, orgID := newOrg(t, e, "secrets")
	var p struct{ ID string }
	do(201, "POST", "/orgs/"+orgID+"/projects", o.Token, map[string]string{"name": "P"}).JSON(t, &p)
	y := register(t, e, "already")
	x, z := testenv.Email("invitee"), testenv.Email("revoked")
	var res struct{ Results []inviteResult }
	do(201, "POST", "/orgs/"+orgID+"/invites", o.Token, map[string]any{"emails": []string{x, y.Email, z},
		"projectIds": []string{p.ID}, "projectRole": "member"}).JSON(t, &res)
	ids := map[string]string{}
	for _, r := range res.Results {
		ids[r.Email] = r.InviteID
	}
	do(200, "POST", "/orgs/"+orgID+"/invites/"+ids[x]+"/resend", o.Token, nil)
	xTokens, zTokens := e.InviteLinks(t, x), e.InviteLinks(t, z)
	if len(xTokens) != 2 || len(zTokens) != 1 {
		t.Fatalf("mails: %d to the invitee (want 2), %d to the revoked address (want 1)", len(xTokens), len(zTokens))
	}
	oldTok, tok := xTokens[0], xTokens[1]

	do(200, "POST", "/invites/preview", "", map[string]string{"token": tok})
	do(404, "POST", "/invites/preview", "", map[string]string{"token": oldTok})
	xu := e.SignIn(t, x)
	do(404, "POST", "/invites/accept", xu.Token, map[string]string{"token": oldTok})
	do(403, "POST", "/invites/accept", y.Token, map[string]string{"token": tok}) // a forwarded link
	do(200, "POST", "/invites/accept", xu.Token, map[string]string{"token": tok})
	do(200, "POST", "/invites/accept", xu.Token, map[string]string{"token": tok})
	do(204, "DELETE", "/orgs/"+orgID+"/invites/"+ids[z], o.Token, nil)
	zu := e.SignIn(t, z)
	do(404, "POST", "/invites/accept", zu.Token, map[string]string{"token": zTokens[0]})
	do(200, "GET", "/me", xu.Token, nil)
	do(200, "GET", "/orgs/"+orgID+"/members", xu.Token, nil)
	do(200, "GET", "/orgs/"+orgID+"/invites?status=all", o.Token, nil)
	do(200, "GET", "/orgs/"+orgID+"/audit", o.Token, nil)
	// Hostile input that carries secrets where they do not belong.
	do(401, "GET", "/me", o.Token+"x", nil)
	do(404, "POST", "/invites/preview", "", map[string]string{"token": o.Token})
	do(400, "POST", "/invites/accept", xu.Token, map[string]any{"token": tok, "jwt": o.Token})
	do(400, "POST", "/orgs/"+orgID+"/invites", o.Token, map[string]any{"emails": []string{tok + "@" + o.Token}})

	secrets := append(append([]string{o.Token, y.Token, xu.Token, zu.Token}, xTokens...), zTokens...)
	for _, u := range []testenv.User{o, y, xu, zu} {
		secrets = append(secrets, u.Token[strings.LastIndexByte(u.Token, '.')+1:]) // the signature alone
	}
	items := scanTable(t, e.Stack.Clients.DynamoDB, e.Stack.Config.TableName)
	logs := e.LogText()
	assertNoSecrets(t, "stored items", itemsText(items), secrets)
	assertNoSecrets(t, "log", logs, secrets)
	assertNoSecrets(t, "log", logs, []string{o.Email, y.Email, x, z})
	assertNoAddresses(t, "log", logs)
	for _, a := range answers {
		for _, tk := range append(xTokens, zTokens...) {
			if strings.Contains(a, tk) {
				t.Errorf("an API answer carries an invite token: %s", a)
			}
		}
	}

	// Positive controls: the greps above looked at real data.
	found := false
	for _, it := range items {
		if it.str("pk") == "TOKEN#"+domain.HashToken(tok) {
			found = true
		}
	}
	if !found {
		t.Errorf("no TOKEN# item keyed by the token's SHA-256: the grep may have missed how tokens are stored")
	}
	if n := strings.Count(logs, `"msg":"request"`); n < len(answers) {
		t.Errorf("%d request log lines for %d requests", n, len(answers))
	}

	// In the mail the token sits only in the link's fragment.
	mails, err := e.SES.Mails(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		for _, body := range []string{m.Body.Text, m.Body.HTML, m.Subject} {
			for _, tk := range xTokens {
				if n, f := strings.Count(body, tk), strings.Count(body, "#token="+tk); n != f {
					t.Errorf("a mail carries the token outside the link's fragment (%d of %d): %q", n-f, n, body)
				}
			}
		}
	}
}

// TestAddressesNeverLogged: when SES refuses mails and quotes the refused
// addresses in its error (as its sandbox does), the log says which invite
// and which address (by hash) failed, but carries no address.
func TestAddressesNeverLogged(t *testing.T) {
	t.Parallel()
	ses := newSESStub(t)
	e := newEnv(t, ses, testenv.Options{SESEndpoint: ses.URL})
	o, orgID := newOrg(t, e, "addrlog")
	known := register(t, e, "addrknown")
	ses.setMode(sesRejectNamed)
	fresh := testenv.Email("addrfresh")
	res := invite(t, e, o.Token, orgID, map[string]any{"emails": []string{fresh, known.Email}})
	if res[fresh].Delivery != "failed" || res[known.Email].Delivery != "failed" {
		t.Fatalf("results %+v, want both failed", res)
	}
	logs := e.LogText()
	assertNoSecrets(t, "log", logs, []string{fresh, known.Email, o.Email})
	assertNoAddresses(t, "log", logs)
	if !strings.Contains(logs, logging.AddressHash(fresh)) || !strings.Contains(logs, "MessageRejected") {
		t.Errorf("the log does not tell which address SES refused, by hash:\n%s", logs)
	}
}
