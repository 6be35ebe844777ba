// Package browser drives the console in headless Chromium against the local
// stack (the SES v2 emulator and cmd/local, started as real processes, as
// `make local` starts them) and walks the whole invite story.
//
// Environment:
//
//	CHROMIUM      the browser (default: chromium, chromium-browser or google-chrome on PATH)
//	E2E_OUT       the screenshot folder (default tests/browser/testdata/out)
//	E2E_BASE_URL  use a stack that runs already (e.g. make local) instead of starting one;
//	              E2E_SES_URL then names its SES emulator (default http://127.0.0.1:8005)
//	CI=true       a missing browser or Node fails the test instead of skipping it
package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/members-saas/members/tests/testenv"
)

const (
	stepTimeout = 20 * time.Second
	testTimeout = 150 * time.Second
)

// TestBrowserInviteFlow is the seed story in a browser: an owner creates an
// organization and two projects and invites a new address and a registered
// one through the dialog; the new invitee follows the mailed link, first
// signs in with the wrong account (and is told so), then with the invited
// one, accepts, and appears in the owner's Users tab; the registered one has
// access at once. Then a revoked and an expired link show their pages.
func TestBrowserInviteFlow(t *testing.T) {
	st, b := startBrowserTest(t)

	suffix := randHex(4)
	ownerEmail := "owner-" + suffix + "@example.com"
	newEmail := "new-" + suffix + "@example.com"
	existingEmail := "existing-" + suffix + "@example.com"
	wrongEmail := "someone-else-" + suffix + "@example.com"
	orgName := "Acme " + suffix

	// The owner signs in, creates the organization and two projects.
	owner := b.person("owner")
	owner.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	owner.shot("owner-sign-in")
	owner.signIn(ownerEmail)
	owner.do("see the empty state", chromedp.WaitVisible(tid("no-org")))
	owner.shot("owner-no-organization")

	owner.do("create the organization",
		chromedp.SendKeys(tid("org-name"), orgName),
		chromedp.Click(tid("org-create")),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(memberRow(ownerEmail)),
		chromedp.WaitVisible(tid("project-form")),
	)
	owner.shot("organization-created")
	owner.createProjects("Alpha", "Beta")
	owner.shot("projects-created")
	orgID := owner.eval(`document.querySelector('[data-testid="org-select"]').value`)

	// Someone who already has an account (signed in once, so registered).
	existing := b.person("existing")
	existing.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	existing.signIn(existingEmail)
	existing.do("see the empty state", chromedp.WaitVisible(tid("no-org")))

	// The owner invites both addresses to both projects through the dialog.
	owner.do("open the invite dialog",
		chromedp.Click(tid("invite-open")),
		chromedp.WaitVisible(tid("invite-dialog")),
		chromedp.WaitVisible(tid("invite-org-role")),
		waitJS(`document.activeElement === document.querySelector('[data-testid="invite-org-role"]')`),
	)
	owner.do("fill the invite dialog",
		selectOption(`[data-testid="invite-org-role"]`, "member"),
		chromedp.Click(projectBox("Alpha")),
		chromedp.Click(projectBox("Beta")),
		selectOption(`[data-testid="invite-project-role"]`, "member"),
		chromedp.SendKeys(tid("invite-emails"), newEmail+",\n"+existingEmail),
	)
	owner.shot("invite-dialog-filled")
	owner.do("send the invites",
		chromedp.Click(tid("invite-submit")),
		chromedp.WaitVisible(inviteResult(newEmail, "invited")),
		chromedp.WaitVisible(inviteResult(existingEmail, "added")),
	)
	owner.shot("invite-results")
	owner.do("close the dialog and see the lists",
		chromedp.Click(tid("invite-done")),
		chromedp.WaitNotVisible(tid("invite-dialog")),
		waitJS(`document.activeElement === document.querySelector('[data-testid="invite-open"]')`),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="invite-row"][data-email=%q][data-status="pending"]`, newEmail))),
		chromedp.WaitVisible(memberRow(existingEmail)),
	)
	owner.shot("users-tab-with-pending-invite")

	// The registered address got access at once, and a notification mail.
	if m := st.waitMail(t, existingEmail); m.Subject == "" {
		t.Errorf("the mail to %s has no subject", existingEmail)
	}
	existing.do("see the organization at once",
		chromedp.Reload(),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="project-item"][data-project-name="Alpha"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="project-item"][data-project-name="Beta"]`)),
		chromedp.WaitVisible(memberRow(existingEmail)),
	)
	existing.shot("existing-user-has-access")

	// The new address follows the link in its mail.
	link := st.inviteLink(t, newEmail)
	invitee := b.person("invitee")
	invitee.do("open the invite link",
		chromedp.Navigate(link),
		chromedp.WaitVisible(tid("accept-preview")),
		waitJS(`document.querySelector('[data-testid="preview-org"]').textContent === %s`, orgName),
	)
	if loc := invitee.eval(`location.href`); strings.Contains(loc, "token") {
		t.Errorf("the token stays in the address bar: %s", loc)
	}
	invitee.expectText(tid("preview-inviter"), ownerEmail)
	invitee.expectText(tid("preview-email"), newEmail)
	invitee.expectText(tid("preview-projects"), "Alpha")
	invitee.expectText(tid("preview-projects"), "Beta")
	invitee.shot("accept-preview")

	// Wrong account first: the page says to sign in with the invited address.
	invitee.signIn(wrongEmail)
	invitee.do("accept as the wrong account",
		chromedp.Click(tid("accept-submit")),
		chromedp.WaitVisible(tid("accept-mismatch")),
	)
	invitee.expectText(tid("mismatch-invited"), newEmail)
	invitee.expectText(tid("mismatch-current"), wrongEmail)
	if href := invitee.eval(`document.querySelector('[data-testid="ask-inviter"]')?.getAttribute('href') || ''`); !strings.HasPrefix(href, "mailto:"+ownerEmail+"?") {
		t.Errorf("ask-inviter link = %q, want a mailto: to %s", href, ownerEmail)
	}
	invitee.shot("accept-wrong-account")

	// Switch to the invited address and accept.
	invitee.do("switch account", chromedp.Click(tid("switch-account")), chromedp.WaitVisible(tid("signin-email")))
	invitee.signIn(newEmail)
	invitee.do("accept",
		chromedp.Click(tid("accept-submit")),
		chromedp.WaitVisible(tid("accept-done")),
	)
	invitee.shot("accept-done")
	invitee.clickAndLoad("open the organization", tid("accept-open-org"))
	invitee.do("see the organization",
		waitJS(`document.querySelector('[data-testid="org-select"]')?.value === %s`, orgID),
		chromedp.WaitVisible(memberRow(newEmail)),
	)
	invitee.shot("invitee-users-tab")

	// The owner's Users tab shows the new member; the invite is no longer pending.
	owner.do("see the new member",
		chromedp.Reload(),
		chromedp.WaitVisible(memberRow(newEmail)),
		chromedp.WaitVisible(memberRow(existingEmail)),
		chromedp.WaitVisible(tid("invites-empty")),
	)
	owner.shot("owner-sees-new-member")
	owner.do("see the members of project Alpha",
		selectOption(`[data-testid="members-scope"]`, owner.projectID("Alpha")),
		waitJS(`document.querySelector('[data-testid="member-row"][data-email=%s]')?.dataset.role === "member"`, newEmail),
		chromedp.WaitVisible(memberRow(existingEmail)),
		chromedp.WaitVisible(memberRow(ownerEmail)),
	)
	owner.shot("project-members")

	// A revoked link and an expired link.
	revokedEmail := "revoked-" + suffix + "@example.com"
	lateEmail := "late-" + suffix + "@example.com"
	owner.do("invite two more",
		chromedp.Click(tid("invite-open")),
		chromedp.WaitVisible(tid("invite-dialog")),
		chromedp.SendKeys(tid("invite-emails"), revokedEmail+" "+lateEmail),
		chromedp.Click(tid("invite-submit")),
		chromedp.WaitVisible(inviteResult(revokedEmail, "invited")),
		chromedp.WaitVisible(inviteResult(lateEmail, "invited")),
		chromedp.Click(tid("invite-done")),
		chromedp.WaitVisible(inviteRow(revokedEmail)),
	)
	owner.do("revoke one",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="invite-row"][data-email=%q] [data-testid="invite-revoke"]`, revokedEmail))),
		chromedp.WaitVisible(tid("confirm-dialog")),
	)
	owner.shot("revoke-confirm")
	owner.do("confirm the revocation",
		chromedp.Click(tid("confirm-ok")),
		chromedp.WaitNotPresent(inviteRow(revokedEmail)),
		chromedp.WaitVisible(inviteRow(lateEmail)),
	)
	owner.shot("invite-revoked")

	gone := b.person("revoked")
	gone.do("open the revoked link",
		chromedp.Navigate(st.inviteLink(t, revokedEmail)),
		chromedp.WaitVisible(tid("accept-invalid")),
	)
	gone.shot("accept-revoked")

	st.advanceClock(t, "193h") // past the default 7 days
	late := b.person("late")
	late.do("open the expired link",
		chromedp.Navigate(st.inviteLink(t, lateEmail)),
		chromedp.WaitVisible(tid("accept-expired")),
	)
	late.shot("accept-expired")

	b.checkPages(t)
}

// TestBrowserRolesPerProject: an owner invites, through the dialog, a
// manager and a viewer with different roles per project; each then sees
// only the controls their permissions allow, as the API says them (GET /me
// and the project list: permissions and the roles the caller may grant;
// each member row's canManage): the manager manages members, projects and
// invitations but not the owner; the viewer manages nothing and can only
// leave, except in the project they own, where they may give every
// project role.
func TestBrowserRolesPerProject(t *testing.T) {
	st, b := startBrowserTest(t)

	suffix := randHex(4)
	ownerEmail := "roles-owner-" + suffix + "@example.com"
	managerEmail := "manager-" + suffix + "@example.com"
	viewerEmail := "viewer-" + suffix + "@example.com"
	orgName := "Roles " + suffix

	owner := b.person("roles-owner")
	owner.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	owner.signIn(ownerEmail)
	owner.do("create the organization",
		chromedp.WaitVisible(tid("no-org")),
		chromedp.SendKeys(tid("org-name"), orgName),
		chromedp.Click(tid("org-create")),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(tid("project-form")),
	)
	owner.createProjects("Alpha", "Beta")

	// Both sign in once, so the invites add them at once.
	manager, viewer := b.person("manager"), b.person("viewer")
	for _, p := range []struct {
		who   *person
		email string
	}{{manager, managerEmail}, {viewer, viewerEmail}} {
		p.who.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
		p.who.signIn(p.email)
		p.who.do("see the empty state", chromedp.WaitVisible(tid("no-org")))
	}

	roleIn := func(project string) string {
		return fmt.Sprintf(`[data-testid="invite-project-role-select"][data-project-name=%q]`, project)
	}
	// offers waits until the select matching css offers exactly roles, in order.
	offers := func(css, roles string) chromedp.Action[chromedp.Void] {
		return waitJS(`[...(document.querySelector(%s)?.options || [])].map((o) => o.value).join() === %s`, css, roles)
	}
	invite := func(email, orgRole, alphaRole, betaRole string) {
		owner.do("invite "+email,
			chromedp.Click(tid("invite-open")),
			chromedp.WaitVisible(tid("invite-dialog")),
			// The owner may give every organization role.
			waitJS(`[...document.querySelector('[data-testid="invite-org-role"]').options].map((o) => o.value).join() === "member,manager,owner"`),
			// And every project role in every project.
			offers(roleIn("Alpha"), "owner,member,viewer"),
			offers(roleIn("Beta"), "owner,member,viewer"),
			offers(`[data-testid="invite-project-role"]`, "owner,member,viewer"),
			selectOption(`[data-testid="invite-org-role"]`, orgRole),
			chromedp.Click(projectBox("Alpha")),
			chromedp.Click(projectBox("Beta")),
			selectOption(roleIn("Alpha"), alphaRole),
			selectOption(roleIn("Beta"), betaRole),
			chromedp.SendKeys(tid("invite-emails"), email),
			chromedp.Click(tid("invite-submit")),
			chromedp.WaitVisible(inviteResult(email, "added")),
			chromedp.Click(tid("invite-done")),
			chromedp.WaitNotVisible(tid("invite-dialog")),
			chromedp.WaitVisible(memberRow(email)),
		)
	}
	invite(managerEmail, "manager", "member", "viewer")
	owner.shot("roles-invited-manager")
	invite(viewerEmail, "member", "viewer", "owner")
	owner.shot("roles-invited-viewer")
	owner.do("see the per-project roles",
		selectOption(`[data-testid="members-scope"]`, owner.projectID("Beta")),
		waitJS(`document.querySelector('[data-testid="member-row"][data-email=%s]')?.dataset.role === "owner"`, viewerEmail),
		waitJS(`document.querySelector('[data-testid="member-row"][data-email=%s]')?.dataset.role === "viewer"`, managerEmail),
	)
	if m := st.waitMail(t, viewerEmail); !strings.Contains(m.Body.Text, "Alpha — a viewer") || !strings.Contains(m.Body.Text, "Beta — an owner") {
		t.Errorf("the viewer's mail does not name each project with its role:\n%s", m.Body.Text)
	}

	// A pending invitation edited through the dialog: the mailed link grants the new terms.
	pendingEmail := "pending-" + suffix + "@example.com"
	owner.do("invite a new address to Alpha",
		chromedp.Click(tid("invite-open")),
		chromedp.WaitVisible(tid("invite-dialog")),
		chromedp.Click(projectBox("Alpha")),
		chromedp.SendKeys(tid("invite-emails"), pendingEmail),
		chromedp.Click(tid("invite-submit")),
		chromedp.WaitVisible(inviteResult(pendingEmail, "invited")),
		chromedp.Click(tid("invite-done")),
		chromedp.WaitVisible(inviteRow(pendingEmail)),
	)
	owner.do("edit the invitation",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="invite-row"][data-email=%q] [data-testid="invite-edit"]`, pendingEmail))),
		chromedp.WaitVisible(tid("invite-dialog")),
		waitJS(`document.querySelector('#invite-emails-field').hidden`),
		waitJS(`document.querySelector('[data-testid="invite-project"][data-project-name="Alpha"]').checked`),
		selectOption(roleIn("Alpha"), "viewer"),
		chromedp.Click(projectBox("Beta")),
		selectOption(roleIn("Beta"), "owner"),
	)
	owner.shot("roles-edit-invitation")
	owner.do("save the edit",
		chromedp.Click(tid("invite-submit")),
		chromedp.WaitNotVisible(tid("invite-dialog")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="invite-row"][data-email=%q] [data-testid="invite-project-role"][data-role="owner"]`, pendingEmail))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="invite-row"][data-email=%q] [data-testid="invite-project-role"][data-role="viewer"]`, pendingEmail))),
	)
	invitee := b.person("edited-invitee")
	invitee.do("open the link mailed before the edit",
		chromedp.Navigate(st.inviteLink(t, pendingEmail)),
		chromedp.WaitVisible(tid("accept-preview")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview-project"][data-role="viewer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview-project"][data-role="owner"]`)),
	)
	invitee.shot("roles-edited-invite-preview")

	// The manager: manages members, projects and invitations, not the owner.
	manager.do("see the organization as a manager",
		chromedp.Reload(),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(memberRow(viewerEmail)),
		chromedp.WaitVisible(tid("project-form")),
		chromedp.WaitVisible(tid("invite-open")),
		chromedp.WaitVisible(tid("invites-card")),
		// Owner of every project through the organization role.
		waitJS(`document.querySelector('[data-testid="project-item"][data-project-name="Alpha"]')?.dataset.via === "org"`),
		waitJS(`document.querySelector('[data-testid="project-item"][data-project-name="Beta"]')?.dataset.role === "owner"`),
		// The owner's row is read-only; the viewer's role can change among member and manager.
		waitJS(`document.querySelector('[data-testid="member-row"][data-email=%s] [data-testid="member-role"]')?.tagName === "SPAN"`, ownerEmail),
		waitJS(`!document.querySelector('[data-testid="member-row"][data-email=%s] [data-testid="member-remove"]')`, ownerEmail),
		waitJS(`[...(document.querySelector('[data-testid="member-row"][data-email=%s] select[data-testid="member-role"]')?.options || [])].map((o) => o.value).join() === "manager,member"`, viewerEmail),
		waitJS(`!!document.querySelector('[data-testid="member-row"][data-email=%s] [data-testid="member-remove"]')`, viewerEmail),
	)
	manager.shot("roles-manager-users-tab")
	manager.do("open the invite dialog as a manager",
		chromedp.Click(tid("invite-open")),
		chromedp.WaitVisible(tid("invite-dialog")),
		waitJS(`[...document.querySelector('[data-testid="invite-org-role"]').options].map((o) => o.value).join() === "member,manager"`),
		waitJS(`document.querySelectorAll('[data-testid="invite-project"]').length === 2`),
	)
	manager.shot("roles-manager-invite-dialog")
	manager.do("close the dialog", chromedp.Click(tid("invite-cancel")), chromedp.WaitNotVisible(tid("invite-dialog")))

	// The viewer: sees members and their projects, manages nothing, may leave.
	viewer.do("see the organization as a member",
		chromedp.Reload(),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(memberRow(managerEmail)),
		waitJS(`document.querySelector('[data-testid="project-item"][data-project-name="Alpha"]')?.dataset.role === "viewer"`),
		waitJS(`document.querySelector('[data-testid="project-item"][data-project-name="Beta"]')?.dataset.role === "owner"`),
		waitJS(`document.querySelector('[data-testid="project-form"]').hidden`),
		waitJS(`!document.querySelector('select[data-testid="member-role"]')`),
		waitJS(`document.querySelectorAll('[data-testid="member-remove"]').length === 1`),
		waitJS(`document.querySelector('[data-testid="member-row"][data-email=%s] [data-testid="member-remove"]')?.textContent === "Leave"`, viewerEmail),
		// As owner of Beta they may invite to Beta, and see those invitations.
		chromedp.WaitVisible(tid("invite-open")),
		chromedp.WaitVisible(tid("invites-card")),
	)
	viewer.shot("roles-viewer-users-tab")
	viewer.do("see Alpha's members as a viewer",
		selectOption(`[data-testid="members-scope"]`, viewer.projectID("Alpha")),
		chromedp.WaitVisible(memberRow(managerEmail)),
		waitJS(`document.querySelector('[data-testid="member-row"][data-email=%s]')?.dataset.role === "viewer"`, viewerEmail),
		waitJS(`!document.querySelector('select[data-testid="member-role"]')`),
	)
	viewer.do("see Beta's members as its owner",
		selectOption(`[data-testid="members-scope"]`, viewer.projectID("Beta")),
		waitJS(`document.querySelector('[data-testid="member-row"][data-email=%s]')?.dataset.role === "owner"`, viewerEmail),
		offers(fmt.Sprintf(`[data-testid="member-row"][data-email=%q] select[data-testid="member-role"]`, managerEmail), "owner,member,viewer"),
		waitJS(`!!document.querySelector('[data-testid="member-row"][data-email=%s] [data-testid="member-remove"]')`, managerEmail),
	)
	viewer.do("open the invite dialog as a project owner",
		chromedp.Click(tid("invite-open")),
		chromedp.WaitVisible(tid("invite-dialog")),
		// No organization role to pick; only Beta, the project they own.
		waitJS(`document.querySelector('#invite-org-role-field').hidden`),
		waitJS(`[...document.querySelectorAll('[data-testid="invite-project"]')].map((c) => c.dataset.projectName).join() === "Beta"`),
		offers(roleIn("Beta"), "owner,member,viewer"),
		offers(`[data-testid="invite-project-role"]`, "owner,member,viewer"),
	)
	viewer.shot("roles-viewer-invite-dialog")
	viewer.do("close the dialog", chromedp.Click(tid("invite-cancel")), chromedp.WaitNotVisible(tid("invite-dialog")))

	b.checkPages(t)
}

// startBrowserTest skips in -short mode (outside CI), starts the local
// stack and a browser for the test.
func startBrowserTest(t *testing.T) (*stack, *browser) {
	t.Helper()
	if testing.Short() && !inCI() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := findChromium(t)
	st := startStack(t)
	out := outDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return st, newBrowser(t, ctx, chromium, out)
}

// createProjects creates projects in the selected organization.
func (p *person) createProjects(names ...string) {
	p.b.t.Helper()
	for _, n := range names {
		p.do("create project "+n,
			chromedp.WaitEnabled(tid("project-create")),
			chromedp.SendKeys(tid("project-name"), n),
			chromedp.Click(tid("project-create")),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="project-item"][data-project-name=%q]`, n))),
		)
	}
}

// ---------- the browser ----------

type browser struct {
	t     *testing.T
	ctx   context.Context
	out   string
	mu    sync.Mutex
	shots int
	// problems are uncaught exceptions and CSP violations seen in any tab.
	problems []string
}

func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	need(t, "no Chromium found (install the Debian package chromium, or set CHROMIUM)")
	return ""
}

func newBrowser(t *testing.T, ctx context.Context, execPath, out string) *browser {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", execPath, err)
	}
	return &browser{t: t, ctx: browserCtx, out: out}
}

// person is one user in a tab of their own browser context (own storage).
type person struct {
	b    *browser
	name string
	ctx  context.Context
}

// cspProbe records CSP violations for checkPages; it runs as a DevTools
// script, outside the page's CSP.
const cspProbe = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});`

func (b *browser) person(name string) *person {
	t := b.t
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &person{b: b, name: name, ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Source == "security" || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s: %s", name, m.String()))
				b.mu.Unlock()
			}
		}
	}()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe})
	if err != nil {
		t.Fatalf("%s: install the CSP probe: %v", name, err)
	}
	return p
}

// do runs one step; on failure it saves a screenshot and the page text.
func (p *person) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	t := p.b.t
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if d := time.Since(start); d > 5*time.Second {
			t.Logf("%s: %s took %s", p.name, step, d.Round(time.Millisecond))
		}
	}()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.shot("FAILED-" + slug(step))
		text, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
		t.Fatalf("%s: %s: %v\npage %s:\n%s", p.name, step, err, p.eval(`location.pathname`), text)
	}
}

// shot writes a full-page PNG as <n>-<name>.png.
func (p *person) shot(name string) {
	t := p.b.t
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("%s: screenshot %s: %v", p.name, name, err)
		return
	}
	p.b.mu.Lock()
	p.b.shots++
	file := filepath.Join(p.b.out, fmt.Sprintf("%02d-%s.png", p.b.shots, name))
	p.b.mu.Unlock()
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Errorf("write %s: %v", file, err)
	}
}

// eval returns the string value of a JavaScript expression.
func (p *person) eval(expr string) string {
	t := p.b.t
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", p.name, expr, err)
	}
	return s
}

func (p *person) expectText(sel chromedp.CSS, want string) {
	t := p.b.t
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Text(sel, chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("%s: read %s: %v", p.name, sel, err)
	}
	if !strings.Contains(got, want) {
		t.Errorf("%s: %s = %q, want it to contain %q", p.name, sel, got, want)
	}
}

// signIn fills the local sign-in form that is on the page (Users tab or accept page).
func (p *person) signIn(email string) {
	p.b.t.Helper()
	p.do("sign in as "+email,
		chromedp.WaitVisible(tid("signin-email")),
		clearField(`[data-testid="signin-email"]`),
		chromedp.SendKeys(tid("signin-email"), email),
		chromedp.Click(tid("signin-submit")),
		chromedp.WaitNotVisible(tid("signin-form")),
		waitJS(`document.querySelector('[data-testid="account-email"]')?.textContent === %s`, email),
	)
}

// projectID reads a project's id from the Projects card.
func (p *person) projectID(name string) string {
	p.b.t.Helper()
	return p.eval(fmt.Sprintf(`document.querySelector('[data-testid="project-item"][data-project-name=%s]').dataset.projectId`, jsString(name)))
}

// checkPages fails the test on uncaught exceptions and CSP violations.
func (b *browser) checkPages(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("page problem: %s", p)
	}
}

// ---------- selectors and small actions ----------

func tid(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, id)) }

func memberRow(email string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`[data-testid="member-row"][data-email=%q]`, email))
}

func inviteRow(email string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`[data-testid="invite-row"][data-email=%q]`, email))
}

func inviteResult(email, status string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`[data-testid="invite-result"][data-email=%q][data-status=%q]`, email, status))
}

func projectBox(name string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`[data-testid="invite-project"][data-project-name=%q]`, name))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitJS waits until a JavaScript expression is truthy; %s arguments are
// inserted as JavaScript string literals.
func waitJS(format string, args ...string) chromedp.Action[chromedp.Void] {
	quoted := make([]any, len(args))
	for i, a := range args {
		quoted[i] = jsString(a)
	}
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(format, quoted...), chromedp.WithPollingTimeout(stepTimeout))
}

// selectOption picks value in a <select> as a user would: it fires change.
func selectOption(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
  const el = document.querySelector(%s);
  if (!el) throw new Error('no element ' + %[1]s);
  if (![...el.options].some((o) => o.value === %[2]s)) throw new Error('no option ' + %[2]s);
  el.focus();
  el.value = %[2]s;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
})()`, jsString(sel), jsString(value)))
}

// clearField empties an input (chromedp.Clear only resets the attribute).
func clearField(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
  const el = document.querySelector(%s);
  el.value = '';
  el.dispatchEvent(new Event('input', { bubbles: true }));
})()`, jsString(sel)))
}

// clickAndLoad clicks a link and waits for the page it opens to load.
func (p *person) clickAndLoad(step string, sel chromedp.CSS) {
	t := p.b.t
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(sel)); err != nil {
		p.shot("FAILED-" + slug(step))
		t.Fatalf("%s: %s: %v", p.name, step, err)
	}
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ---------- the local stack ----------

type stack struct {
	baseURL string // the local server: API and console
	sesURL  string // the SES v2 emulator
}

func inCI() bool { return os.Getenv("CI") == "true" }

// need skips the test for a missing tool, or fails it in CI, where the
// browser test must never skip silently.
func need(t *testing.T, format string, args ...any) {
	t.Helper()
	if inCI() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format+" (fails when CI=true)", args...)
}

func outDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("E2E_OUT")
	if dir == "" {
		dir = filepath.Join("testdata", "out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Drop the screenshots of an earlier run, and nothing else.
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("screenshots: %s", abs)
	return dir
}

func startStack(t *testing.T, extraEnv ...string) *stack {
	t.Helper()
	if base := os.Getenv("E2E_BASE_URL"); base != "" {
		ses := os.Getenv("E2E_SES_URL")
		if ses == "" {
			ses = "http://127.0.0.1:8005"
		}
		return &stack{baseURL: strings.TrimSuffix(base, "/"), sesURL: strings.TrimSuffix(ses, "/")}
	}
	begin := time.Now()
	root, err := filepath.Abs(filepath.Join("..", "..")) // the repository, from tests/browser
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		need(t, "node is not installed; the SES v2 emulator needs it")
	}
	cli := filepath.Join(root, "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		need(t, "the SES v2 emulator is not installed (run npm ci): %v", err)
	}

	// Build the local server while the emulator starts.
	bin := filepath.Join(t.TempDir(), "local")
	build := exec.Command("go", "build", "-o", bin, "./cmd/local")
	build.Dir = root
	buildOut := make(chan error, 1)
	var buildLog []byte
	go func() {
		var err error
		buildLog, err = build.CombinedOutput()
		buildOut <- err
	}()

	sesPort := freePort(t)
	sesURL := "http://127.0.0.1:" + sesPort
	ses := startProcess(t, "ses", root, nil, node, cli, "--host", "127.0.0.1", "--port", sesPort)
	if err := <-buildOut; err != nil {
		t.Fatalf("go build ./cmd/local: %v\n%s", err, buildLog)
	}
	ses.waitHTTP(t, sesURL+"/store")

	port := freePort(t)
	baseURL := "http://127.0.0.1:" + port
	env := []string{
		"PORT=" + port,
		"SES_ENDPOINT=" + sesURL,
		"APP_BASE_URL=" + baseURL,
		"MAIL_FROM=invites@example.com",
		"AWS_REGION=us-east-1",
	}
	env = append(env, extraEnv...)
	local := startProcess(t, "local", root, env, bin)
	local.waitHTTP(t, baseURL+"/healthz")
	t.Logf("stack up in %s: %s, SES emulator %s", time.Since(begin).Round(time.Millisecond), baseURL, sesURL)
	return &stack{baseURL: baseURL, sesURL: sesURL}
}

type process struct {
	name   string
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
}

// startProcess runs a command with the environment minus the settings the
// stack owns, plus env; it stops the process when the test ends.
func startProcess(t *testing.T, name, dir string, env []string, argv ...string) *process {
	t.Helper()
	owned := []string{"PORT", "SES_ENDPOINT", "APP_BASE_URL", "MAIL_FROM", "AWS_REGION", "DYNAMODB_ENDPOINT", "TABLE_NAME"}
	var base []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(owned, k) {
			base = append(base, kv)
		}
	}
	logFile, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(base, env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logFile, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("--- %s log (tail) ---\n%s", name, p.tail())
		}
		logFile.Close()
	})
	return p
}

func (p *process) tail() string {
	b, _ := os.ReadFile(p.log.Name())
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// waitHTTP waits until url answers 200, failing early if the process exits.
func (p *process) waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		res, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited before %s answered:\n%s", p.name, url, p.tail())
		case <-time.After(150 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s did not answer 200 in time (last error %v):\n%s", p.name, url, err, p.tail())
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	p, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(p)
}

// mail is one message in the SES emulator's GET /store.
type mail struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
}

// waitMail returns the newest mail to addr.
func (s *stack) waitMail(t *testing.T, addr string) mail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get(s.sesURL + "/store")
		if err == nil {
			var store struct {
				Emails []mail `json:"emails"`
			}
			err = json.NewDecoder(res.Body).Decode(&store)
			res.Body.Close()
			for i := len(store.Emails) - 1; err == nil && i >= 0; i-- {
				if slices.ContainsFunc(store.Emails[i].Destination.To, func(to string) bool { return strings.EqualFold(to, addr) }) {
					return store.Emails[i]
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s in %s/store (last error %v)", addr, s.sesURL, err)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

var acceptLinkRE = regexp.MustCompile(`https?://[^\s"'<>]+/accept#token=[A-Za-z0-9_-]+`)

// inviteLink returns the accept link of the newest mail to addr, checking
// that it points at the stack and carries the token in the fragment.
func (s *stack) inviteLink(t *testing.T, addr string) string {
	t.Helper()
	m := s.waitMail(t, addr)
	link := acceptLinkRE.FindString(m.Body.Text)
	if link == "" {
		link = acceptLinkRE.FindString(html.UnescapeString(m.Body.HTML))
	}
	if link == "" {
		t.Fatalf("the mail to %s has no accept link:\n%s", addr, m.Body.Text)
	}
	if want := s.baseURL + "/accept#token="; !strings.HasPrefix(link, want) {
		t.Errorf("accept link %q does not start with %q", link, want)
	}
	if tok := link[strings.Index(link, "#token=")+len("#token="):]; len(tok) != 43 {
		t.Errorf("the token in the link has %d characters, want 43", len(tok))
	}
	return link
}

// advanceClock shifts the clock the handlers see, through POST /_local/clock,
// and resets it when the test ends.
func (s *stack) advanceClock(t *testing.T, d string) {
	t.Helper()
	post := func(body string) error {
		res, err := http.Post(s.baseURL+"/_local/clock", "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			return fmt.Errorf("POST /_local/clock %s: %s %s", body, res.Status, b)
		}
		return nil
	}
	if err := post(fmt.Sprintf(`{"advance":%q}`, d)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := post(`{"reset":true}`); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("reset the clock: %v", err)
		}
	})
}
