package workspace_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
	"github.com/botsync/botsync/workspace/workspacetest"
)

// BenchmarkAuthenticateAuthorize is the per-request cost: session lookup
// (hash, one store read, expiry checks) and the permission check.
func BenchmarkAuthenticateAuthorize(b *testing.B) {
	ctx := context.Background()
	e := workspacetest.NewEnv(b, memstore.New())
	_, w := e.SignUp(b, "owner@example.com", "Shop")
	agent, _ := e.SignUp(b, "agent@example.com", "")
	require.NoError(b, e.Store.PutMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: agent.ID, Role: workspace.RoleAgent}))
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

// BenchmarkCheckSend is the kill-switch check made before every send, with
// 1,000 workspaces paused.
func BenchmarkCheckSend(b *testing.B) {
	ctx := context.Background()
	e := workspacetest.NewEnv(b, memstore.New())
	for i := range 1000 {
		require.NoError(b, e.Store.PutKillSwitch(ctx, workspace.KillSwitch{Scope: fmt.Sprintf("ws_%d", i), Paused: workspace.PauseSends}))
	}
	require.NoError(b, e.Svc.LoadKillSwitches(ctx))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := e.Svc.CheckSend("ws_live"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAllowed is the permission matrix alone.
func BenchmarkAllowed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !workspace.Allowed(workspace.RoleAgent, workspace.ActionConversationsReply, workspace.StatusActive) {
			b.Fatal("denied")
		}
	}
}
