package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/crm"
)

// UpdateMessageStatus implements crm.Store in one statement: the update
// applies only when it moves the status forward; either way the stored
// message is returned.
func (s *Store) UpdateMessageStatus(ctx context.Context, ws, account, providerID string, status crm.MessageStatus, errText string, at time.Time) (*crm.Message, error) {
	return scanMsg(s.db.QueryRow(ctx, `
		WITH upd AS (
			UPDATE crm_messages SET status = $4, updated_at = $6,
				error = CASE WHEN $4 = 'failed' THEN $5 ELSE error END
			WHERE workspace_id = $1 AND channel_account = $2 AND provider_id = $3
				AND status NOT IN ('failed', 'received')
				AND array_position(ARRAY['pending','sent','delivered','read','failed'], status) <
				    array_position(ARRAY['pending','sent','delivered','read','failed'], $4::text)
			RETURNING `+msgCols+`
		)
		SELECT `+msgCols+` FROM upd
		UNION ALL
		SELECT `+msgCols+` FROM crm_messages
		WHERE workspace_id = $1 AND channel_account = $2 AND provider_id = $3 AND NOT EXISTS (SELECT 1 FROM upd)`,
		ws, account, providerID, string(status), errText, at))
}

// Messages implements crm.Store.
func (s *Store) Messages(ctx context.Context, ws, convID string) ([]*crm.Message, error) {
	var one int
	if err := s.db.QueryRow(ctx, `SELECT 1 FROM crm_conversations WHERE workspace_id = $1 AND id = $2`, ws, convID).Scan(&one); err != nil {
		return nil, mapErr(err)
	}
	rows, err := s.db.Query(ctx, `SELECT `+msgCols+` FROM crm_messages WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY at, id`, ws, convID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*crm.Message
	for rows.Next() {
		m, err := scanMsg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

const bookingCols = `id, lead_id, start_at, end_at, status, notes, calendar_id, created_at, updated_at`

func scanBooking(row pgx.Row) (*crm.Booking, error) {
	var b crm.Booking
	if err := row.Scan(&b.ID, &b.LeadID, &b.Start, &b.End, &b.Status, &b.Notes, &b.CalendarID, &b.CreatedAt, &b.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	b.Start, b.End, b.CreatedAt, b.UpdatedAt = b.Start.UTC(), b.End.UTC(), b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return &b, nil
}

// CreateBooking implements crm.Store.
func (s *Store) CreateBooking(ctx context.Context, ws string, b *crm.Booking) error {
	_, err := s.db.Exec(ctx, `INSERT INTO crm_bookings (workspace_id, `+bookingCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ws, b.ID, b.LeadID, b.Start, b.End, string(b.Status), b.Notes, b.CalendarID, b.CreatedAt, b.UpdatedAt)
	return mapErr(err)
}

// UpdateBooking implements crm.Store.
func (s *Store) UpdateBooking(ctx context.Context, ws, id string, fn func(*crm.Booking) error) (*crm.Booking, error) {
	var out *crm.Booking
	err := s.tx(ctx, func(tx pgx.Tx) error {
		b, err := scanBooking(tx.QueryRow(ctx, `SELECT `+bookingCols+` FROM crm_bookings WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`, ws, id))
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		out, err = scanBooking(tx.QueryRow(ctx, `UPDATE crm_bookings SET start_at = $3, end_at = $4, status = $5,
			notes = $6, calendar_id = $7, updated_at = $8 WHERE workspace_id = $1 AND id = $2 RETURNING `+bookingCols,
			ws, id, b.Start, b.End, string(b.Status), b.Notes, b.CalendarID, b.UpdatedAt))
		return err
	})
	return out, mapErr(err)
}

// Booking implements crm.Store.
func (s *Store) Booking(ctx context.Context, ws, id string) (*crm.Booking, error) {
	return scanBooking(s.db.QueryRow(ctx, `SELECT `+bookingCols+` FROM crm_bookings WHERE workspace_id = $1 AND id = $2`, ws, id))
}

// Bookings implements crm.Store.
func (s *Store) Bookings(ctx context.Context, ws, leadID string) ([]*crm.Booking, error) {
	if err := s.leadExists(ctx, ws, leadID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+bookingCols+` FROM crm_bookings WHERE workspace_id = $1 AND lead_id = $2 ORDER BY start_at, id`, ws, leadID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*crm.Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}
