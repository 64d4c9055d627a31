package broadcast

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/botsync/botsync/whatsapp"
)

// Sender sends one message from a business phone number;
// *whatsapp.MessagesService (client.Messages) satisfies it. Its errors are
// classified by the [Classifier]: a *whatsapp.SendError carries its action.
type Sender interface {
	Send(ctx context.Context, phoneNumberID string, m whatsapp.Message) (*whatsapp.SendResult, error)
}

// Classifier maps a send error to an action; *whatsapp.Classifier
// satisfies it.
type Classifier interface {
	Classify(phoneNumberID string, err error) whatsapp.Action
}

// Pacer waits for a number-wide throughput slot and the (number,
// recipient) pair's pacing; *whatsapp.Limiter satisfies it. Give every
// service of a deployment the same pacer (backed by whatsapp/pgstore's
// LimitBackend across instances) so campaigns and other sends on one
// number share its throughput.
type Pacer interface {
	Wait(ctx context.Context, phoneNumberID string, to whatsapp.Recipient) error
}

// Service plans, runs and tracks campaigns on a [Store]. It is safe for
// concurrent use; several services (server instances) may share a store
// and run one campaign together. Create it with [New].
type Service struct {
	store      Store
	sender     Sender
	classifier Classifier
	pacer      Pacer
	shared     whatsapp.LimitBackend
	budget     Budget
	rates      whatsapp.RateCard
	catalog    *whatsapp.Catalog
	now        func() time.Time
	newID      func() string
	logger     *slog.Logger
	auto       AutoPause
	reconcile  time.Duration
	attempts   int
	stopWords  []string
	startWords []string

	mu      sync.Mutex
	buckets map[string]*slots
	windows map[string]*failureWindow
}

// AutoPause configures the failure-rate trigger and the 131048 cooldown.
type AutoPause struct {
	// Window is the sliding window of send outcomes (default 5 minutes).
	Window time.Duration
	// MinSamples is how many outcomes the window needs before the rate
	// counts (default 20).
	MinSamples int
	// Threshold is the failure ratio that pauses (default 0.2).
	Threshold float64
	// SpamCooldown is how long a 131048 pause lasts before it clears by
	// itself (default 6 h, whatsapp.DefaultRetryInHoursWait).
	SpamCooldown time.Duration
}

// Option configures a [Service].
type Option func(*Service) error

// WithClock sets the clock (default time.Now). Waits use timers, so tests
// run under testing/synctest.
func WithClock(now func() time.Time) Option {
	return func(s *Service) error {
		if now == nil {
			return errors.New("broadcast: clock: nil")
		}
		s.now = now
		return nil
	}
}

// WithClassifier sets the error classifier (default whatsapp.NewClassifier
// on the service clock).
func WithClassifier(c Classifier) Option {
	return func(s *Service) error {
		if c == nil {
			return errors.New("broadcast: classifier: nil")
		}
		s.classifier = c
		return nil
	}
}

// WithPacer sets the number and pair pacer (default: a whatsapp.Limiter on
// the service clock with pair pacing and 1000 mps per number, so the
// campaign's own rate binds).
func WithPacer(p Pacer) Option {
	return func(s *Service) error {
		if p == nil {
			return errors.New("broadcast: pacer: nil")
		}
		s.pacer = p
		return nil
	}
}

// Budget admits sends against a phone number's messaging-limit tier
// (unique recipients per rolling 24 hours). *TierBudget keeps it in
// process memory; pgstore.TierBudget shares it between instances. Admit
// reserves room for one message from the workspace's number to contact, or
// reports when to try again. Implementations must be safe for concurrent
// use; one that also has SetTier(ctx, workspaceID, phoneNumberID, tier
// string) error gets tiers from [Service.ApplyPhoneNumber] and
// phone_number_quality_update webhooks.
type Budget interface {
	Admit(ctx context.Context, workspaceID, phoneNumberID, contact string) (ok bool, retryAt time.Time, err error)
}

type tierSetter interface {
	SetTier(ctx context.Context, workspaceID, phoneNumberID, tier string) error
}

// WithSharedSchedule paces each campaign's slots through b (for example
// whatsapp/pgstore's LimitBackend) instead of process memory, so that
// several instances running one campaign keep to its rate together. Each
// process still holds its own sends to the rate in any one-second window;
// across instances the bound is the shared bucket's (burst 1).
func WithSharedSchedule(b whatsapp.LimitBackend) Option {
	return func(s *Service) error {
		if b == nil {
			return errors.New("broadcast: shared schedule: nil")
		}
		s.shared = b
		return nil
	}
}

// WithTierBudget budgets sends against numbers' messaging-limit tiers
// (default: no budget), e.g. with a [TierBudget].
func WithTierBudget(b Budget) Option {
	return func(s *Service) error {
		if b == nil || isNilBudget(b) {
			return errors.New("broadcast: tier budget: nil")
		}
		s.budget = b
		return nil
	}
}

// WithRateCard prices plans (estimate) and delivered messages (actual
// cost, from status pricing).
func WithRateCard(rc whatsapp.RateCard) Option {
	return func(s *Service) error { s.rates = rc; return nil }
}

// WithCatalog checks the campaign's template against its known definition
// at planning.
func WithCatalog(c *whatsapp.Catalog) Option {
	return func(s *Service) error {
		if c == nil {
			return errors.New("broadcast: catalog: nil")
		}
		s.catalog = c
		return nil
	}
}

// WithAutoPause sets the failure-rate trigger and the 131048 cooldown;
// zero fields keep their defaults.
func WithAutoPause(a AutoPause) Option {
	return func(s *Service) error {
		if a.Window < 0 || a.MinSamples < 0 || a.Threshold < 0 || a.Threshold > 1 || a.SpamCooldown < 0 {
			return errors.New("broadcast: auto pause: want non-negative values and a threshold within 0..1")
		}
		if a.Window > 0 {
			s.auto.Window = a.Window
		}
		if a.MinSamples > 0 {
			s.auto.MinSamples = a.MinSamples
		}
		if a.Threshold > 0 {
			s.auto.Threshold = a.Threshold
		}
		if a.SpamCooldown > 0 {
			s.auto.SpamCooldown = a.SpamCooldown
		}
		return nil
	}
}

// WithReconcileAfter sets how long a send whose answer was lost waits for
// a status webhook before [Service.Reconcile] fails it with
// [FailOutcomeUnknown] (default 1 hour).
func WithReconcileAfter(d time.Duration) Option {
	return func(s *Service) error {
		if d <= 0 {
			return errors.New("broadcast: reconcile after: must be positive")
		}
		s.reconcile = d
		return nil
	}
}

// WithMaxAttempts sets how many times a recipient is tried on retryable
// errors before it fails with [FailRetriesExhausted] (default 5).
func WithMaxAttempts(n int) Option {
	return func(s *Service) error {
		if n < 1 {
			return errors.New("broadcast: max attempts: must be at least 1")
		}
		s.attempts = n
		return nil
	}
}

// WithKeywords sets the inbound texts that opt a contact out of marketing
// (default "stop", "stop all", "unsubscribe", "opt out", "optout",
// "cancel", "end", "quit", "stop promotions") and back in (default
// "start", "unstop", "subscribe", "resume"). Matching ignores case and
// surrounding spaces; add words in the languages your contacts write.
func WithKeywords(stop, start []string) Option {
	return func(s *Service) error {
		if len(stop) == 0 {
			return errors.New("broadcast: keywords: at least one stop keyword")
		}
		norm := func(in []string) []string {
			out := make([]string, 0, len(in))
			for _, w := range in {
				if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
					out = append(out, w)
				}
			}
			return out
		}
		s.stopWords, s.startWords = norm(stop), norm(start)
		return nil
	}
}

// WithIDs sets the campaign id generator (default 16 random hex bytes).
func WithIDs(f func() string) Option {
	return func(s *Service) error {
		if f == nil {
			return errors.New("broadcast: ids: nil")
		}
		s.newID = f
		return nil
	}
}

// WithLogger logs state changes and send failures (never phone numbers or
// parameter values). The default is silent.
func WithLogger(l *slog.Logger) Option {
	return func(s *Service) error {
		if l == nil {
			return errors.New("broadcast: logger: nil")
		}
		s.logger = l
		return nil
	}
}

// New returns a service on store that sends with sender.
func New(store Store, sender Sender, opts ...Option) (*Service, error) {
	if store == nil {
		return nil, errors.New("broadcast: store: nil")
	}
	if sender == nil {
		return nil, errors.New("broadcast: sender: nil")
	}
	s := &Service{store: store, sender: sender, now: time.Now, logger: slog.New(slog.DiscardHandler),
		auto:      AutoPause{Window: 5 * time.Minute, MinSamples: 20, Threshold: 0.2, SpamCooldown: whatsapp.DefaultRetryInHoursWait},
		reconcile: time.Hour, attempts: 5, newID: randomID, stopWords: defaultStop, startWords: defaultStart,
		buckets: map[string]*slots{}, windows: map[string]*failureWindow{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.classifier == nil {
		c, err := whatsapp.NewClassifier(whatsapp.WithClassifierClock(s.now))
		if err != nil {
			return nil, err
		}
		s.classifier = c
	}
	if s.pacer == nil {
		l, err := whatsapp.NewLimiter(whatsapp.WithDefaultThroughput(whatsapp.MaxThroughput), whatsapp.WithLimiterClock(s.now))
		if err != nil {
			return nil, err
		}
		s.pacer = l
	}
	return s, nil
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Create stores a new draft campaign, filling its id (when empty), rate
// (default 80) and times.
func (s *Service) Create(ctx context.Context, c Campaign, actor Actor) (*Campaign, error) {
	if c.Rate == 0 {
		c.Rate = whatsapp.DefaultThroughput
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.ID == "" {
		c.ID = s.newID()
	} else if strings.ContainsAny(c.ID, ": ") || len(c.ID) > 64 {
		return nil, invalid("id", "at most 64 bytes, no ':' or spaces")
	}
	now := s.now()
	c.State, c.Pause, c.CreatedAt, c.UpdatedAt = StateDraft, nil, now, now
	c.PlannedAt, c.Planned, c.Estimate, c.CompletedAt = time.Time{}, 0, Money{}, time.Time{}
	c.History = []Transition{{To: StateDraft, Actor: actor, Reason: "created", At: now}}
	if err := s.store.CreateCampaign(ctx, &c); err != nil {
		return nil, fmt.Errorf("broadcast: create: %w", err)
	}
	return c.Clone(), nil
}

// Campaign returns a campaign.
func (s *Service) Campaign(ctx context.Context, workspaceID, id string) (*Campaign, error) {
	c, err := s.store.Campaign(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("broadcast: campaign: %w", err)
	}
	return c, nil
}

func (s *Service) move(ctx context.Context, workspaceID, id string, to State, actor Actor, reason string, check func(*Campaign) error) (*Campaign, error) {
	c, err := s.store.UpdateCampaign(ctx, workspaceID, id, func(c *Campaign) error {
		if check != nil {
			if err := check(c); err != nil {
				return err
			}
		}
		return c.transition(to, actor, reason, s.now())
	})
	if err != nil {
		return nil, fmt.Errorf("broadcast: %s: %w", to, err)
	}
	s.logger.Info("broadcast: campaign state", "campaign_id", id, "state", string(to), "actor", string(actor), "reason", reason)
	return c, nil
}

func needPlan(c *Campaign) error {
	if c.PlannedAt.IsZero() {
		return fmt.Errorf("%w: the campaign has no plan yet", ErrState)
	}
	return nil
}

// Schedule makes a planned campaign start at at (see [Service.StartDue]).
func (s *Service) Schedule(ctx context.Context, workspaceID, id string, at time.Time, actor Actor) (*Campaign, error) {
	if at.IsZero() {
		return nil, invalid("start_at", "required")
	}
	return s.move(ctx, workspaceID, id, StateScheduled, actor, "scheduled for "+at.UTC().Format(time.RFC3339), func(c *Campaign) error {
		c.StartAt = at
		return needPlan(c)
	})
}

// Start makes a planned campaign running now; workers started with
// [Service.Run] then send it.
func (s *Service) Start(ctx context.Context, workspaceID, id string, actor Actor) (*Campaign, error) {
	return s.move(ctx, workspaceID, id, StateRunning, actor, "started", needPlan)
}

// StartDue starts the workspace's scheduled campaigns whose start time has
// passed, returning them.
func (s *Service) StartDue(ctx context.Context, workspaceID string) ([]*Campaign, error) {
	cs, err := s.store.Campaigns(ctx, workspaceID, StateScheduled)
	if err != nil {
		return nil, fmt.Errorf("broadcast: start due: %w", err)
	}
	now := s.now()
	var out []*Campaign
	for _, c := range cs {
		if c.StartAt.After(now) {
			continue
		}
		started, err := s.move(ctx, workspaceID, c.ID, StateRunning, System, "schedule reached", func(c *Campaign) error {
			if c.StartAt.After(now) {
				return fmt.Errorf("%w: rescheduled", ErrState)
			}
			return needPlan(c)
		})
		if errors.Is(err, ErrState) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, started)
	}
	return out, nil
}

// Pause pauses a running campaign by hand; workers stop after their
// in-flight sends.
func (s *Service) Pause(ctx context.Context, workspaceID, id string, actor Actor, reason string) (*Campaign, error) {
	return s.pause(ctx, workspaceID, id, actor, Pause{Reason: PauseManual, Detail: reason})
}

func (s *Service) pause(ctx context.Context, workspaceID, id string, actor Actor, p Pause) (*Campaign, error) {
	p.At = s.now()
	reason := string(p.Reason)
	if p.Detail != "" {
		reason += ": " + p.Detail
	}
	return s.move(ctx, workspaceID, id, StatePaused, actor, reason, func(c *Campaign) error {
		if c.State != StateRunning {
			return fmt.Errorf("%w: campaign is %s", ErrState, c.State)
		}
		c.Pause = &p
		return nil
	})
}

// Resume resumes a paused campaign by hand, whatever paused it.
func (s *Service) Resume(ctx context.Context, workspaceID, id string, actor Actor, reason string) (*Campaign, error) {
	c, err := s.move(ctx, workspaceID, id, StateRunning, actor, "resumed: "+reason, nil)
	if err == nil {
		s.resetWindow(workspaceID, id)
	}
	return c, err
}

// Cancel cancels a campaign that has not finished; pending recipients are
// never sent.
func (s *Service) Cancel(ctx context.Context, workspaceID, id string, actor Actor, reason string) (*Campaign, error) {
	return s.move(ctx, workspaceID, id, StateCancelled, actor, reason, nil)
}

// Report is a campaign's counters and cost.
type Report struct {
	Counts
	// Sent counts recipients the API accepted (accepted, sent, delivered,
	// read, and those that failed after acceptance are in Failed).
	Sent int `json:"sent"`
	// Delivered counts delivered or read recipients; Read the read ones.
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Failed    int `json:"failed"`
	// Estimate is the plan's estimated cost; Actual the cost of the
	// messages status webhooks reported billable, priced by the rate card.
	Estimate Money `json:"estimate"`
	Actual   Money `json:"actual"`
}

// Report returns the campaign's counters and cost.
func (s *Service) Report(ctx context.Context, workspaceID, id string) (*Report, error) {
	c, err := s.store.Campaign(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("broadcast: report: %w", err)
	}
	n, err := s.store.Counts(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("broadcast: report: %w", err)
	}
	r := &Report{Counts: n, Estimate: c.Estimate, Actual: Money{Currency: s.rates.Currency}}
	r.Read = n.ByStatus[StatusRead]
	r.Delivered = n.ByStatus[StatusDelivered] + r.Read
	r.Sent = n.ByStatus[StatusAccepted] + n.ByStatus[StatusSent] + r.Delivered
	r.Failed = n.ByStatus[StatusFailed]
	for k, cnt := range n.BillableByCountry {
		country, cat, _ := strings.Cut(k, "/")
		r.Actual.Micros += int64(cnt) * s.price(country, cat)
	}
	return r, nil
}

func (s *Service) price(country, category string) int64 {
	cat := whatsapp.Category(strings.ToUpper(category))
	for _, k := range []string{country, "*"} {
		if m, ok := s.rates.Rates[k]; ok && k != "" {
			if v, ok := m[cat]; ok {
				return v
			}
		}
	}
	return 0
}

// Campaigns returns the workspace's campaigns in creation order, optionally
// only those in the given states.
func (s *Service) Campaigns(ctx context.Context, workspaceID string, states ...State) ([]*Campaign, error) {
	cs, err := s.store.Campaigns(ctx, workspaceID, states...)
	if err != nil {
		return nil, fmt.Errorf("broadcast: campaigns: %w", err)
	}
	return cs, nil
}

// Recipients iterates over the campaign's recipients in plan order,
// optionally only those with status ("" for all), a page at a time.
// Iteration stops at the first error, which is yielded with a zero
// Recipient.
func (s *Service) Recipients(ctx context.Context, workspaceID, campaignID string, status RecipientStatus) iter.Seq2[Recipient, error] {
	return func(yield func(Recipient, error) bool) {
		var after int64
		for {
			page, err := s.store.Recipients(ctx, workspaceID, campaignID, status, after, 500)
			if err != nil {
				yield(Recipient{}, fmt.Errorf("broadcast: recipients: %w", err))
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
				after = r.Seq
			}
			if len(page) < 500 {
				return
			}
		}
	}
}

// SetRate changes a campaign's messages per second (1..1000), also while
// it runs: workers pick the new rate up with their next batch.
func (s *Service) SetRate(ctx context.Context, workspaceID, id string, rate int, actor Actor) (*Campaign, error) {
	if rate < 1 || rate > whatsapp.MaxThroughput {
		return nil, invalid("rate", fmt.Sprintf("must be within 1..%d messages per second", whatsapp.MaxThroughput))
	}
	c, err := s.store.UpdateCampaign(ctx, workspaceID, id, func(c *Campaign) error {
		if c.State.Terminal() {
			return fmt.Errorf("%w: campaign is %s", ErrState, c.State)
		}
		now := s.now()
		c.History = append(c.History, Transition{From: c.State, To: c.State, Actor: actor,
			Reason: fmt.Sprintf("rate %d → %d per second", c.Rate, rate), At: now})
		c.Rate, c.UpdatedAt = rate, now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("broadcast: set rate: %w", err)
	}
	return c, nil
}

func isNilBudget(b Budget) bool {
	tb, ok := b.(*TierBudget)
	return ok && tb == nil
}
