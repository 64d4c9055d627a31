package workspacetest_test

import (
	"testing"

	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
	"github.com/botsync/botsync/workspace/workspacetest"
)

// A store implementation runs the whole suite from its own test.
func ExampleTestStore() {
	_ = func(t *testing.T) {
		workspacetest.TestStore(t, func(*testing.T) workspace.Store { return memstore.New() })
	}
}

// Tests of code that needs a signed-in user build an environment.
func ExampleNewEnv() {
	_ = func(t *testing.T) {
		e := workspacetest.NewEnv(t, memstore.New())
		_, w := e.SignUp(t, "owner@example.com", "Shop")
		p, _ := e.Login(t, "owner@example.com", workspacetest.UserIP, "")
		_ = e.Svc.Authorize(t.Context(), p, workspace.ActionWorkspaceView, w.ID)
	}
}
