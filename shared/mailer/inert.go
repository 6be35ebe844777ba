package mailer

import (
	"strings"
	"unicode"
)

// wordJoiner (U+2060) is invisible and joins the characters around it.
const wordJoiner = '\u2060'

// inert returns text a user wrote (an organization or project name, an
// address) in a form mail clients show as written but never turn into a
// link: they auto-link anything that looks like a URL, a domain or an
// address, even in the HTML part, which would let an organization named
// "Acme IT: verify at https://evil.example" put a working link in a mail
// from the service's own domain. A word joiner after every ':' and before
// every '.', '@' and '/' breaks each of those patterns (Unicode format
// characters are never part of a URL or a domain), and is the technique
// mail clients honour (all but Samsung Mail, per
// https://blog.teknkl.com/stop-email-client-hyperlinking-text-without-consent/).
// Control and other format characters (bidi overrides) are dropped first;
// names are stored without them, but older ones may not be.
func inert(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		case r == '.' || r == '@' || r == '/':
			b.WriteRune(wordJoiner)
			b.WriteRune(r)
		case r == ':':
			b.WriteRune(r)
			b.WriteRune(wordJoiner)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
