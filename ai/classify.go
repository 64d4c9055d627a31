package ai

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// classify turns what go-openai returned into an *Error with a Kind.
// partial reports that a stream already delivered content.
func (p *Provider) classify(op, model string, ctx context.Context, err error, info *callInfo, partial bool) error {
	e := &Error{Op: op, Provider: p.name, Model: model, Err: err, Partial: partial}
	if info != nil {
		e.RetryAfter = info.retryAfter
	}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	var netErr net.Error
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errIdleTimeout):
		// The read error is only the echo of our cancel (often io.EOF,
		// which must not look like a clean end).
		e.Kind, e.Err = ErrStreamStalled, cause
	case errors.Is(cause, errRequestTimeout):
		e.Kind, e.Err = ErrTimeout, cause
	case ctx.Err() != nil:
		// The caller gave up: not a provider failure, not retryable.
		e.Kind, e.Err = nil, ctx.Err()
	case errors.As(err, &apiErr):
		e.Message = truncate(apiErr.Message, 200)
		e.StatusCode = apiErr.HTTPStatusCode
		if apiErr.HTTPStatusCode == 0 {
			// An error event inside a 200 stream.
			e.Kind = ErrStreamBroken
			if isModeration(apiErr.Type, apiErr.Message, apiErr.Code) {
				e.Kind = ErrRefused
			}
		} else {
			e.Kind = statusKind(apiErr.HTTPStatusCode, apiErr.Type, apiErr.Message, apiErr.Code)
		}
	case errors.As(err, &reqErr):
		e.StatusCode = reqErr.HTTPStatusCode
		e.Kind = statusKind(reqErr.HTTPStatusCode, "", string(reqErr.Body), nil)
	case errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		e.Kind = ErrStreamStalled
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Kind, e.Err = ErrStreamBroken, io.ErrUnexpectedEOF
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = ErrTimeout
	default:
		e.Kind = ErrNetwork
		if partial {
			e.Kind = ErrStreamBroken
		}
	}
	if e.Kind == ErrRateLimited && info != nil {
		e.RetryAfter = info.retryAfter
	}
	return e
}

func statusKind(status int, typ, msg string, code any) error {
	switch {
	case isModeration(typ, msg, code) && status >= 400 && status < 500 && status != http.StatusTooManyRequests:
		return ErrRefused
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusPaymentRequired:
		return ErrCreditExhausted
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusRequestTimeout:
		return ErrTimeout
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500:
		return ErrServer
	default:
		return ErrBadRequest
	}
}

// isModeration recognises moderation refusals by OpenAI ("content_filter",
// "content_policy_violation") and OpenRouter ("moderation", "flagged").
func isModeration(typ, msg string, code any) bool {
	c, _ := code.(string)
	for _, s := range []string{typ, c} {
		switch strings.ToLower(s) {
		case "content_filter", "content_policy_violation", "moderation", "moderation_error":
			return true
		}
	}
	m := strings.ToLower(msg)
	return strings.Contains(m, "moderation") || strings.Contains(m, "flagged")
}
