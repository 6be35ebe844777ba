package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Cursors are opaque to clients and tamper-evident: the store's position
// (a sort key) is bound to the list it came from (scope, e.g. the org and
// list kind) by an HMAC. A changed cursor, or one from another list, fails
// to decode, so a cursor never reaches another organization's data.
type cursorCodec struct{ key []byte }

func (c cursorCodec) mac(scope, pos string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(pos))
	return m.Sum(nil)[:16]
}

// encode returns the cursor for position pos in scope ("" for no position).
func (c cursorCodec) encode(scope, pos string) string {
	if pos == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(pos)) + "." +
		base64.RawURLEncoding.EncodeToString(c.mac(scope, pos))
}

// decode returns the position a cursor names. It returns invalid_cursor
// for any cursor this codec did not issue for scope.
func (c cursorCodec) decode(scope, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	bad := errInvalidCursor()
	if len(cursor) > 1024 {
		return "", bad
	}
	// Go's base64 decoders skip CR and LF even in strict mode; a cursor
	// with them inserted has been changed.
	if strings.ContainsAny(cursor, "\r\n") {
		return "", bad
	}
	p, s, ok := strings.Cut(cursor, ".")
	if !ok {
		return "", bad
	}
	pos, err1 := base64.RawURLEncoding.Strict().DecodeString(p)
	sig, err2 := base64.RawURLEncoding.Strict().DecodeString(s)
	if err1 != nil || err2 != nil || len(pos) == 0 || !hmac.Equal(sig, c.mac(scope, string(pos))) {
		return "", bad
	}
	return string(pos), nil
}

// errInvalidCursor is the answer to any cursor the service did not issue
// for the list asked for: garbled, truncated, forged, signed with another
// key, or from another list or organization. It names the field, so a
// client that shows field errors still can.
func errInvalidCursor() *Error {
	return &Error{Code: ECodeInvalidCursor, Message: "this cursor is not one this list issued; start again from the first page",
		Fields: []FieldError{{Field: "cursor", Message: "is not a cursor from this list"}}}
}
