// Command knowledge-answer ingests a small FAQ and answers questions from
// it with citations, or says it needs a human — with a deterministic
// embedder and an extractive model, so it runs without any AI key.
//
//	go run ./examples/knowledge-answer "What are the weekend timings?"
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

func main() {
	qs := os.Args[1:]
	if len(qs) == 0 {
		qs = []string{"What are the weekend timings?", "Can I pay in bitcoin?"}
	}
	if err := run(context.Background(), qs, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "knowledge-answer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, questions []string, out io.Writer) error {
	base, err := knowledge.New(memstore.New(), knowledgetest.NewHashEmbedder(0), knowledge.WithModel(knowledgetest.ExtractiveModel{}))
	if err != nil {
		return err
	}
	_, err = base.Ingest(ctx, "ws_demo", knowledge.Source{ID: "guide", Title: "Institute guide", Format: knowledge.FormatMarkdown, Content: `# Timings

Weekday batches run from 4 pm to 8 pm. Weekend batches run from 9 am to 3 pm on Saturday and Sunday.

# Location

The institute is at 12 MG Road, Pune, near the Camp metro station.

# Refunds

Fees are refundable in full within 15 days of joining.`})
	if err != nil {
		return err
	}
	for _, q := range questions {
		ans, err := base.Answer(ctx, "ws_demo", q, nil)
		if err != nil {
			return err
		}
		if ans.Decision != knowledge.Answered {
			fmt.Fprintf(out, "Q: %s\nA: (hand off to a person: %s)\n", q, ans.Reason)
			continue
		}
		fmt.Fprintf(out, "Q: %s\nA: %s\n", q, ans.Text)
		for _, c := range ans.Citations {
			fmt.Fprintf(out, "   [%s] %q\n", c.SourceTitle, c.Quote)
		}
	}
	return nil
}
