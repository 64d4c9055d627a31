// Package pgmigrate applies a package's embedded SQL migrations with goose,
// each package keeping its own version table so that packages migrate
// independently in one database.
//
//	//go:embed migrations/*.sql
//	var migrations embed.FS
//
//	func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
//		return pgmigrate.Up(ctx, pool, "crm", migrations, "migrations")
//	}
//
// Migrations are plain goose SQL files (`-- +goose Up` / `-- +goose Down`).
// A PostgreSQL advisory lock serialises concurrent starts of several server
// instances.
package pgmigrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// Up applies every pending migration found under dir in fsys. name identifies
// the package (e.g. "crm"); its versions are kept in the table
// botsync_<name>_migrations in the connection's current schema.
func Up(ctx context.Context, pool *pgxpool.Pool, name string, fsys fs.FS, dir string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("pgmigrate: invalid name %q", name)
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("pgmigrate %s: %w", name, err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	return up(ctx, db, name, sub)
}

func up(ctx context.Context, db *sql.DB, name string, fsys fs.FS) error {
	store, err := database.NewStore(database.DialectPostgres, "botsync_"+name+"_migrations")
	if err != nil {
		return fmt.Errorf("pgmigrate %s: %w", name, err)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID(name)))
	if err != nil {
		return fmt.Errorf("pgmigrate %s: %w", name, err)
	}
	p, err := goose.NewProvider("", db, fsys, goose.WithStore(store), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("pgmigrate %s: %w", name, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("pgmigrate %s: %w", name, err)
	}
	return nil
}

// lockID derives a stable advisory-lock id per package.
func lockID(name string) int64 {
	var h int64 = 0x626f7473796e63 // "botsync"
	for _, c := range name {
		h = h*31 + int64(c)
	}
	return h
}
