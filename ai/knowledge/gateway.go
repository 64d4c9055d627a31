package knowledge

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/ai"
)

// The ai Gateway embeds for the knowledge base as it is.
var _ Embedder = (*ai.Gateway)(nil)

// JSONCompleter is the part of *ai.Gateway that GatewayModel uses.
type JSONCompleter interface {
	CompleteJSON(ctx context.Context, workspace string, req ai.JSONRequest) (*ai.Completion, error)
}

// GatewayModel adapts the ai Gateway to Model, so the answer step runs
// through the Gateway's privacy door: workspace policy, PII replaced by
// placeholders (restored in the output), the workspace's provider chain,
// and usage metered under the task "knowledge_answer".
//
//	kb, err := knowledge.New(store, gateway, knowledge.WithModel(knowledge.GatewayModel(gateway)))
func GatewayModel(g JSONCompleter) Model { return gatewayModel{g} }

type gatewayModel struct{ g JSONCompleter }

// CompleteJSON implements Model.
func (m gatewayModel) CompleteJSON(ctx context.Context, workspace string, req ModelRequest) ([]byte, error) {
	msgs := make([]ai.Message, len(req.Messages))
	for i, t := range req.Messages {
		role := ai.RoleUser
		if t.Role == RoleAssistant {
			role = ai.RoleAssistant
		}
		msgs[i] = ai.Message{Role: role, Content: t.Text}
	}
	c, err := m.g.CompleteJSON(ctx, workspace, ai.JSONRequest{
		Task: "knowledge_answer", System: req.System, Messages: msgs,
		SchemaName: req.SchemaName, Schema: req.Schema,
	})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return c.JSON, nil
}
