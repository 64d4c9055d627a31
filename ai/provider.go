package ai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/botsync/botsync/secret"
)

// Kind is the API flavour of a [Provider].
type Kind string

// Provider kinds.
const (
	OpenAI     Kind = "openai"
	OpenRouter Kind = "openrouter"
)

// Default base URLs.
const (
	OpenAIBaseURL     = "https://api.openai.com/v1"
	OpenRouterBaseURL = "https://openrouter.ai/api/v1"
)

// Default timeouts of a Provider.
const (
	DefaultDialTimeout       = 10 * time.Second
	DefaultHeaderTimeout     = 60 * time.Second
	DefaultRequestTimeout    = 120 * time.Second
	DefaultStreamIdleTimeout = 30 * time.Second
)

// Routing is OpenRouter's provider-routing object, sent as "provider" on
// every chat request of an OpenRouter [Provider].
type Routing struct {
	// DataCollection "deny" keeps requests away from providers that store
	// or train on them.
	DataCollection string   `json:"data_collection,omitempty"`
	Order          []string `json:"order,omitempty"`
	Only           []string `json:"only,omitempty"`
	Ignore         []string `json:"ignore,omitempty"`
	AllowFallbacks *bool    `json:"allow_fallbacks,omitempty"`
	// RequireParameters routes only to providers supporting every
	// parameter sent (structured output, tools).
	RequireParameters bool `json:"require_parameters,omitempty"`
	// ZDR restricts routing to zero-data-retention endpoints.
	ZDR bool `json:"zdr,omitempty"`
	// Sort is "price", "throughput" or "latency".
	Sort string `json:"sort,omitempty"`
}

type config struct {
	baseURL       string
	base          http.RoundTripper
	referer       string
	title         string
	org           string
	routing       *Routing
	dialTimeout   time.Duration
	headerTimeout time.Duration
	reqTimeout    time.Duration
	idleTimeout   time.Duration
	now           func() time.Time
}

// Option configures a [Provider].
type Option func(*config) error

// WithBaseURL points the provider at another OpenAI-compatible endpoint (a
// proxy, a fake such as aitest). It must be an absolute http(s) URL.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("%w: base URL must be an absolute http(s) URL", ErrInvalidInput)
		}
		c.baseURL = u
		return nil
	}
}

// WithTransport replaces the base transport (by default an http.Transport
// with the dial and header timeouts). The provider still wraps it with its
// rewriting transport. Use it for tracing, proxies or aitest's in-memory
// transport.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return fmt.Errorf("%w: transport is nil", ErrInvalidInput)
		}
		c.base = rt
		return nil
	}
}

// WithAppInfo sets OpenRouter's attribution headers HTTP-Referer (your site)
// and X-Title (your app's name). Either may be empty.
func WithAppInfo(referer, title string) Option {
	return func(c *config) error {
		c.referer, c.title = referer, title
		return nil
	}
}

// WithOrganization sets the OpenAI-Organization header.
func WithOrganization(id string) Option {
	return func(c *config) error { c.org = id; return nil }
}

// WithRouting sets OpenRouter provider routing, for example
// Routing{DataCollection: "deny"}. OpenRouter providers only.
func WithRouting(r Routing) Option {
	return func(c *config) error { c.routing = &r; return nil }
}

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: %s must be positive", ErrInvalidInput, name)
	}
	return nil
}

// WithDialTimeout bounds connecting and the TLS handshake (default
// [DefaultDialTimeout]). Ignored with [WithTransport].
func WithDialTimeout(d time.Duration) Option {
	return func(c *config) error { c.dialTimeout = d; return positive("dial timeout", d) }
}

// WithHeaderTimeout bounds the wait for response headers (default
// [DefaultHeaderTimeout]). Ignored with [WithTransport].
func WithHeaderTimeout(d time.Duration) Option {
	return func(c *config) error { c.headerTimeout = d; return positive("header timeout", d) }
}

// WithRequestTimeout bounds a whole non-streamed call (chat, embeddings),
// default [DefaultRequestTimeout]. Streams use the idle timeout instead.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) error { c.reqTimeout = d; return positive("request timeout", d) }
}

// WithStreamIdleTimeout bounds the silence before the first chunk and
// between chunks of a stream (default [DefaultStreamIdleTimeout]).
// Keep-alive comments do not count as chunks.
func WithStreamIdleTimeout(d time.Duration) Option {
	return func(c *config) error { c.idleTimeout = d; return positive("stream idle timeout", d) }
}

// WithClock sets the clock used to read Retry-After dates.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("%w: clock is nil", ErrInvalidInput)
		}
		c.now = now
		return nil
	}
}

// Provider is one configured OpenAI-compatible API account: chat (plain,
// streaming, tools, structured output) and embeddings over go-openai. It is
// safe for concurrent use. Construct it with [NewProvider].
type Provider struct {
	name   string
	kind   Kind
	client *openai.Client
	http   *http.Client
	cfg    config
}

// NewProvider returns a provider named name (the name chain links refer to)
// of the given kind, authenticating with key.
func NewProvider(name string, kind Kind, key secret.Value, opts ...Option) (*Provider, error) {
	if name == "" {
		return nil, fmt.Errorf("ai: new provider: %w: name is empty", ErrInvalidInput)
	}
	cfg := config{
		dialTimeout: DefaultDialTimeout, headerTimeout: DefaultHeaderTimeout,
		reqTimeout: DefaultRequestTimeout, idleTimeout: DefaultStreamIdleTimeout,
		now: time.Now,
	}
	switch kind {
	case OpenAI:
		cfg.baseURL = OpenAIBaseURL
	case OpenRouter:
		cfg.baseURL = OpenRouterBaseURL
	default:
		return nil, fmt.Errorf("ai: new provider %s: %w: kind %q", name, ErrInvalidInput, kind)
	}
	if key.IsZero() {
		return nil, fmt.Errorf("ai: new provider %s: %w", name, ErrMissingKey)
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("ai: new provider %s: %w", name, err)
		}
	}
	if kind != OpenRouter && (cfg.routing != nil || cfg.referer != "" || cfg.title != "") {
		return nil, fmt.Errorf("ai: new provider %s: %w: routing and app info are OpenRouter options", name, ErrInvalidInput)
	}
	base := cfg.base
	if base == nil {
		base = newBaseTransport(cfg.dialTimeout, cfg.headerTimeout)
	}
	headers := http.Header{}
	if cfg.referer != "" {
		headers.Set("HTTP-Referer", cfg.referer)
	}
	if cfg.title != "" {
		headers.Set("X-Title", cfg.title)
	}
	oc := openai.DefaultConfig(key.Reveal())
	oc.BaseURL = cfg.baseURL
	oc.OrgID = cfg.org
	hc := &http.Client{Transport: &rewriter{base: base, headers: headers, now: cfg.now}}
	oc.HTTPClient = hc
	// Keep-alive comments are bounded by the idle timeout, not by a count.
	oc.EmptyMessagesLimit = 1 << 30
	return &Provider{name: name, kind: kind, client: openai.NewClientWithConfig(oc), http: hc, cfg: cfg}, nil
}

// Name returns the provider's name.
func (p *Provider) Name() string { return p.name }

// Kind returns the provider's kind.
func (p *Provider) Kind() Kind { return p.kind }

func validateRequest(req Request) error {
	if req.Model == "" {
		return fmt.Errorf("%w: model is empty", ErrInvalidInput)
	}
	if len(req.Messages) == 0 {
		return fmt.Errorf("%w: messages is empty", ErrInvalidInput)
	}
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant, RoleTool:
		default:
			return fmt.Errorf("%w: messages[%d].role %q", ErrInvalidInput, i, m.Role)
		}
	}
	for i, t := range req.Tools {
		if t.Name == "" {
			return fmt.Errorf("%w: tools[%d].name is empty", ErrInvalidInput, i)
		}
	}
	if req.Schema != nil && (req.Schema.Name == "" || len(req.Schema.Schema) == 0) {
		return fmt.Errorf("%w: schema needs a name and a schema", ErrInvalidInput)
	}
	if req.Params.Temperature != nil && (*req.Params.Temperature < 0 || *req.Params.Temperature > 2) {
		return fmt.Errorf("%w: params.temperature must be within [0, 2]", ErrInvalidInput)
	}
	if req.Params.MaxTokens < 0 {
		return fmt.Errorf("%w: params.max_tokens is negative", ErrInvalidInput)
	}
	return nil
}

func (p *Provider) prepare(req Request, stream bool) (openai.ChatCompletionRequest, bodyPatch, error) {
	if err := validateRequest(req); err != nil {
		return openai.ChatCompletionRequest{}, nil, err
	}
	patch := bodyPatch{}
	if len(req.Params.Models) > 0 {
		if p.kind != OpenRouter {
			return openai.ChatCompletionRequest{}, nil, fmt.Errorf("%w: params.models is an OpenRouter option", ErrInvalidInput)
		}
		patch["models"] = req.Params.Models
	}
	if p.cfg.routing != nil {
		patch["provider"] = p.cfg.routing
	}
	o := openai.ChatCompletionRequest{
		Model:               req.Model,
		MaxCompletionTokens: req.Params.MaxTokens,
		Seed:                req.Params.Seed,
		Stream:              stream,
		User:                req.User,
	}
	if t := req.Params.Temperature; t != nil {
		o.Temperature = float32(*t)
		patch["temperature"] = *t
	}
	if t := req.Params.TopP; t != nil {
		o.TopP = float32(*t)
		patch["top_p"] = *t
	}
	if stream {
		o.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	o.Messages = make([]openai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		om := openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content, Name: m.Name, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			om.ToolCalls = append(om.ToolCalls, openai.ToolCall{
				ID: tc.ID, Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: tc.Name, Arguments: tc.Arguments},
			})
		}
		o.Messages[i] = om
	}
	for _, t := range req.Tools {
		params := t.Parameters
		if len(params) == 0 {
			params = []byte(`{"type":"object","properties":{}}`)
		}
		o.Tools = append(o.Tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: params,
		}})
	}
	switch req.ToolChoice {
	case "":
	case "auto", "none", "required":
		o.ToolChoice = req.ToolChoice
	default:
		o.ToolChoice = openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: req.ToolChoice}}
	}
	if s := req.Schema; s != nil {
		o.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: s.Name, Description: s.Description, Schema: rawSchema(s.Schema), Strict: s.Strict,
			},
		}
	}
	return o, patch, nil
}

type rawSchema []byte

func (r rawSchema) MarshalJSON() ([]byte, error) { return r, nil }

// Chat sends one chat completion. The response records the model that
// actually answered and the token usage. A content-filter finish or a model
// refusal returns an error matching [ErrRefused]. Errors are [*Error].
func (p *Provider) Chat(ctx context.Context, req Request) (*Response, error) {
	o, patch, err := p.prepare(req, false)
	if err != nil {
		return nil, &Error{Op: "chat", Provider: p.name, Model: req.Model, Kind: ErrInvalidInput, Message: inputMessage(err), Err: err}
	}
	info := &callInfo{}
	ctx = withInfo(withPatch(ctx, patch), info)
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.reqTimeout, errRequestTimeout)
	defer cancel()
	resp, err := p.client.CreateChatCompletion(ctx, o)
	if err != nil {
		return nil, p.classify("chat", req.Model, ctx, err, info, false)
	}
	if len(resp.Choices) == 0 {
		return nil, &Error{Op: "chat", Provider: p.name, Model: req.Model, Kind: ErrServer, Message: "response has no choices"}
	}
	ch := resp.Choices[0]
	out := &Response{
		Provider: p.name, Model: resp.Model, RequestedModel: req.Model,
		Content: ch.Message.Content, FinishReason: string(ch.FinishReason),
		Usage: Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens},
	}
	if out.Model == "" {
		out.Model = req.Model
	}
	for _, tc := range ch.Message.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	if ch.Message.Refusal != "" || ch.FinishReason == openai.FinishReasonContentFilter {
		return out, &Error{Op: "chat", Provider: p.name, Model: req.Model, Kind: ErrRefused, Message: truncate(ch.Message.Refusal, 200)}
	}
	return out, nil
}

// Embedding is the result of [Provider.Embed].
type Embedding struct {
	// Vectors holds one vector per input text, in input order.
	Vectors [][]float32
	// Model is the model that answered.
	Model string
	Usage Usage
}

// Embed embeds texts with model; dims > 0 asks for that many dimensions
// (models that support it). Errors are [*Error].
func (p *Provider) Embed(ctx context.Context, model string, texts []string, dims int) (*Embedding, error) {
	if model == "" {
		return nil, &Error{Op: "embed", Provider: p.name, Kind: ErrInvalidInput, Message: "model is empty"}
	}
	if len(texts) == 0 {
		return &Embedding{Model: model}, nil
	}
	info := &callInfo{}
	ctx = withInfo(ctx, info)
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.reqTimeout, errRequestTimeout)
	defer cancel()
	resp, err := p.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
		Input: texts, Model: openai.EmbeddingModel(model), Dimensions: dims,
	})
	if err != nil {
		return nil, p.classify("embed", model, ctx, err, info, false)
	}
	if len(resp.Data) != len(texts) {
		return nil, &Error{Op: "embed", Provider: p.name, Model: model, Kind: ErrServer,
			Message: fmt.Sprintf("got %d vectors for %d inputs", len(resp.Data), len(texts))}
	}
	data := resp.Data
	sort.SliceStable(data, func(i, j int) bool { return data[i].Index < data[j].Index })
	out := &Embedding{Model: string(resp.Model), Usage: Usage{PromptTokens: resp.Usage.PromptTokens, TotalTokens: resp.Usage.TotalTokens}}
	if out.Model == "" {
		out.Model = model
	}
	for _, d := range data {
		out.Vectors = append(out.Vectors, d.Embedding)
	}
	return out, nil
}

var (
	errRequestTimeout = errors.New("ai: request timeout")
	errIdleTimeout    = errors.New("ai: stream idle timeout")
)
