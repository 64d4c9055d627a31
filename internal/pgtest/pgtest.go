// Package pgtest gives each test its own fresh PostgreSQL schema on the test
// servers that `make test` starts, and drops it when the test ends.
//
//	func TestStore(t *testing.T) {
//		pool := pgtest.Postgres(t) // skips when BOTSYNC_TEST_POSTGRES_URL is unset
//		require.NoError(t, pgstore.Migrate(t.Context(), pool))
//		...
//	}
//
// [Postgres] isolates by schema through the connection's search_path, so
// tests run in parallel without seeing each other.
//
// [PGVector] talks to the pgvector test server (PGlite over the wire). All its
// connections share one backend session, so the search_path cannot differ per
// connection: PGVector serialises the tests that use it (a file lock shared by
// every test process on the machine), sets the session's search_path to the
// test's schema (then public, where the vector extension lives), uses one
// connection in "exec" query mode, and drops the schema at the end.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Environment variables read by this package.
const (
	PostgresEnv = "BOTSYNC_TEST_POSTGRES_URL"
	PGVectorEnv = "BOTSYNC_TEST_PGVECTOR_URL"
)

// Postgres returns a pool whose connections use a fresh schema on the
// PostgreSQL test server named by BOTSYNC_TEST_POSTGRES_URL, or skips the test
// when the variable is unset. The schema is dropped when the test ends.
func Postgres(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	url := os.Getenv(PostgresEnv)
	if url == "" {
		tb.Skipf("skipping: %s is not set (run `make test` to start PostgreSQL)", PostgresEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema := newSchemaName()

	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: create schema: %v", err)
	}

	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatalf("pgtest: parse url: %v", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatalf("pgtest: pool: %v", err)
	}
	tb.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Errorf("pgtest: cleanup connect: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("pgtest: drop schema: %v", err)
		}
	})
	return pool
}

// PGVector returns a single-connection pool on the pgvector test server named
// by BOTSYNC_TEST_PGVECTOR_URL with the vector extension created and the
// session's search_path set to a fresh schema, or skips the test when the
// variable is unset. Tests using it run one at a time (see the package doc);
// the schema is dropped and the lock released when the test ends.
func PGVector(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	url := os.Getenv(PGVectorEnv)
	if url == "" {
		tb.Skipf("skipping: %s is not set (run `make test` to start the pgvector test server)", PGVectorEnv)
	}
	unlock := lockFile(tb, url)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	schema := newSchemaName()

	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		unlock()
		tb.Fatalf("pgtest: parse url: %v", err)
	}
	cfg.MaxConns = 1
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		unlock()
		tb.Fatalf("pgtest: pool: %v", err)
	}
	for _, q := range []string{
		"CREATE EXTENSION IF NOT EXISTS vector",
		"CREATE SCHEMA " + schema,
		"SET search_path TO " + schema + ", public",
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			pool.Close()
			unlock()
			tb.Fatalf("pgtest: %s: %v", strings.Fields(q)[0], err)
		}
	}
	tb.Cleanup(func() {
		defer unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("pgtest: drop schema: %v", err)
		}
		_, _ = pool.Exec(ctx, "SET search_path TO public")
		pool.Close()
	})
	return pool
}

func newSchemaName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "t_" + hex.EncodeToString(b[:])
}

// lockFile takes an exclusive flock shared by every process on the machine
// that uses the same server URL.
func lockFile(tb testing.TB, url string) func() {
	tb.Helper()
	name := filepath.Join(os.TempDir(), "botsync-pgvector-"+fmt.Sprintf("%x", sha256.Sum256([]byte(url)))[:16]+".lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		tb.Fatalf("pgtest: lock file: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		tb.Fatalf("pgtest: lock: %v", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}
}

// Describe returns a short description of which test services are configured,
// for test logs.
func Describe() string {
	return fmt.Sprintf("%s set: %t, %s set: %t", PostgresEnv, os.Getenv(PostgresEnv) != "", PGVectorEnv, os.Getenv(PGVectorEnv) != "")
}
