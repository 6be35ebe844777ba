package logging

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strings"
)

// Email addresses never reach the log: the handler replaces every address
// in a message, a string value or an error's text (SES refusals quote the
// addresses they refused) with AddressHash of it, which still tells
// addresses apart.

// addressRE finds email addresses in free text.
var addressRE = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)

// AddressHash is how an address appears in the log: "email:" and the first
// 12 hex digits of the SHA-256 of the lowercased address.
func AddressHash(addr string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return "email:" + hex.EncodeToString(sum[:6])
}

// redact replaces each address in s by its AddressHash.
func redact(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return addressRE.ReplaceAllStringFunc(s, AddressHash)
}

// redactAttr returns a with every address in its value replaced.
func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := redact(v.String()); s != v.String() {
			return slog.String(a.Key, s)
		}
	case slog.KindGroup:
		as := v.Group()
		out := make([]any, len(as))
		for i, g := range as {
			out[i] = redactAttr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, redact(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, redact(x.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func redactAttrs(as []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = redactAttr(a)
	}
	return out
}
