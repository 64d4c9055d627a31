package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
	"github.com/botsync/botsync/workspace/workspacetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	workspacetest.TestStore(t, func(*testing.T) workspace.Store { return memstore.New() })
}
