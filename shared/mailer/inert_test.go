package mailer

import (
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
)

// TestNamesInMailAreNeverLinks: an organization or project name that holds
// a URL, a domain or an address reads the same in both parts of both
// mails, but no part carries it in a form a mail client turns into a
// link; bidi overrides and control characters are gone.
func TestNamesInMailAreNeverLinks(t *testing.T) {
	org := "Acme IT: verify at https://evil.example\u202e/moc.live"
	proj := "docs.evil.example or it@evil.example"
	im := RenderInvite(domain.InviteMail{To: "a@example.com", OrgName: org, InviterEmail: "o@example.com",
		Projects: []domain.MailProject{{Name: proj, Role: domain.ProjectViewer}}, OrgRole: domain.OrgMember,
		ExpiresAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Link: "https://console.example/accept#token=abc"})
	am := RenderAdded(domain.AddedMail{To: "a@example.com", OrgName: org, InviterEmail: "o@example.com",
		Projects: []domain.MailProject{{Name: proj, Role: domain.ProjectViewer}}, OrgRole: domain.OrgMember, Link: "https://console.example/"})
	for name, m := range map[string]Message{"invite": im, "added": am} {
		for part, body := range map[string]string{"html": m.HTML, "text": m.Text, "subject": m.Subject} {
			for _, live := range []string{"https://evil", "//evil", "evil.example", "it@evil", "docs.evil", "\u202e"} {
				if strings.Contains(body, live) {
					t.Errorf("%s %s carries %q:\n%s", name, part, live, body)
				}
			}
			if !strings.Contains(strings.ReplaceAll(body, "\u2060", ""), "Acme IT: verify at https://evil.example/moc.live") {
				t.Errorf("%s %s does not show the name as written:\n%s", name, part, body)
			}
		}
		if strings.Count(m.HTML, "<a ") != strings.Count(m.HTML, `href="https://console.example/`) {
			t.Errorf("%s html has a link that is not the console's:\n%s", name, m.HTML)
		}
		for part, body := range map[string]string{"html": m.HTML, "text": m.Text} {
			if !strings.Contains(strings.ReplaceAll(body, "\u2060", ""), proj) {
				t.Errorf("%s %s does not show the project name:\n%s", name, part, body)
			}
		}
	}
	if got := inert("a\x00b\u200bc"); got != "abc" {
		t.Errorf("inert kept control or format characters: %q", got)
	}
}
