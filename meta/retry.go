package meta

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// requestInfo travels in the request context from send to the retry policy.
type requestInfo struct {
	op         string
	method     string
	idempotent bool
	key        string
	attempts   atomic.Int32
}

type (
	requestInfoKey struct{}
	idempotentKey  struct{}
	noAuthKey      struct{}
	governorKeyKey struct{}
)

// WithIdempotent marks calls made with ctx as safe to repeat, so a POST is
// retried after transport errors and transient Graph errors like a GET. Use
// it only for calls Meta deduplicates or that have no side effect twice.
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func isIdempotent(ctx context.Context) bool {
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

// withoutAuth marks calls that must not carry the client's token (the token
// exchange endpoints authenticate with the app secret instead).
func withoutAuth(ctx context.Context) context.Context {
	return context.WithValue(ctx, noAuthKey{}, true)
}

func noAuth(ctx context.Context) bool {
	v, _ := ctx.Value(noAuthKey{}).(bool)
	return v
}

func isIdempotentMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

// RetryDecision explains one retry verdict of the client's policy.
type RetryDecision struct {
	// Retry is true when the call should be sent again.
	Retry bool
	// Reason says why, for logs ("throttled", "POST may have reached Meta"…).
	Reason string
}

// DecideRetry is the client's retry policy as a pure function, exported so
// other layers (queues, broadcast workers) can apply the same rules:
//
//   - throttling (codes 4, 17, 32, 341, 613, 80001–80014, 130429 or HTTP 429)
//     is retried for every method: Meta did not process the call;
//   - auth (190, 102, subcodes 458–467, 492), permission (10, 200–299) and
//     policy (368) errors are never retried;
//   - transient errors (is_transient, codes 1, 2), 5xx answers that are not
//     Graph errors, and transport errors are retried only when the call is
//     idempotent (GET, PUT, DELETE… or a context marked [WithIdempotent]);
//   - a non-idempotent call whose connection failed before anything was sent
//     (connection refused, DNS failure, dial error) is retried;
//   - certificate and protocol errors are never retried.
//
// resp's body is read and restored when it holds an error.
func DecideRetry(idempotent bool, resp *http.Response, err error) RetryDecision {
	if err != nil {
		switch {
		case !retryableTransport(err):
			return RetryDecision{false, "permanent transport error"}
		case idempotent:
			return RetryDecision{true, "transport error"}
		case notSent(err):
			return RetryDecision{true, "connection failed before sending"}
		default:
			return RetryDecision{false, "transport error after the call may have reached Meta"}
		}
	}
	if resp == nil || resp.StatusCode < 400 {
		return RetryDecision{false, "ok"}
	}
	e := peekError(resp)
	switch e.Class() {
	case ClassThrottled:
		return RetryDecision{true, "throttled"}
	case ClassAuth:
		return RetryDecision{false, "auth error"}
	case ClassPermission:
		return RetryDecision{false, "permission error"}
	case ClassPolicy:
		return RetryDecision{false, "policy error"}
	case ClassTransient:
		if idempotent {
			return RetryDecision{true, "transient error"}
		}
		return RetryDecision{false, "transient error but the call may have been processed"}
	}
	if e.Code == 0 && resp.StatusCode >= 500 {
		if idempotent {
			return RetryDecision{true, "server error"}
		}
		return RetryDecision{false, "server error but the call may have been processed"}
	}
	return RetryDecision{false, "client error"}
}

// peekError parses the error body of resp and puts the bytes back.
func peekError(resp *http.Response) *Error {
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return ParseError("", resp.StatusCode, body)
}

func retryableTransport(err error) bool {
	var (
		certErr *tls.CertificateVerificationError
		uaErr   x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &uaErr) || errors.As(err, &hostErr) || errors.As(err, &invErr) {
		return false
	}
	msg := err.Error()
	return !strings.Contains(msg, "unsupported protocol scheme") && !strings.Contains(msg, "stopped after")
}

func notSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// checkRetry is the retryablehttp.CheckRetry of a Client: it feeds the
// governor with every attempt's usage headers, then applies DecideRetry and
// refuses waits longer than the configured maximum.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	if info == nil {
		info = &requestInfo{idempotent: isIdempotent(ctx)}
	}
	info.attempts.Add(1)
	var usage Usage
	if resp != nil {
		usage, _ = ParseUsage(resp.Header)
	}
	d := DecideRetry(info.idempotent, resp, err)
	hint := time.Duration(0)
	if resp != nil {
		hint = retryHint(resp, usage, c.cfg.now())
	}
	if g := c.cfg.governor; g != nil && resp != nil {
		g.Observe(info.key, usage)
		if d.Reason == "throttled" {
			g.Throttled(info.key, hint)
		}
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if d.Retry && hint > c.cfg.waitMax {
		d = RetryDecision{false, "Meta asked to wait " + hint.String() + ", longer than the retry maximum"}
	}
	if d.Retry || (err == nil && resp != nil && resp.StatusCode >= 400) {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		level := slog.LevelDebug
		if d.Retry {
			level = slog.LevelInfo
		}
		c.cfg.logger.Log(ctx, level, "meta: retry policy", "op", info.op, "status", status, "retry", d.Retry, "reason", d.Reason)
	}
	return d.Retry, nil
}

// backoff honours the wait Meta asked for, else backs off exponentially with
// jitter between min and max.
func (c *Client) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		usage, _ := ParseUsage(resp.Header)
		if h := retryHint(resp, usage, c.cfg.now()); h > 0 {
			return h
		}
	}
	d := max
	if attempt < 30 {
		if e := min << uint(attempt); e > 0 && e < max {
			d = e
		}
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// retryHint is the wait Meta asked for: Retry-After (seconds or HTTP date),
// else the longest estimated time to regain access in the usage headers.
func retryHint(resp *http.Response, usage Usage, now time.Time) time.Duration {
	if ra := strings.TrimSpace(resp.Header.Get("Retry-After")); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(ra); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	return usage.RegainAccess()
}
