package main

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/privacy"
	privacypg "github.com/botsync/botsync/privacy/pgstore"
	"github.com/botsync/botsync/workspace"
)

// retentionPolicy is the server's retention: raw webhook payloads and the
// audit trail are kept one year (the India profile's floors for processing
// logs and audit), and a closed workspace's leads, conversations and
// knowledge are deleted 30 days after it asked to close (when its deletion
// clock ends).
var retentionPolicy = privacy.Policy{Rules: []privacy.RetentionRule{
	{Name: "webhooks-1y", Category: privacy.CategoryWebhookPayloads, Trigger: privacy.TriggerCreated, Max: privacy.Retention{Years: 1}, Action: "delete"},
	{Name: "audit-1y", Category: privacy.CategoryAudit, Trigger: privacy.TriggerCreated, Max: privacy.Retention{Years: 1}, Action: "delete"},
	{Name: "leads-after-closure-30d", Category: privacy.CategoryLeadConversation, Trigger: privacy.TriggerWorkspaceClosed, Max: privacy.Retention{Days: 30}, Action: "delete"},
	{Name: "knowledge-after-closure-30d", Category: privacy.CategoryKnowledge, Trigger: privacy.TriggerWorkspaceClosed, Max: privacy.Retention{Days: 30}, Action: "delete"},
}}

// inactivityPolicy deletes a lead (with its conversations) three years
// after its last activity. A policy has one rule per category, so the
// inactivity rule for leads is a second policy run by a second sweeper (its
// cursors are keyed apart from the closure sweep's).
var inactivityPolicy = privacy.Policy{Rules: []privacy.RetentionRule{
	{Name: "leads-inactive-3y", Category: privacy.CategoryLeadConversation, Trigger: privacy.TriggerLastActivity, Max: privacy.Retention{Years: 3}, Action: "delete"},
}}

// retention runs the policies over the privacy sinks (CRM, knowledge,
// vault), the audit trail (privacy.AuditSink) and, on PostgreSQL, the raw
// webhook payload table, honouring legal holds.
type retention struct {
	mu       sync.Mutex
	sweepers []*privacy.Sweeper
}

func (a *App) newRetention(pool *pgxpool.Pool, st privacyStore, sinks []privacy.Sink) (*retention, error) {
	policy, err := privacy.Compile(retentionPolicy, privacy.IndiaProfile)
	if err != nil {
		return nil, fmt.Errorf("server: retention policy: %w", err)
	}
	inactivity, err := privacy.Compile(inactivityPolicy, privacy.IndiaProfile)
	if err != nil {
		return nil, fmt.Errorf("server: inactivity policy: %w", err)
	}
	sinks = append(slices.Clone(sinks), privacy.NewAuditSink(a.audit, a.known.list, nil))
	if pool != nil {
		table, err := privacypg.NewTableSink(pool, privacypg.TableConfig{Name: "webhook_payloads", Category: privacy.CategoryWebhookPayloads,
			Table: "intake_jobs", Time: "received_at"})
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, table)
	}
	holds, ok := st.(privacy.AllHolds)
	if !ok {
		return nil, fmt.Errorf("server: privacy store lists no holds")
	}
	cursors, ok := st.(privacy.CursorStore)
	if !ok {
		return nil, fmt.Errorf("server: privacy store keeps no sweep cursors")
	}
	return &retention{sweepers: []*privacy.Sweeper{
		{Policy: policy, Sinks: sinks, Holds: holds, Cursors: cursors, Now: a.now, Closed: a.closedWorkspaces},
		{Policy: inactivity, Sinks: sinks, Holds: holds, Cursors: cursors, Now: a.now},
	}}, nil
}

// closedWorkspaces lists closed workspaces with the start of their
// deletion clock (the closure rules count from it).
func (a *App) closedWorkspaces(ctx context.Context) ([]privacy.ClosedWorkspace, error) {
	ids, err := a.known.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []privacy.ClosedWorkspace
	for _, id := range ids {
		w, err := a.ws.Store().Workspace(ctx, id)
		if err != nil || w.Status != workspace.StatusClosed {
			continue
		}
		out = append(out, privacy.ClosedWorkspace{ID: id, ClosedAt: w.ClosingSince})
	}
	return out, nil
}

// sweep runs the retention once and returns how many records it deleted.
func (r *retention) sweep(ctx context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, sw := range r.sweepers {
		rs, err := sw.Run(ctx, 100)
		for _, x := range rs {
			n += x.Deleted
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
