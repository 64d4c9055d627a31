// Package bottest holds the conformance suite every bot.Store passes:
//
//	func TestStore(t *testing.T) {
//		bottest.TestStore(t, func(t *testing.T) bot.Store { return memstore.New() })
//	}
//
// Each subtest gets a fresh store from newStore.
package bottest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/bot"
)

// TestStore runs the conformance suite against stores made by newStore.
func TestStore(t *testing.T, newStore func(t *testing.T) bot.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	rule := func(ws, id string, pos int) bot.Rule {
		return bot.Rule{Workspace: ws, ID: id, Position: pos, Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{"fees"}},
			Actions: []bot.Action{{Type: bot.ActSendText, Text: "hi"}}}
	}

	t.Run("rules", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.PutRule(ctx, rule("ws1", "b", 2)))
		require.NoError(t, s.PutRule(ctx, rule("ws1", "a", 2)))
		require.NoError(t, s.PutRule(ctx, rule("ws1", "c", 1)))
		require.NoError(t, s.PutRule(ctx, rule("ws2", "x", 0)))
		rs, err := s.Rules(ctx, "ws1")
		require.NoError(t, err)
		require.Len(t, rs, 3)
		assert.Equal(t, []string{"c", "a", "b"}, []string{rs[0].ID, rs[1].ID, rs[2].ID})
		assert.Equal(t, []string{"fees"}, rs[0].Trigger.Keywords)

		r := rule("ws1", "a", 2)
		r.Name = "renamed"
		require.NoError(t, s.PutRule(ctx, r))
		rs, _ = s.Rules(ctx, "ws1")
		assert.Equal(t, "renamed", rs[1].Name)

		rs[0].Trigger.Keywords[0] = "mutated"
		rs, _ = s.Rules(ctx, "ws1")
		assert.Equal(t, "fees", rs[0].Trigger.Keywords[0], "callers never share memory with the store")

		require.NoError(t, s.DeleteRule(ctx, "ws1", "a"))
		assert.ErrorIs(t, s.DeleteRule(ctx, "ws1", "a"), bot.ErrNotFound)
		assert.ErrorIs(t, s.DeleteRule(ctx, "ws1", "x"), bot.ErrNotFound, "another workspace's rule")
		rs, _ = s.Rules(ctx, "ws2")
		assert.Len(t, rs, 1)
	})

	t.Run("failures disable", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.PutRule(ctx, rule("ws1", "r", 0)))
		n, dis, err := s.RuleFailed(ctx, "ws1", "r", 3, "boom")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.False(t, dis)
		require.NoError(t, s.RuleSucceeded(ctx, "ws1", "r"))
		for i := 1; i <= 2; i++ {
			n, dis, err = s.RuleFailed(ctx, "ws1", "r", 3, "boom")
			require.NoError(t, err)
			assert.Equal(t, i, n)
			assert.False(t, dis)
		}
		n, dis, err = s.RuleFailed(ctx, "ws1", "r", 3, "boom")
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		assert.True(t, dis)
		_, dis, _ = s.RuleFailed(ctx, "ws1", "r", 3, "boom")
		assert.False(t, dis, "reported once")
		rs, _ := s.Rules(ctx, "ws1")
		assert.True(t, rs[0].Disabled)
		assert.Equal(t, "boom", rs[0].DisabledReason)
		_, _, err = s.RuleFailed(ctx, "ws1", "missing", 3, "x")
		assert.ErrorIs(t, err, bot.ErrNotFound)
	})

	t.Run("claims are once", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				ok, err := s.Claim(ctx, "ws1", "comment:1")
				assert.NoError(t, err)
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		ok, err := s.Claim(ctx, "ws2", "comment:1")
		require.NoError(t, err)
		assert.True(t, ok, "claims are per workspace")
		require.NoError(t, s.Release(ctx, "ws1", "comment:1"))
		ok, _ = s.Claim(ctx, "ws1", "comment:1")
		assert.True(t, ok, "released claim can be taken again")
	})

	t.Run("due items", func(t *testing.T) {
		s := newStore(t)
		seq := &bot.Sequence{Steps: []bot.Step{{Delay: bot.Duration(time.Hour), Text: "ping"}}, StopOnReply: true}
		d1 := bot.Due{Workspace: "ws1", Key: "fu:c1:r", ID: "v1", Kind: bot.DueFollowUp, At: t0.Add(time.Hour), ConversationID: "c1", LeadID: "l1", RuleID: "r", Sequence: seq, Since: t0}
		d2 := bot.Due{Workspace: "ws2", Key: "nr:c2:r", ID: "v1", Kind: bot.DueNoReply, At: t0.Add(30 * time.Minute), ConversationID: "c2", LeadID: "l2", RuleID: "r", Since: t0}
		require.NoError(t, s.Schedule(ctx, d1))
		require.NoError(t, s.Schedule(ctx, d2))

		got, err := s.TakeDue(ctx, t0, time.Minute, 10)
		require.NoError(t, err)
		assert.Empty(t, got)
		got, err = s.TakeDue(ctx, t0.Add(2*time.Hour), time.Minute, 10)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, "nr:c2:r", got[0].Key, "earliest first")
		assert.Equal(t, "ping", got[1].Sequence.Steps[0].Text)
		assert.True(t, got[1].Since.Equal(t0))
		assert.True(t, got[1].At.Equal(d1.At))

		again, _ := s.TakeDue(ctx, t0.Add(2*time.Hour), time.Minute, 10)
		assert.Empty(t, again, "leased")
		again, _ = s.TakeDue(ctx, t0.Add(2*time.Hour+time.Minute), time.Minute, 1)
		assert.Len(t, again, 1, "lease over; limit holds")

		d1.ID, d1.At, d1.Step = "v2", t0.Add(5*time.Hour), 1
		require.NoError(t, s.Schedule(ctx, d1))
		require.NoError(t, s.DoneDue(ctx, "ws1", d1.Key, "v1"))
		got, _ = s.TakeDue(ctx, t0.Add(6*time.Hour), time.Minute, 10)
		require.Len(t, got, 2, "an old version's done does not remove the new one")
		for _, d := range got {
			if d.Key == d1.Key {
				assert.Equal(t, 1, d.Step)
			}
		}
		require.NoError(t, s.DoneDue(ctx, "ws1", d1.Key, "v2"))
		require.NoError(t, s.CancelDue(ctx, "ws2", "c2"))
		got, _ = s.TakeDue(ctx, t0.Add(24*time.Hour), time.Minute, 10)
		assert.Empty(t, got)
	})

	t.Run("ai state", func(t *testing.T) {
		s := newStore(t)
		st, err := s.AIState(ctx, "ws1", "c1")
		require.NoError(t, err)
		assert.False(t, st.Paused)
		require.NoError(t, s.SetAIState(ctx, "ws1", "c1", bot.AIState{Paused: true, Until: t0.Add(time.Hour), Reason: "human reply"}))
		st, _ = s.AIState(ctx, "ws1", "c1")
		assert.True(t, st.Paused)
		assert.True(t, st.Until.Equal(t0.Add(time.Hour)))
		assert.Equal(t, "human reply", st.Reason)
		other, _ := s.AIState(ctx, "ws2", "c1")
		assert.False(t, other.Paused, "per workspace")
		require.NoError(t, s.SetAIState(ctx, "ws1", "c1", bot.AIState{}))
		st, _ = s.AIState(ctx, "ws1", "c1")
		assert.False(t, st.Paused)
	})

	t.Run("score slots", func(t *testing.T) {
		s := newStore(t)
		ok, err := s.TakeScoreSlot(ctx, "ws1", "l1", t0, time.Hour)
		require.NoError(t, err)
		assert.True(t, ok)
		ok, _ = s.TakeScoreSlot(ctx, "ws1", "l1", t0.Add(59*time.Minute), time.Hour)
		assert.False(t, ok)
		ok, _ = s.TakeScoreSlot(ctx, "ws2", "l1", t0.Add(time.Minute), time.Hour)
		assert.True(t, ok)
		ok, _ = s.TakeScoreSlot(ctx, "ws1", "l1", t0.Add(time.Hour), time.Hour)
		assert.True(t, ok)
	})

	t.Run("errors are domain errors", func(t *testing.T) {
		s := newStore(t)
		err := s.RuleSucceeded(ctx, "ws1", "nope")
		assert.True(t, errors.Is(err, bot.ErrNotFound), "got %v", err)
	})
}
