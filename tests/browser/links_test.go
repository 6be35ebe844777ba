package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserJoinByLink: an owner creates an invite link for a project in
// Settings, copies it; someone opens it, sees the organization, inviter
// and roles before signing in, signs in on the page and joins; the owner
// sees them as a member, the link's use counted, and disables it; a third
// person opening it then sees that it no longer works. The owner also
// sets a seat limit in the Seats card.
func TestBrowserJoinByLink(t *testing.T) {
	st, b := startBrowserTest(t)
	suffix := randHex(4)
	ownerEmail := "link-owner-" + suffix + "@example.com"
	joinerEmail := "joiner-" + suffix + "@example.com"
	orgName := "Links " + suffix

	owner := b.person("owner")
	owner.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	owner.signIn(ownerEmail)
	owner.do("create the organization",
		chromedp.SendKeys(tid("org-name"), orgName),
		chromedp.Click(tid("org-create")),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(tid("links-card")),
		chromedp.WaitVisible(tid("seats-form")),
	)
	owner.createProjects("Web")
	webID := owner.projectID("Web")

	owner.do("create an invite link to Web",
		selectOption(`[data-testid="link-org-role"]`, "member"),
		selectOption(`[data-testid="link-project"]`, webID),
		selectOption(`[data-testid="link-project-role"]`, "member"),
		clearField(`[data-testid="link-max-uses"]`),
		chromedp.SendKeys(tid("link-max-uses"), "5"),
		chromedp.Click(tid("link-create")),
		chromedp.WaitVisible(tid("link-created")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="link-row"][data-status="active"]`)),
	)
	owner.shot("invite-link-created")
	url := owner.eval(`document.querySelector('[data-testid="link-url"]').value`)
	if !strings.HasPrefix(url, st.baseURL+"/join#token=") {
		t.Fatalf("link url %q", url)
	}
	linkID := owner.eval(`document.querySelector('[data-testid="link-row"]').dataset.linkId`)

	joiner := b.person("joiner")
	joiner.do("open the invite link",
		chromedp.Navigate(url),
		chromedp.WaitVisible(tid("join-preview")),
		waitJS(`location.hash === ""`), // the token leaves the address bar
	)
	joiner.expectText(tid("join-org"), orgName)
	joiner.expectText(tid("join-inviter"), ownerEmail)
	joiner.expectText(tid("join-org-role"), "Member")
	joiner.expectText(tid("join-projects"), "Web")
	joiner.shot("join-preview")
	joiner.signIn(joinerEmail)
	joiner.do("join",
		chromedp.Click(tid("join-submit")),
		chromedp.WaitVisible(tid("join-done")),
	)
	joiner.expectText(tid("join-done-text"), "You are now a member of "+orgName)
	joiner.expectText(tid("join-done-projects"), "Web")
	joiner.shot("join-done")
	joiner.clickAndLoad("open the organization", tid("join-open-org"))
	joiner.do("see the organization",
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(memberRow(joinerEmail)),
		chromedp.WaitNotVisible(tid("seats-form")),
	)
	joiner.expectText(tid("seats-summary"), "2 seats used")

	row := fmt.Sprintf(`[data-testid="link-row"][data-link-id=%q]`, linkID)
	owner.do("see the new member and the use",
		chromedp.Reload(),
		chromedp.WaitVisible(memberRow(joinerEmail)),
		waitJS(`document.querySelector(%s)?.dataset.uses === "1"`, row),
	)
	owner.do("set a seat limit",
		clearField(`[data-testid="seats-limit"]`),
		chromedp.SendKeys(tid("seats-limit"), "2"),
		chromedp.Click(tid("seats-save")),
		waitJS(`document.querySelector('[data-testid="seats-summary"]')?.textContent === "2 of 2 seats used"`),
	)
	owner.shot("seats-set")

	full := b.person("full")
	full.do("open the link when no seat is free", chromedp.Navigate(url), chromedp.WaitVisible(tid("join-preview")))
	full.signIn("full-" + suffix + "@example.com")
	full.do("try to join",
		chromedp.Click(tid("join-submit")),
		waitJS(`document.querySelector('[data-testid="join-error"]')?.textContent.includes("no free seat")`),
	)
	full.shot("join-seat-limit")

	owner.do("disable the link",
		chromedp.Click(chromedp.CSS(row+` [data-testid="link-disable"]`)),
		chromedp.WaitVisible(tid("confirm-dialog")),
		chromedp.Click(tid("confirm-ok")),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-status="disabled"]`)),
	)
	late := b.person("late")
	late.do("open the disabled link",
		chromedp.Navigate(url),
		chromedp.WaitVisible(tid("join-expired")),
	)
	late.expectText(tid("join-expired-why"), "disabled")
	late.shot("join-disabled")

	b.checkPages(t)
}
