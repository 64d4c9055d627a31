package pgstore

import (
	"context"

	"github.com/botsync/botsync/privacy"
)

var _ privacy.AuditPruner = (*Store)(nil)

// PruneAudit implements privacy.AuditPruner in one statement: the
// checkpoint is recorded only if the stored entry at its Seq has its hash,
// and the entries up to it are deleted with it.
func (s *Store) PruneAudit(ctx context.Context, cp privacy.AuditEntry) (int, error) {
	tag, err := s.db.Exec(ctx, `
WITH target AS (
    SELECT seq FROM privacy_audit WHERE workspace_id = $1 AND seq = $2 AND hash = $9
), cp AS (
    INSERT INTO privacy_audit_checkpoints (workspace_id, seq, actor, impersonator, action, target, at_ns, prev_hash, hash)
    SELECT $1::text, $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::bigint, $8::text, $9::text FROM target
    ON CONFLICT (workspace_id) DO UPDATE SET seq = excluded.seq, actor = excluded.actor, impersonator = excluded.impersonator,
        action = excluded.action, target = excluded.target, at_ns = excluded.at_ns, prev_hash = excluded.prev_hash, hash = excluded.hash
    WHERE privacy_audit_checkpoints.seq < excluded.seq
    RETURNING seq
)
DELETE FROM privacy_audit WHERE workspace_id = $1 AND seq <= (SELECT seq FROM cp)`,
		cp.WorkspaceID, int64(cp.Seq), cp.Actor, cp.Impersonator, cp.Action, cp.Target, cp.At.UnixNano(), cp.PrevHash, cp.Hash)
	if err != nil {
		return 0, wrap("prune audit", err)
	}
	if n := int(tag.RowsAffected()); n > 0 {
		return n, nil
	}
	have, err := s.AuditCheckpoint(ctx, cp.WorkspaceID)
	if err == nil && have.Seq >= cp.Seq {
		return 0, nil // already pruned that far
	}
	return 0, privacy.ErrConflict
}

// AuditCheckpoint implements privacy.AuditPruner.
func (s *Store) AuditCheckpoint(ctx context.Context, workspaceID string) (privacy.AuditEntry, error) {
	e, err := scanAudit(s.db.QueryRow(ctx, `SELECT `+auditCols+` FROM privacy_audit_checkpoints WHERE workspace_id = $1`, workspaceID))
	return e, wrap("audit checkpoint", err)
}
