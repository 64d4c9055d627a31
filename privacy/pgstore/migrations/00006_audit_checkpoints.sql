-- +goose Up
-- The newest pruned audit entry of each workspace: verification of a
-- pruned chain starts from it.
CREATE TABLE privacy_audit_checkpoints (
    workspace_id text COLLATE "C" PRIMARY KEY,
    seq          bigint NOT NULL,
    actor        text NOT NULL,
    impersonator text NOT NULL DEFAULT '',
    action       text NOT NULL,
    target       text NOT NULL DEFAULT '',
    at_ns        bigint NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);

-- +goose Down
DROP TABLE privacy_audit_checkpoints;
