package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/botsync/botsync/meta"
)

// Stack is one of the three Meta messaging APIs the client speaks. They share
// the Send API's shape and differ in host, token, limits and comment
// endpoints.
type Stack int

// The stacks.
const (
	// InstagramLogin is the Instagram API with Instagram Login: host
	// graph.instagram.com ([meta.InstagramBaseURL]), an Instagram user
	// token, sends to /{ig-user-id}/messages.
	InstagramLogin Stack = iota + 1
	// FacebookLogin is the Instagram API with Facebook Login: host
	// graph.facebook.com, the linked Page's token, sends to
	// /{page-id}/messages.
	FacebookLogin
	// Messenger is the Messenger Platform's Page Send API: host
	// graph.facebook.com, a Page token, sends to /{page-id}/messages.
	Messenger
)

// String returns the stack's name.
func (s Stack) String() string {
	switch s {
	case InstagramLogin:
		return "instagram_login"
	case FacebookLogin:
		return "facebook_login"
	case Messenger:
		return "messenger"
	}
	return fmt.Sprintf("Stack(%d)", int(s))
}

// Instagram reports whether the stack is one of the two Instagram stacks.
func (s Stack) Instagram() bool { return s == InstagramLogin || s == FacebookLogin }

func (s Stack) valid() bool { return s >= InstagramLogin && s <= Messenger }

// Client sends messages, replies to comments and manages one Instagram
// professional account or Facebook Page through a [meta.Client]. Every send
// passes the messaging policy first (windows, the once-per-comment claim,
// send budgets) and is stamped with metadata so its echo is recognisable
// (see [Stamp]).
//
// A Client is safe for concurrent use. Create one per account with
// [NewClient]; derive per-token meta clients with [meta.Client.WithToken].
type Client struct {
	mc        *meta.Client
	stack     Stack
	accountID string

	now        func() time.Time
	humanAgent bool
	claims     Claims
	budgets    *Budgets
	label      string
	ownIDs     []string
}

type config struct {
	now        func() time.Time
	humanAgent bool
	claims     Claims
	budgets    *Budgets
	label      string
	ownIDs     []string
}

// Option configures a [Client]; an invalid option makes [NewClient] fail with
// an error naming the field.
type Option func(*config) error

// WithClock sets the clock the policy reads (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("instagram: clock: nil")
		}
		c.now = now
		return nil
	}
}

// WithHumanAgent records whether the account is approved for the
// HUMAN_AGENT tag. Only then may tagged messages go out up to 7 days after
// the user's last message (default false: tagged sends fail with
// [ErrHumanAgentDisabled]).
func WithHumanAgent(enabled bool) Option {
	return func(c *config) error { c.humanAgent = enabled; return nil }
}

// WithClaims sets where once-per-comment private-reply claims are taken
// (default: a [MemoryClaims] private to this client). Share one
// implementation between every client, automation and server instance that
// may reply to the same comments.
func WithClaims(cl Claims) Option {
	return func(c *config) error {
		if cl == nil {
			return errors.New("instagram: claims: nil")
		}
		c.claims = cl
		return nil
	}
}

// WithBudgets sets the account's send budgets (default
// NewBudgets(DefaultBudgetConfig)).
func WithBudgets(b *Budgets) Option {
	return func(c *config) error {
		if b == nil {
			return errors.New("instagram: budgets: nil")
		}
		c.budgets = b
		return nil
	}
}

// WithLabel sets the default label stamped into every send's metadata
// ("botsync:v1:<label>"; default "send"). [Message.Label] overrides it per
// message.
func WithLabel(label string) Option {
	return func(c *config) error {
		if err := validLabel("label", label); err != nil {
			return err
		}
		c.label = label
		return nil
	}
}

// WithOwnIDs adds ids the account acts under besides its account id, for
// recognising its own comments and messages (with [FacebookLogin] the
// account id is the Page's, while comments come from the Instagram account's
// id).
func WithOwnIDs(ids ...string) Option {
	return func(c *config) error {
		for i, id := range ids {
			if err := validID(fmt.Sprintf("own ids[%d]", i), id); err != nil {
				return err
			}
		}
		c.ownIDs = append(c.ownIDs, ids...)
		return nil
	}
}

// NewClient returns a client for the account (Instagram professional account
// id for [InstagramLogin], Page id for [FacebookLogin] and [Messenger]) on
// stack, calling through mc. mc must point at the stack's host: graph.instagram.com
// ([meta.InstagramBaseURL]) for InstagramLogin, graph.facebook.com for the
// others; a mismatch with one of Meta's two hosts is an error (other hosts,
// such as fakes and proxies, are accepted).
func NewClient(mc *meta.Client, stack Stack, accountID string, opts ...Option) (*Client, error) {
	if mc == nil {
		return nil, errors.New("instagram: meta client: nil")
	}
	if !stack.valid() {
		return nil, fmt.Errorf("instagram: stack: unknown value %d", int(stack))
	}
	if err := validID("account id", accountID); err != nil {
		return nil, err
	}
	want, _ := url.Parse(meta.DefaultBaseURL)
	if stack == InstagramLogin {
		want, _ = url.Parse(meta.InstagramBaseURL)
	}
	if h := mc.BaseURL().Host; (h == "graph.facebook.com" || h == "graph.instagram.com") && h != want.Host {
		return nil, fmt.Errorf("instagram: stack %s calls %s, but the meta client's base URL is %s (use meta.WithBaseURL)", stack, want.Host, h)
	}
	cfg := &config{now: time.Now, label: "send"}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.claims == nil {
		cfg.claims = NewMemoryClaims()
	}
	if cfg.budgets == nil {
		b, err := NewBudgets(DefaultBudgetConfig)
		if err != nil {
			return nil, err
		}
		cfg.budgets = b
	}
	return &Client{
		mc: mc, stack: stack, accountID: accountID,
		now: cfg.now, humanAgent: cfg.humanAgent, claims: cfg.claims, budgets: cfg.budgets, label: cfg.label, ownIDs: cfg.ownIDs,
	}, nil
}

// Stack returns the client's stack.
func (c *Client) Stack() Stack { return c.stack }

// AccountID returns the Instagram account id or Page id the client acts for.
func (c *Client) AccountID() string { return c.accountID }

// Meta returns the underlying Graph client, for calls this package does not
// wrap.
func (c *Client) Meta() *meta.Client { return c.mc }

// validID accepts Graph ids: non-empty, at most 128 characters of letters,
// digits, '_', '-', '.', ':' and '=' (never '/', '?', '#' or spaces, which
// would change the request path).
func validID(field, id string) error {
	if id == "" {
		return invalid(field, "required")
	}
	if len(id) > 512 {
		return invalid(field, "longer than 512 characters")
	}
	for _, r := range id {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
			r == '_' || r == '-' || r == '.' || r == ':' || r == '='
		if !ok {
			return invalid(field, "not a Graph id (allowed: letters, digits, _ - . : =)")
		}
	}
	return nil
}

// keyed tags ctx so the meta Governor accounts every call of this client
// (sends, comment edges, insights) to the account, not to the comment or
// media id in the path.
func (c *Client) keyed(ctx context.Context) context.Context {
	if ctx == nil {
		return nil // meta reports the nil context as an error
	}
	return meta.WithGovernorKey(ctx, c.accountID)
}

// validToken accepts ids that travel in a JSON body (message ids,
// attachment ids, recipient ids): non-empty, at most 512 bytes, valid UTF-8
// without spaces or control characters. Message ids are opaque and may
// contain base64 punctuation, so they get no stricter check.
func validToken(field, id string) error {
	if id == "" {
		return invalid(field, "required")
	}
	if len(id) > 512 {
		return invalid(field, "longer than 512 characters")
	}
	if !utf8.ValidString(id) {
		return invalid(field, "not valid UTF-8")
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return invalid(field, "contains spaces or control characters")
		}
	}
	return nil
}
