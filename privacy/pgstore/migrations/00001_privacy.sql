-- +goose Up
-- The audit trail: append-only, hash-chained per workspace. at_ns keeps the
-- nanosecond timestamp the hash covers (timestamptz keeps microseconds).
CREATE TABLE privacy_audit (
    workspace_id text COLLATE "C" NOT NULL,
    seq          bigint NOT NULL CHECK (seq > 0),
    actor        text NOT NULL,
    impersonator text NOT NULL DEFAULT '',
    action       text NOT NULL,
    target       text NOT NULL DEFAULT '',
    at_ns        bigint NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);

CREATE TABLE privacy_holds (
    workspace_id text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    subject      text NOT NULL DEFAULT '',
    category     text NOT NULL DEFAULT '',
    from_at      timestamptz,
    to_at        timestamptz,
    reason       text NOT NULL,
    created_by   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    released_at  timestamptz,
    released_by  text NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX privacy_holds_active ON privacy_holds (workspace_id, id) WHERE released_at IS NULL;

CREATE TABLE privacy_consents (
    id           bigserial PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL,
    subject      text COLLATE "C" NOT NULL,
    purpose      text NOT NULL,
    granted      boolean NOT NULL,
    source       text NOT NULL DEFAULT '',
    evidence     text NOT NULL DEFAULT '',
    by_parent    boolean NOT NULL DEFAULT false,
    at           timestamptz NOT NULL
);
CREATE INDEX privacy_consents_subject ON privacy_consents (workspace_id, subject, at, id);

-- Data-subject requests. Identifiers, receipts and the export are jsonb; the
-- verification code is kept only as a hash.
CREATE TABLE privacy_requests (
    workspace_id    text COLLATE "C" NOT NULL,
    id              text COLLATE "C" NOT NULL,
    type            text NOT NULL,
    state           text NOT NULL,
    identifiers     jsonb NOT NULL,
    source          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    code_hash       text NOT NULL DEFAULT '',
    code_expires_at timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    receipts        jsonb NOT NULL DEFAULT '[]',
    export          jsonb NOT NULL DEFAULT '[]',
    certificate     text NOT NULL DEFAULT '',
    error           text NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE privacy_sweep_cursors (
    sink     text COLLATE "C" NOT NULL,
    category text COLLATE "C" NOT NULL,
    cursor   text NOT NULL,
    PRIMARY KEY (sink, category)
);

-- Grievances and breach incidents; their clocks (privacy.Deadline values)
-- are jsonb. Neither holds the complaint's text or other personal data.
CREATE TABLE privacy_grievances (
    workspace_id    text COLLATE "C" NOT NULL,
    id              text COLLATE "C" NOT NULL,
    subject         text NOT NULL DEFAULT '',
    channel         text NOT NULL DEFAULT '',
    reference       text NOT NULL DEFAULT '',
    received_at     timestamptz NOT NULL,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    resolution      text NOT NULL DEFAULT '',
    acknowledge     jsonb NOT NULL,
    resolve         jsonb NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX privacy_grievances_open ON privacy_grievances (workspace_id, received_at) WHERE resolved_at IS NULL;

CREATE TABLE privacy_incidents (
    workspace_id text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    title        text NOT NULL DEFAULT '',
    became_aware timestamptz NOT NULL,
    closed_at    timestamptz,
    clocks       jsonb NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX privacy_incidents_open ON privacy_incidents (workspace_id, became_aware) WHERE closed_at IS NULL;

-- +goose Down
DROP TABLE privacy_incidents;
DROP TABLE privacy_grievances;
DROP TABLE privacy_sweep_cursors;
DROP TABLE privacy_requests;
DROP TABLE privacy_consents;
DROP TABLE privacy_holds;
DROP TABLE privacy_audit;
