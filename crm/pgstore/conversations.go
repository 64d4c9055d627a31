package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/crm"
)

const convCols = `id, lead_id, channel, channel_account, status, assignee, handoff, last_inbound_at, last_message_at,
	unread, created_at, updated_at`

func scanConv(row pgx.Row) (*crm.Conversation, error) {
	var (
		c            crm.Conversation
		inAt, lastAt *time.Time
	)
	err := row.Scan(&c.ID, &c.LeadID, &c.Channel, &c.ChannelAccount, &c.Status, &c.Assignee, &c.Handoff,
		&inAt, &lastAt, &c.Unread, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	c.LastInboundAt, c.LastMessageAt = fromNull(inAt), fromNull(lastAt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// OpenConversation implements crm.Store.
func (s *Store) OpenConversation(ctx context.Context, ws string, conv *crm.Conversation) (*crm.Conversation, error) {
	for range retries {
		c, err := scanConv(s.db.QueryRow(ctx, `
			WITH lead AS (SELECT id, merged_into FROM crm_leads WHERE workspace_id = $1 AND id = $3),
			ins AS (
				INSERT INTO crm_conversations (workspace_id, id, lead_id, channel, channel_account, status,
					assignee, handoff, unread, created_at, updated_at)
				SELECT $1, $2, id, $4, $5, $6, '', false, 0, $7, $7 FROM lead WHERE merged_into IS NULL
				ON CONFLICT (workspace_id, lead_id, channel_account) DO NOTHING
				RETURNING `+convCols+`
			)
			SELECT `+convCols+` FROM ins
			UNION ALL
			SELECT `+convCols+` FROM crm_conversations
			WHERE workspace_id = $1 AND lead_id = $3 AND channel_account = $5 AND NOT EXISTS (SELECT 1 FROM ins)`,
			ws, conv.ID, conv.LeadID, conv.Channel, conv.ChannelAccount, string(conv.Status), conv.CreatedAt))
		if !errors.Is(err, crm.ErrNotFound) {
			return c, err
		}
		var merged *string
		if err := s.db.QueryRow(ctx, `SELECT merged_into FROM crm_leads WHERE workspace_id = $1 AND id = $2`,
			ws, conv.LeadID).Scan(&merged); err != nil {
			return nil, mapErr(err)
		}
		if merged != nil {
			return nil, crm.ErrMerged
		}
		// A concurrent insert committed after our snapshot: look again.
	}
	return nil, errors.New("crm pgstore: open conversation: gave up under contention")
}

// Conversation implements crm.Store.
func (s *Store) Conversation(ctx context.Context, ws, id string) (*crm.Conversation, error) {
	return scanConv(s.db.QueryRow(ctx, `SELECT `+convCols+` FROM crm_conversations WHERE workspace_id = $1 AND id = $2`, ws, id))
}

// Conversations implements crm.Store.
func (s *Store) Conversations(ctx context.Context, ws, leadID string) ([]*crm.Conversation, error) {
	if err := s.leadExists(ctx, ws, leadID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+convCols+` FROM crm_conversations WHERE workspace_id = $1 AND lead_id = $2 ORDER BY id`, ws, leadID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*crm.Conversation
	for rows.Next() {
		c, err := scanConv(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

func (s *Store) leadExists(ctx context.Context, ws, id string) error {
	var one int
	return mapErr(s.db.QueryRow(ctx, `SELECT 1 FROM crm_leads WHERE workspace_id = $1 AND id = $2`, ws, id).Scan(&one))
}

// UpdateConversation implements crm.Store.
func (s *Store) UpdateConversation(ctx context.Context, ws, id string, fn func(*crm.Conversation) error) (*crm.Conversation, error) {
	var out *crm.Conversation
	err := s.tx(ctx, func(tx pgx.Tx) error {
		c, err := scanConv(tx.QueryRow(ctx, `SELECT `+convCols+` FROM crm_conversations WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`, ws, id))
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		out, err = scanConv(tx.QueryRow(ctx, `UPDATE crm_conversations SET status = $3, assignee = $4, handoff = $5,
			unread = $6, updated_at = $7 WHERE workspace_id = $1 AND id = $2 RETURNING `+convCols,
			ws, id, string(c.Status), c.Assignee, c.Handoff, c.Unread, c.UpdatedAt))
		return err
	})
	return out, mapErr(err)
}

const msgCols = `id, conversation_id, lead_id, channel_account, COALESCE(provider_id, '') AS provider_id, direction, type, text,
	media, status, error, author_kind, author_id, at, updated_at`

// msgColsM is msgCols qualified by the alias m.
const msgColsM = `m.id, m.conversation_id, m.lead_id, m.channel_account, COALESCE(m.provider_id, ''), m.direction,
	m.type, m.text, m.media, m.status, m.error, m.author_kind, m.author_id, m.at, m.updated_at`

func scanMsg(row pgx.Row) (*crm.Message, error) {
	var (
		m     crm.Message
		media []byte
	)
	err := row.Scan(&m.ID, &m.ConversationID, &m.LeadID, &m.ChannelAccount, &m.ProviderID, &m.Direction, &m.Type,
		&m.Text, &media, &m.Status, &m.Error, &m.Author.Kind, &m.Author.ID, &m.At, &m.UpdatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	if len(media) > 0 {
		if err := json.Unmarshal(media, &m.Media); err != nil {
			return nil, err
		}
	}
	m.At, m.UpdatedAt = m.At.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}

// InsertMessage implements crm.Store: one statement inserts the message and
// bumps the conversation; a duplicate provider id costs one more lookup.
func (s *Store) InsertMessage(ctx context.Context, ws string, m *crm.Message, act crm.Activity) (*crm.Message, bool, error) {
	var media any
	if len(m.Media) > 0 {
		b, err := json.Marshal(m.Media)
		if err != nil {
			return nil, false, err
		}
		media = string(b)
	}
	stored, err := scanMsg(s.db.QueryRow(ctx, `
		WITH conv AS (SELECT lead_id, channel_account FROM crm_conversations WHERE workspace_id = $1 AND id = $3),
		ins AS (
			INSERT INTO crm_messages (workspace_id, id, conversation_id, lead_id, channel_account, provider_id,
				direction, type, text, media, status, error, author_kind, author_id, at, updated_at)
			SELECT $1, $2, $3, lead_id, channel_account, $4, $5, $6, $7, $8::jsonb, $9, $10, $13, $14, $11, $12 FROM conv
			ON CONFLICT (workspace_id, channel_account, provider_id) WHERE provider_id IS NOT NULL DO NOTHING
			RETURNING `+msgCols+`
		), bump AS (
			UPDATE crm_conversations c SET
				last_message_at = GREATEST(c.last_message_at, ins.at),
				last_inbound_at = CASE WHEN ins.direction = 'in' THEN GREATEST(c.last_inbound_at, ins.at) ELSE c.last_inbound_at END,
				unread = c.unread + CASE WHEN ins.direction = 'in' THEN 1 ELSE 0 END
			FROM ins WHERE c.workspace_id = $1 AND c.id = $3
		), act AS (
			INSERT INTO crm_activities (workspace_id, id, lead_id, type, actor_kind, actor_id, at, text, ref_id)
			SELECT $1, $15, lead_id, $16, $13, $14, at, direction, id FROM ins
		), touch AS (
			UPDATE crm_leads l SET last_activity_at = GREATEST(l.last_activity_at, ins.at)
			FROM ins WHERE l.workspace_id = $1 AND l.id = ins.lead_id
		)
		SELECT `+msgCols+` FROM ins`,
		ws, m.ID, m.ConversationID, nullString(m.ProviderID), string(m.Direction), m.Type, m.Text, media,
		string(m.Status), m.Error, m.At, m.UpdatedAt, string(m.Author.Kind), m.Author.ID, act.ID, string(act.Type)))
	if err == nil {
		return stored, true, nil
	}
	if !errors.Is(err, crm.ErrNotFound) {
		return nil, false, err
	}
	// No row: the conversation is missing, or the provider id is taken.
	existing, err := scanMsg(s.db.QueryRow(ctx, `SELECT `+msgColsM+`
		FROM crm_conversations c JOIN crm_messages m
			ON m.workspace_id = c.workspace_id AND m.channel_account = c.channel_account AND m.provider_id = $3
		WHERE c.workspace_id = $1 AND c.id = $2`, ws, m.ConversationID, nullString(m.ProviderID)))
	if err != nil {
		return nil, false, err
	}
	return existing, false, nil
}

// Inbox implements crm.Store with keyset paging on the inbox index.
func (s *Store) Inbox(ctx context.Context, ws string, q crm.InboxQuery) (*crm.ConversationPage, error) {
	args := []any{ws}
	conds := []string{"workspace_id = $1"}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	const pos = "COALESCE(last_message_at, 'epoch'::timestamptz)"
	if q.Cursor != "" {
		c, err := crm.ParseInboxCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		at := time.Unix(0, 0).UTC()
		if !c.LastMessageAt.IsZero() {
			at = c.LastMessageAt
		}
		args = append(args, at, c.ID)
		conds = append(conds, fmt.Sprintf("(%s, id) < ($%d, $%d)", pos, len(args)-1, len(args)))
	}
	if q.Status != "" {
		add("status = ?", string(q.Status))
	}
	if q.Assignee != "" {
		add("assignee = ?", q.Assignee)
	}
	if q.Unassigned {
		conds = append(conds, "assignee = ''")
	}
	if q.Handoff != nil {
		add("handoff = ?", *q.Handoff)
	}
	if q.UnreadOnly {
		conds = append(conds, "unread > 0")
	}
	if q.Channel != "" {
		add("channel = ?", q.Channel)
	}
	if q.ChannelAccount != "" {
		add("channel_account = ?", q.ChannelAccount)
	}
	limit := q.PageLimit()
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, `SELECT `+convCols+` FROM crm_conversations WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY `+pos+` DESC, id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	page := &crm.ConversationPage{}
	for rows.Next() {
		c, err := scanConv(rows)
		if err != nil {
			return nil, err
		}
		page.Conversations = append(page.Conversations, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if len(page.Conversations) > limit {
		page.Conversations = page.Conversations[:limit]
		last := page.Conversations[limit-1]
		page.Next = crm.InboxCursor{LastMessageAt: last.LastMessageAt, ID: last.ID}.String()
	}
	return page, nil
}
