package privacy_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

func TestAuditSinkConformance(t *testing.T) {
	t.Parallel()
	privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture {
		st := memstore.New()
		var (
			mu     sync.Mutex
			now    time.Time
			spaces = map[string]bool{}
			byID   = map[string]string{}
		)
		log := privacy.NewAuditLog(st, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		workspaces := func(context.Context) ([]string, error) {
			mu.Lock()
			defer mu.Unlock()
			var out []string
			for ws := range spaces {
				out = append(out, ws)
			}
			return out, nil
		}
		subjects := func(_ context.Context, id privacy.Identifiers) ([]string, error) {
			mu.Lock()
			defer mu.Unlock()
			var out []string
			for _, v := range append(slices.Clone(id.Phones), id.Emails...) {
				if s, ok := byID[id.WorkspaceID+"/"+v]; ok {
					out = append(out, s)
				}
			}
			return out, nil
		}
		return privacytest.Fixture{Sink: privacy.NewAuditSink(log, workspaces, subjects), Category: privacy.CategoryAudit, Retains: true,
			Seed: func(ctx context.Context, ids privacy.Identifiers, _ privacy.Category, created time.Time) (string, error) {
				mu.Lock()
				now, spaces[ids.WorkspaceID] = created, true
				for _, v := range append(slices.Clone(ids.Phones), ids.Emails...) {
					byID[ids.WorkspaceID+"/"+v] = ids.SubjectIDs[0]
				}
				mu.Unlock()
				_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: ids.WorkspaceID, Actor: "agent-1", Action: "lead.updated", Target: "lead:" + ids.SubjectIDs[0]})
				return "", err
			}}
	})
}

func TestAuditRetentionBySweeper(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	log := privacy.NewAuditLog(st, func() time.Time { return now })
	for i := range 30 {
		_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws", Actor: "agent-1", Action: "lead.updated", Target: "lead:7",
			At: now.AddDate(0, -14, 0).Add(time.Duration(i) * 24 * time.Hour)})
		require.NoError(t, err)
	}
	_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws", Actor: "agent-1", Action: "lead.viewed", Target: "lead:7"})
	require.NoError(t, err)
	compiled, err := privacy.Compile(privacy.Policy{Rules: []privacy.RetentionRule{{Name: "audit-12m", Category: privacy.CategoryAudit,
		Trigger: privacy.TriggerCreated, Max: privacy.Retention{Months: 12}, Action: "delete"}}}, privacy.IndiaProfile)
	require.NoError(t, err)
	sink := privacy.NewAuditSink(log, func(context.Context) ([]string, error) { return []string{"ws"}, nil }, nil)
	sw := &privacy.Sweeper{Policy: compiled, Sinks: []privacy.Sink{sink}, Holds: st, Cursors: st, Batch: 7, Now: func() time.Time { return now }}
	recs, err := sw.Run(ctx, 0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, 30, recs[0].Deleted, "entries older than 12 months go, in batches")
	n, err := log.Verify(ctx, "ws", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	exp, err := privacy.NewAuditSink(log, nil, nil).Export(ctx, privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{"7"}})
	require.NoError(t, err)
	require.Len(t, exp, 1)
	assert.Contains(t, string(exp[0].Data), "lead.viewed")
}
