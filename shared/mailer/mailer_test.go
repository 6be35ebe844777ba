package mailer

import (
	"strings"
	"testing"
	"time"

	"github.com/members-saas/members/shared/domain"
)

func TestRenderInviteEscapesAndKeepsSubjectOnOneLine(t *testing.T) {
	m, err := RenderInvite(domain.InviteMail{To: "a@example.com", OrgName: "<b>Acme</b>\r\nBcc: x@evil.test",
		InviterEmail: "o@example.com", Projects: []string{"<i>Web</i>"}, OrgRole: domain.OrgUser,
		ProjectRole: domain.ProjectMemberRole, ExpiresAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		Link: "https://console.example/accept#token=abc"})
	if err != nil {
		t.Fatal(err)
	}
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
