package whatsapp

import (
	"errors"
	"log/slog"
	"regexp"

	"github.com/botsync/botsync/meta"
)

// Client calls the WhatsApp Cloud API through a [meta.Client], with a
// service per area. Create it with [NewClient]; it is safe for concurrent
// use. Policy helpers are optional and plug in through options: a [Catalog]
// (template routing and parameter checks), a [Window] (customer-service
// window), a [Limiter] (throughput and pair pacing), a [StatusTracker] and a
// [Classifier] (error → action).
type Client struct {
	// Messages sends messages, marks them read and shows typing.
	Messages *MessagesService
	// Media uploads, looks up, downloads and deletes media.
	Media *MediaService
	// Templates lists, creates and deletes message templates.
	Templates *TemplatesService
	// PhoneNumbers lists and manages business phone numbers, their business
	// profile and the app's WABA subscription.
	PhoneNumbers *PhoneNumbersService

	api *meta.Client
	cfg config
}

type config struct {
	catalog    *Catalog
	window     *Window
	limiter    *Limiter
	tracker    StatusStore
	classifier *Classifier
	logger     *slog.Logger
	marketing  bool
}

// Option configures a [Client].
type Option func(*config) error

// WithCatalog routes marketing templates by c and checks template
// parameters against it (default: an empty catalog, which checks nothing and
// routes only templates whose Category is set).
func WithCatalog(c *Catalog) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("whatsapp: catalog: nil")
		}
		cfg.catalog = c
		return nil
	}
}

// WithWindow makes free-form sends check the customer-service window first
// and fail with [ErrOutsideWindow] locally (default: no check).
func WithWindow(w *Window) Option {
	return func(cfg *config) error {
		if w == nil {
			return errors.New("whatsapp: window: nil")
		}
		cfg.window = w
		return nil
	}
}

// WithLimiter makes every send wait for its throughput and pair slot
// (default: no pacing).
func WithLimiter(l *Limiter) Option {
	return func(cfg *config) error {
		if l == nil {
			return errors.New("whatsapp: limiter: nil")
		}
		cfg.limiter = l
		return nil
	}
}

// WithTracker registers every accepted message with t (a [StatusTracker] or
// a persistent [StatusStore]), so statuses that arrived before the send
// returned are applied (default: none). A tracking failure does not fail the
// send, which Meta accepted; it is logged.
func WithTracker(t StatusStore) Option {
	return func(cfg *config) error {
		if t == nil || isNilTracker(t) {
			return errors.New("whatsapp: tracker: nil")
		}
		cfg.tracker = t
		return nil
	}
}

// WithClassifier sets the error classifier of sends (default: the
// [ClassifyCode] table with 131048 burst detection).
func WithClassifier(c *Classifier) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("whatsapp: classifier: nil")
		}
		cfg.classifier = c
		return nil
	}
}

// WithLogger logs sends and their actions at debug level (never bodies or
// phone numbers). The default is silent.
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		if l == nil {
			return errors.New("whatsapp: logger: nil")
		}
		cfg.logger = l
		return nil
	}
}

// WithMarketingEndpoint turns routing of marketing templates to
// /marketing_messages on or off (default on).
func WithMarketingEndpoint(on bool) Option {
	return func(cfg *config) error { cfg.marketing = on; return nil }
}

// NewClient returns a WhatsApp client on api. For a Business Solution
// Provider, configure api with meta.WithBaseURL and meta.WithAuthHeader.
func NewClient(api *meta.Client, opts ...Option) (*Client, error) {
	if api == nil {
		return nil, errors.New("whatsapp: meta client: nil")
	}
	c := &Client{api: api, cfg: config{logger: slog.New(slog.DiscardHandler), marketing: true}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c.cfg); err != nil {
			return nil, err
		}
	}
	if c.cfg.catalog == nil {
		c.cfg.catalog = NewCatalog()
	}
	if c.cfg.classifier == nil {
		c.cfg.classifier, _ = NewClassifier(WithClassifierClock(api.Now))
	}
	c.Messages = &MessagesService{c: c}
	c.Media = &MediaService{c: c}
	c.Templates = &TemplatesService{c: c}
	c.PhoneNumbers = &PhoneNumbersService{c: c}
	return c, nil
}

// API returns the underlying Graph client.
func (c *Client) API() *meta.Client { return c.api }

// Catalog returns the client's template catalog.
func (c *Client) Catalog() *Catalog { return c.cfg.catalog }

func isNilTracker(t StatusStore) bool {
	st, ok := t.(*StatusTracker)
	return ok && st == nil
}

var graphIDRE = regexp.MustCompile(`^[0-9]{1,32}$`)

func checkID(field, id string) error {
	if !graphIDRE.MatchString(id) {
		return invalid(field, "must be a numeric Graph id")
	}
	return nil
}
