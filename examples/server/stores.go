package main

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/ai/knowledge"
	kbmem "github.com/botsync/botsync/ai/knowledge/memstore"
	kbpg "github.com/botsync/botsync/ai/knowledge/pgstore"
	"github.com/botsync/botsync/billing"
	billingmem "github.com/botsync/botsync/billing/memstore"
	billingpg "github.com/botsync/botsync/billing/pgstore"
	"github.com/botsync/botsync/bot"
	botmem "github.com/botsync/botsync/bot/memstore"
	botpg "github.com/botsync/botsync/bot/pgstore"
	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	crmpg "github.com/botsync/botsync/crm/pgstore"
	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/internal/intake/pgintake"
	"github.com/botsync/botsync/internal/pgmigrate"
	"github.com/botsync/botsync/privacy"
	privacymem "github.com/botsync/botsync/privacy/memstore"
	privacypg "github.com/botsync/botsync/privacy/pgstore"
	"github.com/botsync/botsync/vault"
	vaultmem "github.com/botsync/botsync/vault/memstore"
	vaultpg "github.com/botsync/botsync/vault/pgstore"
	"github.com/botsync/botsync/whatsapp/broadcast"
	broadcastmem "github.com/botsync/botsync/whatsapp/broadcast/memstore"
	broadcastpg "github.com/botsync/botsync/whatsapp/broadcast/pgstore"
	"github.com/botsync/botsync/workspace"
	wsmem "github.com/botsync/botsync/workspace/memstore"
	wspg "github.com/botsync/botsync/workspace/pgstore"
)

// privacyStore is everything the server asks of the privacy store.
type privacyStore interface {
	privacy.AuditStore
	privacy.RequestStore
	privacy.HoldStore
	privacy.ConsentStore
	privacy.GrievanceStore
	privacy.IncidentStore
	privacy.DeletionStore
}

// stores are the persistence of every package: in memory (embedded) or
// on PostgreSQL.
type stores struct {
	workspace workspace.Store
	crm       crm.Store
	vault     vault.Store
	privacy   privacyStore
	knowledge knowledge.Store
	bot       bot.Store
	billing   billing.Store
	intake    intake.Store
	broadcast broadcast.Store
	pools     []*pgxpool.Pool
}

func (s *stores) close() {
	for _, p := range s.pools {
		p.Close()
	}
}

func memoryStores() *stores {
	return &stores{workspace: wsmem.New(), crm: crmmem.New(), vault: vaultmem.New(), privacy: privacymem.New(),
		knowledge: kbmem.New(), bot: botmem.New(), billing: billingmem.New(), intake: intake.NewMemStore(),
		broadcast: broadcastmem.New()}
}

//go:embed migrations/*.sql
var serverMigrations embed.FS

// migrations are every package's, in dependency order.
var migrations = []struct {
	name string
	up   func(context.Context, *pgxpool.Pool) error
}{
	{"workspace", wspg.Migrate}, {"vault", vaultpg.Migrate}, {"crm", crmpg.Migrate}, {"privacy", privacypg.Migrate},
	{"bot", botpg.Migrate}, {"billing", billingpg.Migrate}, {"intake", pgintake.Migrate}, {"broadcast", broadcastpg.Migrate},
	{"river", func(ctx context.Context, pool *pgxpool.Pool) error {
		return migrateRiver(ctx, pool, slog.New(slog.DiscardHandler))
	}},
	{"server", func(ctx context.Context, pool *pgxpool.Pool) error {
		return pgmigrate.Up(ctx, pool, "server", serverMigrations, "migrations")
	}},
}

// migrate applies every migration (the knowledge store's on its own
// database when KNOWLEDGE_DATABASE_URL names one).
func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	s, err := openPools(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.close()
	return runMigrations(ctx, cfg, s, log)
}

func runMigrations(ctx context.Context, cfg Config, s *stores, log *slog.Logger) error {
	for _, m := range migrations {
		if err := m.up(ctx, s.pools[0]); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	if cfg.KnowledgeDatabaseURL != "memory" {
		if err := kbpg.Migrate(ctx, s.pools[len(s.pools)-1]); err != nil {
			return fmt.Errorf("migrate knowledge (needs pgvector >= 0.8; set KNOWLEDGE_DATABASE_URL=memory to keep it in memory): %w", err)
		}
	}
	log.Info("migrations applied")
	return nil
}

func openPools(ctx context.Context, cfg Config) (*stores, error) {
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", redactURL(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("DATABASE_URL: cannot connect: %w", redactURL(err))
	}
	s := &stores{pools: []*pgxpool.Pool{pool}}
	if u := cfg.KnowledgeDatabaseURL; u != "" && u != "memory" {
		kp, err := pgxpool.New(ctx, u)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("KNOWLEDGE_DATABASE_URL: %w", redactURL(err))
		}
		s.pools = append(s.pools, kp)
	}
	return s, nil
}

// postgresStores opens the pools, applies migrations and builds every
// pgstore.
func postgresStores(ctx context.Context, cfg Config, log *slog.Logger) (*stores, error) {
	s, err := openPools(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := runMigrations(ctx, cfg, s, log); err != nil {
		s.close()
		return nil, err
	}
	pool := s.pools[0]
	s.workspace, s.crm, s.vault, s.privacy = wspg.New(pool), crmpg.New(pool), vaultpg.New(pool), privacypg.New(pool)
	s.bot, s.billing, s.intake, s.broadcast = botpg.New(pool), billingpg.New(pool), pgintake.New(pool), broadcastpg.New(pool)
	if cfg.KnowledgeDatabaseURL == "memory" {
		log.Warn("knowledge base kept in memory (KNOWLEDGE_DATABASE_URL=memory): not shared between instances, lost at restart")
		s.knowledge = kbmem.New()
	} else if s.knowledge, err = kbpg.New(s.pools[len(s.pools)-1]); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// redactURL keeps a connection error but never a password: pgx errors
// may quote the connection string.
func redactURL(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "://"); i >= 0 {
		if j := strings.Index(msg[i:], "@"); j >= 0 {
			msg = msg[:i+3] + "***" + msg[i+j:]
		}
	}
	return fmt.Errorf("%s", msg)
}
