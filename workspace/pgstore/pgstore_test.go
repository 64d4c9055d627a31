package pgstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/pgstore"
	"github.com/botsync/botsync/workspace/workspacetest"
)

func newStore(t testing.TB) *pgstore.Store {
	t.Helper()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(context.Background(), pool))
	return pgstore.New(pool)
}

func TestStore(t *testing.T) {
	t.Parallel()
	workspacetest.TestStore(t, func(t *testing.T) workspace.Store { return newStore(t) })
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(context.Background(), pool))
	require.NoError(t, pgstore.Migrate(context.Background(), pool))
}

// BenchmarkAuthenticateAuthorize is the per-request cost on PostgreSQL:
// one LookupSession round trip plus the in-memory permission check.
func BenchmarkAuthenticateAuthorize(b *testing.B) {
	ctx := context.Background()
	e := workspacetest.NewEnv(b, newStore(b))
	_, w := e.SignUp(b, "owner@example.com", "Shop")
	agent, _ := e.SignUp(b, "agent@example.com", "")
	require.NoError(b, e.Store.PutMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: agent.ID, Role: workspace.RoleAgent, CreatedAt: workspacetest.Start}))
	_, tok := e.Login(b, "agent@example.com", workspacetest.UserIP, "")
	b.ReportAllocs()
	for b.Loop() {
		p, err := e.Svc.Authenticate(ctx, tok, workspacetest.UserIP)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Svc.Authorize(ctx, p, workspace.ActionConversationsReply, w.ID); err != nil {
			b.Fatal(err)
		}
	}
}
