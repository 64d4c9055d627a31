package pgtest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
)

func TestSchemasAreIsolated(t *testing.T) {
	t.Parallel()
	a, b := pgtest.Postgres(t), pgtest.Postgres(t)
	ctx := t.Context()
	_, err := a.Exec(ctx, "CREATE TABLE x (v int)")
	require.NoError(t, err)
	_, err = b.Exec(ctx, "CREATE TABLE x (v int)") // same name, other schema
	require.NoError(t, err)
	_, err = a.Exec(ctx, "INSERT INTO x VALUES (1)")
	require.NoError(t, err)
	var n int
	require.NoError(t, b.QueryRow(ctx, "SELECT count(*) FROM x").Scan(&n))
	require.Zero(t, n)
}

func TestPGVectorHasVector(t *testing.T) {
	t.Parallel()
	p := pgtest.PGVector(t)
	var v string
	require.NoError(t, p.QueryRow(t.Context(), "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&v))
	require.GreaterOrEqual(t, v, "0.8")
	_, err := p.Exec(t.Context(), "CREATE TABLE items (e vector(3))")
	require.NoError(t, err)
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	require.Contains(t, pgtest.Describe(), pgtest.PostgresEnv)
}
