package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

type patchKey struct{}
type infoKey struct{}

// bodyPatch holds top-level JSON fields the rewriting transport sets on a
// request body: go-openai cannot send them (temperature 0 is dropped by
// omitempty, OpenRouter's "models" and "provider" have no field).
type bodyPatch map[string]any

// callInfo receives what the transport saw of the response that go-openai
// does not expose (the Retry-After header).
type callInfo struct {
	status     int
	retryAfter time.Duration
}

func withPatch(ctx context.Context, p bodyPatch) context.Context {
	if len(p) == 0 {
		return ctx
	}
	return context.WithValue(ctx, patchKey{}, p)
}

func withInfo(ctx context.Context, i *callInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, i)
}

// rewriter is the http.RoundTripper every Provider sends through: it adds
// the provider's extra headers, applies the request's body patch, and records
// Retry-After.
type rewriter struct {
	base    http.RoundTripper
	headers http.Header
	now     func() time.Time
}

func (t *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	patch, _ := ctx.Value(patchKey{}).(bodyPatch)
	if len(t.headers) > 0 || len(patch) > 0 {
		req = req.Clone(ctx)
		for k, v := range t.headers {
			req.Header[k] = append([]string(nil), v...)
		}
	}
	if len(patch) > 0 && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body, err = applyPatch(body, patch)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if info, ok := ctx.Value(infoKey{}).(*callInfo); ok {
		info.status = resp.StatusCode
		info.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), t.now())
	}
	return resp, nil
}

// applyPatch sets the patch's fields at the top level of a JSON object.
func applyPatch(body []byte, patch bodyPatch) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	for k, v := range patch {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return json.Marshal(m)
}

// maxRetryAfter caps a provider's Retry-After (and avoids overflow).
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or
// unparsable, at most maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		if n > int(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}

// newBaseTransport is the default transport: connection, TLS and
// response-header timeouts, no whole-request timeout (streams may be long).
func newBaseTransport(dial, header time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   dial,
		ResponseHeaderTimeout: header,
		ExpectContinueTimeout: time.Second,
	}
}
