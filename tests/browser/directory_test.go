package browser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDirectory: an owner creates a directory token in Settings →
// Directory and copies it with the SCIM base URL; the identity provider
// (this test, over HTTP) provisions a person who has an account and pushes
// a group with them in it; the owner sees them as a directory-managed
// member, maps the group to the manager role and a project role (their
// roles follow; the project's member list shows them as managed too, with
// no role or remove controls), detaches them (the project row offers the
// controls again), and revokes the token, which then fails.
func TestBrowserDirectory(t *testing.T) {
	st, b := startBrowserTest(t)
	suffix := randHex(4)
	ownerEmail := "dir-owner-" + suffix + "@example.com"
	adaEmail := "dir-ada-" + suffix + "@example.com"
	orgName := "Directory " + suffix

	ada := b.person("ada")
	ada.do("open the console", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	ada.signIn(adaEmail) // ada has an account

	owner := b.person("owner")
	owner.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	owner.signIn(ownerEmail)
	owner.do("create the organization",
		chromedp.SendKeys(tid("org-name"), orgName),
		chromedp.Click(tid("org-create")),
		waitJS(`document.querySelector('[data-testid="org-select"]')?.selectedOptions[0]?.textContent === %s`, orgName),
		chromedp.WaitVisible(tid("directory-card")),
	)
	owner.createProjects("Web")
	webID := owner.projectID("Web")
	owner.do("create a directory token",
		chromedp.SendKeys(tid("directory-token-name"), "Okta"),
		chromedp.Click(tid("directory-token-create")),
		chromedp.WaitVisible(tid("directory-secret")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="directory-token"]`)),
	)
	owner.shot("directory-token-created")
	token := owner.eval(`document.querySelector('[data-testid="directory-secret-value"]').value`)
	base := owner.eval(`document.querySelector('[data-testid="directory-base-url"]').value`)
	if !strings.HasPrefix(token, "scim_") || !strings.HasSuffix(base, "/scim/v2") {
		t.Fatalf("token %q, base URL %q", token, base)
	}

	scim := func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, st.baseURL+"/scim/v2"+path, bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %v", method, path, res.StatusCode, want, out)
		}
		return out
	}
	u := scim("POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":"00u-ada"}`, adaEmail), 201)
	g := scim("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":%q}]}`, u["id"]), 201)

	row := memberRow(adaEmail)
	owner.do("see the provisioned member and the group",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(string(row)+` [data-testid="member-managed"]`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="directory-group"][data-group-id=%q]`, g["id"]))),
		waitJS(`document.querySelector('[data-testid="directory-token"]')?.textContent.includes("last used")`),
	)
	owner.shot("directory-managed-member")
	owner.do("map the group to managers and to members of project Web",
		selectOption(fmt.Sprintf(`[data-testid="directory-group-org-role"][id="directory-group-org-role-%s"]`, g["id"]), "manager"),
		selectOption(fmt.Sprintf(`[id="directory-group-project-role-%s-%s"]`, g["id"], webID), "member"),
		chromedp.Click(tid("directory-group-save")),
		waitJS(`document.querySelector('[data-testid="directory-group"]')?.dataset.orgRole === "manager"`),
		chromedp.Reload(),
		waitJS(`document.querySelector(%s)?.dataset.role === "manager"`, string(row)),
	)
	owner.shot("directory-group-mapped")
	owner.do("see the managed member in project Web's list, without role or remove controls",
		selectOption(`[data-testid="members-scope"]`, webID),
		waitJS(`document.querySelector(%s)?.dataset.role === "member"`, string(row)),
		chromedp.WaitVisible(chromedp.CSS(string(row)+` [data-testid="member-managed"]`)),
		waitJS(`!document.querySelector(%s)`, string(row)+` select[data-testid="member-role"]`),
		waitJS(`!document.querySelector(%s)`, string(row)+` [data-testid="member-remove"]`),
		waitJS(`!document.querySelector(%s)`, string(row)+` [data-testid="member-detach"]`),
	)
	owner.shot("directory-managed-project-member")
	owner.do("back to the organization's list",
		selectOption(`[data-testid="members-scope"]`, ""),
		waitJS(`document.querySelector(%s)?.dataset.role === "manager"`, string(row)),
	)
	owner.do("detach the member",
		chromedp.Click(chromedp.CSS(string(row)+` [data-testid="member-detach"]`)),
		chromedp.WaitVisible(tid("confirm-dialog")),
		chromedp.Click(tid("confirm-ok")),
		chromedp.WaitNotPresent(chromedp.CSS(string(row)+` [data-testid="member-managed"]`)),
	)
	owner.do("see the detached member manageable in project Web's list",
		selectOption(`[data-testid="members-scope"]`, webID),
		waitJS(`document.querySelector(%s)?.dataset.role === "member"`, string(row)),
		chromedp.WaitVisible(chromedp.CSS(string(row)+` select[data-testid="member-role"]`)),
		chromedp.WaitVisible(chromedp.CSS(string(row)+` [data-testid="member-remove"]`)),
		waitJS(`!document.querySelector(%s)`, string(row)+` [data-testid="member-managed"]`),
	)
	owner.do("revoke the token",
		chromedp.Click(tid("directory-token-revoke")),
		chromedp.WaitVisible(tid("confirm-dialog")),
		chromedp.Click(tid("confirm-ok")),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid="directory-token"]`)),
	)
	scim("GET", "/Users", "", 401)
	b.checkPages(t)
}
