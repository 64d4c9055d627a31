package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"slices"
	"sync"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/workspace"
)

// decodeMeta turns a verified Meta webhook body into engine events.
func decodeMeta(body []byte) ([]bot.Event, error) {
	env, err := meta.DecodeWebhook(body)
	if err != nil {
		return nil, err
	}
	var out []bot.Event
	switch env.Object {
	case "whatsapp_business_account":
		evs, err := whatsapp.Events(env)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			out = append(out, bot.FromWhatsApp(ev)...)
		}
	case "instagram", "page":
		for _, ev := range instagram.Events(env) {
			if e, ok := bot.FromInstagram(ev); ok {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// AISettings are a workspace's AI settings as the API shows them.
type AISettings struct {
	// Enabled turns AI answers on for Channels.
	Enabled  bool          `json:"enabled"`
	Channels []bot.Channel `json:"channels"`
	// QuietMinutes is how long AI stays paused after a person's reply.
	QuietMinutes int `json:"quiet_minutes"`
	// HandoffAssignee is assigned conversations the AI hands off.
	HandoffAssignee string `json:"handoff_assignee,omitempty"`
	AwayMessage     string `json:"away_message,omitempty"`
}

// settingsStore is the engine's bot.SettingsSource: per-workspace AI
// settings (in memory, or in the server's own PostgreSQL table), with AI
// off while the workspace's AI kill switch is on.
type settingsStore struct {
	ws   *workspace.Service
	pool *pgxpool.Pool
	mu   sync.Mutex
	ai   map[string]AISettings
}

func newSettingsStore(ws *workspace.Service, pool *pgxpool.Pool) *settingsStore {
	return &settingsStore{ws: ws, pool: pool, ai: map[string]AISettings{}}
}

func defaultAISettings() AISettings {
	return AISettings{Enabled: true, Channels: []bot.Channel{bot.WhatsApp, bot.Instagram, bot.Messenger}, QuietMinutes: 30}
}

// AI returns the workspace's AI settings (defaults when none were set).
func (s *settingsStore) AI(ctx context.Context, ws string) (AISettings, error) {
	if s.pool != nil {
		var a AISettings
		err := s.pool.QueryRow(ctx, `SELECT settings FROM server_ai_settings WHERE workspace_id = $1`, ws).Scan(&a)
		if errors.Is(err, pgx.ErrNoRows) {
			return defaultAISettings(), nil
		}
		if err != nil {
			return AISettings{}, fmt.Errorf("server: ai settings: %w", err)
		}
		return a, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ai[ws]
	if !ok {
		return defaultAISettings(), nil
	}
	a.Channels = slices.Clone(a.Channels)
	return a, nil
}

// SetAI validates and stores the workspace's AI settings.
func (s *settingsStore) SetAI(ctx context.Context, ws string, a AISettings) error {
	if a.QuietMinutes < 0 || a.QuietMinutes > 7*24*60 {
		return fieldErr("quiet_minutes", "must be between 0 and 10080")
	}
	for _, c := range a.Channels {
		if !c.Valid() {
			return fieldErr("channels", "unknown channel")
		}
	}
	if a.QuietMinutes == 0 {
		a.QuietMinutes = 30
	}
	if len(a.AwayMessage) > 1000 {
		return fieldErr("away_message", "longer than 1000 characters")
	}
	if s.pool != nil {
		_, err := s.pool.Exec(ctx, `INSERT INTO server_ai_settings (workspace_id, settings) VALUES ($1, $2)
			ON CONFLICT (workspace_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()`, ws, a)
		if err != nil {
			return fmt.Errorf("server: ai settings: %w", err)
		}
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ai[ws] = a
	return nil
}

// Settings implements bot.SettingsSource.
func (s *settingsStore) Settings(ctx context.Context, ws string) (bot.Settings, error) {
	a, err := s.AI(ctx, ws)
	if err != nil {
		return bot.Settings{}, err
	}
	st := bot.Settings{QuietPeriod: minutes(a.QuietMinutes), HandoffAssignee: a.HandoffAssignee, AwayMessage: a.AwayMessage}
	if a.Enabled && !s.ws.Paused(ws, workspace.PauseAI) {
		st.AIChannels = a.Channels
	}
	return st, nil
}

// errPaused reports a webhook kill switch; the processor maps it to
// intake.ErrWait.
var errPaused = errors.New("server: webhooks paused by a kill switch")

// handleEvents runs decoded events through the engine, in order. Events of
// a workspace whose webhooks are paused wait (errPaused).
func (a *App) handleEvents(ctx context.Context, evs []bot.Event) error {
	for _, ev := range evs {
		acct, err := a.channels.Account(ctx, ev.Channel, ev.Account)
		if errors.Is(err, bot.ErrUnknownAccount) {
			a.log.WarnContext(ctx, "webhook for an account no workspace connected", "channel", ev.Channel)
			continue
		}
		if err != nil {
			return err
		}
		if a.ws.Paused(acct.Workspace, workspace.PauseWebhooks) {
			return errPaused
		}
		if err := a.engine.Handle(ctx, ev); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
	}
	return nil
}

// publish turns the engine's updates into realtime events, and meters
// outbound messages (idempotent on the message id).
func (a *App) publish(ctx context.Context, u bot.Update) {
	if u.Type == bot.UpdateMessageCreated && u.Message != nil && u.Message.Direction == crm.Outbound && a.billing != nil {
		if err := a.billing.usage.Record(ctx, billing.UsageEvent{WorkspaceID: u.Workspace, Metric: billing.MetricMessages, Quantity: 1,
			IdempotencyKey: u.Message.ID, At: u.Message.At}); err != nil {
			a.log.WarnContext(ctx, "meter message", "workspace", u.Workspace, "err", err)
		}
	}
	a.hub.Publish(Event{Type: string(u.Type), Workspace: u.Workspace, ConversationID: u.ConversationID, LeadID: u.LeadID,
		Message: u.Message, Citations: u.Citations, Reason: u.Reason, At: u.At})
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }
