package broadcast

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botsync/botsync/whatsapp"
)

// failureWindow holds a campaign's recent send outcomes in this process.
type failureWindow struct {
	at     []time.Time
	failed []bool
}

func (s *Service) resetWindow(workspaceID, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.windows, workspaceID+"\x00"+id)
}

// observeOutcome records a send outcome and auto-pauses the campaign when
// the failure rate over the window passes the threshold; it reports
// whether it paused.
func (s *Service) observeOutcome(ctx context.Context, c *Campaign, failed bool) bool {
	now := s.now()
	k := c.WorkspaceID + "\x00" + c.ID
	s.mu.Lock()
	w := s.windows[k]
	if w == nil {
		w = &failureWindow{}
		s.windows[k] = w
	}
	cut := now.Add(-s.auto.Window)
	i := 0
	for i < len(w.at) && !w.at[i].After(cut) {
		i++
	}
	w.at, w.failed = append(w.at[i:], now), append(w.failed[i:], failed)
	n, bad := len(w.at), 0
	for _, f := range w.failed {
		if f {
			bad++
		}
	}
	trip := failed && n >= s.auto.MinSamples && float64(bad)/float64(n) > s.auto.Threshold
	if trip {
		w.at, w.failed = nil, nil
	}
	s.mu.Unlock()
	if trip {
		s.autoPause(ctx, c.WorkspaceID, c.ID, Pause{Reason: PauseFailureRate,
			Detail: fmt.Sprintf("%d of the last %d sends failed within %v", bad, n, s.auto.Window)})
	}
	return trip
}

// autoPause pauses a running campaign for an automatic reason; a campaign
// that is not running is left alone.
func (s *Service) autoPause(ctx context.Context, workspaceID, id string, p Pause) {
	p.Auto = true
	_, err := s.pause(ctx, workspaceID, id, System, p)
	if err != nil && !errors.Is(err, ErrState) {
		s.logger.Warn("broadcast: auto-pause failed", "campaign_id", id, "reason", string(p.Reason), "error", err)
	}
}

// pauseMatching pauses the workspace's running campaigns that match.
func (s *Service) pauseMatching(ctx context.Context, workspaceID string, match func(*Campaign) bool, p Pause) ([]string, error) {
	cs, err := s.store.Campaigns(ctx, workspaceID, StateRunning)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range cs {
		if match(c) {
			s.autoPause(ctx, workspaceID, c.ID, p)
			out = append(out, c.ID)
		}
	}
	return out, nil
}

// resumeMatching resumes the workspace's campaigns auto-paused for reason
// that match.
func (s *Service) resumeMatching(ctx context.Context, workspaceID string, reason PauseReason, match func(*Campaign) bool, why string) ([]string, error) {
	cs, err := s.store.Campaigns(ctx, workspaceID, StatePaused)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range cs {
		if c.Pause == nil || !c.Pause.Auto || c.Pause.Reason != reason || !match(c) {
			continue
		}
		_, err := s.move(ctx, workspaceID, c.ID, StateRunning, System, why, func(x *Campaign) error {
			if x.Pause == nil || !x.Pause.Auto || x.Pause.Reason != reason {
				return fmt.Errorf("%w: paused for another reason", ErrState)
			}
			return nil
		})
		if errors.Is(err, ErrState) {
			continue
		}
		if err != nil {
			return out, err
		}
		s.resetWindow(workspaceID, c.ID)
		out = append(out, c.ID)
	}
	return out, nil
}

// SetQuality applies a phone number's quality rating (as
// whatsapp.PhoneNumber.QualityRating reports it: GREEN, YELLOW, RED, or
// FLAGGED): RED or FLAGGED pauses the number's running campaigns; GREEN or
// YELLOW resumes the ones paused for quality. It returns the ids of the
// campaigns it paused or resumed.
func (s *Service) SetQuality(ctx context.Context, workspaceID, phoneNumberID, rating string) ([]string, error) {
	onNumber := func(c *Campaign) bool { return c.PhoneNumberID == phoneNumberID }
	switch strings.ToUpper(rating) {
	case "RED", "FLAGGED":
		return s.pauseMatching(ctx, workspaceID, onNumber, Pause{Reason: PauseQuality, Detail: "quality " + strings.ToUpper(rating)})
	case "GREEN", "YELLOW", "UNFLAGGED":
		return s.resumeMatching(ctx, workspaceID, PauseQuality, onNumber, "quality "+strings.ToUpper(rating))
	}
	return nil, invalid("quality_rating", "want GREEN, YELLOW, RED, FLAGGED or UNFLAGGED")
}

// ApplyPhoneNumber applies what the API reports about a sending number
// (see whatsapp.PhoneNumbersService): its quality rating (RED pauses the
// number's campaigns, GREEN or YELLOW resumes those paused for quality; a
// number whose Status is FLAGGED counts as flagged), its messaging-limit
// tier to the [TierBudget], and its throughput to the pacer when that is a
// *whatsapp.Limiter. It returns the ids of campaigns paused or resumed.
func (s *Service) ApplyPhoneNumber(ctx context.Context, workspaceID string, p whatsapp.PhoneNumber) ([]string, error) {
	if !numericID(p.ID) {
		return nil, invalid("phone_number.id", "must be a numeric Graph id")
	}
	if ts, ok := s.budget.(tierSetter); ok && p.MessagingLimitTier != "" {
		if err := ts.SetTier(ctx, workspaceID, p.ID, p.MessagingLimitTier); err != nil {
			s.logger.Warn("broadcast: unknown messaging limit tier", "phone_number_id", p.ID, "tier", p.MessagingLimitTier)
		}
	}
	if l, ok := s.pacer.(*whatsapp.Limiter); ok {
		if err := l.Configure(p); err != nil {
			return nil, err
		}
	}
	rating := strings.ToUpper(p.QualityRating)
	if strings.EqualFold(p.Status, "FLAGGED") {
		rating = "FLAGGED"
	}
	switch rating {
	case "RED", "FLAGGED", "GREEN", "YELLOW":
		return s.SetQuality(ctx, workspaceID, p.ID, rating)
	}
	return nil, nil
}

// SetTemplateStatus applies a template's review status: PAUSED or DISABLED
// pauses the running campaigns sending it; APPROVED, REINSTATED or
// UNPAUSED resumes the ones paused for it.
func (s *Service) SetTemplateStatus(ctx context.Context, workspaceID, name, language, status string) ([]string, error) {
	uses := func(c *Campaign) bool {
		return c.Template.Name == name && (language == "" || c.Template.Language == language)
	}
	switch strings.ToUpper(status) {
	case "PAUSED", "DISABLED":
		return s.pauseMatching(ctx, workspaceID, uses, Pause{Reason: PauseTemplate, Detail: "template " + strings.ToUpper(status)})
	case "APPROVED", "REINSTATED", "UNPAUSED":
		return s.resumeMatching(ctx, workspaceID, PauseTemplate, uses, "template "+strings.ToUpper(status))
	}
	return nil, nil
}

// Sweep does the periodic work of a workspace: starts scheduled campaigns
// whose time came and resumes campaigns whose automatic pause has a
// cooldown that ended (131048). Call it every few seconds to a minute.
func (s *Service) Sweep(ctx context.Context, workspaceID string) error {
	if _, err := s.StartDue(ctx, workspaceID); err != nil {
		return err
	}
	now := s.now()
	_, err := s.resumeMatching(ctx, workspaceID, PauseSpamLimit, func(c *Campaign) bool {
		return !c.Pause.ResumeAt.IsZero() && !c.Pause.ResumeAt.After(now)
	}, "cooldown over")
	if err != nil {
		return fmt.Errorf("broadcast: sweep: %w", err)
	}
	return nil
}

// Reconcile settles the campaign's sends whose answer was lost: those
// whose intent is older than the reconcile window (see
// [WithReconcileAfter]) and that no status webhook claimed fail with
// [FailOutcomeUnknown]; they are never sent again. It returns how many it
// failed.
func (s *Service) Reconcile(ctx context.Context, workspaceID, campaignID string) (int, error) {
	now := s.now()
	cut := now.Add(-s.reconcile)
	n := 0
	var after int64
	for {
		rs, err := s.store.Recipients(ctx, workspaceID, campaignID, StatusSending, after, 500)
		if err != nil {
			return n, fmt.Errorf("broadcast: reconcile: %w", err)
		}
		if len(rs) == 0 {
			return n, nil
		}
		for _, r := range rs {
			after = r.Seq
			if r.IntentAt.After(cut) || (r.LeaseOwner != "" && r.LeaseUntil.After(now)) {
				continue
			}
			_, err := s.store.UpdateRecipient(ctx, workspaceID, campaignID, r.Seq, func(x *Recipient) error {
				if x.Status != StatusSending {
					return ErrState
				}
				x.Status, x.FailReason, x.FailedAt, x.UpdatedAt = StatusFailed, FailOutcomeUnknown, now, now
				x.LeaseOwner, x.LeaseUntil = "", time.Time{}
				return nil
			})
			switch {
			case err == nil:
				n++
			case errors.Is(err, ErrState):
			default:
				return n, fmt.Errorf("broadcast: reconcile: %w", err)
			}
		}
	}
}

// The default keywords (see [WithKeywords]).
var (
	defaultStop  = []string{"stop", "stop all", "unsubscribe", "opt out", "optout", "cancel", "end", "quit", "stop promotions"}
	defaultStart = []string{"start", "unstop", "subscribe", "resume"}
)

// Observed summarises what [Service.Observe] did.
type Observed struct {
	// Statuses is how many statuses matched a campaign recipient.
	Statuses int
	// Advanced is how many of them moved a recipient forward.
	Advanced int
	// OptedOut and OptedIn count suppression changes.
	OptedOut, OptedIn int
	// Paused and Resumed list campaign ids.
	Paused, Resumed []string
}

// Observe applies a workspace's decoded webhook events: statuses of
// campaign messages (matched by biz_opaque_callback_data, through the
// whatsapp monotonic state machine; failed ones with 131050 suppress the
// contact, 131048 pauses the campaign, all failures feed the failure-rate
// window), inbound STOP/START keywords, user_preferences stop/resume,
// template status updates (PAUSED/DISABLED pause, APPROVED/REINSTATED
// resume) and phone number quality updates (FLAGGED pauses, UNFLAGGED
// resumes campaigns whose DisplayPhoneNumber matches). Statuses of other
// messages are ignored. Observing the same events twice changes nothing.
func (s *Service) Observe(ctx context.Context, workspaceID string, events []whatsapp.Event) (Observed, error) {
	var out Observed
	now := s.now()
	for _, ev := range events {
		var err error
		switch {
		case ev.Messages != nil:
			err = s.observeMessages(ctx, workspaceID, ev.Messages, &out, now)
		case ev.UserPreferences != nil:
			for _, p := range ev.UserPreferences.UserPreferences {
				contact := p.WaID
				if contact == "" {
					contact = p.UserID
				}
				if contact == "" || (p.Category != "" && p.Category != "marketing_messages") {
					continue
				}
				switch strings.ToLower(p.Value) {
				case "stop":
					err = s.store.Suppress(ctx, Suppression{WorkspaceID: workspaceID, Contact: contact, Source: SourceUserPreferences, At: now})
					out.OptedOut++
				case "resume":
					err = s.store.Unsuppress(ctx, workspaceID, contact)
					out.OptedIn++
				}
				if err != nil {
					break
				}
			}
		case ev.TemplateStatus != nil:
			u := ev.TemplateStatus
			ids, e := s.SetTemplateStatus(ctx, workspaceID, u.TemplateName, u.TemplateLanguage, u.Event)
			err = e
			out.add(u.Event, ids)
		case ev.PhoneNumberQuality != nil:
			u := ev.PhoneNumberQuality
			display := digits(u.DisplayPhoneNumber)
			match := func(c *Campaign) bool { return display != "" && digits(c.DisplayPhoneNumber) == display }
			var ids []string
			switch strings.ToUpper(u.Event) {
			case "FLAGGED":
				ids, err = s.pauseMatching(ctx, workspaceID, match, Pause{Reason: PauseQuality, Detail: "quality FLAGGED"})
				out.Paused = append(out.Paused, ids...)
			case "UNFLAGGED":
				ids, err = s.resumeMatching(ctx, workspaceID, PauseQuality, match, "quality UNFLAGGED")
				out.Resumed = append(out.Resumed, ids...)
			}
			if ts, ok := s.budget.(tierSetter); ok && err == nil && u.CurrentLimit != "" {
				err = s.applyLimit(ctx, workspaceID, ts, match, u.CurrentLimit)
			}
		}
		if err != nil {
			return out, fmt.Errorf("broadcast: observe: %w", err)
		}
	}
	return out, nil
}

func (o *Observed) add(event string, ids []string) {
	switch strings.ToUpper(event) {
	case "PAUSED", "DISABLED":
		o.Paused = append(o.Paused, ids...)
	default:
		o.Resumed = append(o.Resumed, ids...)
	}
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func (s *Service) observeMessages(ctx context.Context, workspaceID string, v *whatsapp.MessagesValue, out *Observed, now time.Time) error {
	for _, m := range v.Messages {
		text := ""
		switch {
		case m.Text != nil:
			text = m.Text.Body
		case m.Button != nil:
			text = m.Button.Text
		}
		text = strings.ToLower(strings.TrimSpace(text))
		if text == "" {
			continue
		}
		contact := m.Sender().Key()
		switch {
		case slices.Contains(s.stopWords, text):
			if err := s.store.Suppress(ctx, Suppression{WorkspaceID: workspaceID, Contact: contact, Source: SourceStopKeyword, At: now}); err != nil {
				return err
			}
			out.OptedOut++
		case slices.Contains(s.startWords, text):
			if err := s.store.Unsuppress(ctx, workspaceID, contact); err != nil {
				return err
			}
			out.OptedIn++
		}
	}
	for _, st := range v.Statuses {
		cid, seq, ok := ParseCallbackData(st.CallbackData)
		if !ok {
			continue
		}
		var u whatsapp.Update
		r, err := s.store.UpdateRecipient(ctx, workspaceID, cid, seq, func(x *Recipient) error {
			u = x.ApplyStatus(st, now)
			return nil
		})
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		out.Statuses++
		if u.Outcome != whatsapp.OutcomeAdvanced {
			continue
		}
		out.Advanced++
		if r.Status != StatusFailed {
			continue
		}
		c, err := s.store.Campaign(ctx, workspaceID, cid)
		if err != nil {
			return err
		}
		switch r.ErrorCode {
		case 131050:
			if err := s.store.Suppress(ctx, Suppression{WorkspaceID: workspaceID, Contact: r.To, Source: SourceError131050, At: now}); err != nil {
				return err
			}
		case 131048:
			s.autoPause(ctx, workspaceID, cid, Pause{Reason: PauseSpamLimit, Detail: "error 131048", ResumeAt: now.Add(s.auto.SpamCooldown)})
		}
		s.observeOutcome(ctx, c, true)
	}
	return nil
}

// applyLimit sets the tier budget of the numbers of the matching campaigns
// (a phone_number_quality_update names the number by display number).
func (s *Service) applyLimit(ctx context.Context, workspaceID string, ts tierSetter, match func(*Campaign) bool, tier string) error {
	cs, err := s.store.Campaigns(ctx, workspaceID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.PhoneNumberID] || !match(c) {
			continue
		}
		seen[c.PhoneNumberID] = true
		if err := ts.SetTier(ctx, workspaceID, c.PhoneNumberID, tier); err != nil {
			s.logger.Warn("broadcast: unknown messaging limit tier", "phone_number_id", c.PhoneNumberID, "tier", tier)
			return nil
		}
	}
	return nil
}
