package whatsapp

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/botsync/botsync/meta"
)

// Action is what a sender should do after a failed send. Switch on it, or
// test errors with errors.Is against the Action's sentinel (see
// [Action.Err]).
type Action int

// Actions, from the Cloud API error codes (see [ClassifyCode]).
const (
	// ActionNone: no error.
	ActionNone Action = iota
	// ActionRetrySoon: throttled or a temporary failure on Meta's side
	// (130429, 4, 80007, 131057, 131053, 131000, 133004, 5xx): retry with
	// backoff within seconds to minutes.
	ActionRetrySoon
	// ActionRetryRecipientLater: too many messages to this recipient
	// (131056, pair rate limit): retry this recipient after some seconds,
	// others are unaffected.
	ActionRetryRecipientLater
	// ActionRetryInHours: Meta withheld a marketing message for healthy
	// ecosystem engagement (131049) or hit the spam rate limit (131048):
	// retry after hours, never in a loop.
	ActionRetryInHours
	// ActionNeedsTemplate: the customer-service window is closed (131047,
	// or [ErrOutsideWindow] locally): send an approved template instead.
	ActionNeedsTemplate
	// ActionSuppressRecipient: the recipient opted out of marketing
	// (131050): stop marketing sends to them.
	ActionSuppressRecipient
	// ActionTerminal: the message cannot be delivered as it is (131026
	// undeliverable, 132xxx template errors, invalid parameters): do not
	// retry it.
	ActionTerminal
	// ActionHaltNumber: the phone number or account is blocked, locked or
	// restricted (368, 131031, a burst of 131048): stop all sends from the
	// number until a human looks.
	ActionHaltNumber
	// ActionReconnect: the token is invalid, expired or lacks permission:
	// the business must reconnect.
	ActionReconnect
	// ActionUncertain: the request may have reached Meta but no answer came
	// (timeout, dropped connection). Resending may deliver twice; wait for
	// the status webhook or resend only idempotent content.
	ActionUncertain
)

// Sentinels of the actions, matched with errors.Is by send errors.
var (
	// ErrRetrySoon is the sentinel of [ActionRetrySoon].
	ErrRetrySoon = errors.New("whatsapp: retry soon")
	// ErrRetryRecipientLater is the sentinel of [ActionRetryRecipientLater].
	ErrRetryRecipientLater = errors.New("whatsapp: retry this recipient later")
	// ErrRetryInHours is the sentinel of [ActionRetryInHours].
	ErrRetryInHours = errors.New("whatsapp: retry in hours")
	// ErrNeedsTemplate is the sentinel of [ActionNeedsTemplate].
	ErrNeedsTemplate = errors.New("whatsapp: needs a template")
	// ErrSuppressRecipient is the sentinel of [ActionSuppressRecipient].
	ErrSuppressRecipient = errors.New("whatsapp: suppress recipient")
	// ErrTerminal is the sentinel of [ActionTerminal].
	ErrTerminal = errors.New("whatsapp: terminal failure")
	// ErrHaltNumber is the sentinel of [ActionHaltNumber].
	ErrHaltNumber = errors.New("whatsapp: halt the phone number")
	// ErrReconnect is the sentinel of [ActionReconnect].
	ErrReconnect = errors.New("whatsapp: reconnect the account")
	// ErrUncertain is the sentinel of [ActionUncertain].
	ErrUncertain = errors.New("whatsapp: outcome uncertain")
)

var actionNames = [...]string{"none", "retry_soon", "retry_recipient_later", "retry_in_hours",
	"needs_template", "suppress_recipient", "terminal", "halt_number", "reconnect", "uncertain"}

// String returns the action's snake_case name, e.g. "retry_soon".
func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return "unknown"
	}
	return actionNames[a]
}

// Err returns the action's sentinel error (nil for ActionNone).
func (a Action) Err() error {
	switch a {
	case ActionRetrySoon:
		return ErrRetrySoon
	case ActionRetryRecipientLater:
		return ErrRetryRecipientLater
	case ActionRetryInHours:
		return ErrRetryInHours
	case ActionNeedsTemplate:
		return ErrNeedsTemplate
	case ActionSuppressRecipient:
		return ErrSuppressRecipient
	case ActionTerminal:
		return ErrTerminal
	case ActionHaltNumber:
		return ErrHaltNumber
	case ActionReconnect:
		return ErrReconnect
	case ActionUncertain:
		return ErrUncertain
	}
	return nil
}

// Retryable reports whether the same message may be sent again later.
func (a Action) Retryable() bool {
	return a == ActionRetrySoon || a == ActionRetryRecipientLater || a == ActionRetryInHours
}

// ClassifyCode maps a Cloud API error code (and HTTP status, 0 when
// unknown, e.g. in status webhooks) to an action. It is the default table of
// [Classifier]; 131048 maps to ActionRetryInHours here, a burst of them
// halts the number only in a Classifier that counts them.
func ClassifyCode(code, httpStatus int) Action {
	switch {
	case code == 130429, code == 4, code == 80007, code == 131057, code == 131053,
		code == 131000, code == 131016, code == 133004, code == 1, code == 2,
		code == 17, code == 32, code == 613:
		return ActionRetrySoon
	case code == 131056:
		return ActionRetryRecipientLater
	case code == 131049, code == 131048:
		return ActionRetryInHours
	case code == 131047:
		return ActionNeedsTemplate
	case code == 131050:
		return ActionSuppressRecipient
	case code == 368, code == 131031, code == 131042, code == 133010, code == 131045:
		return ActionHaltNumber
	case code == 190, code == 102, code == 10, code >= 200 && code <= 299:
		return ActionReconnect
	case code == 131026, code >= 132000 && code <= 132999, code == 100,
		code == 131008, code == 131009, code == 131021, code == 131051, code == 131052:
		return ActionTerminal
	case code >= 80001 && code <= 80014:
		return ActionRetrySoon
	}
	switch {
	case httpStatus >= 500 || httpStatus == http.StatusTooManyRequests:
		return ActionRetrySoon
	case httpStatus >= 400:
		return ActionTerminal
	}
	return ActionTerminal
}

// Classifier maps send errors to actions: the [ClassifyCode] table, then
// Overrides, and bursts of 131048 (spam rate limit) per phone number, which
// halt the number. A Classifier is safe for concurrent use; the zero value
// is not usable, use [NewClassifier].
type Classifier struct {
	overrides map[int]Action
	burstN    int
	burstWin  time.Duration
	now       func() time.Time

	mu     sync.Mutex
	bursts map[string][]time.Time
}

// ClassifierOption configures a [Classifier].
type ClassifierOption func(*Classifier) error

// WithOverride makes code map to a.
func WithOverride(code int, a Action) ClassifierOption {
	return func(c *Classifier) error {
		if a <= ActionNone || a > ActionUncertain {
			return errors.New("whatsapp: classifier override: unknown action")
		}
		c.overrides[code] = a
		return nil
	}
}

// WithBurst sets how many 131048 errors within window halt a number
// (default 3 within 15 minutes).
func WithBurst(n int, window time.Duration) ClassifierOption {
	return func(c *Classifier) error {
		if n < 1 || window <= 0 {
			return errors.New("whatsapp: classifier burst: want n >= 1 and a positive window")
		}
		c.burstN, c.burstWin = n, window
		return nil
	}
}

// WithClassifierClock sets the clock for burst counting (default time.Now).
func WithClassifierClock(now func() time.Time) ClassifierOption {
	return func(c *Classifier) error {
		if now == nil {
			return errors.New("whatsapp: classifier clock: nil")
		}
		c.now = now
		return nil
	}
}

// NewClassifier returns a classifier with the default table.
func NewClassifier(opts ...ClassifierOption) (*Classifier, error) {
	c := &Classifier{overrides: map[int]Action{}, burstN: 3, burstWin: 15 * time.Minute, now: time.Now, bursts: map[string][]time.Time{}}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ClassifyCode classifies an error code (and HTTP status, 0 if unknown) for
// a phone number, counting 131048 bursts.
func (c *Classifier) ClassifyCode(phoneNumberID string, code, httpStatus int) Action {
	if a, ok := c.overrides[code]; ok {
		return a
	}
	if code == 131048 && c.burst(phoneNumberID) {
		return ActionHaltNumber
	}
	return ClassifyCode(code, httpStatus)
}

func (c *Classifier) burst(phoneNumberID string) bool {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := c.bursts[phoneNumberID]
	keep := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < c.burstWin {
			keep = append(keep, t)
		}
	}
	keep = append(keep, now)
	c.bursts[phoneNumberID] = keep
	return len(keep) >= c.burstN
}

// Classify maps any error of a send for phoneNumberID to an action: Graph
// errors by code, local validation to ActionTerminal, the window check to
// ActionNeedsTemplate, rate-limit waits cut short to ActionRetrySoon, and
// transport failures (no answer) to ActionUncertain. nil is ActionNone.
func (c *Classifier) Classify(phoneNumberID string, err error) Action {
	var me *meta.Error
	var ed ErrorDetail
	var se *SendError
	switch {
	case err == nil:
		return ActionNone
	case errors.As(err, &se):
		return se.Action
	case errors.As(err, &me):
		return c.ClassifyCode(phoneNumberID, me.Code, me.HTTPStatus)
	case errors.As(err, &ed):
		return c.ClassifyCode(phoneNumberID, ed.Code, 0)
	case errors.Is(err, ErrInvalid):
		return ActionTerminal
	case errors.Is(err, ErrOutsideWindow):
		return ActionNeedsTemplate
	case errors.Is(err, ErrLimitWait):
		return ActionRetrySoon
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ActionUncertain
	}
	return ActionUncertain
}

// SendError is a failed send with the action to take. errors.Is matches the
// action's sentinel (e.g. [ErrNeedsTemplate]) and, through Unwrap, the
// underlying error's (meta.ErrRateLimited, [ErrOutsideWindow]…); errors.As
// finds the *meta.Error.
type SendError struct {
	// Op is the operation, e.g. "send message".
	Op     string
	Action Action
	Err    error
}

// Error implements error.
func (e *SendError) Error() string {
	return "whatsapp: " + e.Op + " (" + e.Action.String() + "): " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Is matches the action's sentinel.
func (e *SendError) Is(target error) bool { return target != nil && target == e.Action.Err() }

// Default waits before retrying, by action, when Meta gave no hint.
const (
	DefaultRetrySoonWait      = 30 * time.Second
	DefaultRetryRecipientWait = DefaultPairInterval
	DefaultRetryInHoursWait   = 6 * time.Hour
)

// RetryAfter returns how long to wait before sending the same message
// again: Meta's hint (Retry-After, estimated time to regain access) when
// there is one, otherwise the action's default ([DefaultRetrySoonWait],
// [DefaultRetryRecipientWait], [DefaultRetryInHoursWait]); 0 for actions
// that must not be retried.
func (e *SendError) RetryAfter() time.Duration {
	if !e.Action.Retryable() {
		return 0
	}
	var me *meta.Error
	if errors.As(e.Err, &me) && me.RetryAfter > 0 {
		return me.RetryAfter
	}
	switch e.Action {
	case ActionRetryRecipientLater:
		return DefaultRetryRecipientWait
	case ActionRetryInHours:
		return DefaultRetryInHoursWait
	}
	return DefaultRetrySoonWait
}

// ActionOf returns the action of err: the one recorded in a [*SendError], or
// the default classification of the Cloud API code.
func ActionOf(err error) Action {
	var se *SendError
	if errors.As(err, &se) {
		return se.Action
	}
	return defaultClassifier.Classify("", err)
}

var defaultClassifier, _ = NewClassifier(WithBurst(1<<30, time.Nanosecond))
