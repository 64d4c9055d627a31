package ai

import "encoding/json"

// Role is the author of a [Message].
type Role string

// Message roles.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one chat message.
type Message struct {
	Role    Role
	Content string
	// Name optionally names the author.
	Name string
	// ToolCalls are the calls an assistant message made.
	ToolCalls []ToolCall
	// ToolCallID is set on a RoleTool message answering that call.
	ToolCallID string
}

// ToolCall is a function call requested by the model.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // JSON text, as the model wrote it
}

// Tool is a function the model may call.
type Tool struct {
	Name        string
	Description string
	// Parameters is the JSON schema of the arguments.
	Parameters json.RawMessage
}

// Schema asks for structured output: the reply must be JSON matching Schema.
type Schema struct {
	Name        string
	Description string
	Schema      json.RawMessage
	// Strict asks the provider to enforce the schema (OpenAI strict mode).
	Strict bool
}

// Params are the sampling parameters of a call. Pointer fields distinguish
// "unset" from zero: Temperature = Float(0) sends "temperature": 0 on the
// wire (go-openai alone would drop it).
type Params struct {
	Temperature *float64
	TopP        *float64
	// MaxTokens caps the completion (sent as max_completion_tokens).
	MaxTokens int
	Seed      *int
	// Models is OpenRouter's fallback list, sent as "models" after the
	// requested model. Rejected for OpenAI providers.
	Models []string
	// ContextWindow is the model's window in tokens, used by the [Gateway]
	// to trim context; 0 means [DefaultContextWindow].
	ContextWindow int
}

// Float returns a pointer to f, for [Params] fields.
func Float(f float64) *float64 { return &f }

// Int returns a pointer to i, for [Params] fields.
func Int(i int) *int { return &i }

// Request is one chat call.
type Request struct {
	Model    string
	Messages []Message
	Params   Params
	Tools    []Tool
	// ToolChoice is "auto", "none", "required" or a tool name; "" leaves it
	// to the provider.
	ToolChoice string
	// Schema, when set, requests JSON output matching it.
	Schema *Schema
	// User is an opaque, non-identifying end-user id (never a phone number
	// or email) providers use for abuse detection.
	User string
}

// Usage is the token usage a provider reported.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
}

// Add returns the sum of two usages.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + o.PromptTokens,
		CompletionTokens: u.CompletionTokens + o.CompletionTokens,
		TotalTokens:      u.TotalTokens + o.TotalTokens,
	}
}

// Response is a completed chat call.
type Response struct {
	// Provider is the name of the provider that answered.
	Provider string
	// Model is the model that actually answered, as the provider reported
	// it (OpenRouter may answer with a fallback model).
	Model string
	// RequestedModel is the model that was asked for.
	RequestedModel string
	Content        string
	ToolCalls      []ToolCall
	FinishReason   string
	Usage          Usage
	// Link is the index of the chain link that answered (0 outside a
	// chain), and Attempts what happened to every link tried or skipped.
	Link     int
	Attempts []Attempt
}
