// Package pgstore is the PostgreSQL knowledge.Store, on pgvector ≥ 0.8.
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { ... }
//	store := pgstore.New(pool)
//	kb, err := knowledge.New(store, embedder, knowledge.WithModel(model))
//
// Storage: every chunk row carries its workspace, embedding model, dimensions
// and normalized flag. Vectors of up to 2,000 dimensions are stored as
// vector, 2,001 to 4,000 as halfvec (pgvector's HNSW limits), larger ones as
// vector searched exactly. Each (model, dimensions) pair gets a partial HNSW
// index with inner-product operators (vectors are normalized, so inner
// product ranks as cosine), created with the model's first chunks.
//
// Writes copy new chunks with pgx.CopyFrom into a temporary staging table
// and merge them with one upsert, in one transaction with the deletion of
// stale chunks.
//
// Search runs one statement: the vector KNN in its own materialized
// subquery ordered by the indexed expression (so the HNSW index is used,
// with hnsw.iterative_scan = relaxed_order so that workspace and tag
// filters still yield k rows, and hnsw.ef_search set per query), the
// full-text ranking on to_tsvector('simple', …) (language-neutral, so
// Hindi and Hinglish work), and their reciprocal rank fusion. Workspaces
// with fewer chunks than the exact-search threshold are scanned exactly.
// Filters are query parameters; the only values formatted into SQL are
// integers the store owns (model id, dimensions).
//
// A Store is safe for concurrent use when its DB is (a *pgxpool.Pool is; a
// pgx.Tx is not).
package pgstore

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the store's migrations (it needs the vector extension,
// which it creates when missing and permitted).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "knowledge", migrations, "migrations")
}

// DB is what the store needs from a connection: *pgxpool.Pool, *pgx.Conn
// and pgx.Tx all satisfy it. Writes and searches run in a transaction
// begun on it (a savepoint when DB is itself a transaction); searches roll
// theirs back, so their SET LOCAL settings never outlive them.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is the PostgreSQL knowledge.Store.
type Store struct {
	db  DB
	cfg config
}

var _ knowledge.Store = (*Store)(nil)

type config struct {
	efSearch   int
	exactBelow int
	noCopy     bool
}

// Option configures a Store.
type Option func(*config) error

// Defaults.
const (
	// DefaultEFSearch is hnsw.ef_search when a query does not set one.
	DefaultEFSearch = 100
	// DefaultExactBelow: workspaces with fewer chunks of the query's model
	// are searched exactly.
	DefaultExactBelow = 2000
)

// WithEFSearch sets the default hnsw.ef_search (1..1000).
func WithEFSearch(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 1000 {
			return fmt.Errorf("pgstore: %w: ef_search: must be 1..1000, got %d", knowledge.ErrInvalid, n)
		}
		c.efSearch = n
		return nil
	}
}

// WithExactBelow sets the chunk count under which a workspace is searched
// exactly instead of through the HNSW index (0: always use the index).
func WithExactBelow(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("pgstore: %w: exact_below: must not be negative, got %d", knowledge.ErrInvalid, n)
		}
		c.exactBelow = n
		return nil
	}
}

// WithoutCopyFrom stages written chunks with one INSERT from unnested
// arrays instead of COPY FROM STDIN (pgx.CopyFrom), for servers that do not
// speak the COPY sub-protocol, such as the PGlite test server.
func WithoutCopyFrom() Option {
	return func(c *config) error {
		c.noCopy = true
		return nil
	}
}

// New returns a store on db. Options are validated; an invalid one returns
// an error.
func New(db DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("pgstore: %w: db: nil", knowledge.ErrInvalid)
	}
	cfg := config{efSearch: DefaultEFSearch, exactBelow: DefaultExactBelow}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Store{db: db, cfg: cfg}, nil
}

// storage says how vectors of dims dimensions are stored and indexed.
type storage struct {
	column    string // embedding or embedding_half
	typ       string // vector or halfvec
	ops       string // operator class of the HNSW index
	indexable bool
}

func storageFor(dims int) storage {
	switch {
	case dims <= 2000:
		return storage{"embedding", "vector", "vector_ip_ops", true}
	case dims <= 4000:
		return storage{"embedding_half", "halfvec", "halfvec_ip_ops", true}
	default:
		return storage{"embedding", "vector", "", false}
	}
}

// indexName is the partial HNSW index of a model.
func indexName(modelID int) string { return fmt.Sprintf("knowledge_chunks_hnsw_m%d", modelID) }

// readTx runs the read-only fn in a transaction that is always rolled
// back, so the settings a search makes with set_config(…, true) end with it
// even when the store's DB is the caller's transaction (a savepoint then).
func (s *Store) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	err = fn(tx)
	if rerr := tx.Rollback(ctx); err == nil && rerr != nil {
		err = rerr
	}
	return err
}

// inTx runs fn in a transaction on the store's DB.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}
