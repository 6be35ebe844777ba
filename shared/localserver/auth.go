package localserver

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Authorizer emulates API Gateway's JWT authorizer for local runs: it
// issues RS256 tokens from a key generated at start and verifies
// signature, algorithm, issuer, audience and expiry like the real one.
type Authorizer struct {
	key      *rsa.PrivateKey
	Issuer   string
	Audience string
	TTL      time.Duration
	now      func() time.Time
}

// NewAuthorizer generates a signing key.
func NewAuthorizer(issuer, audience string) (*Authorizer, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &Authorizer{key: k, Issuer: issuer, Audience: audience, TTL: time.Hour, now: time.Now}, nil
}

// UserIDFor is the stable local user id of an email address.
func UserIDFor(email string) string {
	sum := sha256.Sum256([]byte(email))
	return "local-" + hex.EncodeToString(sum[:10])
}

// Issue returns a signed token for email (already normalized).
func (a *Authorizer) Issue(email string, verified bool) (string, string, error) {
	sub := UserIDFor(email)
	now := a.now()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": a.Issuer, "aud": a.Audience, "sub": sub, "email": email, "email_verified": verified,
		"iat": now.Unix(), "exp": now.Add(a.TTL).Unix(), "token_use": "id",
	})
	s, err := t.SignedString(a.key)
	return s, sub, err
}

// Verify checks a bearer token and returns its claims as API Gateway passes
// them to Lambda: every value a string.
func (a *Authorizer) Verify(token string) (map[string]string, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return &a.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(a.Issuer), jwt.WithAudience(a.Audience),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(a.now))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range claims {
		switch x := v.(type) {
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	if out["sub"] == "" {
		return nil, errors.New("token has no sub")
	}
	return out, nil
}
