// Package mailer sends the service's emails through SES v2 SendEmail, with
// HTML (html/template, so every name is escaped) and plain-text parts.
package mailer

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/lambdaenv"
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

// SendInvite renders and sends an invitation, tagged with its organization
// and invite ids so SES delivery events find their way back. Returns the
// SES message id, or the SES error.
func (m *Mailer) SendInvite(ctx context.Context, im domain.InviteMail) (string, error) {
	msg, err := RenderInvite(im)
	if err != nil {
		return "", err
	}
	return m.send(ctx, im.To, msg, []types.MessageTag{
		{Name: aws.String("orgId"), Value: aws.String(im.OrgID)},
		{Name: aws.String("inviteId"), Value: aws.String(im.InviteID)},
	})
}

// SendAdded renders and sends the "you were added" notice. Returns the SES
// message id, or the SES error.
func (m *Mailer) SendAdded(ctx context.Context, am domain.AddedMail) (string, error) {
	msg, err := RenderAdded(am)
	if err != nil {
		return "", err
	}
	return m.send(ctx, am.To, msg, nil)
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

var funcs = map[string]any{
	"join": strings.Join,
	"date": func(t any) string {
		if tt, ok := t.(interface{ Format(string) string }); ok {
			return tt.Format("Monday, 2 January 2006 15:04 MST")
		}
		return ""
	},
}

const inviteHTML = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933">
<p><strong>{{.InviterEmail}}</strong> invited you to join <strong>{{.OrgName}}</strong> as {{if eq .OrgRole "owner"}}an owner{{else}}a member{{end}}.</p>
{{if .Projects}}<p>You will also join these projects as {{.ProjectRole}}:</p>
<ul>{{range .Projects}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 16px;background:#2458d6;color:#fff;text-decoration:none;border-radius:6px">Accept the invitation</a></p>
<p>This invitation expires on {{date .ExpiresAt}}. If the button does not work, open this link:<br><a href="{{.Link}}">{{.Link}}</a></p>
<p style="color:#64748b;font-size:13px">If you did not expect this email, you can ignore it.</p>
</body></html>`

const inviteText = `{{.InviterEmail}} invited you to join {{.OrgName}} as {{if eq .OrgRole "owner"}}an owner{{else}}a member{{end}}.
{{if .Projects}}
You will also join these projects as {{.ProjectRole}}:
{{range .Projects}}- {{.}}
{{end}}{{end}}
Accept the invitation: {{.Link}}

This invitation expires on {{date .ExpiresAt}}.
If you did not expect this email, you can ignore it.
`

const addedHTML = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933">
<p><strong>{{.InviterEmail}}</strong> gave you access to <strong>{{.OrgName}}</strong> ({{.OrgRole}}).</p>
{{if .Projects}}<p>Projects ({{.ProjectRole}}):</p><ul>{{range .Projects}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p><a href="{{.Link}}">Open the console</a></p>
</body></html>`

const addedText = `{{.InviterEmail}} gave you access to {{.OrgName}} ({{.OrgRole}}).
{{if .Projects}}
Projects ({{.ProjectRole}}):
{{range .Projects}}- {{.}}
{{end}}{{end}}
Open the console: {{.Link}}
`

// The templates are parsed on first use, not at package init, so binaries
// that import this package but never send mail do not carry html/template.
var (
	inviteHTMLT = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("invite.html").Funcs(funcs).Parse(inviteHTML))
	})
	inviteTextT = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("invite.txt").Funcs(funcs).Parse(inviteText))
	})
	addedHTMLT = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("added.html").Funcs(funcs).Parse(addedHTML))
	})
	addedTextT = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("added.txt").Funcs(funcs).Parse(addedText))
	})
)

func render(h *htmltemplate.Template, t *texttemplate.Template, data any) (string, string, error) {
	var hb, tb bytes.Buffer
	if err := h.Execute(&hb, data); err != nil {
		return "", "", fmt.Errorf("render %s: %w", h.Name(), err)
	}
	if err := t.Execute(&tb, data); err != nil {
		return "", "", fmt.Errorf("render %s: %w", t.Name(), err)
	}
	return hb.String(), tb.String(), nil
}

// RenderInvite renders an invitation email.
func RenderInvite(im domain.InviteMail) (Message, error) {
	h, t, err := render(inviteHTMLT(), inviteTextT(), im)
	if err != nil {
		return Message{}, err
	}
	return Message{Subject: subjectLine(fmt.Sprintf("%s invited you to %s", im.InviterEmail, im.OrgName)), HTML: h, Text: t}, nil
}

// RenderAdded renders the "you were added" email.
func RenderAdded(am domain.AddedMail) (Message, error) {
	h, t, err := render(addedHTMLT(), addedTextT(), am)
	if err != nil {
		return Message{}, err
	}
	return Message{Subject: subjectLine(fmt.Sprintf("You now have access to %s", am.OrgName)), HTML: h, Text: t}, nil
}

// FromAWS is the lambdaenv.MailerFactory of the functions that send mail:
// an SES v2 client for c's endpoint (if any), sending from c.MailFrom.
func FromAWS(awsCfg aws.Config, c lambdaenv.Config) domain.Mailer {
	return New(SESClient(awsCfg, c.SESEndpoint), c.MailFrom, c.ConfigurationSet)
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
