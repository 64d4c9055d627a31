-- +goose Up
-- Sealed secrets. No column holds a plaintext: values are AES-256-GCM
-- ciphertexts bound (by associated data) to their reference columns.
CREATE TABLE vault_secrets (
    workspace_id   text COLLATE "C" NOT NULL,
    kind           text COLLATE "C" NOT NULL,
    record_id      text COLLATE "C" NOT NULL,
    field          text COLLATE "C" NOT NULL,
    ciphertext     bytea NOT NULL,
    key_version    bigint NOT NULL CHECK (key_version >= 0),
    subject_id     text COLLATE "C" NOT NULL DEFAULT '',
    subject_key_id bytea,
    created_at     timestamptz NOT NULL,
    rotated_at     timestamptz NOT NULL,
    expires_at     timestamptz,
    last_used_at   timestamptz,
    PRIMARY KEY (workspace_id, kind, record_id, field)
);
CREATE INDEX vault_secrets_key_version ON vault_secrets (key_version, workspace_id, kind, record_id, field);

-- Per-subject data keys, wrapped by the keyring. Deleting a row shreds every
-- value sealed under it; keep this table's backups short-lived.
CREATE TABLE vault_subject_keys (
    workspace_id text COLLATE "C" NOT NULL,
    subject_id   text COLLATE "C" NOT NULL,
    key_id       bytea NOT NULL,
    wrapped_key  bytea NOT NULL,
    key_version  bigint NOT NULL CHECK (key_version > 0),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, subject_id)
);

-- +goose Down
DROP TABLE vault_subject_keys;
DROP TABLE vault_secrets;
