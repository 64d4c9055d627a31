// Package ai is BotSync's door to language models: providers (OpenAI and
// OpenRouter over go-openai), per-workspace fallback chains, the privacy
// [Gateway], and the tasks the product runs — [Gateway.Reply],
// [Gateway.Summarize], [Gateway.Classify], [Gateway.ScoreLead] and
// [Gateway.FollowUp].
//
// # Providers
//
// A [Provider] is one API account. It fixes go-openai's traps: connection
// and response-header timeouts on its transport, an idle timeout between
// stream chunks (a stalled stream or an error event inside a 200 stream is
// a typed, retryable [*Error]), temperature 0 that really reaches the wire,
// and OpenRouter's "models" fallback list and "provider" routing (such as
// data_collection: deny) written into the JSON body by its
// http.RoundTripper. Every [Response] names the model that actually
// answered and the token usage. API keys are
// [github.com/botsync/botsync/secret.Value]s.
//
// # Chains
//
// A [Router] registers providers by name; [Router.Chain] turns a
// workspace's ordered [Link] list into a [Chain] that falls back on 408,
// 429 (and keeps the link cooling down for its Retry-After), 5xx, network
// errors and streams that stall or break before their first token; it stops
// on 400, 401, 403 and moderation refusals, and turns 402 into an alert
// matching [ErrCreditExhausted]. Both a [Response] and a
// [ChainError] list every [Attempt].
//
// # Gateway
//
// The [Gateway] is the only way the rest of BotSync reaches a model. It
// loads the workspace's [Config] from a [ConfigSource], refuses with
// [ErrDisabled] when the workspace's AI is off or its [Policy] says so,
// sends only the last turns, the allow-listed lead fields and the passages
// it is given, replaces personal data (phones, emails, the lead's names,
// card and ID numbers) with stable per-conversation placeholders and
// restores them in the output, trims the oldest turns to fit the smallest
// context window of the chain, meters usage through a [Meter], and logs
// counts and timings, never content. [Gateway.Embed] (the [Embedder]
// ai/knowledge consumes) redacts embedding input the same way.
//
//	openai, _ := ai.NewProvider("openai", ai.OpenAI, secret.New(key))
//	router, _ := ai.NewRouter([]*ai.Provider{openai, openrouter})
//	gw, _ := ai.NewGateway(router, ai.StaticConfig{"ws1": {
//		Chain: []ai.Link{
//			{Provider: "openai", Model: "gpt-4o-mini", Params: ai.Params{Temperature: ai.Float(0)}},
//			{Provider: "openrouter", Model: "meta-llama/llama-3.1-70b-instruct"},
//		},
//	}}, ai.WithMeter(billingMeter), ai.WithPolicy(workspaces))
//	res, err := gw.Reply(ctx, "ws1", ai.ReplyInput{Conversation: conv, Knowledge: passages})
//	if err == nil && res.Decision == ai.DecisionSend {
//		send(res.Text)
//	}
//
// Structured tasks ask for JSON-schema output and validate it on return;
// an invalid output is retried once, then fails with [ErrInvalidOutput].
// [Gateway.Draft] streams a plain-text suggestion for a person to review,
// restoring placeholders even when one is split across chunks, and
// [Gateway.CompleteJSON] runs another package's own structured prompt (the
// knowledge base's answer step) through the same door.
//
// The package ai/aitest provides a fake OpenAI-compatible server and a
// deterministic embedder for tests.
package ai
