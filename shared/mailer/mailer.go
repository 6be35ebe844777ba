// Package mailer sends the service's emails through SES v2 SendEmail, with
// HTML (every name escaped) and plain-text parts.
package mailer

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/sesevents"
)

// API is the part of the SES v2 client the mailer uses.
type API interface {
	SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Mailer implements domain.Mailer with SES v2.
type Mailer struct {
	ses              API
	from             string
	configurationSet string
}

var _ domain.Mailer = (*Mailer)(nil)

// New returns a Mailer sending from `from`, with events published to the
// configuration set when one is named.
func New(ses API, from, configurationSet string) *Mailer {
	return &Mailer{ses: ses, from: from, configurationSet: configurationSet}
}

// Message is a rendered email.
type Message struct {
	Subject, HTML, Text string
}

// SendInvite renders and sends an invitation, tagged with its organization,
// invite and mail ids so SES events find their way back (package
// sesevents). Returns the SES message id, or the SES error.
func (m *Mailer) SendInvite(ctx context.Context, im domain.InviteMail) (string, error) {
	return m.send(ctx, im.To, RenderInvite(im), []types.MessageTag{
		{Name: aws.String(sesevents.TagOrgID), Value: aws.String(im.OrgID)},
		{Name: aws.String(sesevents.TagInviteID), Value: aws.String(im.InviteID)},
		{Name: aws.String(sesevents.TagMailID), Value: aws.String(im.MailID)},
	})
}

// SendAdded renders and sends the "you were added" notice. Returns the SES
// message id, or the SES error.
func (m *Mailer) SendAdded(ctx context.Context, am domain.AddedMail) (string, error) {
	return m.send(ctx, am.To, RenderAdded(am), nil)
}

// SendAccessEnding renders and sends the reminder that access ends soon.
// Returns the SES message id, or the SES error.
func (m *Mailer) SendAccessEnding(ctx context.Context, am domain.AccessEndingMail) (string, error) {
	return m.send(ctx, am.To, RenderAccessEnding(am), nil)
}

// SendJoinRequest renders and sends the "people ask to join" notice to an
// approver. Returns the SES message id, or the SES error.
func (m *Mailer) SendJoinRequest(ctx context.Context, jm domain.JoinRequestMail) (string, error) {
	return m.send(ctx, jm.To, RenderJoinRequest(jm), nil)
}

func (m *Mailer) send(ctx context.Context, to string, msg Message, tags []types.MessageTag) (string, error) {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(msg.Subject), Charset: aws.String("UTF-8")},
			Body: &types.Body{
				Html: &types.Content{Data: aws.String(msg.HTML), Charset: aws.String("UTF-8")},
				Text: &types.Content{Data: aws.String(msg.Text), Charset: aws.String("UTF-8")},
			},
		}},
		EmailTags: tags,
	}
	if m.configurationSet != "" {
		in.ConfigurationSetName = aws.String(m.configurationSet)
	}
	out, err := m.ses.SendEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("ses send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

// subjectLine keeps a subject on one line: CR, LF and other control
// characters become spaces, so no header can be injected.
func subjectLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// The bodies are built by hand rather than with html/template or
// text/template: those call reflect.Value.MethodByName, which makes the Go
// linker keep every exported method of every type in the binary (all of the
// SES v2 and DynamoDB clients' operations), growing the functions that send
// mail by 70%. Every value that comes from a request or the table goes
// through esc (HTML) or subjectLine (subject); the link must be http(s);
// names go through inert, so no name is ever shown as a link.

// esc escapes s for HTML text and quoted attribute values.
func esc(s string) string { return html.EscapeString(s) }

// safeURL returns u when it is an absolute http or https URL, else "#"
// (what html/template does with an unsafe URL in an href).
func safeURL(u string) string {
	l := strings.ToLower(u)
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return u
	}
	return "#"
}

func date(t time.Time) string { return t.Format("Monday, 2 January 2006 15:04 MST") }

// article returns the role with its indefinite article: "an owner".
func article[R ~string](role R) string {
	r := string(role)
	if r != "" && strings.ContainsRune("aeiou", rune(r[0])) {
		return "an " + r
	}
	return "a " + r
}

const (
	htmlHead = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933">
`
	htmlTail = `</body></html>`
)

// writeProjects adds the projects with their roles, after intro, to the
// HTML part h (escaped, as a list) and the text part t, when there are any.
func writeProjects(h, t *strings.Builder, intro string, ps []domain.MailProject) {
	if len(ps) == 0 {
		return
	}
	h.WriteString("<p>" + esc(intro) + "</p>\n<ul>")
	t.WriteString("\n" + intro + "\n")
	for _, p := range ps {
		n := inert(p.Name)
		h.WriteString("<li>" + esc(n) + " — " + esc(article(p.Role)) + "</li>")
		t.WriteString("- " + n + " — " + article(p.Role) + "\n")
	}
	h.WriteString("</ul>\n")
}

// RenderInvite renders an invitation email.
func RenderInvite(im domain.InviteMail) Message {
	link, as := safeURL(im.Link), article(im.OrgRole)
	im.OrgName = inert(im.OrgName) // inert.go: never a link
	var h, t strings.Builder
	h.WriteString(htmlHead + "<p><strong>" + esc(im.InviterEmail) + "</strong> invited you to join <strong>" + esc(im.OrgName) + "</strong> as " + as + ".</p>\n")
	t.WriteString(im.InviterEmail + " invited you to join " + im.OrgName + " as " + as + ".\n")
	writeProjects(&h, &t, "You will also join these projects:", im.Projects)
	h.WriteString(`<p><a href="` + esc(link) + `" style="display:inline-block;padding:10px 16px;background:#2458d6;color:#fff;text-decoration:none;border-radius:6px">Accept the invitation</a></p>` + "\n" +
		"<p>This invitation expires on " + esc(date(im.ExpiresAt)) + `. If the button does not work, open this link:<br><a href="` + esc(link) + `">` + esc(link) + "</a></p>\n" +
		`<p style="color:#64748b;font-size:13px">If you did not expect this email, you can ignore it.</p>` + "\n" + htmlTail)
	t.WriteString("\nAccept the invitation: " + link + "\n\nThis invitation expires on " + date(im.ExpiresAt) + ".\nIf you did not expect this email, you can ignore it.\n")
	return Message{Subject: subjectLine(fmt.Sprintf("%s invited you to %s", im.InviterEmail, im.OrgName)), HTML: h.String(), Text: t.String()}
}

// RenderAdded renders the "you were added" email.
func RenderAdded(am domain.AddedMail) Message {
	link := safeURL(am.Link)
	am.OrgName = inert(am.OrgName) // inert.go: never a link
	var h, t strings.Builder
	h.WriteString(htmlHead + "<p><strong>" + esc(am.InviterEmail) + "</strong> gave you access to <strong>" + esc(am.OrgName) + "</strong> (" + esc(string(am.OrgRole)) + ").</p>\n")
	t.WriteString(am.InviterEmail + " gave you access to " + am.OrgName + " (" + string(am.OrgRole) + ").\n")
	writeProjects(&h, &t, "Projects:", am.Projects)
	h.WriteString(`<p><a href="` + esc(link) + `">Open the console</a></p>` + "\n" + htmlTail)
	t.WriteString("\nOpen the console: " + link + "\n")
	return Message{Subject: subjectLine(fmt.Sprintf("You now have access to %s", am.OrgName)), HTML: h.String(), Text: t.String()}
}

// RenderAccessEnding renders the reminder that access ends soon.
func RenderAccessEnding(am domain.AccessEndingMail) Message {
	link := safeURL(am.Link)
	am.OrgName = inert(am.OrgName) // inert.go: never a link
	var h, t strings.Builder
	h.WriteString(htmlHead)
	if !am.OrgEndsAt.IsZero() {
		h.WriteString("<p>Your access to <strong>" + esc(am.OrgName) + "</strong> ends on " + esc(date(am.OrgEndsAt)) + ".</p>\n")
		t.WriteString("Your access to " + am.OrgName + " ends on " + date(am.OrgEndsAt) + ".\n")
	}
	if len(am.Projects) > 0 {
		intro := "Your access to these projects of " + am.OrgName + " ends soon:"
		h.WriteString("<p>" + esc(intro) + "</p>\n<ul>")
		t.WriteString("\n" + intro + "\n")
		for _, p := range am.Projects {
			n := inert(p.Name)
			h.WriteString("<li>" + esc(n) + " — on " + esc(date(p.EndsAt)) + "</li>")
			t.WriteString("- " + n + " — on " + date(p.EndsAt) + "\n")
		}
		h.WriteString("</ul>\n")
	}
	h.WriteString("<p>If you still need it, ask an owner or manager of the organization to extend it.</p>\n" +
		`<p><a href="` + esc(link) + `">Open the console</a></p>` + "\n" + htmlTail)
	t.WriteString("\nIf you still need it, ask an owner or manager of the organization to extend it.\nOpen the console: " + link + "\n")
	return Message{Subject: subjectLine(fmt.Sprintf("Your access to %s ends soon", am.OrgName)), HTML: h.String(), Text: t.String()}
}

// RenderJoinRequest renders the mail that tells an approver people ask to
// join (one per batch of requests: it names the first).
func RenderJoinRequest(jm domain.JoinRequestMail) Message {
	link := safeURL(jm.Link)
	jm.OrgName = inert(jm.OrgName)
	var h, t strings.Builder
	h.WriteString(htmlHead + "<p><strong>" + esc(jm.RequesterEmail) + "</strong> asks to join <strong>" + esc(jm.OrgName) +
		"</strong> (a verified address at " + esc(jm.Domain) + ").</p>\n" +
		"<p>Others may be waiting too. You will not get another email about requests until every pending one is answered.</p>\n" +
		`<p><a href="` + esc(link) + `">Review join requests</a></p>` + "\n" + htmlTail)
	t.WriteString(jm.RequesterEmail + " asks to join " + jm.OrgName + " (a verified address at " + jm.Domain + ").\n" +
		"Others may be waiting too. You will not get another email about requests until every pending one is answered.\n" +
		"\nReview join requests: " + link + "\n")
	return Message{Subject: subjectLine(fmt.Sprintf("%s asks to join %s", jm.RequesterEmail, jm.OrgName)), HTML: h.String(), Text: t.String()}
}

// SESClient returns an SES v2 client, at endpoint when it is not empty
// (the SES emulator).
func SESClient(awsCfg aws.Config, endpoint string) *sesv2.Client {
	return sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}
