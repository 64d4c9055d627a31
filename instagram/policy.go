package instagram

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Messaging windows.
const (
	// StandardWindow is how long after the user's last message the account
	// may message them.
	StandardWindow = 24 * time.Hour
	// HumanAgentWindow is how long after the user's last message a human
	// agent may answer with the HUMAN_AGENT tag.
	HumanAgentWindow = 7 * 24 * time.Hour
	// PrivateReplyWindow is how long after a comment its private reply may
	// be sent.
	PrivateReplyWindow = 7 * 24 * time.Hour
)

// Thread is the conversation a send goes to: the user's id (IGSID or PSID)
// and when the user last messaged the account, which opens the window. A
// zero LastUserMessage means the user never messaged: nothing may be sent.
type Thread struct {
	UserID          string
	LastUserMessage time.Time
}

// CheckWindow reports whether a send to t with tag may go out now: within
// [StandardWindow] of the user's last message, or with [TagHumanAgent]
// within [HumanAgentWindow] when the account is approved for it. It returns
// [ErrOutsideWindow] or [ErrHumanAgentDisabled] otherwise.
func (c *Client) CheckWindow(t Thread, tag Tag) error {
	if t.LastUserMessage.IsZero() {
		return fmt.Errorf("%w: the user has not messaged the account", ErrOutsideWindow)
	}
	age := c.now().Sub(t.LastUserMessage)
	switch tag {
	case "":
		if age >= StandardWindow {
			return fmt.Errorf("%w: more than 24h since the user's last message", ErrOutsideWindow)
		}
	case TagHumanAgent:
		if !c.humanAgent {
			return ErrHumanAgentDisabled
		}
		if age >= HumanAgentWindow {
			return fmt.Errorf("%w: more than 7 days since the user's last message", ErrOutsideWindow)
		}
	default:
		return invalid("tag", "unsupported tag (only HUMAN_AGENT)")
	}
	return nil
}

// CommentRef is the comment a private reply answers.
type CommentRef struct {
	ID string
	// CreatedAt is when the comment was made (the webhook's time).
	CreatedAt time.Time
	// Live marks a comment on a live broadcast; its private reply is allowed
	// only while the broadcast runs.
	Live bool
	// BroadcastEnded reports that the live broadcast has ended.
	BroadcastEnded bool
}

// CheckPrivateReplyWindow reports whether a private reply to ref may go out
// now (at most 7 days after the comment; for live comments only during the
// broadcast). It does not look at the once-per-comment claim.
func (c *Client) CheckPrivateReplyWindow(ref CommentRef) error {
	if err := validID("comment id", ref.ID); err != nil {
		return err
	}
	if ref.CreatedAt.IsZero() {
		return invalid("comment created_at", "required")
	}
	if ref.Live && ref.BroadcastEnded {
		return fmt.Errorf("%w: the live broadcast has ended", ErrOutsideWindow)
	}
	if c.now().Sub(ref.CreatedAt) >= PrivateReplyWindow {
		return fmt.Errorf("%w: more than 7 days since the comment", ErrOutsideWindow)
	}
	return nil
}

// Claims records which comments got their one private reply. Claim must be
// atomic: of any number of concurrent calls for one comment id (from any
// process sharing the implementation), exactly one returns true until the
// claim is released. Release gives a claim back after a send that Meta
// provably rejected, so the reply may be tried again.
//
// Implementations must be safe for concurrent use. [MemoryClaims] serves one
// process; the engine provides a PostgreSQL one.
type Claims interface {
	Claim(ctx context.Context, commentID string) (bool, error)
	Release(ctx context.Context, commentID string) error
}

// MemoryClaims is an in-memory [Claims]. The zero value is ready to use; it
// is safe for concurrent use.
type MemoryClaims struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

// NewMemoryClaims returns an empty MemoryClaims.
func NewMemoryClaims() *MemoryClaims { return &MemoryClaims{} }

// Claim takes the claim for commentID; it reports false if it is taken.
func (m *MemoryClaims) Claim(ctx context.Context, commentID string) (bool, error) {
	if ctx == nil {
		return false, errors.New("instagram: claim: nil context")
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if commentID == "" {
		return false, errors.New("instagram: claim: empty comment id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ids[commentID]; ok {
		return false, nil
	}
	if m.ids == nil {
		m.ids = map[string]struct{}{}
	}
	m.ids[commentID] = struct{}{}
	return true, nil
}

// Release gives the claim for commentID back.
func (m *MemoryClaims) Release(ctx context.Context, commentID string) error {
	if ctx == nil {
		return errors.New("instagram: release: nil context")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ids, commentID)
	return nil
}

// BudgetConfig sets an account's send budgets: a rate and a burst per kind
// of send. Use rate.Inf for no limit.
type BudgetConfig struct {
	// Text covers text, templates, quick replies, reactions and sender
	// actions.
	Text      rate.Limit
	TextBurst int
	// Media covers sends with an attachment.
	Media      rate.Limit
	MediaBurst int
	// PrivateReplies covers private replies to comments (also counted
	// against nothing else).
	PrivateReplies      rate.Limit
	PrivateRepliesBurst int
}

// DefaultBudgetConfig is Meta's documented throughput per account: 300 text
// sends/s, 10 media sends/s, 750 private replies/hour.
var DefaultBudgetConfig = BudgetConfig{
	Text: 300, TextBurst: 300,
	Media: 10, MediaBurst: 10,
	PrivateReplies: rate.Every(time.Hour / 750), PrivateRepliesBurst: 750,
}

// Budgets holds an account's send limiters (golang.org/x/time/rate). A send
// over budget fails at once with [ErrBudgetExhausted] rather than waiting,
// so a worker can requeue it. Safe for concurrent use; share one Budgets
// between every client of the same account.
type Budgets struct {
	text, media, private *rate.Limiter
}

// NewBudgets returns budgets for cfg. Each kind needs a positive rate (or
// rate.Inf) and a positive burst.
func NewBudgets(cfg BudgetConfig) (*Budgets, error) {
	check := func(field string, l rate.Limit, burst int) error {
		if l <= 0 {
			return invalid("budgets."+field, "rate must be positive (rate.Inf for no limit)")
		}
		if burst <= 0 && l != rate.Inf {
			return invalid("budgets."+field+"_burst", "must be positive")
		}
		return nil
	}
	if err := check("text", cfg.Text, cfg.TextBurst); err != nil {
		return nil, err
	}
	if err := check("media", cfg.Media, cfg.MediaBurst); err != nil {
		return nil, err
	}
	if err := check("private_replies", cfg.PrivateReplies, cfg.PrivateRepliesBurst); err != nil {
		return nil, err
	}
	return &Budgets{
		text:    rate.NewLimiter(cfg.Text, cfg.TextBurst),
		media:   rate.NewLimiter(cfg.Media, cfg.MediaBurst),
		private: rate.NewLimiter(cfg.PrivateReplies, cfg.PrivateRepliesBurst),
	}, nil
}

type budgetKind int

const (
	budgetText budgetKind = iota
	budgetMedia
	budgetPrivate
)

func (k budgetKind) String() string {
	switch k {
	case budgetMedia:
		return "media"
	case budgetPrivate:
		return "private replies"
	}
	return "text"
}

// take spends one unit of kind at now.
func (b *Budgets) take(kind budgetKind, now time.Time) error {
	l := b.text
	switch kind {
	case budgetMedia:
		l = b.media
	case budgetPrivate:
		l = b.private
	}
	if !l.AllowN(now, 1) {
		return fmt.Errorf("%w (%s)", ErrBudgetExhausted, kind)
	}
	return nil
}
