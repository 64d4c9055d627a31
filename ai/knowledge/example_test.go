package knowledge_test

import (
	"context"
	"fmt"
	"log"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

// Ingest two sources and answer a question with a citation; an
// out-of-scope question is refused before any model call.
func Example() {
	ctx := context.Background()
	kb, err := knowledge.New(memstore.New(), knowledgetest.NewHashEmbedder(256),
		knowledge.WithModel(knowledgetest.ExtractiveModel{}),
		// Thresholds for the test embedder; real models use the defaults.
		knowledge.WithThresholds(knowledge.Thresholds{MinSimilarity: 0.2, MinContextSimilarity: 0.1, MinCoverage: 0.67}))
	if err != nil {
		log.Fatal(err)
	}
	sources := []knowledge.Source{
		{
			ID: "fees", Title: "Fee structure", URL: "https://brightfuture.example/fees", Format: knowledge.FormatMarkdown,
			Content: "# Fees\n\nThe JEE two-year programme costs ₹1,80,000.\n\n## Refunds\n\nFees are refunded in full within 15 days of joining.",
		},
		{
			ID: "faq", Title: "FAQ", Format: knowledge.FormatFAQ,
			FAQ: []knowledge.FAQ{{Question: "Do you have a hostel?", Answer: "No, but we have tie-ups with PGs near the campus."}},
		},
	}
	for _, src := range sources {
		st, err := kb.Ingest(ctx, "academy", src)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d chunks embedded\n", src.ID, st.Embedded)
	}

	ans, err := kb.Answer(ctx, "academy", "How much does the JEE two-year programme cost?", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ans.Decision, "—", ans.Text)
	for _, c := range ans.Citations {
		fmt.Printf("cited %q (%s): %q\n", c.SourceTitle, c.URL, c.Quote)
	}

	ans, err = kb.Answer(ctx, "academy", "Do you teach French?", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ans.Decision)
	// Output:
	// fees: 2 chunks embedded
	// faq: 1 chunks embedded
	// answered — The JEE two-year programme costs ₹1,80,000.
	// cited "Fee structure" (https://brightfuture.example/fees): "The JEE two-year programme costs ₹1,80,000."
	// no_knowledge
}

// Re-ingesting an unchanged source embeds nothing.
func ExampleBase_Ingest() {
	ctx := context.Background()
	emb := knowledgetest.NewHashEmbedder(64)
	kb, err := knowledge.New(memstore.New(), emb)
	if err != nil {
		log.Fatal(err)
	}
	src := knowledge.Source{ID: "policy", Format: knowledge.FormatText, Content: "Attendance\n\nStudents keep 85% attendance."}
	for range 2 {
		st, err := kb.Ingest(ctx, "ws", src)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("chunks=%d embedded=%d unchanged=%t\n", st.Chunks, st.Embedded, st.Unchanged)
	}
	// Output:
	// chunks=1 embedded=1 unchanged=false
	// chunks=1 embedded=0 unchanged=true
}
