package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/pgstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

const webhookTable = `CREATE TABLE webhook_payloads (
    id           bigserial PRIMARY KEY,
    workspace_id text NOT NULL,
    lead_id      text,
    phone        text,
    email        text,
    received_at  timestamptz NOT NULL,
    payload      jsonb NOT NULL
)`

func newTableSink(t *testing.T) (*pgxpool.Pool, *pgstore.TableSink) {
	pool := pgtest.Postgres(t)
	_, err := pool.Exec(t.Context(), webhookTable)
	require.NoError(t, err)
	sink, err := pgstore.NewTableSink(pool, pgstore.TableConfig{Name: "webhooks", Category: privacy.CategoryWebhookPayloads,
		Table: "webhook_payloads", Time: "received_at", Subject: "lead_id", Phone: "phone", Email: "email"})
	require.NoError(t, err)
	return pool, sink
}

func TestTableSinkConformance(t *testing.T) {
	t.Parallel()
	privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture {
		pool, sink := newTableSink(t)
		return privacytest.Fixture{Sink: sink, Category: privacy.CategoryWebhookPayloads,
			Seed: func(ctx context.Context, ids privacy.Identifiers, _ privacy.Category, created time.Time) (string, error) {
				_, err := pool.Exec(ctx, `INSERT INTO webhook_payloads (workspace_id, lead_id, phone, email, received_at, payload)
VALUES ($1, $2, $3, $4, $5, '{"object":"whatsapp_business_account"}')`, ids.WorkspaceID, ids.SubjectIDs[0], ids.Phones[0], ids.Emails[0], created)
				return ids.SubjectIDs[0], err
			}}
	})
}

func TestTableSinkRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, sink := newTableSink(t)
	_, err := pool.Exec(ctx, `INSERT INTO webhook_payloads (workspace_id, received_at, payload)
SELECT 'ws', '2025-01-01'::timestamptz + g * interval '1 minute', '{}' FROM generate_series(1, 10) g`)
	require.NoError(t, err)

	// A subject hold on a row without a subject spares it (NULL compares
	// as unknown: fail closed); a hold naming a subject on a table without a
	// subject column covers the workspace.
	res, err := sink.Purge(ctx, privacy.PurgeRequest{Category: privacy.CategoryWebhookPayloads, Cutoff: time.Now(), Limit: 100,
		Holds: []privacy.Hold{{ID: "h", WorkspaceID: "ws", Subject: "lead-1"}}})
	require.NoError(t, err)
	assert.Zero(t, res.Deleted)
	noSubject, err := pgstore.NewTableSink(pool, pgstore.TableConfig{Category: privacy.CategoryWebhookPayloads, Table: "webhook_payloads", Time: "received_at"})
	require.NoError(t, err)
	res, err = noSubject.Purge(ctx, privacy.PurgeRequest{Category: privacy.CategoryWebhookPayloads, Cutoff: time.Now(), Limit: 100,
		Holds: []privacy.Hold{{ID: "h", WorkspaceID: "ws", Subject: "lead-1"}}})
	require.NoError(t, err)
	assert.Zero(t, res.Deleted)
	assert.Equal(t, "webhook_payloads", noSubject.Name())

	// Another category or a released hold does not stop the purge.
	res, err = noSubject.Purge(ctx, privacy.PurgeRequest{Category: privacy.CategoryWebhookPayloads, Cutoff: time.Now(), Limit: 4,
		Holds: []privacy.Hold{{ID: "h1", WorkspaceID: "ws", Category: privacy.CategoryBilling}, {ID: "h2", WorkspaceID: "ws", ReleasedAt: time.Now()}}})
	require.NoError(t, err)
	assert.Equal(t, 4, res.Deleted)
	assert.False(t, res.Done)
	assert.NotEmpty(t, res.Cursor)

	_, err = sink.Purge(ctx, privacy.PurgeRequest{Category: privacy.CategoryWebhookPayloads, Limit: 1, Cursor: "x"})
	require.ErrorContains(t, err, "bad cursor")
	_, err = sink.Erase(ctx, privacytest.Person("ws", 1), privacy.CategoryWebhookPayloads, privacy.StrategyMask)
	require.ErrorContains(t, err, "only the delete strategy")
	_, err = pgstore.NewTableSink(pool, pgstore.TableConfig{Category: privacy.CategoryWebhookPayloads})
	require.ErrorContains(t, err, "table is required")
	_, err = pgstore.NewTableSink(pool, pgstore.TableConfig{Table: "a..b", Category: privacy.CategoryWebhookPayloads})
	require.ErrorContains(t, err, "bad identifier")
	// Quoted identifiers: a hostile name is a name, not SQL.
	evil, err := pgstore.NewTableSink(pool, pgstore.TableConfig{Table: `webhook_payloads"; DROP TABLE webhook_payloads; --`, Category: privacy.CategoryWebhookPayloads})
	require.NoError(t, err)
	_, err = evil.Purge(ctx, privacy.PurgeRequest{Category: privacy.CategoryWebhookPayloads, Cutoff: time.Now(), Limit: 1})
	require.Error(t, err)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM webhook_payloads`).Scan(&n))
	assert.Equal(t, 6, n)
}
