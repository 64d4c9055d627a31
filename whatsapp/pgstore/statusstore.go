package pgstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/botsync/botsync/whatsapp"
)

// TxDB is the part of pgx the status store uses: *pgxpool.Pool, *pgx.Conn
// and pgx.Tx satisfy it (a pgx.Tx runs the store's work in a savepoint).
type TxDB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// StatusStore is a [whatsapp.StatusStore] on PostgreSQL for one workspace.
// Every Track and Apply of one message runs in a transaction holding a
// per-message advisory lock, so several instances applying webhooks for the
// same message never move it backwards or lose a buffered status.
type StatusStore struct {
	db          TxDB
	workspaceID string
	now         func() time.Time
}

var _ whatsapp.StatusStore = (*StatusStore)(nil)

// NewStatusStore returns the workspace's status store on db (migrated with
// [Migrate]); now is the clock for acceptance and buffering times (nil:
// time.Now).
func NewStatusStore(db TxDB, workspaceID string, now func() time.Time) *StatusStore {
	if now == nil {
		now = time.Now
	}
	return &StatusStore{db: db, workspaceID: workspaceID, now: now}
}

func (s *StatusStore) inTx(ctx context.Context, messageID string, fn func(pgx.Tx) error) error {
	if s.workspaceID == "" {
		return errors.New("whatsapp/pgstore: workspace id: empty")
	}
	if messageID == "" {
		return errors.New("whatsapp/pgstore: message id: empty")
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(length($1)::text || ':' || $1 || $2, 7301))`, s.workspaceID, messageID); err != nil {
			return err
		}
		return fn(tx)
	})
}

const deliveryCols = `message_id, phone_number_id, recipient, callback_data, state, accepted_at, sent_at, delivered_at,
read_at, failed_at, delivered_after_failure, errors, pricing, conversation`

func scanDelivery(row pgx.Row) (whatsapp.Delivery, error) {
	var (
		d                            whatsapp.Delivery
		state                        int16
		sent, delivered, read, faild *time.Time
		errs, pricing, conv          []byte
	)
	if err := row.Scan(&d.MessageID, &d.PhoneNumberID, &d.Recipient, &d.CallbackData, &state, &d.AcceptedAt,
		&sent, &delivered, &read, &faild, &d.DeliveredAfterFailure, &errs, &pricing, &conv); err != nil {
		return d, err
	}
	d.State = whatsapp.State(state)
	d.AcceptedAt = d.AcceptedAt.UTC()
	for _, p := range []struct {
		dst *time.Time
		v   *time.Time
	}{{&d.SentAt, sent}, {&d.DeliveredAt, delivered}, {&d.ReadAt, read}, {&d.FailedAt, faild}} {
		if p.v != nil {
			*p.dst = p.v.UTC()
		}
	}
	if len(errs) > 0 {
		if err := json.Unmarshal(errs, &d.Errors); err != nil {
			return d, fmt.Errorf("errors column: %w", err)
		}
	}
	if len(pricing) > 0 {
		d.Pricing = new(whatsapp.Pricing)
		if err := json.Unmarshal(pricing, d.Pricing); err != nil {
			return d, fmt.Errorf("pricing column: %w", err)
		}
	}
	if len(conv) > 0 {
		d.Conversation = new(whatsapp.Conversation)
		if err := json.Unmarshal(conv, d.Conversation); err != nil {
			return d, fmt.Errorf("conversation column: %w", err)
		}
	}
	return d, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func jsonOrNil(v any, empty bool) ([]byte, error) {
	if empty {
		return nil, nil
	}
	return json.Marshal(v)
}

func (s *StatusStore) save(ctx context.Context, tx pgx.Tx, d whatsapp.Delivery) error {
	errs, err := jsonOrNil(d.Errors, len(d.Errors) == 0)
	if err != nil {
		return err
	}
	pricing, err := jsonOrNil(d.Pricing, d.Pricing == nil)
	if err != nil {
		return err
	}
	conv, err := jsonOrNil(d.Conversation, d.Conversation == nil)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE whatsapp_deliveries SET callback_data = $3, state = $4, sent_at = $5, delivered_at = $6,
read_at = $7, failed_at = $8, delivered_after_failure = $9, errors = $10, pricing = $11, conversation = $12
WHERE workspace_id = $1 AND message_id = $2`,
		s.workspaceID, d.MessageID, d.CallbackData, int16(d.State), nullTime(d.SentAt), nullTime(d.DeliveredAt),
		nullTime(d.ReadAt), nullTime(d.FailedAt), d.DeliveredAfterFailure, errs, pricing, conv)
	return err
}

// Track implements [whatsapp.StatusStore].
func (s *StatusStore) Track(ctx context.Context, messageID, phoneNumberID, recipient, callbackData string) ([]whatsapp.Update, error) {
	var out []whatsapp.Update
	err := s.inTx(ctx, messageID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO whatsapp_deliveries (workspace_id, message_id, phone_number_id, recipient, callback_data, state, accepted_at)
VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (workspace_id, message_id) DO NOTHING`,
			s.workspaceID, messageID, phoneNumberID, recipient, callbackData, s.now().UTC())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM whatsapp_pending_statuses WHERE workspace_id = $1 AND message_id = $2 RETURNING seq, body`,
			s.workspaceID, messageID)
		if err != nil {
			return err
		}
		type pending struct {
			seq  int64
			body []byte
		}
		ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pending, error) {
			var p pending
			return p, r.Scan(&p.seq, &p.body)
		})
		if err != nil || len(ps) == 0 {
			return err
		}
		slices.SortFunc(ps, func(a, b pending) int { return cmp.Compare(a.seq, b.seq) })
		d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryCols+` FROM whatsapp_deliveries WHERE workspace_id = $1 AND message_id = $2`, s.workspaceID, messageID))
		if err != nil {
			return err
		}
		for _, p := range ps {
			var st whatsapp.Status
			if err := json.Unmarshal(p.body, &st); err != nil {
				return fmt.Errorf("buffered status: %w", err)
			}
			out = append(out, whatsapp.Advance(&d, st))
		}
		return s.save(ctx, tx, d)
	})
	if err != nil {
		return nil, fmt.Errorf("whatsapp/pgstore: track: %w", err)
	}
	return out, nil
}

// Apply implements [whatsapp.StatusStore].
func (s *StatusStore) Apply(ctx context.Context, st whatsapp.Status) (whatsapp.Update, error) {
	state, ok := whatsapp.ParseState(st.Status)
	if !ok {
		return whatsapp.Update{Outcome: whatsapp.OutcomeIgnored}, nil
	}
	var out whatsapp.Update
	err := s.inTx(ctx, st.ID, func(tx pgx.Tx) error {
		d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryCols+` FROM whatsapp_deliveries WHERE workspace_id = $1 AND message_id = $2`, s.workspaceID, st.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			body, err := json.Marshal(st)
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `INSERT INTO whatsapp_pending_statuses (workspace_id, message_id, status, status_at, body, received_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, message_id, status, status_at) DO NOTHING`,
				s.workspaceID, st.ID, st.Status, st.Timestamp.UTC(), body, s.now().UTC())
			if err != nil {
				return err
			}
			out = whatsapp.Update{Outcome: whatsapp.OutcomeBuffered, From: state, To: state}
			if tag.RowsAffected() == 0 {
				out.Outcome = whatsapp.OutcomeDuplicate
			}
			return nil
		}
		if err != nil {
			return err
		}
		out = whatsapp.Advance(&d, st)
		if out.Outcome == whatsapp.OutcomeDuplicate {
			return nil
		}
		return s.save(ctx, tx, d)
	})
	if err != nil {
		return whatsapp.Update{}, fmt.Errorf("whatsapp/pgstore: apply status: %w", err)
	}
	return out, nil
}

// Get implements [whatsapp.StatusStore].
func (s *StatusStore) Get(ctx context.Context, messageID string) (whatsapp.Delivery, bool, error) {
	if s.workspaceID == "" {
		return whatsapp.Delivery{}, false, errors.New("whatsapp/pgstore: workspace id: empty")
	}
	d, err := scanDelivery(s.db.QueryRow(ctx, `SELECT `+deliveryCols+` FROM whatsapp_deliveries WHERE workspace_id = $1 AND message_id = $2`, s.workspaceID, messageID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return whatsapp.Delivery{}, false, nil
	case err != nil:
		return whatsapp.Delivery{}, false, fmt.Errorf("whatsapp/pgstore: get delivery: %w", err)
	}
	return d, true, nil
}

// Prune deletes the workspace's records accepted before olderThan and
// buffered statuses received before bufferedBefore, returning how many rows
// went.
func (s *StatusStore) Prune(ctx context.Context, olderThan, bufferedBefore time.Time) (int64, error) {
	if s.workspaceID == "" {
		return 0, errors.New("whatsapp/pgstore: workspace id: empty")
	}
	a, err := s.db.Exec(ctx, `DELETE FROM whatsapp_deliveries WHERE workspace_id = $1 AND accepted_at < $2`, s.workspaceID, olderThan.UTC())
	if err != nil {
		return 0, fmt.Errorf("whatsapp/pgstore: prune: %w", err)
	}
	b, err := s.db.Exec(ctx, `DELETE FROM whatsapp_pending_statuses WHERE workspace_id = $1 AND received_at < $2`, s.workspaceID, bufferedBefore.UTC())
	if err != nil {
		return 0, fmt.Errorf("whatsapp/pgstore: prune: %w", err)
	}
	return a.RowsAffected() + b.RowsAffected(), nil
}
