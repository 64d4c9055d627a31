package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Usage headers Meta attaches to Graph responses.
const (
	HeaderAppUsage             = "X-App-Usage"
	HeaderBusinessUseCaseUsage = "X-Business-Use-Case-Usage"
	HeaderAdAccountUsage       = "X-Ad-Account-Usage"
)

// Usage is what one response said about rate-limit consumption. Each part is
// nil/empty when its header was absent. Percentages are of the limit (100 =
// throttled).
type Usage struct {
	// App is X-App-Usage: the app's platform rate limit.
	App *AppUsage
	// BusinessUseCase is X-Business-Use-Case-Usage, keyed by business object
	// id (Page, Instagram account, WhatsApp Business Account, ad account).
	BusinessUseCase map[string][]BusinessUseCaseUsage
	// AdAccount is X-Ad-Account-Usage.
	AdAccount *AdAccountUsage
}

// AppUsage is the X-App-Usage header.
type AppUsage struct {
	// CallCount, TotalCPUTime and TotalTime are percentages of the app's
	// hourly allowance.
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
}

// Max returns the highest of the three percentages.
func (a AppUsage) Max() float64 { return max(a.CallCount, a.TotalCPUTime, a.TotalTime) }

// BusinessUseCaseUsage is one entry of X-Business-Use-Case-Usage.
type BusinessUseCaseUsage struct {
	// Type is the use case: "messenger", "instagram", "pages",
	// "whatsapp_business_management", "ads_management"…
	Type string `json:"type"`
	// CallCount, TotalCPUTime and TotalTime are percentages of the business
	// object's allowance for this use case.
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
	// EstimatedTimeToRegainAccess is how long calls stay blocked (Meta sends
	// minutes; 0 when not throttled).
	EstimatedTimeToRegainAccess time.Duration `json:"-"`
	// AdsAPIAccessTier is sent for ads use cases.
	AdsAPIAccessTier string `json:"ads_api_access_tier,omitempty"`
}

type bucWire struct {
	Type                        string  `json:"type"`
	CallCount                   float64 `json:"call_count"`
	TotalCPUTime                float64 `json:"total_cputime"`
	TotalTime                   float64 `json:"total_time"`
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"`
	AdsAPIAccessTier            string  `json:"ads_api_access_tier,omitempty"`
}

// UnmarshalJSON reads Meta's wire form (regain time in minutes).
func (b *BusinessUseCaseUsage) UnmarshalJSON(data []byte) error {
	var w bucWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if w.EstimatedTimeToRegainAccess < 0 || w.EstimatedTimeToRegainAccess > 7*24*60 {
		return fmt.Errorf("estimated_time_to_regain_access %v: out of range", w.EstimatedTimeToRegainAccess)
	}
	*b = BusinessUseCaseUsage{
		Type: w.Type, CallCount: w.CallCount, TotalCPUTime: w.TotalCPUTime, TotalTime: w.TotalTime,
		EstimatedTimeToRegainAccess: time.Duration(w.EstimatedTimeToRegainAccess * float64(time.Minute)),
		AdsAPIAccessTier:            w.AdsAPIAccessTier,
	}
	return nil
}

// MarshalJSON writes Meta's wire form (regain time in whole minutes, rounded
// up), so fakes can produce the header.
func (b BusinessUseCaseUsage) MarshalJSON() ([]byte, error) {
	mins := int64((b.EstimatedTimeToRegainAccess + time.Minute - 1) / time.Minute)
	return json.Marshal(bucWire{
		Type: b.Type, CallCount: b.CallCount, TotalCPUTime: b.TotalCPUTime, TotalTime: b.TotalTime,
		EstimatedTimeToRegainAccess: float64(mins), AdsAPIAccessTier: b.AdsAPIAccessTier,
	})
}

// Max returns the highest of the three percentages.
func (b BusinessUseCaseUsage) Max() float64 { return max(b.CallCount, b.TotalCPUTime, b.TotalTime) }

// AdAccountUsage is the X-Ad-Account-Usage header.
type AdAccountUsage struct {
	// AccIDUtilPct is the percentage of the ad account's limit used.
	AccIDUtilPct float64 `json:"acc_id_util_pct"`
	// ResetTimeDuration is the time until the limit resets, in seconds on
	// the wire.
	ResetTimeDuration float64 `json:"reset_time_duration"`
	// AdsAPIAccessTier is "development_access" or "standard_access".
	AdsAPIAccessTier string `json:"ads_api_access_tier,omitempty"`
}

// ParseUsage reads the three usage headers. Absent headers leave their part
// empty; a malformed header is reported (naming the header) while the others
// are still returned.
func ParseUsage(h http.Header) (Usage, error) {
	var (
		u    Usage
		errs []error
	)
	if v := h.Get(HeaderAppUsage); v != "" {
		var a AppUsage
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			errs = append(errs, fmt.Errorf("meta: %s: %w", HeaderAppUsage, err))
		} else {
			u.App = &a
		}
	}
	if v := h.Get(HeaderBusinessUseCaseUsage); v != "" {
		var m map[string][]BusinessUseCaseUsage
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			errs = append(errs, fmt.Errorf("meta: %s: %w", HeaderBusinessUseCaseUsage, err))
		} else if len(m) > 0 {
			u.BusinessUseCase = m
		}
	}
	if v := h.Get(HeaderAdAccountUsage); v != "" {
		var a AdAccountUsage
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			errs = append(errs, fmt.Errorf("meta: %s: %w", HeaderAdAccountUsage, err))
		} else if a.ResetTimeDuration < 0 || a.ResetTimeDuration > 7*24*3600 {
			errs = append(errs, fmt.Errorf("meta: %s: reset_time_duration %v: out of range", HeaderAdAccountUsage, a.ResetTimeDuration))
		} else {
			u.AdAccount = &a
		}
	}
	return u, errors.Join(errs...)
}

// IsZero reports whether no usage header was present.
func (u Usage) IsZero() bool {
	return u.App == nil && len(u.BusinessUseCase) == 0 && u.AdAccount == nil
}

// MaxPercent returns the highest percentage in any of the headers.
func (u Usage) MaxPercent() float64 {
	var m float64
	if u.App != nil {
		m = u.App.Max()
	}
	for _, list := range u.BusinessUseCase {
		for _, b := range list {
			m = max(m, b.Max())
		}
	}
	if u.AdAccount != nil {
		m = max(m, u.AdAccount.AccIDUtilPct)
	}
	return m
}

// RegainAccess returns the longest time Meta estimated until access is
// regained (business use cases' estimated_time_to_regain_access, the ad
// account's reset_time_duration), or 0.
func (u Usage) RegainAccess() time.Duration {
	var d time.Duration
	for _, list := range u.BusinessUseCase {
		for _, b := range list {
			d = max(d, b.EstimatedTimeToRegainAccess)
		}
	}
	if u.AdAccount != nil && u.AdAccount.AccIDUtilPct >= 100 {
		d = max(d, time.Duration(u.AdAccount.ResetTimeDuration*float64(time.Second)))
	}
	return d
}

// Budget is a static token bucket for a documented rate limit.
type Budget struct {
	// Limit is the sustained rate in calls per second.
	Limit rate.Limit
	// Burst is how many calls may go at once.
	Burst int
}

// Documented per-object budgets, for [GovernorBudget] and
// [GovernorDefaultBudget].
var (
	// BudgetWhatsAppThroughput is the Cloud API's default throughput: 80
	// messages per second per business phone number.
	BudgetWhatsAppThroughput = Budget{Limit: 80, Burst: 80}
	// BudgetInstagramSend is the Instagram Send API limit for text, links,
	// reactions and stickers: 100 calls per second per professional account.
	BudgetInstagramSend = Budget{Limit: 100, Burst: 100}
	// BudgetInstagramSendMedia is the Instagram Send API limit for audio and
	// video: 10 calls per second per professional account.
	BudgetInstagramSendMedia = Budget{Limit: 10, Burst: 10}
)

// Governor slows callers down before Meta throttles them. It keeps state per
// app (X-App-Usage) and per business object (X-Business-Use-Case-Usage), fed
// by [Governor.Observe] after every call; [Governor.Wait] then delays calls
// in proportion to how far usage is past the threshold (default 80%), blocks
// them until the estimated time to regain access when a limit is reached, and
// spaces them by static token buckets for documented budgets.
//
// Calls are grouped by key: the client uses the first path segment below the
// version (the object id, e.g. the phone number id of "1234/messages") unless
// the context carries [WithGovernorKey]. A key learns which business objects'
// usage its responses report, so a phone number is slowed when its WhatsApp
// Business Account nears its limit.
//
// A Governor is safe for concurrent use; share one between all clients of an
// app. The zero value is not usable; call [NewGovernor].
type Governor struct {
	cfg governorConfig

	mu        sync.Mutex
	app       usageState
	objects   map[string]*usageState
	keys      map[string]*keyState
	lastPrune time.Time
}

type usageState struct {
	pct      float64
	observed time.Time
	until    time.Time // blocked until
}

type keyState struct {
	usageState
	seen    time.Time // last Observe or Wait under the key
	objects map[string]struct{}
	limiter *rate.Limiter
}

type governorConfig struct {
	threshold float64
	maxDelay  time.Duration
	ttl       time.Duration
	now       func() time.Time
	budgets   map[string]Budget
	deflt     *Budget
}

// GovernorOption configures a [Governor].
type GovernorOption func(*governorConfig) error

// GovernorThreshold sets the usage percentage (0 < pct < 100) from which
// calls are delayed. Default 80.
func GovernorThreshold(pct float64) GovernorOption {
	return func(c *governorConfig) error {
		if !(pct > 0 && pct < 100) {
			return fmt.Errorf("meta: governor threshold %v: want 0 < pct < 100", pct)
		}
		c.threshold = pct
		return nil
	}
}

// GovernorMaxDelay sets the delay at 100% usage when Meta gave no time to
// regain access; below that the delay grows linearly from the threshold.
// Default 10s.
func GovernorMaxDelay(d time.Duration) GovernorOption {
	return func(c *governorConfig) error {
		if d <= 0 {
			return fmt.Errorf("meta: governor max delay %v: must be positive", d)
		}
		c.maxDelay = d
		return nil
	}
}

// GovernorUsageTTL sets how long an observed usage reading counts (Meta's
// windows roll, so old readings say little). Default 5 minutes.
func GovernorUsageTTL(d time.Duration) GovernorOption {
	return func(c *governorConfig) error {
		if d <= 0 {
			return fmt.Errorf("meta: governor usage TTL %v: must be positive", d)
		}
		c.ttl = d
		return nil
	}
}

// GovernorClock sets the governor's clock (default time.Now).
func GovernorClock(now func() time.Time) GovernorOption {
	return func(c *governorConfig) error {
		if now == nil {
			return errors.New("meta: governor clock: nil")
		}
		c.now = now
		return nil
	}
}

// GovernorBudget gives key a static token bucket (for example a phone number
// id and [BudgetWhatsAppThroughput]).
func GovernorBudget(key string, b Budget) GovernorOption {
	return func(c *governorConfig) error {
		if key == "" {
			return errors.New("meta: governor budget: empty key")
		}
		if err := b.validate(); err != nil {
			return fmt.Errorf("meta: governor budget %q: %w", key, err)
		}
		c.budgets[key] = b
		return nil
	}
}

// GovernorDefaultBudget gives every key without its own budget a static
// token bucket.
func GovernorDefaultBudget(b Budget) GovernorOption {
	return func(c *governorConfig) error {
		if err := b.validate(); err != nil {
			return fmt.Errorf("meta: governor default budget: %w", err)
		}
		c.deflt = &b
		return nil
	}
}

func (b Budget) validate() error {
	if b.Limit <= 0 || b.Burst < 1 {
		return fmt.Errorf("limit %v burst %d: want a positive limit and burst", b.Limit, b.Burst)
	}
	return nil
}

// NewGovernor returns a Governor.
func NewGovernor(opts ...GovernorOption) (*Governor, error) {
	cfg := governorConfig{
		threshold: 80,
		maxDelay:  10 * time.Second,
		ttl:       5 * time.Minute,
		now:       time.Now,
		budgets:   map[string]Budget{},
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Governor{cfg: cfg, objects: map[string]*usageState{}, keys: map[string]*keyState{}}, nil
}

// WithGovernorKey makes calls with ctx count against key in the governor
// instead of the path's first segment (e.g. "IGID/media" for a tighter
// budget on media sends).
func WithGovernorKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, governorKeyKey{}, key)
}

func governorKeyFor(ctx context.Context, cfg *config, r *http.Request) string {
	if k, ok := ctx.Value(governorKeyKey{}).(string); ok && k != "" {
		return k
	}
	p := strings.TrimPrefix(opName(cfg, r), r.Method+" ")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	return p
}

func (g *Governor) key(k string) *keyState {
	ks := g.keys[k]
	if ks == nil {
		ks = &keyState{objects: map[string]struct{}{}}
		b, ok := g.cfg.budgets[k]
		if !ok && g.cfg.deflt != nil {
			b, ok = *g.cfg.deflt, true
		}
		if ok {
			ks.limiter = rate.NewLimiter(b.Limit, b.Burst)
		}
		g.keys[k] = ks
	}
	return ks
}

// Observe records the usage reported by a response to a call under key. The
// client calls it after every attempt.
func (g *Governor) Observe(key string, u Usage) {
	if u.IsZero() {
		return
	}
	now := g.cfg.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if u.App != nil {
		g.app = usageState{pct: u.App.Max(), observed: now, until: g.app.until}
	}
	ks := g.key(key)
	ks.seen = now
	for id, list := range u.BusinessUseCase {
		st := g.objects[id]
		if st == nil {
			st = &usageState{}
			g.objects[id] = st
		}
		var pct float64
		var regain time.Duration
		for _, b := range list {
			pct = max(pct, b.Max())
			regain = max(regain, b.EstimatedTimeToRegainAccess)
		}
		st.pct, st.observed = pct, now
		if regain > 0 {
			st.until = later(st.until, now.Add(regain))
		}
		ks.objects[id] = struct{}{}
	}
	if len(g.keys)+len(g.objects) > pruneAbove && now.Sub(g.lastPrune) > g.cfg.ttl {
		g.lastPrune = now
		g.pruneLocked(now)
	}
	if u.AdAccount != nil {
		ks.pct, ks.observed = u.AdAccount.AccIDUtilPct, now
		if u.AdAccount.AccIDUtilPct >= 100 && u.AdAccount.ResetTimeDuration > 0 {
			ks.until = later(ks.until, now.Add(time.Duration(u.AdAccount.ResetTimeDuration*float64(time.Second))))
		}
	}
}

// pruneAbove is the number of tracked keys and objects past which Observe
// forgets stale ones (at most once per usage TTL), so a long-running agency
// process stays bounded.
const pruneAbove = 10000

// pruneLocked drops state that no longer affects any call: readings older
// than the TTL with no block pending (a dropped token bucket has long since
// refilled, so recreating it is equivalent).
func (g *Governor) pruneLocked(now time.Time) {
	stale := func(st *usageState) bool {
		return !now.Before(st.until) && now.Sub(st.observed) > g.cfg.ttl
	}
	for id, st := range g.objects {
		if stale(st) {
			delete(g.objects, id)
		}
	}
	for k, ks := range g.keys {
		if stale(&ks.usageState) && now.Sub(ks.seen) > g.cfg.ttl && (ks.limiter == nil || ks.limiter.TokensAt(now) >= float64(ks.limiter.Burst())) {
			delete(g.keys, k)
		}
	}
}

// Tracked returns how many keys and business objects the governor holds
// state for, for metrics.
func (g *Governor) Tracked() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.keys) + len(g.objects)
}

// Throttled records that Meta throttled a call under key and asked to wait d
// (d <= 0: Meta gave no time, and the key waits the maximum delay): further
// calls under key wait at least until then.
func (g *Governor) Throttled(key string, d time.Duration) {
	if d <= 0 {
		d = g.cfg.maxDelay
	}
	now := g.cfg.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	ks := g.key(key)
	ks.until = later(ks.until, now.Add(d))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// delayFor is the usage-based delay of one state.
func (g *Governor) delayFor(st *usageState, now time.Time) time.Duration {
	if now.Before(st.until) {
		return st.until.Sub(now)
	}
	if st.observed.IsZero() || now.Sub(st.observed) > g.cfg.ttl || st.pct < g.cfg.threshold {
		return 0
	}
	if st.pct >= 100 {
		return g.cfg.maxDelay
	}
	frac := (st.pct - g.cfg.threshold) / (100 - g.cfg.threshold)
	return time.Duration(frac * float64(g.cfg.maxDelay))
}

// Delay returns how long a call under key would wait now for usage reasons
// (not counting its token bucket).
func (g *Governor) Delay(key string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.delayLocked(key, g.cfg.now())
}

func (g *Governor) delayLocked(key string, now time.Time) time.Duration {
	d := g.delayFor(&g.app, now)
	if ks := g.keys[key]; ks != nil {
		d = max(d, g.delayFor(&ks.usageState, now))
		for id := range ks.objects {
			if st := g.objects[id]; st != nil {
				d = max(d, g.delayFor(st, now))
			}
		}
	}
	if st := g.objects[key]; st != nil {
		d = max(d, g.delayFor(st, now))
	}
	return d
}

// Wait blocks until a call under key may go: first the usage-based delay,
// then the key's token bucket. When the wait would end after ctx's deadline
// it returns at once with an error matching [ErrRateLimited]; when ctx ends
// it returns ctx's error.
func (g *Governor) Wait(ctx context.Context, key string) error {
	g.mu.Lock()
	now := g.cfg.now()
	d := g.delayLocked(key, now)
	var res *rate.Reservation
	ks := g.key(key)
	ks.seen = now
	if lim := ks.limiter; lim != nil {
		res = lim.ReserveN(now.Add(d), 1)
		d += res.DelayFrom(now.Add(d))
	}
	g.mu.Unlock()
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
		if res != nil {
			res.CancelAt(now)
		}
		return fmt.Errorf("governor: %q needs a wait of %v, past the deadline: %w", key, d, ErrRateLimited)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		if res != nil {
			res.CancelAt(g.cfg.now())
		}
		return ctx.Err()
	}
}
