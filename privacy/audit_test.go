package privacy_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
)

func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memstore.New()
	log := privacy.NewAuditLog(store, fixedClock())
	for i := range 5 {
		_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws1", Actor: "user:1", Action: "lead.export", Target: fmt.Sprintf("lead:%d", i)})
		require.NoError(t, err)
	}
	_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws2", Actor: "admin:9", Impersonator: "super:1", Action: "lead.view", Target: "lead:1"})
	require.NoError(t, err)

	head, err := log.Head(ctx, "ws1")
	require.NoError(t, err)
	n, err := log.Verify(ctx, "ws1", &head)
	require.NoError(t, err)
	assert.Equal(t, 5, n)

	entries, err := store.ListAudit(ctx, "ws1", 0, 100)
	require.NoError(t, err)
	tamper := func(mut func([]privacy.AuditEntry) []privacy.AuditEntry) error {
		cp := append([]privacy.AuditEntry(nil), entries...)
		return privacy.VerifyChain(nil, mut(cp))
	}
	require.NoError(t, tamper(func(e []privacy.AuditEntry) []privacy.AuditEntry { return e }))
	for name, mut := range map[string]func([]privacy.AuditEntry) []privacy.AuditEntry{
		"edited action":      func(e []privacy.AuditEntry) []privacy.AuditEntry { e[2].Action = "lead.view"; return e },
		"edited actor":       func(e []privacy.AuditEntry) []privacy.AuditEntry { e[0].Actor = "user:2"; return e },
		"added impersonator": func(e []privacy.AuditEntry) []privacy.AuditEntry { e[1].Impersonator = "x"; return e },
		"moved in time":      func(e []privacy.AuditEntry) []privacy.AuditEntry { e[3].At = e[3].At.Add(time.Hour); return e },
		"deleted middle":     func(e []privacy.AuditEntry) []privacy.AuditEntry { return append(e[:2], e[3:]...) },
		"deleted first":      func(e []privacy.AuditEntry) []privacy.AuditEntry { return e[1:] },
		"swapped":            func(e []privacy.AuditEntry) []privacy.AuditEntry { e[1], e[2] = e[2], e[1]; return e },
		"rehashed edit": func(e []privacy.AuditEntry) []privacy.AuditEntry {
			e[2].Target = "x"
			e[2] = privacy.Seal(&e[1], e[2])
			return e
		},
		"other workspace row": func(e []privacy.AuditEntry) []privacy.AuditEntry { e[4].WorkspaceID = "ws2"; return e },
	} {
		err := tamper(mut)
		require.ErrorIs(t, err, privacy.ErrChainBroken, name)
	}
	// Truncation of the newest entries is caught against the checkpoint.
	trunc := memstore.New()
	for _, e := range entries[:4] {
		require.NoError(t, trunc.AppendAudit(ctx, e))
	}
	_, err = privacy.NewAuditLog(trunc, nil).Verify(ctx, "ws1", &head)
	require.ErrorIs(t, err, privacy.ErrChainBroken)
}

func TestAuditConcurrentAppends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := privacy.NewAuditLog(memstore.New(), fixedClock())
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws", Actor: "a", Action: "x", Target: fmt.Sprint(i, j)})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	n, err := log.Verify(ctx, "ws", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, n)
}

func TestAuditValidation(t *testing.T) {
	t.Parallel()
	log := privacy.NewAuditLog(memstore.New(), nil)
	_, err := log.Record(context.Background(), privacy.AuditEntry{WorkspaceID: "ws"})
	require.Error(t, err)
	_, err = log.Head(context.Background(), "none")
	require.True(t, errors.Is(err, privacy.ErrNotFound))
}

func BenchmarkAuditAppend(b *testing.B) {
	ctx := context.Background()
	log := privacy.NewAuditLog(memstore.New(), fixedClock())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws", Actor: "user:1", Action: "lead.update", Target: "lead:42"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuditVerifyPerEntry(b *testing.B) {
	ctx := context.Background()
	store := memstore.New()
	log := privacy.NewAuditLog(store, fixedClock())
	for range 10000 {
		_, _ = log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws", Actor: "user:1", Action: "lead.update", Target: "lead:42"})
	}
	entries, _ := store.ListAudit(ctx, "ws", 0, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(entries) {
		if err := privacy.VerifyChain(nil, entries); err != nil {
			b.Fatal(err)
		}
	}
}
