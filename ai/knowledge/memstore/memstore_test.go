package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	knowledgetest.TestStore(t, func(*testing.T) knowledge.Store { return memstore.New() })
}
