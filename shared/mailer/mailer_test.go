package mailer

import (
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
)

func TestRenderInviteEscapesAndKeepsSubjectOnOneLine(t *testing.T) {
	m := RenderInvite(domain.InviteMail{To: "a@example.com", OrgName: "<b>Acme</b>\r\nBcc: x@evil.test",
		InviterEmail: "o@example.com", Projects: []domain.MailProject{{Name: "<i>Web</i>", Role: domain.ProjectMemberRole}}, OrgRole: domain.OrgMember,
		ExpiresAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		Link:      "https://console.example/accept#token=abc"})
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject %q", m.Subject)
	}
	if strings.Contains(m.HTML, "<b>Acme") || strings.Contains(m.HTML, "<i>Web") || !strings.Contains(m.HTML, "&lt;b&gt;Acme") {
		t.Fatalf("html not escaped:\n%s", m.HTML)
	}
	for _, want := range []string{"o@example.com", "https://console.example/accept#token=abc", "1 December 2026"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestRenderRefusesNonHTTPLinksAndEscapesAttributes(t *testing.T) {
	for _, link := range []string{"javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.test/x", " https://x"} {
		m := RenderInvite(domain.InviteMail{To: "a@example.com", OrgName: "Acme", InviterEmail: "o@example.com", Link: link})
		if strings.Contains(m.HTML, link) || !strings.Contains(m.HTML, `href="#"`) {
			t.Errorf("link %q kept:\n%s", link, m.HTML)
		}
	}
	m := RenderAdded(domain.AddedMail{To: "a@example.com", OrgName: "A", InviterEmail: `"><script>x</script>@example.com`,
		Link: `https://console.example/?a="b"&c=<d>`, Projects: []domain.MailProject{{Name: "P&Q", Role: domain.ProjectMemberRole}}, OrgRole: domain.OrgMember})
	for _, bad := range []string{`"><script>`, `a="b"`, "<d>", "P&Q"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("html carries %q unescaped:\n%s", bad, m.HTML)
		}
	}
	for _, want := range []string{`href="https://console.example/?a=&#34;b&#34;&amp;c=&lt;d&gt;"`, "<li>P&amp;Q — a member</li>", "- P&Q — a member\n"} {
		if !strings.Contains(m.HTML+m.Text, want) {
			t.Errorf("missing %q:\n%s\n%s", want, m.HTML, m.Text)
		}
	}
}

func TestMailsShowEachProjectWithItsRole(t *testing.T) {
	ps := []domain.MailProject{{Name: "Web", Role: domain.ProjectOwner}, {Name: "Data", Role: domain.ProjectViewer}}
	inv := RenderInvite(domain.InviteMail{To: "a@example.com", OrgName: "Acme", InviterEmail: "o@example.com",
		OrgRole: domain.OrgManager, Projects: ps, Link: "https://console.example/accept#token=abc"})
	added := RenderAdded(domain.AddedMail{To: "a@example.com", OrgName: "Acme", InviterEmail: "o@example.com",
		OrgRole: domain.OrgMember, Projects: ps, Link: "https://console.example/"})
	for _, m := range []Message{inv, added} {
		for _, want := range []string{"- Web — an owner\n", "- Data — a viewer\n"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.HTML, "<li>Web — an owner</li>") || !strings.Contains(m.HTML, "<li>Data — a viewer</li>") {
			t.Errorf("html lacks the projects with roles:\n%s", m.HTML)
		}
	}
	if !strings.Contains(inv.Text, "as a manager") {
		t.Errorf("invite does not name the organization role:\n%s", inv.Text)
	}
}

// The reminder that access ends names the organization (inert, escaped)
// and each end, in both parts, on a one-line subject.
func TestRenderAccessEnding(t *testing.T) {
	m := RenderAccessEnding(domain.AccessEndingMail{To: "a@example.com", OrgName: "<b>Acme</b>\r\nBcc: x@evil.test",
		OrgEndsAt: time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC),
		Projects:  []domain.EndingProject{{Name: "<i>Web</i>", EndsAt: time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)}},
		Link:      "https://console.example/"})
	if strings.ContainsAny(m.Subject, "\r\n") || !strings.Contains(m.Subject, "ends soon") {
		t.Fatalf("subject %q", m.Subject)
	}
	if strings.Contains(m.HTML, "<b>Acme") || strings.Contains(m.HTML, "<i>Web") {
		t.Fatalf("html not escaped:\n%s", m.HTML)
	}
	for _, want := range []string{"31 December 2026", "20 December 2026", "https://console.example/"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestRenderJoinRequest(t *testing.T) {
	m := RenderJoinRequest(domain.JoinRequestMail{To: "o@example.com", OrgName: "<b>Acme</b>\r\nBcc: x@evil.test",
		RequesterEmail: "ada@acme.test", Domain: "acme.test", Link: "javascript:alert(1)"})
	if strings.ContainsAny(m.Subject, "\r\n") || !strings.HasPrefix(m.Subject, "ada@acme.test asks to join ") {
		t.Fatalf("subject %q", m.Subject)
	}
	if strings.Contains(m.HTML, "<b>Acme") || strings.Contains(m.HTML, "javascript:") {
		t.Fatalf("html not escaped or unsafe link:\n%s", m.HTML)
	}
	m = RenderJoinRequest(domain.JoinRequestMail{To: "o@example.com", OrgName: "Acme", RequesterEmail: "ada@acme.test",
		Domain: "acme.test", Link: "https://console.example/#requests"})
	for _, want := range []string{"ada@acme.test", "acme.test", "https://console.example/#requests", "every pending one is answered"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("missing %q", want)
		}
	}
}
