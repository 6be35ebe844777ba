package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// stripInvisible removes the Unicode format characters (category Cf) from
// s: the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069), the directional marks, zero-width spaces and joiners,
// the word joiner, the byte order mark and the soft hyphen. A name with
// them can read differently from what it is ("moc.elpmaxe" shown as
// "example.com") and hide text in a mail, so names never keep them.
func stripInvisible(s string) string {
	if !utf8.ValidString(s) || !strings.ContainsFunc(s, isInvisible) { // invalid input is refused as it is
		return s
	}
	return strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, s)
}

func isInvisible(r rune) bool { return unicode.Is(unicode.Cf, r) }
