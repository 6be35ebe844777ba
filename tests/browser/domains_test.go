package browser

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/members-saas/members/tests/testenv"
)

// TestBrowserJoinByDomain: an owner adds the organization's domain in the
// console, publishes the TXT record it shows (on a DNS server the test
// runs, the local server's DNS_RESOLVER), verifies it and lets people at
// it join at once; a person at that domain sees the organization among
// those they can join and joins with one click. The owner then switches
// the domain to requests: the next person asks to join, the owner sees
// the request and approves it, and the requester finds the organization.
func TestBrowserJoinByDomain(t *testing.T) {
	if testing.Short() && !inCI() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := findChromium(t)
	dns := testenv.StartDNS(t)
	st := startStack(t, "DNS_RESOLVER="+dns.Addr)
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	b := newBrowser(t, ctx, chromium, outDir(t))

	suffix := randHex(4)
	dom := "acme-" + suffix + ".test"
	orgName := "Acme " + suffix
	ownerEmail := "owner-" + suffix + "@example.com"
	adaEmail := "ada-" + suffix + "@" + dom
	bobEmail := "bob-" + suffix + "@" + dom
	domainItem := chromedp.CSS(fmt.Sprintf(`[data-testid="domain-item"][data-domain=%q]`, dom))
	suggested := chromedp.CSS(`[data-testid="suggested-org"] [data-testid="suggested-join"]`)

	owner := b.person("owner")
	owner.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	owner.signIn(ownerEmail)
	owner.do("create the organization",
		chromedp.WaitVisible(tid("no-org")),
		chromedp.SendKeys(tid("org-name"), orgName),
		chromedp.Click(tid("org-create")),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(tid("domains-card")),
	)
	owner.do("add the domain",
		chromedp.SendKeys(tid("domain-name"), dom),
		chromedp.Click(tid("domain-add")),
		chromedp.WaitVisible(domainItem),
		waitJS(`document.querySelector('[data-testid="domain-item"][data-domain=%s]')?.dataset.status === "pending"`, dom),
	)
	name := owner.eval(`document.querySelector('[data-testid="domain-record-name"]').textContent`)
	value := owner.eval(`document.querySelector('[data-testid="domain-record-value"]').textContent`)
	if name != "_members-challenge."+dom {
		t.Fatalf("record name %q", name)
	}
	owner.shot("domain-added")
	owner.do("verify without the record: refused",
		chromedp.Click(chromedp.CSS(string(domainItem)+` [data-testid="domain-verify"]`)),
		chromedp.WaitVisible(tid("error-banner")),
		chromedp.Click(chromedp.CSS(`#banner-close`)),
	)
	dns.SetTXT(name, value)
	owner.do("verify with the record published",
		chromedp.Click(chromedp.CSS(string(domainItem)+` [data-testid="domain-verify"]`)),
		waitJS(`document.querySelector('[data-testid="domain-item"][data-domain=%s]')?.dataset.status === "verified"`, dom),
		selectOption(string(domainItem)+` [data-testid="domain-policy"]`, "auto"),
		waitJS(`document.querySelector('[data-testid="domain-item"][data-domain=%s]')?.dataset.policy === "auto"`, dom),
	)
	owner.shot("domain-verified-auto")

	ada := b.person("ada")
	ada.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	ada.signIn(adaEmail)
	ada.do("see the organization to join",
		chromedp.WaitVisible(tid("suggested-card")),
		waitJS(`document.querySelector('[data-testid="suggested-org"]')?.dataset.orgName === %s`, orgName),
	)
	ada.shot("suggested-org")
	ada.do("join it",
		chromedp.Click(suggested),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(memberRow(adaEmail)),
		chromedp.WaitNotVisible(tid("suggested-card")),
	)
	ada.shot("joined-by-domain")

	owner.do("switch the domain to requests",
		selectOption(string(domainItem)+` [data-testid="domain-policy"]`, "request"),
		waitJS(`document.querySelector('[data-testid="domain-item"][data-domain=%s]')?.dataset.policy === "request"`, dom),
	)
	bob := b.person("bob")
	bob.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	bob.signIn(bobEmail)
	bob.do("ask to join",
		chromedp.WaitVisible(tid("suggested-card")),
		waitJS(`document.querySelector('[data-testid="suggested-org"]')?.dataset.policy === "request"`),
		chromedp.Click(suggested),
		chromedp.WaitVisible(tid("suggested-pending")),
		chromedp.WaitVisible(tid("no-org")),
	)
	bob.shot("join-requested")
	if m := st.waitMail(t, ownerEmail); m.Subject != bobEmail+" asks to join "+orgName {
		t.Errorf("the owner's mail: %q", m.Subject)
	}

	joinRow := chromedp.CSS(fmt.Sprintf(`[data-testid="join-request-row"][data-email=%q]`, bobEmail))
	owner.do("see the request",
		chromedp.Navigate(st.baseURL+"/"),
		chromedp.WaitVisible(joinRow),
	)
	owner.shot("join-request")
	owner.do("approve it",
		chromedp.Click(chromedp.CSS(string(joinRow)+` [data-testid="join-request-approve"]`)),
		chromedp.WaitNotPresent(joinRow),
		chromedp.WaitVisible(memberRow(bobEmail)),
	)
	if m := st.waitMail(t, bobEmail); m.Subject != "You now have access to "+orgName {
		t.Errorf("the requester's mail: %q", m.Subject)
	}
	bob.do("find the organization",
		chromedp.Navigate(st.baseURL+"/"),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(memberRow(bobEmail)),
	)
	bob.shot("approved")
	b.checkPages(t)
}
