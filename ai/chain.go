package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Link is one step of a fallback chain: a registered provider, a model and
// its parameters.
type Link struct {
	Provider string
	Model    string
	Params   Params
}

// Outcome is what happened to one link of a chain call.
type Outcome string

// Outcomes.
const (
	// Answered: this link produced the response.
	Answered Outcome = "answered"
	// Failed: this link was tried and failed; Attempt.Err says why.
	Failed Outcome = "failed"
	// Skipped: this link was not tried (cooling down after a 429, or the
	// chain stopped before reaching it); Attempt.Reason says why.
	Skipped Outcome = "skipped"
)

// Attempt reports one link of a chain call.
type Attempt struct {
	Link     int
	Provider string
	Model    string
	Outcome  Outcome
	// Reason is a short, content-free explanation ("status 429: rate
	// limited", "cooling down for 7s").
	Reason string
	// Err is the link's error when Outcome is Failed.
	Err      error
	Duration time.Duration
}

// ChainError is a chain call that produced no response. It matches
// [ErrChainExhausted] when every link failed with retryable errors (or was
// cooling down), and otherwise the sentinel of the error that stopped the
// chain ([ErrCreditExhausted], [ErrUnauthorized], [ErrRefused]…).
type ChainError struct {
	Attempts []Attempt
	// Last is the error that ended the chain (nil when every link was
	// skipped).
	Last error
	// Exhausted is true when the chain ran out of links.
	Exhausted bool
	// RetryAfter is the shortest wait before a rate-limited link may be
	// tried again, 0 when none is known.
	RetryAfter time.Duration
}

// Error lists every attempt with its content-free reason.
func (e *ChainError) Error() string {
	var b strings.Builder
	if e.Exhausted {
		b.WriteString("ai: chain: every link failed")
	} else {
		b.WriteString("ai: chain stopped")
	}
	for _, a := range e.Attempts {
		fmt.Fprintf(&b, "; link %d %s/%s %s: %s", a.Link, a.Provider, a.Model, a.Outcome, a.Reason)
	}
	return b.String()
}

// Is matches [ErrChainExhausted] when the chain ran out of links.
func (e *ChainError) Is(target error) bool { return e.Exhausted && target == ErrChainExhausted }

// Unwrap returns the error that ended the chain.
func (e *ChainError) Unwrap() error { return e.Last }

// Router holds the registered providers by name and the rate-limit
// cooldowns every chain built from it shares. It is safe for concurrent
// use.
type Router struct {
	providers map[string]*Provider
	now       func() time.Time
	mu        sync.Mutex
	cool      map[string]time.Time
}

// RouterOption configures a [Router].
type RouterOption func(*Router) error

// WithRouterClock sets the clock for Retry-After cooldowns (default
// time.Now).
func WithRouterClock(now func() time.Time) RouterOption {
	return func(r *Router) error {
		if now == nil {
			return fmt.Errorf("%w: clock is nil", ErrInvalidInput)
		}
		r.now = now
		return nil
	}
}

// NewRouter registers providers under their names. Names must be unique.
func NewRouter(providers []*Provider, opts ...RouterOption) (*Router, error) {
	r := &Router{providers: map[string]*Provider{}, now: time.Now, cool: map[string]time.Time{}}
	for i, p := range providers {
		if p == nil {
			return nil, fmt.Errorf("ai: new router: %w: providers[%d] is nil", ErrInvalidInput, i)
		}
		if _, dup := r.providers[p.name]; dup {
			return nil, fmt.Errorf("ai: new router: %w: provider %q registered twice", ErrInvalidInput, p.name)
		}
		r.providers[p.name] = p
	}
	for _, o := range opts {
		if err := o(r); err != nil {
			return nil, fmt.Errorf("ai: new router: %w", err)
		}
	}
	return r, nil
}

// Provider returns the provider registered as name.
func (r *Router) Provider(name string) (*Provider, bool) {
	p, ok := r.providers[name]
	return p, ok
}

// Chain validates links and returns a chain over them: [ErrEmptyChain] for
// no links, [ErrUnknownProvider] for a provider that is not registered,
// [ErrInvalidInput] for a link without a model.
func (r *Router) Chain(links []Link) (*Chain, error) {
	if len(links) == 0 {
		return nil, fmt.Errorf("ai: chain: %w", ErrEmptyChain)
	}
	for i, l := range links {
		p, ok := r.providers[l.Provider]
		if !ok {
			return nil, fmt.Errorf("ai: chain: links[%d]: %w %q", i, ErrUnknownProvider, l.Provider)
		}
		if l.Model == "" {
			return nil, fmt.Errorf("ai: chain: links[%d]: %w: model is empty", i, ErrInvalidInput)
		}
		if len(l.Params.Models) > 0 && p.kind != OpenRouter {
			return nil, fmt.Errorf("ai: chain: links[%d]: %w: params.models needs an OpenRouter provider", i, ErrInvalidInput)
		}
	}
	return &Chain{r: r, links: append([]Link(nil), links...)}, nil
}

func coolKey(provider, model string) string { return provider + "\x00" + model }

func (r *Router) cooling(provider, model string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	until, ok := r.cool[coolKey(provider, model)]
	if !ok {
		return 0
	}
	if d := until.Sub(r.now()); d > 0 {
		return d
	}
	delete(r.cool, coolKey(provider, model))
	return 0
}

func (r *Router) coolDown(provider, model string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cool[coolKey(provider, model)] = r.now().Add(d)
}

// Chain is an ordered list of links tried in turn. It is safe for concurrent
// use.
//
// Fallback rules: a link that fails with 408, 429, 5xx, a network error or a
// timeout, or a stream that stalls or breaks before its first token, passes
// the call to the next link. A 429 with Retry-After also puts that
// provider/model on cooldown for every chain of the Router, so later calls
// skip it until then. The chain stops (no fallback) on 400, 401, 403, a
// moderation refusal, invalid input, the caller's context ending, and on 402,
// which is returned as an alert matching [ErrCreditExhausted]. A stream that
// already delivered tokens is never restarted: its error reaches the caller.
type Chain struct {
	r     *Router
	links []Link
}

// Links returns a copy of the chain's links.
func (c *Chain) Links() []Link { return append([]Link(nil), c.links...) }

// minWindow is the smallest context window among the links.
func (c *Chain) minWindow() int {
	w := 0
	for _, l := range c.links {
		lw := l.Params.ContextWindow
		if lw <= 0 {
			lw = DefaultContextWindow
		}
		if w == 0 || lw < w {
			w = lw
		}
	}
	return w
}

func reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		s := ""
		if e.StatusCode != 0 {
			s = fmt.Sprintf("status %d: ", e.StatusCode)
		}
		if e.Kind != nil {
			s += strings.TrimPrefix(e.Kind.Error(), "ai: ")
		} else {
			s += "canceled"
		}
		if e.RetryAfter > 0 {
			s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
		}
		return s
	}
	return "error"
}

type linkCall struct {
	link    Link
	index   int
	request Request
}

// run walks the links calling try on each until one succeeds or the chain
// must stop.
func (c *Chain) run(ctx context.Context, req Request, try func(linkCall) error) (int, []Attempt, error) {
	var attempts []Attempt
	var last error
	var retryAfter time.Duration
	note := func(d time.Duration) {
		if d > 0 && (retryAfter == 0 || d < retryAfter) {
			retryAfter = d
		}
	}
	for i, l := range c.links {
		a := Attempt{Link: i, Provider: l.Provider, Model: l.Model}
		if d := c.r.cooling(l.Provider, l.Model); d > 0 {
			a.Outcome, a.Reason = Skipped, fmt.Sprintf("cooling down for %s after 429", d.Round(time.Millisecond))
			attempts = append(attempts, a)
			note(d)
			continue
		}
		r := req
		r.Model, r.Params = l.Model, l.Params
		start := c.r.now()
		err := try(linkCall{link: l, index: i, request: r})
		a.Duration = c.r.now().Sub(start)
		if err == nil {
			a.Outcome, a.Reason = Answered, "ok"
			attempts = append(attempts, a)
			return i, attempts, nil
		}
		a.Outcome, a.Reason, a.Err = Failed, reason(err), err
		attempts = append(attempts, a)
		last = err
		var e *Error
		if errors.As(err, &e) && e.Kind == ErrRateLimited && e.RetryAfter > 0 {
			c.r.coolDown(l.Provider, l.Model, e.RetryAfter)
			note(e.RetryAfter)
		}
		if !IsRetryable(err) || ctx.Err() != nil {
			for j := i + 1; j < len(c.links); j++ {
				attempts = append(attempts, Attempt{Link: j, Provider: c.links[j].Provider, Model: c.links[j].Model,
					Outcome: Skipped, Reason: "chain stopped at link " + fmt.Sprint(i)})
			}
			return -1, attempts, &ChainError{Attempts: attempts, Last: err, RetryAfter: retryAfter}
		}
	}
	return -1, attempts, &ChainError{Attempts: attempts, Last: last, Exhausted: true, RetryAfter: retryAfter}
}

// Chat sends req to each link in turn (the link's model and params replace
// req's) until one answers. The response names the answering link and
// carries every attempt; a failure is a [*ChainError].
func (c *Chain) Chat(ctx context.Context, req Request) (*Response, error) {
	var resp *Response
	i, attempts, err := c.run(ctx, req, func(lc linkCall) error {
		p := c.r.providers[lc.link.Provider]
		r, err := p.Chat(ctx, lc.request)
		resp = r
		return err
	})
	if err != nil {
		return nil, err
	}
	resp.Link, resp.Attempts = i, attempts
	return resp, nil
}

// ChainStream is a stream opened by [Chain.Stream]. Not safe for concurrent
// use.
type ChainStream struct {
	*Stream
	first    *Chunk
	link     int
	attempts []Attempt
}

// Stream opens a stream on the first link that delivers its first token (or
// finishes) without a retryable failure. Once tokens flowed, failures are
// returned by Recv with [Error.Partial] set, never restarted on another
// link.
func (c *Chain) Stream(ctx context.Context, req Request) (*ChainStream, error) {
	var st *Stream
	var first *Chunk
	i, attempts, err := c.run(ctx, req, func(lc linkCall) error {
		p := c.r.providers[lc.link.Provider]
		s, err := p.Stream(ctx, lc.request)
		if err != nil {
			return err
		}
		ch, err := s.Recv()
		switch {
		case err == nil:
			first = &ch
		case err == io.EOF: //nolint:errorlint // Recv returns the bare io.EOF at the end
		default:
			_ = s.Close()
			return err
		}
		st = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ChainStream{Stream: st, first: first, link: i, attempts: attempts}, nil
}

// Recv returns the next chunk, io.EOF at the end, or the stream's error.
func (s *ChainStream) Recv() (Chunk, error) {
	if s.first != nil {
		ch := *s.first
		s.first = nil
		return ch, nil
	}
	return s.Stream.Recv()
}

// Response returns the stream's response with the answering link and the
// chain's attempts.
func (s *ChainStream) Response() *Response {
	r := s.Stream.Response()
	r.Link, r.Attempts = s.link, append([]Attempt(nil), s.attempts...)
	return r
}
