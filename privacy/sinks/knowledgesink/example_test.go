package knowledgesink_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/sinks/knowledgesink"
)

func Example() {
	ctx := context.Background()
	st := memstore.New()
	kb, _ := knowledge.New(st, knowledgetest.NewHashEmbedder(32))
	_, _ = kb.Ingest(ctx, "ws", knowledge.Source{ID: "stories", Title: "Student stories", Format: knowledge.FormatText,
		Content: "Asha cleared NEET. Parents can call her at +91 98123 45678."})

	sink, _ := knowledgesink.New(st)
	who := privacy.Identifiers{WorkspaceID: "ws", Phones: []string{"+919812345678"}}
	recs, _ := sink.Export(ctx, who)
	fmt.Println(len(recs), recs[0].Kind)
	rc, err := sink.Erase(ctx, who, privacy.CategoryKnowledge, privacy.StrategyDelete)
	fmt.Println(rc.Count, err)
	// Output:
	// 1 knowledge_chunk
	// 1 <nil>
}
