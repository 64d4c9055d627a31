package billing

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Classification sentinels for [*Error]; test with errors.Is.
var (
	ErrBadRequest   = errors.New("billing: bad request")           // 400 BAD_REQUEST_ERROR
	ErrUnauthorized = errors.New("billing: unauthorized")          // 401: wrong key id or secret
	ErrNotFound     = errors.New("billing: not found")             // 404, or a store lookup that found nothing
	ErrRateLimited  = errors.New("billing: rate limited")          // 429
	ErrServer       = errors.New("billing: razorpay server error") // 5xx, GATEWAY_ERROR, SERVER_ERROR
)

// Error is an error answered by the Razorpay API. Find it with errors.As:
//
//	var rerr *billing.Error
//	if errors.As(err, &rerr) && rerr.Field == "amount" { ... }
//
// It matches [ErrBadRequest], [ErrUnauthorized], [ErrNotFound],
// [ErrRateLimited] or [ErrServer] with errors.Is according to its status.
type Error struct {
	StatusCode  int    `json:"-"`           // HTTP status
	Code        string `json:"code"`        // BAD_REQUEST_ERROR, GATEWAY_ERROR, SERVER_ERROR
	Description string `json:"description"` // human readable
	Field       string `json:"field,omitempty"`
	Source      string `json:"source,omitempty"` // business, customer, bank, …
	Step        string `json:"step,omitempty"`   // payment_initiation, payment_authentication, …
	Reason      string `json:"reason,omitempty"` // input_validation_failed, …
	Operation   string `json:"-"`                // the client call, e.g. "create order"
}

// Error names the operation, the status, Razorpay's code and description,
// and the field at fault.
func (e *Error) Error() string {
	s := fmt.Sprintf("billing: %s: razorpay %d %s: %s", e.Operation, e.StatusCode, e.Code, e.Description)
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	return s
}

// Is classifies the error by HTTP status and code.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 || e.Code == "SERVER_ERROR" || e.Code == "GATEWAY_ERROR"
	}
	return false
}

// parseError builds an *Error from a non-2xx response body.
func parseError(op string, status int, body []byte) *Error {
	var env struct {
		Error Error `json:"error"`
	}
	e := &env.Error
	if err := json.Unmarshal(body, &env); err != nil || e.Code == "" {
		e.Code = http.StatusText(status)
		e.Description = "unexpected response"
	}
	e.StatusCode = status
	e.Operation = op
	return e
}
