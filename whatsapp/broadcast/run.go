package broadcast

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/whatsapp"
)

// RunOption configures one [Service.Run].
type RunOption func(*runConfig) error

type runConfig struct {
	workers int
	owner   string
	lease   time.Duration
	batch   int
	idle    time.Duration
	refresh time.Duration
}

// WithWorkers sets how many sends may be in flight at once (default 16).
func WithWorkers(n int) RunOption {
	return func(c *runConfig) error {
		if n < 1 || n > 1024 {
			return invalid("workers", "must be within 1..1024")
		}
		c.workers = n
		return nil
	}
}

// WithOwner names this worker pool in leases (default a random id). Two
// pools must not share an owner.
func WithOwner(owner string) RunOption {
	return func(c *runConfig) error {
		if owner == "" || len(owner) > 128 {
			return invalid("owner", "1..128 bytes")
		}
		c.owner = owner
		return nil
	}
}

// WithLease sets how long claimed recipients stay leased (default 1
// minute); a crashed pool's unsent claims return to the pool after it.
func WithLease(d time.Duration) RunOption {
	return func(c *runConfig) error {
		if d < time.Second {
			return invalid("lease", "at least one second")
		}
		c.lease = d
		return nil
	}
}

// WithBatch sets how many recipients one claim takes at most (default
// 200, and never more than one second of the campaign's rate).
func WithBatch(n int) RunOption {
	return func(c *runConfig) error {
		if n < 1 || n > 10000 {
			return invalid("batch", "must be within 1..10000")
		}
		c.batch = n
		return nil
	}
}

// WithIdleWait sets how long the pool waits when nothing is claimable but
// recipients remain (retries later, other pools' leases; default 5 s).
func WithIdleWait(d time.Duration) RunOption {
	return func(c *runConfig) error {
		if d <= 0 {
			return invalid("idle_wait", "must be positive")
		}
		c.idle = d
		return nil
	}
}

// Run sends the campaign's recipients until none is left (the campaign then
// completes), the campaign stops running (paused, cancelled — by hand, by
// another instance or by an auto-pause trigger) or ctx ends. Several Run
// calls — in this process or others sharing the store — may work on one
// campaign: claims are leased, so no recipient is sent twice. It returns
// nil when the campaign is not running (any more), ctx.Err() when ctx
// ended, or a store error.
//
// Each recipient's send intent is recorded before the call. A send whose
// answer is lost (timeout after the request left) is not sent again: its
// outcome comes from status webhooks ([Service.Observe]) or, when none
// arrives, [Service.Reconcile] fails it with [FailOutcomeUnknown].
func (s *Service) Run(ctx context.Context, workspaceID, campaignID string, opts ...RunOption) error {
	cfg := runConfig{workers: 16, owner: "run-" + randomID()[:12], lease: time.Minute, batch: 200, idle: 5 * time.Second, refresh: time.Second}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return err
		}
	}
	r := &run{s: s, owner: cfg.owner}
	c, err := s.store.Campaign(ctx, workspaceID, campaignID)
	if err != nil {
		return fmt.Errorf("broadcast: run: %w", err)
	}
	r.c = c
	bg := context.WithoutCancel(ctx)
	stopWriters := r.startWriters(bg)
	// one batch may wait in the queue while the next is claimed
	jobs := make(chan Recipient, min(cfg.batch, max(1, c.Rate)))
	var workers, outstanding sync.WaitGroup
	for range cfg.workers {
		workers.Go(func() {
			for rc := range jobs {
				if !r.handle(ctx, bg, rc) {
					r.releaseAll(bg, []Recipient{rc})
				}
				outstanding.Done()
			}
		})
	}
	err = r.loop(ctx, bg, cfg, jobs, &outstanding)
	close(jobs)
	workers.Wait()
	stopWriters()
	return err
}

// loop claims batches and feeds them to the workers; the next batch is
// claimed while the previous one is still in flight.
func (r *run) loop(ctx, bg context.Context, cfg runConfig, jobs chan<- Recipient, outstanding *sync.WaitGroup) error {
	s := r.s
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := r.refresh(ctx)
		if err != nil {
			return err
		}
		if c.State != StateRunning || r.stop.Load() {
			r.stop.Store(true) // queued jobs go back to the pool
			return nil
		}
		now := s.now()
		n := min(cfg.batch, max(1, c.Rate))
		batch, err := s.store.Claim(ctx, c.WorkspaceID, c.ID, r.owner, n, now, now.Add(cfg.lease))
		if err != nil {
			return fmt.Errorf("broadcast: run: claim: %w", err)
		}
		if len(batch) == 0 {
			outstanding.Wait()
			batch, err = s.store.Claim(ctx, c.WorkspaceID, c.ID, r.owner, n, s.now(), s.now().Add(cfg.lease))
			if err != nil {
				return fmt.Errorf("broadcast: run: claim: %w", err)
			}
		}
		if len(batch) == 0 {
			done, wait, err := s.idle(ctx, c, cfg.idle)
			if err != nil || done {
				return err
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			continue
		}
		// A new opt-out (STOP, 131050, user_preferences) after planning
		// still stops the send.
		keys := make([]string, len(batch))
		for i, rc := range batch {
			keys[i] = rc.To
		}
		sup, err := s.store.Suppressed(ctx, c.WorkspaceID, keys)
		if err != nil {
			r.releaseAll(bg, batch)
			return fmt.Errorf("broadcast: run: %w", err)
		}
		if err := r.feed(ctx, bg, cfg.refresh, batch, sup, jobs, outstanding); err != nil {
			return err
		}
	}
}

// feed hands a batch to the workers. While it waits for them it re-reads
// the campaign every refresh: a pause or cancel elsewhere stops the pool,
// a new rate applies.
func (r *run) feed(ctx, bg context.Context, refresh time.Duration, batch []Recipient, sup map[string]Suppression, jobs chan<- Recipient, outstanding *sync.WaitGroup) error {
	t := time.NewTimer(refresh)
	defer t.Stop()
	for i := 0; i < len(batch); {
		rc := batch[i]
		if _, ok := sup[rc.To]; ok {
			r.skip(bg, rc, SkipOptedOut)
			i++
			continue
		}
		if r.stop.Load() {
			r.releaseAll(bg, batch[i:])
			return nil
		}
		outstanding.Add(1)
		select {
		case <-ctx.Done():
			outstanding.Done()
			r.releaseAll(bg, batch[i:])
			return ctx.Err()
		case <-t.C:
			outstanding.Done()
			if c, err := r.refresh(ctx); err == nil && c.State != StateRunning {
				r.stop.Store(true)
			}
			t.Reset(refresh)
		case jobs <- rc:
			i++
		}
	}
	return nil
}

// refresh re-reads the campaign for the workers.
func (r *run) refresh(ctx context.Context) (*Campaign, error) {
	c := r.campaign()
	c, err := r.s.store.Campaign(ctx, c.WorkspaceID, c.ID)
	if err != nil {
		return nil, fmt.Errorf("broadcast: run: %w", err)
	}
	if c.State == StateRunning {
		r.setCampaign(c)
	}
	return c, nil
}

// idle decides what to do when nothing was claimable: complete the
// campaign when no recipient is open, else wait.
func (s *Service) idle(ctx context.Context, c *Campaign, idle time.Duration) (bool, time.Duration, error) {
	n, err := s.store.Counts(ctx, c.WorkspaceID, c.ID)
	if err != nil {
		return false, 0, fmt.Errorf("broadcast: run: %w", err)
	}
	if n.Open() == 0 {
		_, err := s.move(ctx, c.WorkspaceID, c.ID, StateCompleted, System, "every recipient handled", func(c *Campaign) error {
			if c.State != StateRunning {
				return fmt.Errorf("%w: campaign is %s", ErrState, c.State)
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrState) {
			return false, 0, err
		}
		return true, 0, nil
	}
	wait := idle
	if n.ByStatus[StatusPending] > 0 && !n.NextAt.IsZero() {
		if d := n.NextAt.Sub(s.now()); d < wait {
			wait = max(d, time.Millisecond)
		}
	}
	return false, wait, nil
}

// run is the state of one Run call.
type run struct {
	s     *Service
	owner string
	stop  atomic.Bool
	// hold delays every worker (throttling errors), as Unix nanoseconds.
	hold atomic.Int64

	// intents and accepts feed the group-commit writers (group.go).
	intents chan intentReq
	accepts chan Accepted

	mu sync.Mutex
	c  *Campaign
}

func (r *run) setCampaign(c *Campaign) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.c = c
}

func (r *run) campaign() *Campaign {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c
}

// update applies fn to a recipient this run still leases.
func (r *run) update(ctx context.Context, rc Recipient, want RecipientStatus, fn func(*Recipient)) error {
	_, err := r.s.store.UpdateRecipient(ctx, rc.WorkspaceID, rc.CampaignID, rc.Seq, func(x *Recipient) error {
		if x.Status != want || x.LeaseOwner != r.owner {
			return ErrLeaseLost
		}
		fn(x)
		x.UpdatedAt = r.s.now()
		return nil
	})
	return err
}

func (r *run) releaseAll(ctx context.Context, rs []Recipient) {
	for _, rc := range rs {
		_ = r.update(ctx, rc, StatusClaimed, func(x *Recipient) {
			x.Status, x.LeaseOwner, x.LeaseUntil = StatusPending, "", time.Time{}
		})
	}
}

func (r *run) postpone(ctx context.Context, rc Recipient, until time.Time) {
	_ = r.update(ctx, rc, StatusClaimed, func(x *Recipient) {
		x.Status, x.LeaseOwner, x.LeaseUntil, x.NotBefore = StatusPending, "", time.Time{}, until
	})
}

func (r *run) skip(ctx context.Context, rc Recipient, why SkipReason) {
	_ = r.update(ctx, rc, StatusClaimed, func(x *Recipient) {
		x.Status, x.SkipReason, x.LeaseOwner, x.LeaseUntil = StatusSkipped, why, "", time.Time{}
	})
}

// handle sends one recipient; it reports whether the recipient left the
// claimed state (sent, failed, deferred or lost), false when it is to be
// released unsent.
func (r *run) handle(ctx, bg context.Context, rc Recipient) bool {
	s, c := r.s, r.campaign()
	if r.stop.Load() || ctx.Err() != nil {
		return false
	}
	if h := r.hold.Load(); h > 0 {
		if d := time.Unix(0, h).Sub(s.now()); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return false
			case <-t.C:
			}
		}
	}
	until, err := c.QuietHours.quietUntil(s.now(), rc.TimeZone)
	if err == nil && !until.IsZero() {
		r.postpone(bg, rc, until)
		return true
	}
	if s.budget != nil {
		ok, at, err := s.budget.Admit(ctx, c.WorkspaceID, c.PhoneNumberID, rc.To)
		if err != nil {
			r.hold.Store(s.now().Add(time.Second).UnixNano())
			s.logger.Warn("broadcast: tier budget failed", "campaign_id", c.ID, "error", err)
			return false
		}
		if !ok {
			r.postpone(bg, rc, at)
			return true
		}
	}
	to := whatsappRecipient(rc.To)
	slot := s.bucket(c.WorkspaceID, c.ID, c.Rate)
	if err := s.waitSlot(ctx, c, slot); err != nil {
		if ctx.Err() == nil {
			r.hold.Store(s.now().Add(time.Second).UnixNano())
			s.logger.Warn("broadcast: shared schedule failed", "campaign_id", c.ID, "error", err)
		}
		return false
	}
	if err := s.pacer.Wait(ctx, c.PhoneNumberID, to); err != nil {
		if ctx.Err() == nil {
			// a shared limit backend failed: slow the pool down
			r.hold.Store(s.now().Add(time.Second).UnixNano())
			s.logger.Warn("broadcast: pacer failed", "campaign_id", c.ID, "error", err)
		}
		return false
	}
	if r.stop.Load() || ctx.Err() != nil {
		return false
	}
	msg, err := c.Message(rc)
	if err != nil {
		_ = r.update(bg, rc, StatusClaimed, func(x *Recipient) {
			x.Status, x.FailReason, x.FailedAt, x.LeaseOwner = StatusFailed, "invalid parameters", s.now(), ""
		})
		return true
	}
	// The intent: from here on the recipient is never claimed again.
	if !r.startSend(rc.Seq) {
		return false // lease lost (release is a no-op then) or store failure
	}
	if err := s.waitDeparture(ctx, slot); err != nil {
		// nothing left: back to the pool
		_ = r.updateSending(bg, rc, func(x *Recipient) {
			x.Status, x.LeaseOwner, x.LeaseUntil, x.IntentAt, x.Attempts = StatusPending, "", time.Time{}, time.Time{}, x.Attempts-1
		})
		return true
	}
	res, sendErr := s.sender.Send(ctx, c.PhoneNumberID, msg)
	r.outcome(bg, rc, res, sendErr)
	return true
}

// outcome records the answer of a send whose intent was recorded.
func (r *run) outcome(ctx context.Context, rc Recipient, res *whatsapp.SendResult, sendErr error) {
	s, c := r.s, r.campaign()
	now := s.now()
	if sendErr == nil {
		id := ""
		if res != nil {
			id = res.MessageID
		}
		r.accepts <- Accepted{Seq: rc.Seq, MessageID: id}
		s.observeOutcome(ctx, c, false)
		return
	}
	action := s.classifier.Classify(c.PhoneNumberID, sendErr)
	code, title := errorCode(sendErr)
	s.logger.Debug("broadcast: send failed", "campaign_id", c.ID, "seq", rc.Seq, "action", action.String(), "code", code)
	if action == whatsapp.ActionUncertain {
		// The request may have reached Meta: keep the intent, wait for
		// status webhooks; never re-send blindly.
		_ = r.updateSending(ctx, rc, func(x *Recipient) { x.LeaseOwner, x.LeaseUntil = "", time.Time{} })
		return
	}
	retryAt := now.Add(retryAfter(sendErr, action))
	requeue := func(x *Recipient) {
		if x.Attempts >= s.attempts {
			x.Status, x.FailReason, x.ErrorCode, x.FailedAt = StatusFailed, FailRetriesExhausted, code, now
		} else {
			x.Status, x.NotBefore = StatusPending, retryAt
		}
		x.LeaseOwner, x.LeaseUntil = "", time.Time{}
	}
	fail := func(x *Recipient) {
		x.Status, x.ErrorCode, x.FailReason, x.FailedAt = StatusFailed, code, title, now
		x.LeaseOwner, x.LeaseUntil = "", time.Time{}
	}
	switch action {
	case whatsapp.ActionRetrySoon:
		r.hold.Store(retryAt.UnixNano())
		_ = r.updateSending(ctx, rc, requeue)
	case whatsapp.ActionRetryRecipientLater:
		_ = r.updateSending(ctx, rc, requeue)
	case whatsapp.ActionRetryInHours:
		_ = r.updateSending(ctx, rc, requeue)
		if code == 131048 {
			r.autoPause(ctx, Pause{Reason: PauseSpamLimit, Detail: "error 131048", ResumeAt: now.Add(s.auto.SpamCooldown)})
		}
	case whatsapp.ActionHaltNumber:
		_ = r.updateSending(ctx, rc, func(x *Recipient) {
			x.Status, x.LeaseOwner, x.LeaseUntil, x.Attempts = StatusPending, "", time.Time{}, x.Attempts-1
		})
		reason := PauseNumberHalted
		if code == 131048 {
			reason = PauseSpamLimit
		}
		r.autoPause(ctx, Pause{Reason: reason, Detail: fmt.Sprintf("error %d", code)})
	case whatsapp.ActionReconnect:
		_ = r.updateSending(ctx, rc, func(x *Recipient) {
			x.Status, x.LeaseOwner, x.LeaseUntil, x.Attempts = StatusPending, "", time.Time{}, x.Attempts-1
		})
		r.autoPause(ctx, Pause{Reason: PauseReconnect, Detail: fmt.Sprintf("error %d", code)})
	case whatsapp.ActionSuppressRecipient:
		_ = r.updateSending(ctx, rc, fail)
		_ = s.store.Suppress(ctx, Suppression{WorkspaceID: c.WorkspaceID, Contact: rc.To, Source: SourceError131050, At: now})
		s.observeOutcome(ctx, c, true)
	default: // terminal, needs template
		_ = r.updateSending(ctx, rc, fail)
		switch code {
		case 132001, 132015, 132016:
			r.autoPause(ctx, Pause{Reason: PauseTemplate, Detail: fmt.Sprintf("error %d", code)})
		}
		if s.observeOutcome(ctx, c, true) {
			r.stop.Store(true)
		}
	}
}

func (r *run) updateSending(ctx context.Context, rc Recipient, fn func(*Recipient)) error {
	return r.update(ctx, rc, StatusSending, fn)
}

func (r *run) autoPause(ctx context.Context, p Pause) {
	r.stop.Store(true)
	c := r.campaign()
	r.s.autoPause(ctx, c.WorkspaceID, c.ID, p)
}

// errorCode returns the Cloud API error code and title of a send error.
func errorCode(err error) (int, string) {
	var me *meta.Error
	if errors.As(err, &me) {
		return me.Code, "error " + fmt.Sprint(me.Code)
	}
	var ed whatsapp.ErrorDetail
	if errors.As(err, &ed) {
		return ed.Code, ed.Title
	}
	var ve *whatsapp.ValidationError
	if errors.As(err, &ve) {
		return 0, "invalid: " + ve.Field
	}
	return 0, "send failed"
}

func retryAfter(err error, a whatsapp.Action) time.Duration {
	var se *whatsapp.SendError
	if errors.As(err, &se) {
		if d := se.RetryAfter(); d > 0 {
			return d
		}
	}
	var me *meta.Error
	if errors.As(err, &me) && me.RetryAfter > 0 {
		return me.RetryAfter
	}
	switch a {
	case whatsapp.ActionRetryRecipientLater:
		return whatsapp.DefaultRetryRecipientWait
	case whatsapp.ActionRetryInHours:
		return whatsapp.DefaultRetryInHoursWait
	}
	return whatsapp.DefaultRetrySoonWait
}
