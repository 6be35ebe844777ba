package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEmailLen is the longest address accepted (RFC 5321 path limit).
const MaxEmailLen = 254

// NormalizeEmail trims and lowercases s and checks its shape: local@domain,
// a dot inside the domain, no whitespace or control characters, at most 254
// characters. It returns the normalized address, or a client-safe reason.
func NormalizeEmail(s string) (string, string) {
	if !utf8.ValidString(s) {
		return "", "is not valid UTF-8"
	}
	e := strings.ToLower(strings.TrimSpace(s))
	switch {
	case e == "":
		return "", "is required"
	case utf8.RuneCountInString(e) > MaxEmailLen:
		return "", "must be at most 254 characters"
	}
	for _, r := range e {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", "must not contain whitespace or control characters"
		}
		if unicode.Is(unicode.Cf, r) { // zero-width and bidi controls spoof addresses
			return "", "must not contain invisible formatting characters"
		}
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 || strings.Count(e, "@") != 1 {
		return "", "must look like name@example.com"
	}
	domain := e[at+1:]
	dot := strings.IndexByte(domain, '.')
	if dot <= 0 || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", "must have a domain with a dot, like example.com"
	}
	return e, ""
}

// MaxNameLen is the longest organization or project name, in characters.
const MaxNameLen = 100

// NormalizeName drops invisible formatting characters from s (bidi
// overrides, zero-width characters: text.go), trims it and checks it is
// 1–100 characters without control characters. It returns the name, or a
// client-safe reason.
func NormalizeName(s string) (string, string) {
	n := strings.TrimSpace(stripInvisible(s))
	switch {
	case !utf8.ValidString(n):
		return "", "is not valid UTF-8"
	case n == "":
		return "", "is required"
	case utf8.RuneCountInString(n) > MaxNameLen:
		return "", "must be at most 100 characters"
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return "", "must not contain control characters"
		}
	}
	return n, ""
}

// ValidID reports whether s has the shape of an id this service issues:
// a short prefix, an underscore and base32 characters. It keeps arbitrary
// path input away from the store's keys.
func ValidID(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// ValidUserID reports whether s can be a user id from the identity
// provider (a JWT sub): 1–128 printable ASCII characters without '#' or '/'.
func ValidUserID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '#' || c == '/' {
			return false
		}
	}
	return true
}
