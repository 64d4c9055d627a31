package privacy

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// AuditEntry is one line of the append-only audit trail. Entries of a
// workspace form a hash chain: each carries the hash of the one before, so
// an edited, inserted or deleted entry breaks every hash after it.
type AuditEntry struct {
	WorkspaceID string
	// Seq numbers the workspace's entries from 1 without gaps.
	Seq uint64
	// Actor is who acted (a user id, "automation:<rule>", "system").
	Actor string
	// Impersonator is the super-admin acting as Actor, if any.
	Impersonator string
	Action       string
	Target       string
	At           time.Time
	PrevHash     string
	Hash         string
}

// ErrChainBroken is returned by [VerifyChain] when an entry was edited,
// inserted or removed.
var ErrChainBroken = errors.New("privacy: audit chain broken")

// GenesisHash is the PrevHash of a workspace's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashEntry computes the entry's hash over every field but Hash, each
// length-prefixed so that no two different entries encode alike.
func hashEntry(e AuditEntry) string {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put("botsync-audit-v1")
	put(e.WorkspaceID)
	binary.BigEndian.PutUint64(n[:], e.Seq)
	h.Write(n[:])
	put(e.Actor)
	put(e.Impersonator)
	put(e.Action)
	put(e.Target)
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UTC().UnixNano()))
	h.Write(n[:])
	put(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal fills in Seq, PrevHash and Hash for e following prev (nil for the
// first entry of a workspace).
func Seal(prev *AuditEntry, e AuditEntry) AuditEntry {
	e.Seq, e.PrevHash = 1, GenesisHash
	if prev != nil {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.At = e.At.UTC().Round(0)
	e.Hash = hashEntry(e)
	return e
}

// VerifyChain checks a workspace's entries in order, from the first or from
// a trusted checkpoint (the entry before entries[0], or nil when entries
// starts at Seq 1). It returns an error wrapping [ErrChainBroken] that names
// the first bad sequence number. To detect removal of the newest entries,
// compare the last hash with a checkpoint kept elsewhere (see
// [AuditLog.Head]).
func VerifyChain(checkpoint *AuditEntry, entries []AuditEntry) error {
	prev := checkpoint
	for _, e := range entries {
		wantSeq, wantPrev := uint64(1), GenesisHash
		if prev != nil {
			wantSeq, wantPrev = prev.Seq+1, prev.Hash
			if e.WorkspaceID != prev.WorkspaceID {
				return fmt.Errorf("%w: entry %d belongs to another workspace", ErrChainBroken, e.Seq)
			}
		}
		switch {
		case e.Seq != wantSeq:
			return fmt.Errorf("%w: expected entry %d, found %d (entries removed or inserted)", ErrChainBroken, wantSeq, e.Seq)
		case e.PrevHash != wantPrev:
			return fmt.Errorf("%w: entry %d does not follow entry %d", ErrChainBroken, e.Seq, wantSeq-1)
		case hashEntry(e) != e.Hash:
			return fmt.Errorf("%w: entry %d was modified", ErrChainBroken, e.Seq)
		}
		p := e
		prev = &p
	}
	return nil
}

// AuditStore persists audit entries. Append must be atomic per workspace:
// it fails with [ErrConflict] when an entry with e.Seq already exists, and
// the caller retries from the new head. Implementations are safe for
// concurrent use.
type AuditStore interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	// LastAudit returns the newest entry of the workspace, or ErrNotFound.
	LastAudit(ctx context.Context, workspaceID string) (AuditEntry, error)
	// ListAudit returns up to limit entries with Seq > after, in order.
	ListAudit(ctx context.Context, workspaceID string, after uint64, limit int) ([]AuditEntry, error)
}

// Errors returned by stores.
var (
	ErrNotFound = errors.New("privacy: not found")
	ErrConflict = errors.New("privacy: conflict")
)

// AuditLog appends to and verifies the audit trail.
type AuditLog struct {
	store AuditStore
	now   func() time.Time
}

// NewAuditLog returns an audit log over store with the given clock (nil
// means time.Now).
func NewAuditLog(store AuditStore, now func() time.Time) *AuditLog {
	if now == nil {
		now = time.Now
	}
	return &AuditLog{store: store, now: now}
}

// Record appends an entry for the workspace, chaining it to the newest one.
// Concurrent records of one workspace are serialised by retrying on
// [ErrConflict].
func (l *AuditLog) Record(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.WorkspaceID == "" || e.Actor == "" || e.Action == "" {
		return AuditEntry{}, errors.New("privacy: audit entry needs workspace, actor and action")
	}
	if e.At.IsZero() {
		e.At = l.now()
	}
	for attempt := 0; attempt < 100; attempt++ {
		last, err := l.store.LastAudit(ctx, e.WorkspaceID)
		var prev *AuditEntry
		switch {
		case err == nil:
			prev = &last
		case errors.Is(err, ErrNotFound):
		default:
			return AuditEntry{}, fmt.Errorf("privacy: audit: %w", err)
		}
		sealed := Seal(prev, e)
		err = l.store.AppendAudit(ctx, sealed)
		if err == nil {
			return sealed, nil
		}
		if !errors.Is(err, ErrConflict) {
			return AuditEntry{}, fmt.Errorf("privacy: audit: %w", err)
		}
	}
	return AuditEntry{}, fmt.Errorf("privacy: audit: %w: too much contention", ErrConflict)
}

// Head returns the newest entry of the workspace: keep it elsewhere as a
// checkpoint to detect truncation.
func (l *AuditLog) Head(ctx context.Context, workspaceID string) (AuditEntry, error) {
	return l.store.LastAudit(ctx, workspaceID)
}

// AuditPruner is implemented by audit stores that can drop the oldest
// entries of a chain when their retention ends, keeping the newest dropped
// entry as a checkpoint that verification starts from.
type AuditPruner interface {
	// PruneAudit deletes the checkpoint's workspace's entries up to and
	// including checkpoint.Seq and records checkpoint, atomically; it
	// returns ErrConflict when the stored entry at that Seq has another
	// hash.
	PruneAudit(ctx context.Context, checkpoint AuditEntry) (int, error)
	// AuditCheckpoint returns the newest pruned entry, or ErrNotFound.
	AuditCheckpoint(ctx context.Context, workspaceID string) (AuditEntry, error)
}

func (l *AuditLog) checkpoint(ctx context.Context, ws string) (*AuditEntry, error) {
	p, ok := l.store.(AuditPruner)
	if !ok {
		return nil, nil
	}
	cp, err := p.AuditCheckpoint(ctx, ws)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("privacy: audit checkpoint: %w", err)
	}
	return &cp, nil
}

// Prune drops the workspace's oldest entries dated before before, at most
// limit, in order, stopping at the first entry held reports true for (nil:
// none) and never dropping the newest entry (the chain's head). The dropped
// segment is verified first; the last dropped entry becomes the checkpoint
// that [AuditLog.Verify] starts from. The store must implement
// [AuditPruner].
func (l *AuditLog) Prune(ctx context.Context, workspaceID string, before time.Time, limit int, held func(AuditEntry) bool) (int, error) {
	p, ok := l.store.(AuditPruner)
	if !ok {
		return 0, errors.New("privacy: audit prune: the store cannot prune")
	}
	if limit <= 0 {
		return 0, errors.New("privacy: audit prune: limit must be positive")
	}
	cp, err := l.checkpoint(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	head, err := l.store.LastAudit(ctx, workspaceID)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("privacy: audit prune: %w", err)
	}
	after := uint64(0)
	if cp != nil {
		after = cp.Seq
	}
	page, err := l.store.ListAudit(ctx, workspaceID, after, limit)
	if err != nil {
		return 0, fmt.Errorf("privacy: audit prune: %w", err)
	}
	n := 0
	for _, e := range page {
		if !e.At.Before(before) || e.Seq >= head.Seq || (held != nil && held(e)) {
			break
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if err := VerifyChain(cp, page[:n]); err != nil {
		return 0, fmt.Errorf("privacy: audit prune: refusing to prune a broken chain: %w", err)
	}
	m, err := p.PruneAudit(ctx, page[n-1])
	if err != nil {
		return 0, fmt.Errorf("privacy: audit prune: %w", err)
	}
	return m, nil
}

// Verify walks the chain of the workspace in pages, from its checkpoint if
// it was pruned, and checks it; when head is given, the chain must end
// exactly there.
func (l *AuditLog) Verify(ctx context.Context, workspaceID string, head *AuditEntry) (int, error) {
	prev, err := l.checkpoint(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		after := uint64(0)
		if prev != nil {
			after = prev.Seq
		}
		page, err := l.store.ListAudit(ctx, workspaceID, after, 1000)
		if err != nil {
			return n, fmt.Errorf("privacy: audit verify: %w", err)
		}
		if len(page) == 0 {
			break
		}
		if err := VerifyChain(prev, page); err != nil {
			return n, err
		}
		n += len(page)
		last := page[len(page)-1]
		prev = &last
	}
	if head != nil && (prev == nil || prev.Seq != head.Seq || prev.Hash != head.Hash) {
		return n, fmt.Errorf("%w: the chain does not end at the checkpoint (entries removed)", ErrChainBroken)
	}
	return n, nil
}
