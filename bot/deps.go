package bot

import (
	"context"
	"errors"
	"time"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/instagram"
)

// Errors of the engine, matched with errors.Is.
var (
	// ErrUnknownAccount: no workspace owns the event's channel account.
	ErrUnknownAccount = errors.New("bot: unknown channel account")
	// ErrNotFound: a rule or stored item does not exist.
	ErrNotFound = errors.New("bot: not found")
	// ErrOutsideWindow: the channel's messaging window is closed, so only
	// a template may be sent. Senders wrap their channel's error with it.
	ErrOutsideWindow = errors.New("bot: outside the messaging window")
	// ErrUnsupported: the channel cannot send this kind of message.
	ErrUnsupported = errors.New("bot: not supported on this channel")
	// ErrInvalid: a rule, settings value or argument is invalid (see
	// *ValidationError).
	ErrInvalid = errors.New("bot: invalid")
)

// Account is a workspace's channel account: where an event came in and how
// to answer on it.
type Account struct {
	Workspace string
	Channel   Channel
	// ID is the WhatsApp phone number id, Instagram account id or Page id.
	ID string
	// Sender sends messages on the account. Required to reply.
	Sender Sender
	// Comments runs comment-to-DM on the account (Instagram and Pages);
	// *instagram.Client satisfies it. Build that client with
	// instagram.WithClaims(bot.CommentClaims(store, workspace)) so the
	// once-per-comment claim is shared by every instance.
	Comments CommentHandler
}

// ChannelRegistry finds the account an event belongs to. It returns an
// error wrapping ErrUnknownAccount for accounts no workspace connected.
type ChannelRegistry interface {
	Account(ctx context.Context, channel Channel, accountID string) (Account, error)
}

// Registry is a fixed ChannelRegistry, for tests and small deployments.
type Registry map[Channel]map[string]Account

// Account implements ChannelRegistry.
func (r Registry) Account(_ context.Context, channel Channel, id string) (Account, error) {
	a, ok := r[channel][id]
	if !ok {
		return Account{}, ErrUnknownAccount
	}
	return a, nil
}

// Add registers a under its channel and id.
func (r Registry) Add(a Account) {
	if r[a.Channel] == nil {
		r[a.Channel] = map[string]Account{}
	}
	r[a.Channel][a.ID] = a
}

// Recipient is who an outbound message goes to.
type Recipient struct {
	// ID is the wa_id, BSUID, IGSID or PSID.
	ID string
	// BSUID marks a WhatsApp business-scoped user id.
	BSUID bool
	// LastInbound is when the lead last wrote (opens the window).
	LastInbound time.Time
}

// Outbound is a message the engine sends. Exactly one of Text, Template
// and Media is set; QuickReplies may accompany Text.
type Outbound struct {
	Text         string
	Template     *Template
	Media        *Media
	QuickReplies []QuickReply
	// Label names the rule or task that produced the message; it stamps
	// the message so its echo is recognised.
	Label string
}

// Template is a WhatsApp template message.
type Template struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params,omitempty"` // body parameters, in order
}

// Media is an attachment sent by public URL.
type Media struct {
	Type    string `json:"type"` // image, video, audio, document
	URL     string `json:"url"`
	Caption string `json:"caption,omitempty"`
}

// QuickReply is one quick-reply chip or reply button.
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// Sender sends one message on one channel account and returns the
// provider's message id. A closed window fails with an error wrapping
// ErrOutsideWindow. NewWhatsAppSender and NewInstagramSender adapt the
// channel clients.
type Sender interface {
	Send(ctx context.Context, to Recipient, m Outbound) (messageID string, err error)
}

// InboundObserver is implemented by senders that track a messaging window
// from inbound messages (the WhatsApp sender feeds whatsapp.Window).
type InboundObserver interface {
	ObserveInbound(ctx context.Context, from Recipient, at time.Time) error
}

// CommentHandler runs one comment-to-DM rule on a comment: the private
// reply under the once-per-comment claim and the public reply.
type CommentHandler interface {
	HandleComment(ctx context.Context, ev *instagram.Event, rule instagram.Rule, opt instagram.CommentOptions) (instagram.Outcome, error)
}

// LeadStore is the part of *crm.Service the engine uses.
type LeadStore interface {
	FindOrCreate(ctx context.Context, workspaceID string, c crm.Contact) (*crm.Lead, bool, error)
	Lead(ctx context.Context, workspaceID, id string) (*crm.Lead, error)
	OpenConversation(ctx context.Context, workspaceID, leadID, channel, channelAccount string) (*crm.Conversation, error)
	Conversation(ctx context.Context, workspaceID, id string) (*crm.Conversation, error)
	UpdateConversation(ctx context.Context, workspaceID, id string, u crm.ConversationUpdate) (*crm.Conversation, error)
	RecordMessage(ctx context.Context, workspaceID string, m crm.Message) (*crm.Message, bool, error)
	UpdateMessageStatus(ctx context.Context, workspaceID, channelAccount, providerID string, status crm.MessageStatus, errText string) (*crm.Message, error)
	Messages(ctx context.Context, workspaceID, conversationID string) ([]*crm.Message, error)
	Tag(ctx context.Context, workspaceID, id string, actor crm.Actor, tags ...string) (*crm.Lead, error)
	Untag(ctx context.Context, workspaceID, id string, actor crm.Actor, tags ...string) (*crm.Lead, error)
	MoveStage(ctx context.Context, workspaceID, id, stage string, actor crm.Actor) (*crm.Lead, error)
	Assign(ctx context.Context, workspaceID, id, userID string, actor crm.Actor) (*crm.Lead, error)
	Note(ctx context.Context, workspaceID, id, text string, actor crm.Actor) (*crm.Activity, error)
	Update(ctx context.Context, workspaceID, id string, u crm.LeadUpdate, actor crm.Actor) (*crm.Lead, error)
	Book(ctx context.Context, workspaceID, leadID string, slot crm.Interval, notes string, confirm bool, actor crm.Actor) (*crm.Booking, error)
}

// Answerer answers a question from the workspace's knowledge;
// *knowledge.Base satisfies it.
type Answerer interface {
	Answer(ctx context.Context, workspace, question string, conversation []knowledge.Turn) (knowledge.Answer, error)
}

// Replier writes the next message of a conversation; *ai.Gateway
// satisfies it.
type Replier interface {
	Reply(ctx context.Context, workspace string, in ai.ReplyInput) (*ai.ReplyResult, error)
}

// Scorer scores a lead; *ai.Gateway satisfies it.
type Scorer interface {
	ScoreLead(ctx context.Context, workspace string, conv ai.Conversation) (*ai.LeadScore, error)
}

// Publisher receives realtime updates (for a dashboard's websocket).
// Publish must not block for long; it is called on the handling path.
type Publisher interface {
	Publish(ctx context.Context, u Update)
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, u Update)

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, u Update) { f(ctx, u) }

// UpdateType names a realtime update.
type UpdateType string

// The realtime updates.
const (
	UpdateMessageCreated       UpdateType = "message.created"
	UpdateMessageStatus        UpdateType = "message.status"
	UpdateConversationAssigned UpdateType = "conversation.assigned"
	UpdateHandoff              UpdateType = "conversation.handoff"
	UpdateAIPaused             UpdateType = "conversation.ai_paused"
	UpdateAIResumed            UpdateType = "conversation.ai_resumed"
	UpdateLeadCreated          UpdateType = "lead.created"
	UpdateRuleDisabled         UpdateType = "rule.disabled"
	UpdateSendBlocked          UpdateType = "message.blocked"
	UpdateCommentReplied       UpdateType = "comment.replied"
)

// Update is a realtime event. Fields not relevant to Type are empty.
type Update struct {
	Type           UpdateType
	Workspace      string
	ConversationID string
	LeadID         string
	Message        *crm.Message
	RuleID         string
	// Reason explains a handoff, a disabled rule or a blocked send.
	Reason string
	// Assignee is set on UpdateConversationAssigned.
	Assignee string
	// Citations back an AI answer (UpdateMessageCreated).
	Citations []knowledge.Citation
	At        time.Time
}

// AIState is the AI's state on one conversation.
type AIState struct {
	// Paused stops AI replies; Until, when set, ends the pause.
	Paused bool      `json:"paused"`
	Until  time.Time `json:"until"`
	Reason string    `json:"reason,omitempty"`
}

// Active reports whether the AI may answer at now.
func (s AIState) Active(now time.Time) bool {
	return !s.Paused || !s.Until.IsZero() && !now.Before(s.Until)
}

// DueKind says what a due item does.
type DueKind string

// The due item kinds.
const (
	DueFollowUp DueKind = "follow_up"
	DueNoReply  DueKind = "no_reply"
)

// Due is a scheduled item that RunDue executes: the next step of a
// follow-up sequence or a no-reply check. Key is unique per workspace;
// scheduling an existing key replaces it.
type Due struct {
	Workspace      string    `json:"workspace"`
	Key            string    `json:"key"`
	ID             string    `json:"id"` // changes on every reschedule
	Kind           DueKind   `json:"kind"`
	At             time.Time `json:"at"`
	ConversationID string    `json:"conversation_id"`
	LeadID         string    `json:"lead_id"`
	RuleID         string    `json:"rule_id,omitempty"`
	// Step is the index of the sequence's next step.
	Step     int       `json:"step,omitempty"`
	Sequence *Sequence `json:"sequence,omitempty"`
	// Since is the lead's last inbound time when the item was scheduled:
	// a later inbound means the lead replied.
	Since time.Time `json:"since"`
	// Stage is the lead's stage when the item was scheduled.
	Stage string `json:"stage,omitempty"`
}

// Store persists the engine's state: rules, once-only claims, due items,
// AI state per conversation and scoring slots. Implementations (memstore,
// pgstore) are safe for concurrent use and pass bottest.TestStore.
type Store interface {
	// PutRule inserts or replaces a rule by (workspace, id).
	PutRule(ctx context.Context, r Rule) error
	// Rules lists a workspace's rules by Position, then ID.
	Rules(ctx context.Context, workspace string) ([]Rule, error)
	// DeleteRule removes a rule (ErrNotFound when absent).
	DeleteRule(ctx context.Context, workspace, id string) error
	// RuleFailed counts a failure; at max consecutive failures the rule is
	// disabled with reason. It returns the count and whether the rule is
	// now disabled.
	RuleFailed(ctx context.Context, workspace, id string, max int, reason string) (failures int, disabled bool, err error)
	// RuleSucceeded resets the failure count.
	RuleSucceeded(ctx context.Context, workspace, id string) error

	// Claim takes a once-only key; exactly one concurrent caller gets true
	// until Release.
	Claim(ctx context.Context, workspace, key string) (bool, error)
	Release(ctx context.Context, workspace, key string) error

	// Schedule inserts or replaces a due item by (workspace, key).
	Schedule(ctx context.Context, d Due) error
	// TakeDue leases up to limit items due at now (across workspaces) for
	// lease, earliest first; a leased item is not returned again until the
	// lease ends.
	TakeDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Due, error)
	// DoneDue removes the item if it is still the version id.
	DoneDue(ctx context.Context, workspace, key, id string) error
	// CancelDue removes every item of a conversation.
	CancelDue(ctx context.Context, workspace, conversationID string) error

	// AIState returns a conversation's AI state (zero when none).
	AIState(ctx context.Context, workspace, conversationID string) (AIState, error)
	SetAIState(ctx context.Context, workspace, conversationID string, s AIState) error

	// TakeScoreSlot reports whether the lead may be scored at now (not
	// scored within every), and if so records now.
	TakeScoreSlot(ctx context.Context, workspace, leadID string, now time.Time, every time.Duration) (bool, error)
}

// CommentClaims adapts a Store to instagram.Claims for one workspace, so an
// instagram.Client built with instagram.WithClaims shares the
// once-per-comment claim with every instance using the store.
func CommentClaims(s Store, workspace string) instagram.Claims {
	return commentClaims{s: s, ws: workspace}
}

type commentClaims struct {
	s  Store
	ws string
}

func (c commentClaims) Claim(ctx context.Context, commentID string) (bool, error) {
	return c.s.Claim(ctx, c.ws, "comment:"+commentID)
}

func (c commentClaims) Release(ctx context.Context, commentID string) error {
	return c.s.Release(ctx, c.ws, "comment:"+commentID)
}
