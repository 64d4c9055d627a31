package aitest_test

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"

	"github.com/botsync/botsync/ai/aitest"
)

// Any OpenAI client can talk to the fake; here go-openai over the in-memory
// transport.
func ExampleServer() {
	srv := aitest.New()
	srv.Script("gpt-4o-mini", aitest.HTTPError(429, "5"), aitest.Text("Hello!"))

	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = "http://fake/v1"
	cfg.HTTPClient = srv.HTTPClient()
	c := openai.NewClientWithConfig(cfg)
	req := openai.ChatCompletionRequest{Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}

	_, err := c.CreateChatCompletion(context.Background(), req)
	fmt.Println(err != nil)
	resp, _ := c.CreateChatCompletion(context.Background(), req)
	fmt.Println(resp.Choices[0].Message.Content, len(srv.Requests()))
	// Output:
	// true
	// Hello! 2
}

// Similar texts embed close together.
func ExampleEmbed() {
	q := aitest.Embed("opening hours on sunday", 64)
	fmt.Printf("%.2f\n", aitest.Cosine(q, aitest.Embed("What are your opening hours on Sunday?", 64)))
	fmt.Printf("%.2f\n", aitest.Cosine(q, aitest.Embed("price of a root canal", 64)))
	// Output:
	// 0.78
	// -0.09
}
