package pgmigrate_test

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgmigrate"
	"github.com/botsync/botsync/internal/pgtest"
)

func TestUpIsIdempotentAndIsolated(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(testing.TB) *pgxpool.Pool{
		"postgres": pgtest.Postgres,
		"pgvector": pgtest.PGVector,
	} {
		t.Run(name, func(t *testing.T) {
			p := open(t)
			ctx := t.Context()
			fsys := os.DirFS("testdata")
			require.NoError(t, pgmigrate.Up(ctx, p, "widgets", fsys, "migrations"))
			require.NoError(t, pgmigrate.Up(ctx, p, "widgets", fsys, "migrations"))
			_, err := p.Exec(ctx, "INSERT INTO widgets VALUES ('w1','a')")
			require.NoError(t, err)
			var n int
			require.NoError(t, p.QueryRow(ctx, "SELECT count(*) FROM widgets").Scan(&n))
			require.Equal(t, 1, n)
		})
	}
}

func TestInvalidName(t *testing.T) {
	t.Parallel()
	require.Error(t, pgmigrate.Up(t.Context(), nil, "Bad-Name", os.DirFS("testdata"), "migrations"))
}
