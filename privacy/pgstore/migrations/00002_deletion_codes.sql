-- +goose Up
-- Meta data-deletion confirmation codes (SHA-256 hashes only) and the
-- erasure requests each opened, one row per workspace.
CREATE TABLE privacy_deletion_codes (
    code_hash    text COLLATE "C" NOT NULL,
    workspace_id text COLLATE "C" NOT NULL,
    request_id   text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (code_hash, workspace_id, request_id)
);

-- +goose Down
DROP TABLE privacy_deletion_codes;
