package meta

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/botsync/botsync/secret"
)

// Base URLs of the two Graph hosts.
const (
	// DefaultBaseURL is the Facebook Graph API host (WhatsApp Cloud API,
	// Messenger, Instagram with Facebook Login).
	DefaultBaseURL = "https://graph.facebook.com"
	// InstagramBaseURL is the Instagram Graph host used with Instagram Login.
	InstagramBaseURL = "https://graph.instagram.com"
)

// maxErrorBody caps how much of an error response is read.
const maxErrorBody = 1 << 20

// Client calls the Graph API. Create it with [NewClient]; it is safe for
// concurrent use, and [Client.WithToken] derives clients for other tokens that
// share its transport, retry policy and governor.
//
// Every call carries the access token in the Authorization header (never in
// the URL), appsecret_proof when an app secret is configured, passes through
// the [Governor] when one is configured, and is retried by a Graph-aware
// policy (see [WithRetry]). Failed calls return a [*Error].
type Client struct {
	token secret.Value
	proof string
	cfg   *config
	rc    *retryablehttp.Client
}

// Response is the HTTP response of a Graph call with its parsed usage
// headers. For [Client.Do] the body has been consumed and closed.
type Response struct {
	*http.Response
	// Usage holds the X-App-Usage, X-Business-Use-Case-Usage and
	// X-Ad-Account-Usage headers of the response.
	Usage Usage
	// Attempts is how many times the call was sent (1 without retries).
	Attempts int
}

type config struct {
	base       *url.URL
	version    string
	appSecret  secret.Value
	httpClient *http.Client
	logger     *slog.Logger
	now        func() time.Time
	authName   string
	authValue  secret.Value
	retryMax   int
	waitMin    time.Duration
	waitMax    time.Duration
	governor   *Governor
	userAgent  string
}

// Option configures a [Client]. Options validate their input and make
// [NewClient] fail with an error naming the bad field.
type Option func(*config) error

// WithBaseURL sets the Graph host, e.g. [InstagramBaseURL] or a fake server's
// URL (default [DefaultBaseURL]). A BSP proxy may add a path prefix.
func WithBaseURL(raw string) Option {
	return func(c *config) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("meta: base URL: %w", err)
		}
		if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("meta: base URL: must be an absolute http(s) URL")
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return errors.New("meta: base URL: must not carry user info, query or fragment")
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		c.base = u
		return nil
	}
}

var versionRE = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)

// WithVersion sets the Graph API version, e.g. "v24.0" (default
// [DefaultVersion]). The empty string calls unversioned paths. When the
// version is within 90 days of its sunset date (see [VersionSunset]),
// NewClient logs a warning.
func WithVersion(v string) Option {
	return func(c *config) error {
		if v != "" && !versionRE.MatchString(v) {
			return fmt.Errorf("meta: version %q: want the form v24.0", v)
		}
		c.version = v
		return nil
	}
}

// WithAppSecret makes the client send appsecret_proof (hex HMAC-SHA256 of the
// access token keyed by the app secret) on every call, as Meta requires when
// "Require App Secret" is on.
func WithAppSecret(appSecret secret.Value) Option {
	return func(c *config) error {
		if appSecret.IsZero() {
			return errors.New("meta: app secret: empty")
		}
		c.appSecret = appSecret
		return nil
	}
}

// WithHTTPClient sets the HTTP client underneath the retry layer: the one seam
// for transports, proxies, tracing and fakes. Its Timeout, if any, applies to
// each attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("meta: http client: nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithLogger makes the client log version warnings, retries and calls (at
// debug level; never tokens, proofs or query strings). The default is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("meta: logger: nil")
		}
		c.logger = l
		return nil
	}
}

// WithClock sets the clock used for version sunset warnings, Retry-After
// dates and token expiry (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("meta: clock: nil")
		}
		c.now = now
		return nil
	}
}

// WithAuthHeader authenticates with an API-key header instead of the bearer
// token, as some Business Solution Providers require (e.g. "D360-API-KEY").
// The token given to NewClient is then not sent, and no appsecret_proof is
// added.
func WithAuthHeader(name string, value secret.Value) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, " :\r\n\t") {
			return fmt.Errorf("meta: auth header name %q: invalid", name)
		}
		if value.IsZero() {
			return errors.New("meta: auth header value: empty")
		}
		c.authName, c.authValue = http.CanonicalHeaderKey(name), value
		return nil
	}
}

// WithRetry sets the retry budget: at most max retries after the first
// attempt (0 disables retries), exponential backoff between minWait and
// maxWait. A wait that Meta asks for (Retry-After, estimated time to regain
// access) is honoured when it is at most maxWait; a longer one ends the call
// with [ErrRateLimited] and [Error.RetryAfter] set. Default: 3, 500ms, 30s.
func WithRetry(max int, minWait, maxWait time.Duration) Option {
	return func(c *config) error {
		if max < 0 {
			return fmt.Errorf("meta: retry max %d: must not be negative", max)
		}
		if minWait <= 0 || maxWait < minWait {
			return fmt.Errorf("meta: retry waits %v..%v: want 0 < minWait <= maxWait", minWait, maxWait)
		}
		c.retryMax, c.waitMin, c.waitMax = max, minWait, maxWait
		return nil
	}
}

// WithGovernor makes every call wait on g before it is sent, and feeds g the
// usage headers of every response. Share one Governor between all clients of
// the same app.
func WithGovernor(g *Governor) Option {
	return func(c *config) error {
		if g == nil {
			return errors.New("meta: governor: nil")
		}
		c.governor = g
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default "botsync-meta").
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("meta: user agent: contains a line break")
		}
		c.userAgent = ua
		return nil
	}
}

// NewClient returns a Graph API client for the access token. The token may be
// zero for calls that need none (token exchange) or when [WithAuthHeader] is
// used.
func NewClient(token secret.Value, opts ...Option) (*Client, error) {
	base, _ := url.Parse(DefaultBaseURL)
	cfg := &config{
		base:      base,
		version:   DefaultVersion,
		now:       time.Now,
		logger:    slog.New(slog.DiscardHandler),
		retryMax:  3,
		waitMin:   500 * time.Millisecond,
		waitMax:   30 * time.Second,
		userAgent: "botsync-meta",
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.httpClient == nil {
		cfg.httpClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	warnVersion(cfg.logger, cfg.version, cfg.now())
	return newClient(cfg, token), nil
}

func newClient(cfg *config, token secret.Value) *Client {
	c := &Client{cfg: cfg, token: token}
	if !cfg.appSecret.IsZero() && !token.IsZero() {
		c.proof = AppSecretProof(token, cfg.appSecret)
	}
	// retryablehttp logs full URLs (with query strings) when given a logger,
	// so it gets none; the client logs redacted operations itself.
	c.rc = &retryablehttp.Client{
		HTTPClient:   cfg.httpClient,
		RetryWaitMin: cfg.waitMin,
		RetryWaitMax: cfg.waitMax,
		RetryMax:     cfg.retryMax,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c
}

// WithToken returns a client for another access token that shares c's
// configuration, transport, retry policy and governor. Agencies serving many
// workspaces use one base client and derive one per token.
func (c *Client) WithToken(token secret.Value) *Client { return newClient(c.cfg, token) }

// AppSecretProof returns hex(HMAC-SHA256(key=appSecret, message=token)), the
// appsecret_proof Meta expects next to a token.
func AppSecretProof(token, appSecret secret.Value) string {
	m := hmac.New(sha256.New, appSecret.RevealBytes())
	m.Write(token.RevealBytes())
	return hex.EncodeToString(m.Sum(nil))
}

// BaseURL returns a copy of the configured base URL.
func (c *Client) BaseURL() *url.URL { u := *c.cfg.base; return &u }

// Version returns the configured Graph API version ("" for unversioned).
func (c *Client) Version() string { return c.cfg.version }

// Now returns the client's clock reading.
func (c *Client) Now() time.Time { return c.cfg.now() }

// NewRequest builds a request for path, which is relative to the base URL and
// version ("1234/messages" → https://graph.facebook.com/v24.0/1234/messages)
// and may carry a query. A path starting with "/" is relative to the base URL
// alone, for unversioned endpoints such as Instagram's /refresh_access_token.
// The path must not contain an access_token parameter.
//
// body may be nil; an io.Reader, sent as is (set Content-Type yourself; it
// is buffered in memory so that a retry can resend it); url.Values, sent
// form-encoded; []byte or json.RawMessage, sent as is as JSON; or any other
// value, marshalled as JSON.
func (c *Client) NewRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	if ctx == nil {
		return nil, errors.New("meta: new request: nil context")
	}
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	var (
		r  io.Reader
		ct string
	)
	switch b := body.(type) {
	case nil:
	case io.Reader:
		r = b
	case url.Values:
		r, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case json.RawMessage:
		r, ct = bytes.NewReader(b), "application/json"
	case []byte:
		r, ct = bytes.NewReader(b), "application/json"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("meta: %s %s: encode body: %w", method, u.Path, err)
		}
		r, ct = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("meta: new request: %w", sanitizeErr(err))
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.userAgent != "" {
		req.Header.Set("User-Agent", c.cfg.userAgent)
	}
	return req, nil
}

func (c *Client) resolve(path string) (*url.URL, error) {
	if strings.TrimLeft(path, "/") == "" {
		return nil, errors.New("meta: path: empty")
	}
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("meta: path: %w", sanitizeErr(err))
	}
	if ref.Scheme != "" || ref.Host != "" || ref.User != nil {
		return nil, errors.New("meta: path: must be relative to the base URL")
	}
	q := ref.Query()
	if q.Has("access_token") {
		return nil, errors.New("meta: path: must not carry access_token (the client sends the token in the Authorization header)")
	}
	u := *c.cfg.base
	if strings.HasPrefix(ref.Path, "/") || c.cfg.version == "" {
		u = *u.JoinPath(ref.Path)
	} else {
		u = *u.JoinPath(c.cfg.version, ref.Path)
	}
	u.RawQuery = ref.RawQuery
	return &u, nil
}

// Get calls GET path with the query and decodes the JSON answer into v (which
// may be nil).
func (c *Client) Get(ctx context.Context, path string, query url.Values, v any) (*Response, error) {
	if len(query) > 0 {
		if query.Has("access_token") {
			return nil, errors.New("meta: query: must not carry access_token (the client sends the token in the Authorization header)")
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + query.Encode()
	}
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req, v)
}

// Post calls POST path with body (see [Client.NewRequest]) and decodes the
// JSON answer into v. A POST is retried only when the response proves Meta
// did not process it, unless ctx is marked with [WithIdempotent].
func (c *Client) Post(ctx context.Context, path string, body, v any) (*Response, error) {
	req, err := c.NewRequest(ctx, http.MethodPost, path, body)
	if err != nil {
		return nil, err
	}
	return c.Do(req, v)
}

// Delete calls DELETE path and decodes the JSON answer into v.
func (c *Client) Delete(ctx context.Context, path string, v any) (*Response, error) {
	req, err := c.NewRequest(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req, v)
}

// Do sends req (usually built by [Client.NewRequest]) with authentication,
// governor, retries and error classification. It sends credentials only to
// the base URL's host or over https to Meta's own domains (facebook.com,
// fbsbx.com, instagram.com, fbcdn.net, cdninstagram.com, whatsapp.net), and
// refuses other URLs. It decodes a successful JSON answer into v: an
// io.Writer receives the raw body instead; nil discards it. A Graph failure is returned as a [*Error] together with the Response.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	resp, err := c.send(req)
	if err != nil {
		return resp, err
	}
	defer resp.Body.Close()
	switch dst := v.(type) {
	case nil:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	case io.Writer:
		if _, err := io.Copy(dst, resp.Body); err != nil {
			return resp, fmt.Errorf("meta: %s: read response: %w", opName(c.cfg, req), err)
		}
	default:
		if err := json.NewDecoder(resp.Body).Decode(dst); err != nil && !errors.Is(err, io.EOF) {
			return resp, fmt.Errorf("meta: %s: decode response: %w", opName(c.cfg, req), err)
		}
	}
	return resp, nil
}

// DoRaw sends req like [Client.Do] but returns the successful response with
// its body unread, for streaming downloads; the caller must close the body.
// Failures are returned as errors with the body already closed.
func (c *Client) DoRaw(req *http.Request) (*http.Response, error) {
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	return resp.Response, nil
}

func (c *Client) send(req *http.Request) (*Response, error) {
	if req == nil {
		return nil, errors.New("meta: do: nil request")
	}
	op := opName(c.cfg, req)
	ctx := req.Context()
	info := &requestInfo{
		op:         op,
		method:     req.Method,
		idempotent: isIdempotentMethod(req.Method) || isIdempotent(ctx),
		key:        governorKeyFor(ctx, c.cfg, req),
	}
	if g := c.cfg.governor; g != nil {
		if err := g.Wait(ctx, info.key); err != nil {
			return nil, fmt.Errorf("meta: %s: %w", op, err)
		}
	}
	if !c.trustedURL(req.URL) {
		return nil, fmt.Errorf("meta: %s: refusing to send credentials to %s (not the base URL's host or a Meta domain over https)", op, hostOnly(req.URL))
	}
	out := req.Clone(context.WithValue(ctx, requestInfoKey{}, info))
	if !noAuth(ctx) {
		c.authorize(out)
	}
	rreq, err := retryablehttp.FromRequest(out)
	if err != nil {
		return nil, fmt.Errorf("meta: %s: %w", op, sanitizeErr(err))
	}
	start := time.Now()
	hresp, err := c.rc.Do(rreq)
	if err != nil {
		if hresp != nil {
			hresp.Body.Close()
		}
		c.cfg.logger.DebugContext(ctx, "meta: call failed", "op", op, "error", sanitizeErr(err))
		return nil, fmt.Errorf("meta: %s: %w", op, sanitizeErr(err))
	}
	usage, _ := ParseUsage(hresp.Header)
	resp := &Response{Response: hresp, Usage: usage, Attempts: int(info.attempts.Load())}
	c.cfg.logger.DebugContext(ctx, "meta: call", "op", op, "status", hresp.StatusCode, "duration", time.Since(start))
	if hresp.StatusCode < 400 {
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(hresp.Body, maxErrorBody))
	hresp.Body.Close()
	hresp.Body = io.NopCloser(bytes.NewReader(body))
	e := ParseError(op, hresp.StatusCode, body)
	e.RetryAfter = retryHint(hresp, usage, c.cfg.now())
	return resp, e
}

// metaDomains are the domains Meta serves API answers and media from (media
// URLs returned by the Graph API, e.g. lookaside.fbsbx.com, need the token).
var metaDomains = []string{"facebook.com", "fbsbx.com", "instagram.com", "fbcdn.net", "cdninstagram.com", "whatsapp.net"}

// trustedURL reports whether credentials may go to u: the base URL's scheme
// and host, or https on a Meta domain.
func (c *Client) trustedURL(u *url.URL) bool {
	if u == nil {
		return false
	}
	if u.Scheme == c.cfg.base.Scheme && strings.EqualFold(u.Host, c.cfg.base.Host) {
		return true
	}
	if u.Scheme != "https" || u.Port() != "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range metaDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

func hostOnly(u *url.URL) string {
	if u == nil {
		return "(no URL)"
	}
	return u.Scheme + "://" + u.Host
}

func (c *Client) authorize(r *http.Request) {
	if c.cfg.authName != "" {
		r.Header.Set(c.cfg.authName, c.cfg.authValue.Reveal())
		return
	}
	if c.token.IsZero() {
		return
	}
	r.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	if c.proof != "" {
		q := r.URL.Query()
		if !q.Has("appsecret_proof") {
			q.Set("appsecret_proof", c.proof)
			r.URL.RawQuery = q.Encode()
		}
	}
}

// opName names a request without its query: "POST 1234/messages".
func opName(cfg *config, r *http.Request) string {
	p := r.URL.Path
	p = strings.TrimPrefix(p, cfg.base.Path)
	p = strings.TrimPrefix(p, "/")
	if cfg.version != "" {
		p = strings.TrimPrefix(p, cfg.version+"/")
	}
	return r.Method + " " + p
}

// sanitizeErr strips the URL (and with it any query) from *url.Error values,
// which net/http and retryablehttp produce with the full request URL.
func sanitizeErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		redacted := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User, u.Fragment = "", nil, ""
			redacted = u.String()
		} else {
			redacted = "[unparseable URL]"
		}
		return &url.Error{Op: ue.Op, URL: redacted, Err: sanitizeErr(ue.Err)}
	}
	return err
}
