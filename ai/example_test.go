package ai_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/secret"
)

// A reply through a two-link chain: the primary answers 503, so the OpenRouter
// link answers, and the result says which link did and why the first was
// skipped.
func ExampleGateway_Reply() {
	fake := aitest.New() // stands in for OpenAI and OpenRouter
	fake.Script("gpt-4o-mini", aitest.HTTPError(503, ""))
	fake.Script("meta-llama/llama-3.1-70b-instruct", aitest.JSON(map[string]any{
		"decision": "send", "text": "We are open 9am to 6pm, Monday to Saturday.",
		"reason": "", "citations": []string{"hours"},
	}))

	openai, _ := ai.NewProvider("openai", ai.OpenAI, secret.New("sk-…"),
		ai.WithBaseURL("http://fake/v1"), ai.WithTransport(fake.Transport()))
	openrouter, _ := ai.NewProvider("openrouter", ai.OpenRouter, secret.New("sk-or-…"),
		ai.WithBaseURL("http://fake/v1"), ai.WithTransport(fake.Transport()),
		ai.WithAppInfo("https://example.com", "Sunrise Dental bot"),
		ai.WithRouting(ai.Routing{DataCollection: "deny"}))
	router, _ := ai.NewRouter([]*ai.Provider{openai, openrouter})
	gw, _ := ai.NewGateway(router, ai.StaticConfig{"ws1": {
		Chain: []ai.Link{
			{Provider: "openai", Model: "gpt-4o-mini", Params: ai.Params{Temperature: ai.Float(0)}},
			{Provider: "openrouter", Model: "meta-llama/llama-3.1-70b-instruct"},
		},
		Prompts: ai.Prompts{Persona: "You are the front desk of Sunrise Dental."},
	}})

	res, err := gw.Reply(context.Background(), "ws1", ai.ReplyInput{
		Conversation: ai.Conversation{
			ID:   "c1",
			Lead: ai.Lead{Name: secret.NewPII("Asha Rao"), Phone: secret.NewPII("+91 98765 43210")},
			Turns: []ai.Turn{{Role: ai.RoleUser,
				Text: "Hi, this is Asha (+91 98765 43210). When are you open?"}},
		},
		Knowledge: []ai.Passage{{ID: "hours", Source: "faq", Text: "Open 9am-6pm, Monday to Saturday."}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Decision, "-", res.Text)
	fmt.Println("answered by link", res.Meta.Link, res.Meta.Provider, res.Meta.Model)
	for _, a := range res.Meta.Attempts {
		fmt.Printf("link %d %s: %s\n", a.Link, a.Outcome, a.Reason)
	}
	// Output:
	// send - We are open 9am to 6pm, Monday to Saturday.
	// answered by link 1 openrouter meta-llama/llama-3.1-70b-instruct
	// link 0 failed: status 503: provider server error
	// link 1 answered: ok
}

// Scoring a lead from its allow-listed CRM fields and the conversation.
func ExampleGateway_ScoreLead() {
	fake := aitest.New()
	fake.Script("gpt-4o-mini", aitest.JSON(map[string]any{
		"score":   85,
		"reasons": []string{"asked for a price and a slot this week", "stage is hot"},
		"fields":  []string{"stage", "conversation"},
	}))
	p, _ := ai.NewProvider("openai", ai.OpenAI, secret.New("sk-…"),
		ai.WithBaseURL("http://fake/v1"), ai.WithTransport(fake.Transport()))
	router, _ := ai.NewRouter([]*ai.Provider{p})
	gw, _ := ai.NewGateway(router, ai.StaticConfig{"ws1": {
		Chain:      []ai.Link{{Provider: "openai", Model: "gpt-4o-mini"}},
		LeadFields: []string{"stage", "source"},
	}})

	score, err := gw.ScoreLead(context.Background(), "ws1", ai.Conversation{
		ID: "c7",
		Lead: ai.Lead{
			Email:  secret.NewPII("ravi@example.com"),
			Fields: []ai.Field{{Name: "stage", Value: "hot"}, {Name: "source", Value: "instagram ad"}},
		},
		Turns: []ai.Turn{{Role: ai.RoleUser, Text: "How much is whitening? Can I come Thursday?"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(score.Score, score.Fields)
	fmt.Println(score.Reasons[0])
	fmt.Println("fields sent:", score.Meta.LeadFields)
	// Output:
	// 85 [stage conversation]
	// asked for a price and a slot this week
	// fields sent: [stage source]
}

// A chain streams from the first link that delivers a token.
func ExampleChain_Stream() {
	fake := aitest.New()
	fake.Script("primary", aitest.HTTPError(429, "30"))
	fake.Script("backup", aitest.Text("Hello from the backup"))
	p, _ := ai.NewProvider("openai", ai.OpenAI, secret.New("sk-…"),
		ai.WithBaseURL("http://fake/v1"), ai.WithTransport(fake.Transport()))
	router, _ := ai.NewRouter([]*ai.Provider{p})
	chain, _ := router.Chain([]ai.Link{{Provider: "openai", Model: "primary"}, {Provider: "openai", Model: "backup"}})

	s, err := chain.Stream(context.Background(), ai.Request{Messages: []ai.Message{{Role: ai.RoleUser, Content: "hi"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	for {
		c, err := s.Recv()
		if err != nil {
			break
		}
		fmt.Print(c.Content)
	}
	fmt.Println()
	fmt.Println(s.Response().Attempts[0].Reason)
	// Output:
	// Hello from the backup
	// status 429: rate limited (retry after 30s)
}
