package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/instagram"
)

// Engine turns inbound events into CRM conversations and replies: rules,
// comment-to-DM, AI answers with human handoff, follow-ups and scoring.
//
// An Engine is safe for concurrent use. Handle serialises events of one
// conversation and lets different conversations run in parallel; use a
// Serializer to feed it from a queue in order.
type Engine struct {
	channels ChannelRegistry
	leads    LeadStore
	store    Store
	cfg      config
	locks    keyedMutex
	matchers matcherCache
}

type config struct {
	answerer    Answerer
	replier     Replier
	scorer      Scorer
	pub         Publisher
	settings    SettingsSource
	now         func() time.Time
	log         *slog.Logger
	maxFailures int
	http        *http.Client
	backoff     func(attempt int) time.Duration
	sleep       func(ctx context.Context, d time.Duration) error
	region      string
}

// Option configures an Engine.
type Option func(*config) error

// WithAnswerer answers inbound questions from the knowledge base
// (*knowledge.Base); it takes precedence over WithReplier for AI replies.
func WithAnswerer(a Answerer) Option {
	return func(c *config) error { c.answerer = a; return nil }
}

// WithReplier writes AI replies without a knowledge base (*ai.Gateway).
func WithReplier(r Replier) Option {
	return func(c *config) error { c.replier = r; return nil }
}

// WithScorer scores leads (*ai.Gateway).
func WithScorer(s Scorer) Option {
	return func(c *config) error { c.scorer = s; return nil }
}

// WithPublisher receives realtime updates.
func WithPublisher(p Publisher) Option {
	return func(c *config) error {
		if p == nil {
			return invalid("publisher", "nil")
		}
		c.pub = p
		return nil
	}
}

// WithSettings gives per-workspace settings (default: zero Settings).
func WithSettings(s SettingsSource) Option {
	return func(c *config) error {
		if s == nil {
			return invalid("settings", "nil")
		}
		c.settings = s
		return nil
	}
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return invalid("clock", "nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger logs failures (never message content or identities).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("logger", "nil")
		}
		c.log = l
		return nil
	}
}

// WithMaxFailures sets after how many consecutive failures a rule is
// disabled (default 5).
func WithMaxFailures(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("max_failures", "must be at least 1")
		}
		c.maxFailures = n
		return nil
	}
}

// WithHTTPClient sets the client of outgoing webhooks.
func WithHTTPClient(h *http.Client) Option {
	return func(c *config) error {
		if h == nil {
			return invalid("http_client", "nil")
		}
		c.http = h
		return nil
	}
}

// WithWebhookBackoff sets the wait before retry attempt n (1-based) of an
// outgoing webhook (default 1s, 2s, 4s…).
func WithWebhookBackoff(f func(attempt int) time.Duration) Option {
	return func(c *config) error {
		if f == nil {
			return invalid("webhook_backoff", "nil")
		}
		c.backoff = f
		return nil
	}
}

// New returns an engine over a channel registry, the CRM and the engine's
// store.
func New(channels ChannelRegistry, leads LeadStore, store Store, opts ...Option) (*Engine, error) {
	if channels == nil {
		return nil, invalid("channels", "nil")
	}
	if leads == nil {
		return nil, invalid("leads", "nil")
	}
	if store == nil {
		return nil, invalid("store", "nil")
	}
	c := config{
		pub:         PublisherFunc(func(context.Context, Update) {}),
		settings:    StaticSettings{},
		now:         time.Now,
		log:         slog.New(slog.DiscardHandler),
		maxFailures: 5,
		http:        &http.Client{Timeout: 10 * time.Second},
		backoff:     func(n int) time.Duration { return time.Second << (n - 1) },
		sleep: func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		},
	}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	return &Engine{channels: channels, leads: leads, store: store, cfg: c}, nil
}

// Store returns the engine's store (rules are managed through it).
func (e *Engine) Store() Store { return e.store }

// PutRule validates and stores a rule.
func (e *Engine) PutRule(ctx context.Context, r Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return e.store.PutRule(ctx, r)
}

// turn is what one handling knows: the account, lead, conversation and
// settings.
type turn struct {
	acct     Account
	ws       string
	lead     *crm.Lead
	conv     *crm.Conversation
	ev       *Event
	settings Settings
	created  bool
	replied  bool // a rule or the AI sent a reply
}

// Handle processes one inbound event. A redelivered event changes nothing
// and sends nothing. Events of one conversation are serialised.
func (e *Engine) Handle(ctx context.Context, ev Event) error {
	if !ev.Channel.Valid() {
		return invalid("event.channel", "unknown channel %q", ev.Channel)
	}
	if ev.Account == "" {
		return invalid("event.account", "required")
	}
	if ev.From == "" && ev.FromBSUID == "" && ev.Kind != EventStatus {
		return invalid("event.from", "required")
	}
	unlock := e.locks.lock(ev.conversationKey())
	defer unlock()
	acct, err := e.channels.Account(ctx, ev.Channel, ev.Account)
	if err != nil {
		return fmt.Errorf("bot: handle: %w", err)
	}
	if ev.Time.IsZero() {
		ev.Time = e.cfg.now()
	}
	switch ev.Kind {
	case EventStatus:
		return e.handleStatus(ctx, acct, &ev)
	case EventMessage:
		return e.handleMessage(ctx, acct, &ev)
	case EventEcho:
		return e.handleEcho(ctx, acct, &ev)
	case EventComment:
		return e.handleComment(ctx, acct, &ev)
	}
	return invalid("event.kind", "unknown kind %q", ev.Kind)
}

func (e *Engine) handleStatus(ctx context.Context, acct Account, ev *Event) error {
	m, err := e.leads.UpdateMessageStatus(ctx, acct.Workspace, acct.ID, ev.MessageID, ev.Status, ev.StatusError)
	if errors.Is(err, crm.ErrNotFound) {
		return nil // not a message we recorded (sent elsewhere)
	}
	if err != nil {
		return fmt.Errorf("bot: status: %w", err)
	}
	if m.Status == ev.Status {
		e.cfg.pub.Publish(ctx, Update{Type: UpdateMessageStatus, Workspace: acct.Workspace,
			ConversationID: m.ConversationID, LeadID: m.LeadID, Message: m, At: ev.Time})
	}
	return nil
}

func identities(ch Channel, from, bsuid string) []crm.Identity {
	var ids []crm.Identity
	switch ch {
	case WhatsApp:
		if from != "" {
			ids = append(ids, crm.WAID(from))
		}
		if bsuid != "" {
			ids = append(ids, crm.Identity{Kind: crm.KindBSUID, Value: bsuid})
		}
	case Instagram:
		ids = append(ids, crm.Identity{Kind: crm.KindIGSID, Value: from})
	case Messenger:
		ids = append(ids, crm.Identity{Kind: crm.KindPSID, Value: from})
	}
	return ids
}

// open finds or creates the lead and opens its conversation.
func (e *Engine) open(ctx context.Context, acct Account, ev *Event) (*turn, error) {
	lead, created, err := e.leads.FindOrCreate(ctx, acct.Workspace, crm.Contact{
		Identities: identities(ev.Channel, ev.From, ev.FromBSUID), Name: ev.Name,
		Source: crm.Source{Channel: string(ev.Channel), AdID: ev.AdID},
		Actor:  crm.Actor{Kind: crm.ActorLead},
	})
	if err != nil {
		return nil, fmt.Errorf("bot: lead: %w", err)
	}
	conv, err := e.leads.OpenConversation(ctx, acct.Workspace, lead.ID, string(ev.Channel), acct.ID)
	if err != nil {
		return nil, fmt.Errorf("bot: conversation: %w", err)
	}
	st, err := e.cfg.settings.Settings(ctx, acct.Workspace)
	if err != nil {
		return nil, fmt.Errorf("bot: settings: %w", err)
	}
	return &turn{acct: acct, ws: acct.Workspace, lead: lead, conv: conv, ev: ev, settings: st, created: created}, nil
}

func (e *Engine) handleMessage(ctx context.Context, acct Account, ev *Event) error {
	t, err := e.open(ctx, acct, ev)
	if err != nil {
		return err
	}
	m, inserted, err := e.leads.RecordMessage(ctx, t.ws, crm.Message{
		ConversationID: t.conv.ID, LeadID: t.lead.ID, ChannelAccount: acct.ID, ProviderID: ev.MessageID,
		Direction: crm.Inbound, Type: ev.Type, Text: ev.Text, Media: ev.Media,
		Author: crm.Actor{Kind: crm.ActorLead}, At: ev.Time,
	})
	if err != nil {
		return fmt.Errorf("bot: record message: %w", err)
	}
	if !inserted {
		return nil // redelivery: already handled
	}
	if t.conv.LastInboundAt.Before(ev.Time) {
		t.conv.LastInboundAt = ev.Time
	}
	if obs, ok := acct.Sender.(InboundObserver); ok {
		// The window opens under both the wa_id and the BSUID.
		for _, r := range []Recipient{{ID: ev.From}, {ID: ev.FromBSUID, BSUID: true}} {
			if r.ID == "" {
				continue
			}
			if err := obs.ObserveInbound(ctx, r, ev.Time); err != nil {
				e.cfg.log.WarnContext(ctx, "bot: observe window", "workspace", t.ws, "err", err)
			}
		}
	}
	if t.created {
		e.cfg.pub.Publish(ctx, Update{Type: UpdateLeadCreated, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, At: ev.Time})
	}
	e.cfg.pub.Publish(ctx, Update{Type: UpdateMessageCreated, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Message: m, At: ev.Time})
	if ev.Standby {
		return nil // another app (a human inbox) has the thread
	}

	rules, err := e.store.Rules(ctx, t.ws)
	if err != nil {
		return fmt.Errorf("bot: rules: %w", err)
	}
	if t.created {
		e.runRules(ctx, t, rules, TriggerNewLead)
	}
	e.runRules(ctx, t, rules, TriggerKeyword, TriggerMessage)
	e.scheduleNoReply(ctx, t, rules)
	if !t.replied {
		if err := e.autoReply(ctx, t); err != nil {
			return err
		}
	}
	if t.settings.ScoreOnMessage && e.cfg.scorer != nil {
		if err := e.score(ctx, t); err != nil {
			e.cfg.log.WarnContext(ctx, "bot: score lead", "workspace", t.ws, "err", err)
		}
	}
	return nil
}

func (t *turn) recipient() Recipient {
	r := Recipient{ID: t.ev.From, LastInbound: t.conv.LastInboundAt}
	if r.ID == "" {
		r.ID, r.BSUID = t.ev.FromBSUID, true
	}
	return r
}

// handleEcho records a message the business sent outside the engine (a
// human in Meta's apps) and pauses the AI; our own echoes are ignored.
func (e *Engine) handleEcho(ctx context.Context, acct Account, ev *Event) error {
	if ev.Own {
		return nil
	}
	t, err := e.open(ctx, acct, ev)
	if err != nil {
		return err
	}
	m, inserted, err := e.leads.RecordMessage(ctx, t.ws, crm.Message{
		ConversationID: t.conv.ID, LeadID: t.lead.ID, ChannelAccount: acct.ID, ProviderID: ev.MessageID,
		Direction: crm.Outbound, Type: ev.Type, Text: ev.Text, Media: ev.Media,
		Author: crm.Actor{Kind: crm.ActorUser}, At: ev.Time,
	})
	if err != nil {
		return fmt.Errorf("bot: record echo: %w", err)
	}
	if !inserted {
		return nil
	}
	e.cfg.pub.Publish(ctx, Update{Type: UpdateMessageCreated, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Message: m, At: ev.Time})
	return e.pause(ctx, t.ws, t.conv.ID, ev.Time.Add(t.settings.quiet()), "human reply")
}

// keyedMutex serialises work per key; entries are dropped when unused.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	en := k.m[key]
	if en == nil {
		en = &keyedEntry{}
		k.m[key] = en
	}
	en.refs++
	k.mu.Unlock()
	en.mu.Lock()
	return func() {
		en.mu.Unlock()
		k.mu.Lock()
		en.refs--
		if en.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// matcherCache keeps compiled keyword matchers by mode and keywords, so
// rules do not renormalise their keywords on every event.
type matcherCache struct {
	mu sync.Mutex
	m  map[string]*instagram.Matcher
}

// maxMatchers bounds the cache; past it the cache starts over.
const maxMatchers = 4096

func (c *matcherCache) get(mode string, keywords []string) (*instagram.Matcher, error) {
	k := mode + "\x00" + strings.Join(keywords, "\x00")
	c.mu.Lock()
	m, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	m, err := newMatcher(mode, keywords)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxMatchers {
		c.m = map[string]*instagram.Matcher{}
	}
	c.m[k] = m
	c.mu.Unlock()
	return m, nil
}
