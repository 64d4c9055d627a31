package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/botsync/botsync/secret"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is Razorpay's API root.
const DefaultBaseURL = "https://api.razorpay.com/v1/"

// maxResponseBytes caps how much of a response the client reads.
const maxResponseBytes = 4 << 20

// Client is a typed Razorpay API client. Create it with [NewClient]; it is
// safe for concurrent use.
//
// Retries (go-retryablehttp) happen only where repeating a request cannot
// charge, refund or create anything twice: GETs, PATCHes and state-setting
// POSTs (cancel, pause, resume, customers without FailExisting, payment
// links with a reference id) are retried on network errors, 429 and 5xx;
// creating POSTs (orders, captures, refunds, plans, subscriptions) are
// retried only when Razorpay certainly did not process them — the
// connection could not be opened, or the answer was 429.
type Client struct {
	Orders        *OrdersService
	Payments      *PaymentsService
	Plans         *PlansService
	Subscriptions *SubscriptionsService
	Customers     *CustomersService
	Refunds       *RefundsService
	Invoices      *InvoicesService
	PaymentLinks  *PaymentLinksService

	keyID     string
	keySecret secret.Value
	base      *url.URL
	http      *retryablehttp.Client
	logger    *slog.Logger
}

type clientConfig struct {
	baseURL    string
	httpClient *http.Client
	retryMax   int
	waitMin    time.Duration
	waitMax    time.Duration
	logger     *slog.Logger
}

// Option configures a [Client].
type Option func(*clientConfig) error

// WithBaseURL points the client at another API root (a fake, a proxy).
func WithBaseURL(u string) Option {
	return func(c *clientConfig) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("billing: base URL: must be an absolute http(s) URL")
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sets the *http.Client requests go through (timeouts,
// tracing, transport). Retries are layered on top of it.
func WithHTTPClient(h *http.Client) Option {
	return func(c *clientConfig) error {
		if h == nil {
			return errors.New("billing: http client: nil")
		}
		c.httpClient = h
		return nil
	}
}

// WithRetry sets the retry budget: at most max retries, waiting between
// minWait and maxWait (exponential backoff, Retry-After honoured).
// max 0 disables retries.
func WithRetry(max int, minWait, maxWait time.Duration) Option {
	return func(c *clientConfig) error {
		if max < 0 || minWait < 0 || maxWait < minWait {
			return errors.New("billing: retry: need max >= 0 and 0 <= minWait <= maxWait")
		}
		c.retryMax, c.waitMin, c.waitMax = max, minWait, maxWait
		return nil
	}
}

// WithLogger makes the client log retries at debug level. It is silent
// otherwise. Keys and bodies are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *clientConfig) error { c.logger = l; return nil }
}

// NewClient returns a client authenticating with HTTP basic auth as keyID
// and keySecret.
func NewClient(keyID string, keySecret secret.Value, opts ...Option) (*Client, error) {
	if keyID == "" {
		return nil, errors.New("billing: key id is required")
	}
	if keySecret.IsZero() {
		return nil, errors.New("billing: key secret is required")
	}
	cfg := clientConfig{
		baseURL:    DefaultBaseURL,
		httpClient: &http.Client{Timeout: 30 * time.Second},
		retryMax:   3,
		waitMin:    500 * time.Millisecond,
		waitMax:    5 * time.Second,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	base, _ := url.Parse(cfg.baseURL)
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	rc := &retryablehttp.Client{
		HTTPClient:   cfg.httpClient,
		RetryWaitMin: cfg.waitMin,
		RetryWaitMax: cfg.waitMax,
		RetryMax:     cfg.retryMax,
		CheckRetry:   checkRetry,
		Backoff:      retryablehttp.DefaultBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	c := &Client{keyID: keyID, keySecret: keySecret, base: base, http: rc, logger: cfg.logger}
	if cfg.logger != nil {
		rc.RequestLogHook = func(_ retryablehttp.Logger, r *http.Request, attempt int) {
			if attempt > 0 {
				cfg.logger.DebugContext(r.Context(), "billing: retrying", "method", r.Method, "path", r.URL.Path, "attempt", attempt)
			}
		}
	}
	c.Orders = &OrdersService{c}
	c.Payments = &PaymentsService{c}
	c.Plans = &PlansService{c}
	c.Subscriptions = &SubscriptionsService{c}
	c.Customers = &CustomersService{c}
	c.Refunds = &RefundsService{c}
	c.Invoices = &InvoicesService{c}
	c.PaymentLinks = &PaymentLinksService{c}
	return c, nil
}

type retryKey struct{}

// retryClass says when a request may be repeated.
type retryClass int

const (
	retryUnsafe     retryClass = iota // creates something: only when surely unprocessed
	retryIdempotent                   // repeating has the same effect
)

func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	class, _ := ctx.Value(retryKey{}).(retryClass)
	if err != nil {
		if class == retryIdempotent {
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		}
		var op *net.OpError
		return errors.As(err, &op) && op.Op == "dial", nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return class == retryIdempotent, nil
	}
	return false, nil
}

// do sends one API call. body (if not nil) is encoded as JSON; out (if not
// nil) receives the decoded 2xx answer.
func (c *Client) do(ctx context.Context, op string, class retryClass, method, path string, query url.Values, body, out any) error {
	u := c.base.JoinPath(path)
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return fmt.Errorf("billing: %s: encode: %w", op, err)
		}
	}
	ctx = context.WithValue(ctx, retryKey{}, class)
	var rdr any
	if raw != nil {
		rdr = raw
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), rdr)
	if err != nil {
		return fmt.Errorf("billing: %s: %w", op, err)
	}
	req.SetBasicAuth(c.keyID, c.keySecret.Reveal())
	req.Header.Set("Accept", "application/json")
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("billing: %s: %w", op, stripURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("billing: %s: read response: %w", op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseError(op, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("billing: %s: decode response: %w", op, err)
	}
	return nil
}

// stripURL drops the URL (which may carry query data) from transport errors.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// pathID validates an id used as a path segment.
func pathID(field, id string) error {
	if id == "" {
		return fmt.Errorf("billing: %s is required", field)
	}
	if strings.ContainsAny(id, "/?#%") || strings.TrimSpace(id) != id {
		return fmt.Errorf("billing: %s: invalid characters", field)
	}
	return nil
}

// ListOptions pages through a collection (Razorpay's count/skip/from/to).
type ListOptions struct {
	Count int       // 1..100; 0 means Razorpay's default (10)
	Skip  int       // items to skip
	From  time.Time // created at or after
	To    time.Time // created at or before
}

func (o ListOptions) values() (url.Values, error) {
	q := url.Values{}
	if o.Count < 0 || o.Count > 100 {
		return nil, errors.New("billing: list: count must be between 1 and 100")
	}
	if o.Skip < 0 {
		return nil, errors.New("billing: list: skip must not be negative")
	}
	if o.Count > 0 {
		q.Set("count", fmt.Sprint(o.Count))
	}
	if o.Skip > 0 {
		q.Set("skip", fmt.Sprint(o.Skip))
	}
	if !o.From.IsZero() {
		q.Set("from", fmt.Sprint(o.From.Unix()))
	}
	if !o.To.IsZero() {
		q.Set("to", fmt.Sprint(o.To.Unix()))
	}
	return q, nil
}

// collection is Razorpay's list envelope.
type collection[T any] struct {
	Entity string `json:"entity"`
	Count  int    `json:"count"`
	Items  []T    `json:"items"`
}

// String describes the client without its key secret (fmt would otherwise
// print unexported fields raw).
func (c *Client) String() string {
	return fmt.Sprintf("billing.Client{keyID: %s, base: %s}", c.keyID, c.base.Redacted())
}

// GoString is String.
func (c *Client) GoString() string { return c.String() }
