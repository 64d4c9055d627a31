package pgstore_test

import (
	"context"
	"log"
	"net/netip"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/privacy"
	privacymem "github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/pgstore"
)

// Authenticate a request's session cookie and check a permission: one
// query on PostgreSQL.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	audit := privacy.NewAuditLog(privacymem.New(), nil) // the privacy pgstore in production
	svc, err := workspace.New(pgstore.New(pool), audit, []byte(os.Getenv("INVITATION_SIGNING_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, secret.New(os.Getenv("SESSION_COOKIE")), netip.MustParseAddr("203.0.113.7"))
	if err != nil {
		log.Fatal(err)
	}
	if err := svc.Authorize(ctx, p, workspace.ActionConversationsReply, p.WorkspaceID); err != nil {
		log.Fatal(err)
	}
}
