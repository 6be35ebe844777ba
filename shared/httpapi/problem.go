package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/members-saas/members/shared/domain"
)

// The error codes that only the HTTP layer produces: they describe the
// request's envelope, which the domain never sees.
const (
	CodePayloadTooLarge      domain.Code = "payload_too_large"
	CodeUnsupportedMediaType domain.Code = "unsupported_media_type"
	CodeMethodNotAllowed     domain.Code = "method_not_allowed"
)

// statusOf is the one table from the error vocabulary to HTTP statuses.
var statusOf = map[domain.Code]int{
	domain.ECodeInvalidRequest:           http.StatusBadRequest,
	domain.ECodeValidationFailed:         http.StatusBadRequest,
	domain.ECodeInvalidCursor:            http.StatusBadRequest,
	domain.ECodeUnauthorized:             http.StatusUnauthorized,
	domain.ECodeForbidden:                http.StatusForbidden,
	domain.ECodeEmailNotVerified:         http.StatusForbidden,
	domain.ECodeInviteEmailMismatch:      http.StatusForbidden,
	domain.ECodeNotFound:                 http.StatusNotFound,
	domain.ECodeOrgNotFound:              http.StatusNotFound,
	domain.ECodeProjectNotFound:          http.StatusNotFound,
	domain.ECodeMemberNotFound:           http.StatusNotFound,
	domain.ECodeInviteNotFound:           http.StatusNotFound,
	CodeMethodNotAllowed:                 http.StatusMethodNotAllowed,
	domain.ECodeInviteAlreadyAccepted:    http.StatusConflict,
	domain.ECodeInviteNotPending:         http.StatusConflict,
	domain.ECodeEmailInUse:               http.StatusConflict,
	domain.ECodeLastOwner:                http.StatusConflict,
	domain.ECodeSeatLimit:                http.StatusConflict,
	domain.ECodeLinkExpired:              http.StatusGone,
	domain.ECodeLinkNotFound:             http.StatusNotFound,
	domain.ECodeEmailDomainNotAllowed:    http.StatusForbidden,
	domain.ECodeConflict:                 http.StatusConflict,
	domain.ECodeInviteExpired:            http.StatusGone,
	CodePayloadTooLarge:                  http.StatusRequestEntityTooLarge,
	CodeUnsupportedMediaType:             http.StatusUnsupportedMediaType,
	domain.ECodeRateLimited:              http.StatusTooManyRequests,
	domain.ECodeInternalError:            http.StatusInternalServerError,
	domain.ECodeServiceUnavailable:       http.StatusServiceUnavailable,
	domain.ECodeDomainNotFound:           http.StatusNotFound,
	domain.ECodeDomainExists:             http.StatusConflict,
	domain.ECodeDomainClaimed:            http.StatusConflict,
	domain.ECodeDomainNotVerified:        http.StatusConflict,
	domain.ECodeDomainVerificationFailed: http.StatusUnprocessableEntity,
	domain.ECodePublicEmailDomain:        http.StatusUnprocessableEntity,
	domain.ECodeJoinRequestNotFound:      http.StatusNotFound,
	domain.ECodeJoinRequestNotPending:    http.StatusConflict,
	domain.ECodeScimInvalidFilter:        http.StatusBadRequest,
	domain.ECodeScimInvalidPath:          http.StatusBadRequest,
	domain.ECodeScimInvalidValue:         http.StatusBadRequest,
	domain.ECodeScimInvalidSyntax:        http.StatusBadRequest,
	domain.ECodeScimNoTarget:             http.StatusBadRequest,
	domain.ECodeScimMutability:           http.StatusBadRequest,
	domain.ECodeManagedByDirectory:       http.StatusConflict,
	domain.ECodeScimUniqueness:           http.StatusConflict,
}

// Status returns the HTTP status for an error code (500 for unknown codes).
func Status(c domain.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Codes returns every error code of the table, ordered by status, then
// code (the README's list is generated from it).
func Codes() []domain.Code {
	out := make([]domain.Code, 0, len(statusOf))
	for c := range statusOf {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if si, sj := statusOf[out[i]], statusOf[out[j]]; si != sj {
			return si < sj
		}
		return out[i] < out[j]
	})
	return out
}

// ProblemTypeBase prefixes each problem's type URI; the code completes it.
const ProblemTypeBase = "urn:members:problem:"

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Code   domain.Code         `json:"code"`
	Errors []domain.FieldError `json:"errors,omitempty"`
	// RetryAfter is sent as the Retry-After header, not in the body.
	RetryAfter int `json:"-"`
	// Extensions are merged into the body as extra members.
	Extensions map[string]any `json:"-"`
}

// MarshalJSON writes the standard members and the extensions.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extensions) == 0 {
		return b, err
	}
	m := map[string]any{}
	for k, v := range p.Extensions {
		m[k] = v
	}
	var std map[string]any
	if err := json.Unmarshal(b, &std); err != nil {
		return nil, err
	}
	for k, v := range std {
		m[k] = v // standard members win over extensions of the same name
	}
	return json.Marshal(m)
}

// ProblemOf converts any error into a Problem. Errors that are not
// *domain.Error, and internal errors, become a bare 500 with no detail.
func ProblemOf(err error) Problem {
	var de *domain.Error
	if !errors.As(err, &de) {
		de = domain.Internal(err)
	}
	st := Status(de.Code)
	p := Problem{Type: ProblemTypeBase + string(de.Code), Title: http.StatusText(st), Status: st,
		Detail: de.Message, Code: de.Code, Errors: de.Fields, RetryAfter: de.RetryAfterSeconds, Extensions: de.Extensions}
	if st >= 500 {
		p.Errors, p.Extensions = nil, nil
		if de.Code == domain.ECodeInternalError {
			p.Detail = "internal error"
		}
	}
	return p
}

func (p Problem) headers() map[string]string {
	h := map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store"}
	if p.RetryAfter > 0 {
		h["Retry-After"] = strconv.Itoa(p.RetryAfter)
	}
	return h
}
