package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors classify a Graph API failure for errors.Is. A [*Error]
// matches at most one of them (see [Error.Is]); transport failures never
// match them.
var (
	// ErrRateLimited means Meta throttled the call (codes 4, 17, 32, 341, 613,
	// 80001–80014, 130429, or HTTP 429), or the [Governor] refused to wait
	// past the context deadline. Try again later; the governor already slows
	// down further calls.
	ErrRateLimited = errors.New("meta: rate limited")
	// ErrUnauthorized means the access token is invalid, expired or revoked
	// (codes 102 and 190, subcodes 458–467 and 492). Retrying does not help;
	// the user must reconnect.
	ErrUnauthorized = errors.New("meta: unauthorized")
	// ErrPermission means the token lacks a permission for the call (codes 10
	// and 200–299).
	ErrPermission = errors.New("meta: permission denied")
	// ErrPolicyBlocked means Meta blocked the call for a policy reason (code
	// 368: the action was deemed abusive or is otherwise disallowed).
	ErrPolicyBlocked = errors.New("meta: blocked by policy")
	// ErrTransient means a temporary failure on Meta's side (is_transient, or
	// codes 1 and 2): the same call may succeed later.
	ErrTransient = errors.New("meta: transient error")
)

// Error is a failed Graph API call: Meta's error object plus the HTTP status
// and the operation that failed. Find it with errors.As; classify it with
// errors.Is against [ErrRateLimited], [ErrUnauthorized], [ErrPermission],
// [ErrPolicyBlocked] and [ErrTransient].
//
// Error() names the operation, the HTTP status and the codes; it never
// contains the access token, the appsecret_proof or any query string.
type Error struct {
	// Op is the failed operation: the HTTP method and the path below the
	// version, e.g. "POST 1234/messages".
	Op string
	// HTTPStatus is the HTTP status code of the response.
	HTTPStatus int
	// Code and Subcode are Meta's error code and error_subcode (0 when absent).
	Code    int
	Subcode int
	// Type is Meta's error type, e.g. "OAuthException".
	Type string
	// Message is Meta's developer-facing message.
	Message string
	// UserTitle and UserMessage are Meta's end-user texts (error_user_title,
	// error_user_msg), when present.
	UserTitle   string
	UserMessage string
	// FBTraceID identifies the call for Meta's support.
	FBTraceID string
	// IsTransient is Meta's is_transient flag.
	IsTransient bool
	// RetryAfter is how long Meta asked the caller to wait (Retry-After, or
	// the business use case's estimated_time_to_regain_access), or 0.
	RetryAfter time.Duration
	// ErrorData is the raw error_data object (WhatsApp puts "details" there).
	ErrorData json.RawMessage
}

// graphError is the wire shape of {"error": {...}}.
type graphError struct {
	Message     string          `json:"message"`
	Type        string          `json:"type"`
	Code        int             `json:"code"`
	Subcode     int             `json:"error_subcode"`
	UserTitle   string          `json:"error_user_title"`
	UserMessage string          `json:"error_user_msg"`
	FBTraceID   string          `json:"fbtrace_id"`
	IsTransient bool            `json:"is_transient"`
	ErrorData   json.RawMessage `json:"error_data"`
}

// ParseError decodes Meta's error body ({"error": {...}}) into an *Error with
// the given HTTP status and operation. A body that is not a Graph error still
// yields an *Error carrying the status (Message "unexpected response" plus the
// HTTP status text), so callers always get a classifiable value.
func ParseError(op string, status int, body []byte) *Error {
	e := &Error{Op: op, HTTPStatus: status}
	var wire struct {
		Error *graphError `json:"error"`
	}
	if err := json.Unmarshal(body, &wire); err != nil || wire.Error == nil {
		e.Message = "unexpected response"
		return e
	}
	g := wire.Error
	e.Code, e.Subcode, e.Type = g.Code, g.Subcode, g.Type
	e.Message, e.UserTitle, e.UserMessage = g.Message, g.UserTitle, g.UserMessage
	e.FBTraceID, e.IsTransient = g.FBTraceID, g.IsTransient
	if len(g.ErrorData) > 0 && string(g.ErrorData) != "null" {
		e.ErrorData = append(json.RawMessage(nil), g.ErrorData...)
	}
	return e
}

// Error implements error. It never contains tokens, proofs or query strings.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("meta: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Code != 0 {
		b.WriteString("(#")
		b.WriteString(strconv.Itoa(e.Code))
		if e.Subcode != 0 {
			b.WriteString("/")
			b.WriteString(strconv.Itoa(e.Subcode))
		}
		b.WriteString(") ")
	}
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString("error")
	}
	fmt.Fprintf(&b, " (HTTP %d", e.HTTPStatus)
	if e.Type != "" {
		b.WriteString(", ")
		b.WriteString(e.Type)
	}
	if e.FBTraceID != "" {
		b.WriteString(", fbtrace_id ")
		b.WriteString(e.FBTraceID)
	}
	b.WriteString(")")
	return b.String()
}

// Class is the retry-relevant category of a Graph error.
type Class int

// Classes of Graph errors, from the code, subcode, is_transient and status.
const (
	// ClassOther is any error not in another class (bad parameters, not found…).
	ClassOther Class = iota
	// ClassThrottled: rate limited; back off and retry later.
	ClassThrottled
	// ClassTransient: temporary failure on Meta's side.
	ClassTransient
	// ClassAuth: token invalid, expired or revoked.
	ClassAuth
	// ClassPermission: a permission is missing.
	ClassPermission
	// ClassPolicy: blocked by policy.
	ClassPolicy
)

// String returns the class name.
func (c Class) String() string {
	switch c {
	case ClassThrottled:
		return "throttled"
	case ClassTransient:
		return "transient"
	case ClassAuth:
		return "auth"
	case ClassPermission:
		return "permission"
	case ClassPolicy:
		return "policy"
	default:
		return "other"
	}
}

// IsThrottleCode reports whether a Graph error code means throttling: 4
// (application request limit), 17 (user request limit), 32 (page request
// limit), 341 (application limit), 613 (calls within one hour exceeded),
// 80001–80014 (business use case limits for Pages, Instagram, WhatsApp,
// Messenger and ads), 130429 (WhatsApp Cloud API throughput).
func IsThrottleCode(code int) bool {
	switch code {
	case 4, 17, 32, 341, 613, 130429:
		return true
	}
	return code >= 80001 && code <= 80014
}

// Class returns the error's retry-relevant category. Order matters: auth
// subcodes win over everything (a throttled call with an expired token still
// needs a new token); then policy, permission, throttling and transience.
func (e *Error) Class() Class {
	switch {
	case e.Code == 190 || e.Code == 102 || isAuthSubcode(e.Subcode):
		return ClassAuth
	case e.Code == 368:
		return ClassPolicy
	case e.Code == 10 || (e.Code >= 200 && e.Code <= 299):
		return ClassPermission
	case IsThrottleCode(e.Code) || e.HTTPStatus == http.StatusTooManyRequests:
		return ClassThrottled
	case e.IsTransient || e.Code == 1 || e.Code == 2:
		return ClassTransient
	}
	return ClassOther
}

func isAuthSubcode(sub int) bool { return (sub >= 458 && sub <= 467) || sub == 492 }

// Is reports whether target is the sentinel of the error's class.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.Class() == ClassThrottled
	case ErrUnauthorized:
		return e.Class() == ClassAuth
	case ErrPermission:
		return e.Class() == ClassPermission
	case ErrPolicyBlocked:
		return e.Class() == ClassPolicy
	case ErrTransient:
		return e.Class() == ClassTransient
	}
	return false
}
