package ai_test

import (
	"context"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/secret"
)

// BenchmarkChainChat and BenchmarkDirectGoOpenAI send the same request to
// the same fake server over a real socket: the difference is the overhead of
// Provider + Chain (validation, body rewrite, classification, attempts).
func BenchmarkChainChat(b *testing.B) {
	srv := aitest.New()
	url := srv.Start(b)
	p, err := ai.NewProvider("openai", ai.OpenAI, secret.New("k"), ai.WithBaseURL(url))
	if err != nil {
		b.Fatal(err)
	}
	r, _ := ai.NewRouter([]*ai.Provider{p})
	c, err := r.Chain([]ai.Link{{Provider: "openai", Model: "m", Params: ai.Params{Temperature: ai.Float(0)}}})
	if err != nil {
		b.Fatal(err)
	}
	req := ai.Request{Messages: []ai.Message{{Role: ai.RoleUser, Content: "What are your opening hours?"}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Chat(ctx, req); err != nil {
			b.Fatal(err)
		}
		srv.Reset()
	}
}

func BenchmarkDirectGoOpenAI(b *testing.B) {
	srv := aitest.New()
	url := srv.Start(b)
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = url
	c := openai.NewClientWithConfig(cfg)
	req := openai.ChatCompletionRequest{Model: "m", Temperature: 0,
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "What are your opening hours?"}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CreateChatCompletion(ctx, req); err != nil {
			b.Fatal(err)
		}
		srv.Reset()
	}
}
