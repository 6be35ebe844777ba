package domain

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// lastID is the latest id this process made, so that ids made within one
// millisecond still sort in the order they were made.
var lastID struct {
	sync.Mutex
	b [16]byte
}

// NewID returns prefix + "_" + 26 base32 characters: 48 bits of milliseconds
// then 80 random bits, so ids sort by creation time. Within one process and
// millisecond they sort in the order they were made (the random part of
// the previous id plus one, as in monotonic ULIDs): the audit events one
// request writes list in the order it wrote them.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	lastID.Lock()
	if bytes.Equal(b[:6], lastID.b[:6]) && bytes.Compare(b[6:], lastID.b[6:]) <= 0 {
		b = lastID.b
		for i := len(b) - 1; i >= 6; i-- { // +1; 80 bits do not overflow in a millisecond
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	lastID.b = b
	lastID.Unlock()
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// TokenLen is the length of an invite token: 32 bytes, base64url, unpadded.
const TokenLen = 43

// NewToken returns a fresh invite token and the hash that is stored for it.
func NewToken() (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of a token: the only form stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ParseToken checks a token's shape (43 base64url characters decoding to 32
// bytes) and returns its hash. ok is false for anything else.
func ParseToken(token string) (hash string, ok bool) {
	if len(token) != TokenLen || strings.ContainsAny(token, "=+/") {
		return "", false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != 32 {
		return "", false
	}
	return HashToken(token), true
}
