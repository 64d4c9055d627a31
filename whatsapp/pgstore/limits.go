package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"

	"github.com/botsync/botsync/whatsapp"
)

// LimitBackend is a [whatsapp.LimitBackend] on PostgreSQL, so every server
// instance draws from the same throughput and pair-pacing buckets. It runs
// GCRA in one upsert per slot on the database's clock (no skew between
// instances). Safe for concurrent use when its DB is.
type LimitBackend struct {
	db          DB
	workspaceID string
}

var _ whatsapp.LimitBackend = (*LimitBackend)(nil)

// NewLimitBackend returns the workspace's shared buckets on db (migrated
// with [Migrate]):
//
//	limiter, err := whatsapp.NewLimiter(whatsapp.WithLimitBackend(pgstore.NewLimitBackend(pool, workspaceID)))
func NewLimitBackend(db DB, workspaceID string) *LimitBackend {
	return &LimitBackend{db: db, workspaceID: workspaceID}
}

// Reserve implements [whatsapp.LimitBackend].
func (b *LimitBackend) Reserve(ctx context.Context, key string, lim rate.Limit, burst int) (time.Duration, error) {
	switch {
	case b.workspaceID == "":
		return 0, errors.New("whatsapp/pgstore: workspace id: empty")
	case key == "":
		return 0, errors.New("whatsapp/pgstore: bucket key: empty")
	case lim <= 0 || lim == rate.Inf || burst < 1:
		return 0, errors.New("whatsapp/pgstore: bucket: want a finite positive limit and burst >= 1")
	}
	interval := int64(math.Ceil(1e6 / float64(lim))) // microseconds per slot
	var ahead int64
	err := b.db.QueryRow(ctx, `WITH now AS (SELECT clock_timestamp() AS t)
INSERT INTO whatsapp_rate_buckets AS b (workspace_id, key, tat)
SELECT $1, $2, now.t + $3 * interval '1 microsecond' FROM now
ON CONFLICT (workspace_id, key) DO UPDATE
SET tat = GREATEST(b.tat, (SELECT t FROM now)) + $3 * interval '1 microsecond'
RETURNING (EXTRACT(EPOCH FROM (b.tat - (SELECT t FROM now))) * 1000000)::bigint`,
		b.workspaceID, key, interval).Scan(&ahead)
	if err != nil {
		return 0, fmt.Errorf("whatsapp/pgstore: reserve rate slot: %w", err)
	}
	wait := ahead - int64(burst)*interval
	if wait <= 0 {
		return 0, nil
	}
	return time.Duration(wait) * time.Microsecond, nil
}

// Prune deletes the workspace's buckets that have been idle for longer
// than idle (full again), returning how many.
func (b *LimitBackend) Prune(ctx context.Context, idle time.Duration) (int64, error) {
	tag, err := b.db.Exec(ctx, `DELETE FROM whatsapp_rate_buckets WHERE workspace_id = $1 AND tat < clock_timestamp() - $2 * interval '1 microsecond'`,
		b.workspaceID, idle.Microseconds())
	if err != nil {
		return 0, fmt.Errorf("whatsapp/pgstore: prune rate buckets: %w", err)
	}
	return tag.RowsAffected(), nil
}
