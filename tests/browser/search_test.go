package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/members-saas/members/client"
)

// localToken gets a local sign-in token for email from the local server.
func (s *stack) localToken(t *testing.T, email string) string {
	t.Helper()
	res, err := http.Post(s.baseURL+"/_local/token", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":%s,"emailVerified":true}`, jsString(email))))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("local token for %s: %v", email, err)
	}
	return out.Token
}

// TestBrowserMemberSearch: in an organization of 241 members, the owner
// pages through the Users tab (Previous / Next) and narrows it with the
// search box: as they type, the table shows only the addresses that start
// with the text, in address order, case-insensitively, and paged.
func TestBrowserMemberSearch(t *testing.T) {
	if testing.Short() && !inCI() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := findChromium(t)
	st := startStack(t, "INVITES_PER_HOUR=-1", "USER_INVITES_PER_HOUR=-1") // one owner seeds 240
	out := outDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()

	// Seed through the API with the Go client: 240 registered people
	// (ann-, bob-, cy- × 80), added to the organization at once.
	suffix := randHex(3)
	ownerEmail := "zz-owner-" + suffix + "@example.com"
	owner, err := client.New(st.baseURL, client.WithTokenSource(client.StaticToken(st.localToken(t, ownerEmail))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	org, err := owner.CreateOrg(ctx, "Big "+suffix)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, name := range []string{"ann", "bob", "cy"} {
		for i := range 80 {
			emails = append(emails, fmt.Sprintf("%s-%03d-%s@example.com", name, i, suffix))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(emails))
	sem := make(chan struct{}, 8)
	for _, e := range emails {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := client.New(st.baseURL, client.WithTokenSource(client.StaticToken(st.localToken(t, e))))
			if err == nil {
				_, err = c.GetMe(ctx)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := 0; i < len(emails); i += 48 {
		res, err := owner.CreateInvites(ctx, org.Id, client.InviteRequest{Emails: emails[i:min(i+48, len(emails))]})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Status != "added" {
				t.Fatalf("seed %s: %s", r.Email, r.Status)
			}
		}
	}

	b := newBrowser(t, ctx, chromium, out)
	p := b.person("owner")
	p.do("open the Users tab", chromedp.Navigate(st.baseURL+"/"), chromedp.WaitVisible(tid("signin-email")))
	p.signIn(ownerEmail)
	rows := `document.querySelectorAll('[data-testid="member-row"]')`
	emailsJS := `[...` + rows + `].map((r) => r.dataset.email)`
	p.do("see the first page of members",
		waitJS(rows+`.length === 50`),
		chromedp.WaitVisible(tid("members-pager")),
		waitJS(`document.querySelector('[data-testid="members-page"]').textContent === %s`, "Page 1"),
		waitJS(`document.querySelector('[data-testid="members-prev"]').disabled && !document.querySelector('[data-testid="members-next"]').disabled`),
	)
	p.shot("members-page-1")
	first := p.eval(emailsJS + `.join(',')`)
	p.do("go to page 2 and back",
		chromedp.Click(tid("members-next")),
		waitJS(`document.querySelector('[data-testid="members-page"]').textContent === %s`, "Page 2"),
		waitJS(rows+`.length === 50 && `+emailsJS+`.join(',') !== %s`, first),
		chromedp.Click(tid("members-prev")),
		waitJS(`document.querySelector('[data-testid="members-page"]').textContent === %s`, "Page 1"),
		waitJS(emailsJS+`.join(',') === %s`, first),
	)

	want := func(prefix string, n int) string { // JS: n rows, each starting with prefix, sorted
		return fmt.Sprintf(`(() => { const e = %s; return e.length === %d && e.every((x) => x.startsWith(%s)) && e.join() === [...e].sort().join(); })()`,
			emailsJS, n, jsString(prefix))
	}
	p.do("search as they type",
		chromedp.SendKeys(tid("members-search"), "BOB-01"),
		chromedp.Poll[chromedp.Void](want("bob-01", 10), chromedp.WithPollingTimeout(stepTimeout)),
		chromedp.WaitNotVisible(tid("members-pager")),
	)
	p.shot("members-search-bob-01")
	p.do("narrow the search",
		chromedp.SendKeys(tid("members-search"), "7"),
		chromedp.Poll[chromedp.Void](want("bob-017", 1), chromedp.WithPollingTimeout(stepTimeout)),
	)
	p.do("a search with no match",
		chromedp.SendKeys(tid("members-search"), "x"),
		chromedp.WaitVisible(tid("members-empty")),
		waitJS(rows+`.length === 0`),
	)
	p.do("a search of many pages",
		clearField(`[data-testid="members-search"]`),
		chromedp.SendKeys(tid("members-search"), "bob"),
		chromedp.Poll[chromedp.Void](want("bob-", 50), chromedp.WithPollingTimeout(stepTimeout)),
		chromedp.WaitVisible(tid("members-pager")),
		chromedp.Click(tid("members-next")),
		chromedp.Poll[chromedp.Void](want("bob-", 30), chromedp.WithPollingTimeout(stepTimeout)),
		waitJS(`document.querySelector('[data-testid="members-next"]').disabled`),
	)
	p.shot("members-search-bob-page-2")
	p.do("clear the search",
		clearField(`[data-testid="members-search"]`),
		waitJS(emailsJS+`.join(',') === %s`, first),
	)
	b.checkPages(t)
}
