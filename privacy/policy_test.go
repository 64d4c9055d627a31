package privacy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
)

func TestSeedPolicyCompiles(t *testing.T) {
	t.Parallel()
	c, err := privacy.Compile(privacy.SeedPolicy, privacy.GDPRProfile)
	require.NoError(t, err, "the seed policy is lawful under the GDPR profile")
	assert.Equal(t, "logs-90d", c.Rules[privacy.CategoryTechnicalLogs].Name)

	_, err = privacy.Compile(privacy.SeedPolicy, privacy.IndiaProfile)
	require.ErrorIs(t, err, privacy.ErrFloorConflict)
	msg := err.Error()
	assert.Contains(t, msg, `rule "logs-90d" keeps technical_logs for 90 days`)
	assert.Contains(t, msg, "CERT-In Directions of 28 April 2022")
	assert.Contains(t, msg, "DPDP Rules 2025, rule 8(3)")
	assert.Contains(t, msg, `rule "webhooks-90d"`)
	assert.NotContains(t, msg, "audit-12m", "12 months meets a one-year floor")
	assert.NotContains(t, msg, "billing-8y")
	var fc *privacy.FloorConflict
	require.True(t, errors.As(err, &fc))
	assert.Equal(t, "india", fc.Profile)

	fixed := privacy.SeedPolicy
	fixed.Rules = append([]privacy.RetentionRule(nil), fixed.Rules...)
	fixed.Rules[0].Max = privacy.Retention{Years: 1}
	fixed.Rules[1].Max = privacy.Retention{Months: 12}
	c, err = privacy.Compile(fixed, privacy.IndiaProfile, privacy.GDPRProfile)
	require.NoError(t, err)
	assert.Equal(t, privacy.Retention{Years: 1}, c.Floors[privacy.CategoryTechnicalLogs].Min, "the strictest floor wins")
}

func TestCompileRejectsBadRules(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]privacy.Policy{
		"no category": {Rules: []privacy.RetentionRule{{Name: "a", Trigger: privacy.TriggerCreated, Max: privacy.Retention{Days: 1}}}},
		"no max":      {Rules: []privacy.RetentionRule{{Name: "a", Category: privacy.CategoryAudit, Trigger: privacy.TriggerCreated}}},
		"no trigger":  {Rules: []privacy.RetentionRule{{Name: "a", Category: privacy.CategoryAudit, Max: privacy.Retention{Days: 1}}}},
		"duplicate": {Rules: []privacy.RetentionRule{
			{Name: "a", Category: privacy.CategoryAudit, Trigger: privacy.TriggerCreated, Max: privacy.Retention{Days: 1}},
			{Name: "b", Category: privacy.CategoryAudit, Trigger: privacy.TriggerCreated, Max: privacy.Retention{Days: 2}},
		}},
	} {
		_, err := privacy.Compile(r)
		require.Error(t, err, name)
	}
	assert.Equal(t, "1 years 2 months 3 days", privacy.Retention{Years: 1, Months: 2, Days: 3}.String())
	now := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), privacy.Retention{Months: 3}.Cutoff(now))
}

func TestHolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	audit := privacy.NewAuditLog(memstore.New(), fixedClock())
	h := privacy.NewHolds(memstore.New(), audit, fixedClock())
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	_, err := h.Place(ctx, privacy.Hold{ID: "h1", WorkspaceID: "ws", Subject: "lead:7", Category: privacy.CategoryLeadConversation, From: from, To: to, Reason: "court order 12/2026", CreatedBy: "user:dpo"})
	require.NoError(t, err)

	in := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		scope privacy.Scope
		held  bool
	}{
		{"same subject in range", privacy.Scope{WorkspaceID: "ws", Subject: "lead:7", Category: privacy.CategoryLeadConversation, DataTime: in}, true},
		{"whole category sweep", privacy.Scope{WorkspaceID: "ws", Category: privacy.CategoryLeadConversation}, true},
		{"other subject", privacy.Scope{WorkspaceID: "ws", Subject: "lead:8", Category: privacy.CategoryLeadConversation, DataTime: in}, false},
		{"outside range", privacy.Scope{WorkspaceID: "ws", Subject: "lead:7", Category: privacy.CategoryLeadConversation, DataTime: out}, false},
		{"other category", privacy.Scope{WorkspaceID: "ws", Subject: "lead:7", Category: privacy.CategoryBilling, DataTime: in}, false},
		{"other workspace", privacy.Scope{WorkspaceID: "ws2", Subject: "lead:7", Category: privacy.CategoryLeadConversation, DataTime: in}, false},
	}
	for _, c := range cases {
		err := h.Check(ctx, c.scope)
		if c.held {
			require.ErrorIs(t, err, privacy.ErrHeld, c.name)
		} else {
			require.NoError(t, err, c.name)
		}
	}
	require.NoError(t, h.Release(ctx, "ws", "h1", "user:dpo"))
	require.NoError(t, h.Check(ctx, cases[0].scope))
	n, err := audit.Verify(ctx, "ws", nil)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "placing and releasing are audited")

	_, err = h.Place(ctx, privacy.Hold{ID: "h2", WorkspaceID: "ws"})
	require.ErrorContains(t, err, "reason")
	_, err = h.Place(ctx, privacy.Hold{ID: "h3", WorkspaceID: "ws", Reason: "x", From: to, To: from})
	require.Error(t, err)
	require.ErrorIs(t, h.Release(ctx, "ws", "missing", "x"), privacy.ErrNotFound)
}

type brokenHolds struct{ privacy.HoldStore }

func (brokenHolds) ActiveHolds(context.Context, string) ([]privacy.Hold, error) {
	return nil, errors.New("db down")
}

func TestHoldsFailClosed(t *testing.T) {
	t.Parallel()
	h := privacy.NewHolds(brokenHolds{}, nil, nil)
	err := h.Check(context.Background(), privacy.Scope{WorkspaceID: "ws", Category: privacy.CategoryAudit})
	require.ErrorIs(t, err, privacy.ErrHeld)
}
