package ai

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Match them with errors.Is on any error this package
// returns; the concrete error is usually an [*Error] or a [*ChainError].
var (
	// ErrRateLimited: the provider answered 429. Retryable, on another link
	// at once or on the same link after [Error.RetryAfter].
	ErrRateLimited = errors.New("ai: rate limited")
	// ErrTimeout: 408, a connection or header timeout, or a whole-request
	// timeout. Retryable.
	ErrTimeout = errors.New("ai: timeout")
	// ErrServer: the provider answered 5xx. Retryable.
	ErrServer = errors.New("ai: provider server error")
	// ErrNetwork: the request did not get an HTTP answer. Retryable.
	ErrNetwork = errors.New("ai: network error")
	// ErrStreamStalled: no chunk arrived within the stream idle timeout (or
	// keep-alive comments only). Retryable before the first token.
	ErrStreamStalled = errors.New("ai: stream stalled")
	// ErrStreamBroken: an error event inside a 200 stream, or a stream that
	// ended without a finish reason. Retryable before the first token.
	ErrStreamBroken = errors.New("ai: stream broken")
	// ErrCreditExhausted: 402 — the account's credit is used up. An alert
	// for an operator; the chain stops rather than hide it.
	ErrCreditExhausted = errors.New("ai: provider credit exhausted")
	// ErrBadRequest: 400 (or 404/422) — the request itself is wrong. Never
	// retried.
	ErrBadRequest = errors.New("ai: bad request")
	// ErrUnauthorized: 401 — the API key is wrong. Never retried.
	ErrUnauthorized = errors.New("ai: unauthorized")
	// ErrForbidden: 403. Never retried.
	ErrForbidden = errors.New("ai: forbidden")
	// ErrRefused: the provider or model refused the content (moderation,
	// content filter, an explicit refusal). Never retried.
	ErrRefused = errors.New("ai: refused by moderation")
	// ErrInvalidOutput: a structured task's output failed its JSON schema
	// twice (the first failure is retried once).
	ErrInvalidOutput = errors.New("ai: invalid model output")
	// ErrChainExhausted: every link of a chain failed or was skipped.
	ErrChainExhausted = errors.New("ai: every link of the chain failed")
	// ErrEmptyChain: a chain with no links.
	ErrEmptyChain = errors.New("ai: empty chain")
	// ErrUnknownProvider: a link names a provider that was not registered.
	ErrUnknownProvider = errors.New("ai: unknown provider")
	// ErrMissingKey: a provider without an API key.
	ErrMissingKey = errors.New("ai: missing API key")
	// ErrDisabled: the workspace's AI is disabled or its kill switch is on.
	ErrDisabled = errors.New("ai: AI disabled for this workspace")
	// ErrContextTooLarge: even the minimum context does not fit the
	// model's window.
	ErrContextTooLarge = errors.New("ai: context larger than the model window")
	// ErrInvalidInput: a field of a request or configuration is invalid;
	// the error text names the field.
	ErrInvalidInput = errors.New("ai: invalid input")
)

// Error is a failed call to one provider and model. Its text names the
// operation, provider, model and HTTP status, never the prompt.
type Error struct {
	Op         string        // "chat", "stream", "embed"
	Provider   string        // provider name
	Model      string        // requested model
	StatusCode int           // HTTP status, 0 when none
	RetryAfter time.Duration // from Retry-After, when the provider sent one
	// Partial is true when a stream failed after content was delivered.
	Partial bool
	// Kind is the sentinel this error matches with errors.Is.
	Kind error
	// Message is the provider's error message, truncated.
	Message string
	// Err is the underlying error.
	Err error
}

// Error names the operation, provider, model, status and kind.
func (e *Error) Error() string {
	s := "ai: " + e.Op
	if e.Provider != "" {
		s += " " + e.Provider
	}
	if e.Model != "" {
		s += "/" + e.Model
	}
	if e.StatusCode != 0 {
		s += ": status " + strconv.Itoa(e.StatusCode)
	}
	if e.Kind != nil {
		s += ": " + e.Kind.Error()
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Is reports whether target is the error's Kind.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether another link (or a later attempt) may succeed:
// rate limits, timeouts, 5xx, network errors, and stream stalls or breaks
// before any content was delivered.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case ErrRateLimited, ErrTimeout, ErrServer, ErrNetwork:
		return true
	case ErrStreamStalled, ErrStreamBroken:
		return !e.Partial
	}
	return false
}

// IsRetryable reports whether err is an [*Error] that is [Error.Retryable].
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// inputMessage strips the sentinel's text from an ErrInvalidInput error,
// leaving the field description.
func inputMessage(err error) string {
	return strings.TrimPrefix(err.Error(), ErrInvalidInput.Error()+": ")
}
