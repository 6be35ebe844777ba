package domain

import (
	"errors"
	"fmt"
)

// Code is the stable, machine-readable error vocabulary of the service.
// Every error a caller can see carries one; the HTTP layer maps each Code to
// a status in exactly one table.
type Code string

// The error codes.
const (
	ECodeInvalidRequest        Code = "invalid_request"
	ECodeValidationFailed      Code = "validation_failed"
	ECodeInvalidCursor         Code = "invalid_cursor"
	ECodeUnauthorized          Code = "unauthorized"
	ECodeForbidden             Code = "forbidden"
	ECodeNotFound              Code = "not_found"
	ECodeOrgNotFound           Code = "org_not_found"
	ECodeProjectNotFound       Code = "project_not_found"
	ECodeMemberNotFound        Code = "member_not_found"
	ECodeInviteNotFound        Code = "invite_not_found"
	ECodeInviteExpired         Code = "invite_expired"
	ECodeInviteEmailMismatch   Code = "invite_email_mismatch"
	ECodeEmailNotVerified      Code = "email_not_verified"
	ECodeEmailInUse            Code = "email_in_use"
	ECodeInviteAlreadyAccepted Code = "invite_already_accepted"
	ECodeInviteNotPending      Code = "invite_not_pending"
	ECodeLastOwner             Code = "last_owner"
	ECodeConflict              Code = "conflict"
	ECodeRateLimited           Code = "rate_limited"
	// ECodeSeatLimit: adding the member (or, when pending invites take
	// seats, the invite) would pass the organization's seat limit.
	ECodeSeatLimit Code = "seat_limit"
	// ECodeLinkExpired: an invite link expired, was disabled or is used up.
	ECodeLinkExpired Code = "link_expired"
	// ECodeLinkNotFound: no invite link has this token.
	ECodeLinkNotFound Code = "link_not_found"
	// ECodeEmailDomainNotAllowed: the caller's address is outside the
	// invite link's allowed domains.
	ECodeEmailDomainNotAllowed Code = "email_domain_not_allowed"
	ECodeServiceUnavailable    Code = "service_unavailable"
	ECodeInternalError         Code = "internal_error"
	// Verified domains and join requests.
	ECodeDomainNotFound           Code = "domain_not_found"
	ECodeDomainExists             Code = "domain_exists"
	ECodeDomainClaimed            Code = "domain_claimed"
	ECodeDomainNotVerified        Code = "domain_not_verified"
	ECodeDomainVerificationFailed Code = "domain_verification_failed"
	ECodePublicEmailDomain        Code = "public_email_domain"
	ECodeJoinRequestNotFound      Code = "join_request_not_found"
	ECodeJoinRequestNotPending    Code = "join_request_not_pending"
	// ECodeManagedByDirectory: the member is managed by the organization's
	// identity provider (SCIM); an owner must detach them first.
	ECodeManagedByDirectory Code = "managed_by_directory"
	// The SCIM error types of RFC 7644 §3.12 (scimType), answered on the
	// /scim/v2 routes in the SCIM error schema.
	ECodeScimUniqueness    Code = "scim_uniqueness"
	ECodeScimInvalidFilter Code = "scim_invalid_filter"
	ECodeScimInvalidPath   Code = "scim_invalid_path"
	ECodeScimInvalidValue  Code = "scim_invalid_value"
	ECodeScimInvalidSyntax Code = "scim_invalid_syntax"
	ECodeScimNoTarget      Code = "scim_no_target"
	ECodeScimMutability    Code = "scim_mutability"
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type callers of the service see. Message is safe
// to show to the client; internal causes are wrapped in Err and never shown.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// RetryAfterSeconds is set on rate_limited and service_unavailable.
	RetryAfterSeconds int
	// Extensions are extra problem members a client can act on (RFC 9457
	// §3.2), e.g. who to ask for a new invite. Never internal detail.
	Extensions map[string]any
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps err as an internal error; its text is never shown to clients.
func Internal(err error) *Error {
	return &Error{Code: ECodeInternalError, Message: "internal error", Err: err}
}

// Unavailable reports a dependency that stayed unavailable after retries.
func Unavailable(err error) *Error {
	return &Error{Code: ECodeServiceUnavailable, Message: "the service is busy; try again shortly", RetryAfterSeconds: 2, Err: err}
}

// ErrorCode returns the Code of err, ECodeInternalError for errors that are not *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ECodeInternalError
}

// Validation accumulates field errors.
type Validation struct{ Fields []FieldError }

// Add records a field error.
func (v *Validation) Add(field, format string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns a validation_failed *Error, or nil when nothing was added.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Code: ECodeValidationFailed, Message: "the request has invalid fields", Fields: v.Fields}
}

// Store-level sentinel errors. Store implementations return these (wrapped
// or not); the service turns them into *Error values.
var (
	// ErrNotFound: the item does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a condition failed because the data changed since it was
	// read (optimistic concurrency); the caller may re-read and retry.
	ErrConflict = errors.New("concurrent change")
	// ErrExists: a conditional create found the item already there.
	ErrExists = errors.New("already exists")
	// ErrLastOwner: the change would leave an organization without owners.
	ErrLastOwner = errors.New("last owner")
	// ErrThrottled: the store stayed throttled or busy after retries.
	ErrThrottled = errors.New("store throttled")
	// ErrRateLimited: a RateCharge would pass its limit; nothing was written.
	ErrRateLimited = errors.New("rate limited")
	// ErrSeatLimit: the change would pass the organization's seat limit
	// (its seat counter's condition failed); nothing was written.
	ErrSeatLimit = errors.New("seat limit")
	// ErrProvisioned: a registration found that a directory (SCIM)
	// provisioned the address and waits for its first sign-in; nothing
	// was written. The service registers and links it (claimProvisioned).
	ErrProvisioned = errors.New("provisioned address waits")
)
