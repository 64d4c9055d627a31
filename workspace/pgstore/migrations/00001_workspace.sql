-- +goose Up
CREATE TABLE workspace_workspaces (
    id            text COLLATE "C" PRIMARY KEY,
    name          text NOT NULL,
    owner_id      text COLLATE "C" NOT NULL,
    agency_id     text COLLATE "C" NOT NULL DEFAULT '',
    plan          text NOT NULL,
    status        text NOT NULL CHECK (status IN ('active', 'suspended', 'closing', 'closed')),
    closing_since timestamptz,
    locale        text NOT NULL,
    time_zone     text NOT NULL,
    phone_region  text NOT NULL,
    settings      jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX workspace_workspaces_agency ON workspace_workspaces (agency_id, id) WHERE agency_id <> '';

CREATE TABLE workspace_agencies (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    owner_id   text COLLATE "C" NOT NULL,
    branding   jsonb NOT NULL DEFAULT '{}',
    -- domain is Branding.Domain, lower-case; '' when none.
    domain     text COLLATE "C" NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX workspace_agencies_domain ON workspace_agencies (domain) WHERE domain <> '';

CREATE TABLE workspace_users (
    id             text COLLATE "C" PRIMARY KEY,
    email          text NOT NULL,
    name           text NOT NULL,
    password_hash  bytea,
    super_admin    boolean NOT NULL DEFAULT false,
    totp_enabled   boolean NOT NULL DEFAULT false,
    -- SHA-256 hashes of unused recovery codes.
    recovery_codes text[] NOT NULL DEFAULT '{}',
    -- last accepted TOTP time step: codes are never accepted twice.
    totp_last_step bigint NOT NULL DEFAULT 0,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX workspace_users_email ON workspace_users (lower(email));

-- workspace_id is a workspace's or an agency's id.
CREATE TABLE workspace_memberships (
    workspace_id text COLLATE "C" NOT NULL,
    user_id      text COLLATE "C" NOT NULL,
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_memberships_user ON workspace_memberships (user_id, workspace_id);

CREATE TABLE workspace_invitations (
    id           text COLLATE "C" PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL,
    email        text NOT NULL,
    role         text NOT NULL,
    invited_by   text COLLATE "C" NOT NULL,
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    created_at   timestamptz NOT NULL
);
CREATE INDEX workspace_invitations_workspace ON workspace_invitations (workspace_id);

-- id is the SHA-256 (hex) of the session token; the token is never stored.
-- Impersonations reference their admin session and go with it.
CREATE TABLE workspace_sessions (
    id              text COLLATE "C" PRIMARY KEY,
    user_id         text COLLATE "C" NOT NULL,
    workspace_id    text COLLATE "C" NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    ip              text NOT NULL DEFAULT '',
    user_agent      text NOT NULL DEFAULT '',
    second_factor   boolean NOT NULL DEFAULT false,
    impersonator_id text COLLATE "C" NOT NULL DEFAULT '',
    parent_id       text COLLATE "C" REFERENCES workspace_sessions (id) ON DELETE CASCADE
);
CREATE INDEX workspace_sessions_user ON workspace_sessions (user_id, created_at);
CREATE INDEX workspace_sessions_parent ON workspace_sessions (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX workspace_sessions_expires ON workspace_sessions (expires_at);

CREATE TABLE workspace_login_failures (
    key          text COLLATE "C" PRIMARY KEY,
    count        integer NOT NULL DEFAULT 0,
    window_start timestamptz,
    locked_until timestamptz
);

CREATE TABLE workspace_api_keys (
    id           text COLLATE "C" PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL,
    name         text NOT NULL,
    hash         text NOT NULL,
    actions      text[] NOT NULL,
    created_by   text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX workspace_api_keys_workspace ON workspace_api_keys (workspace_id, created_at);

CREATE TABLE workspace_kill_switches (
    scope      text COLLATE "C" PRIMARY KEY,
    paused     smallint NOT NULL,
    reason     text NOT NULL,
    actor      text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE workspace_connections (
    id               text COLLATE "C" PRIMARY KEY,
    workspace_id     text COLLATE "C" NOT NULL,
    kind             text NOT NULL,
    external_id      text COLLATE "C" NOT NULL,
    waba_id          text NOT NULL DEFAULT '',
    name             text NOT NULL DEFAULT '',
    meta_user_id     text COLLATE "C" NOT NULL DEFAULT '',
    token_issued_at  timestamptz,
    token_expires_at timestamptz,
    health           jsonb NOT NULL DEFAULT '{}',
    last_event_at    timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (kind, external_id)
);
CREATE INDEX workspace_connections_workspace ON workspace_connections (workspace_id, created_at);
CREATE INDEX workspace_connections_meta_user ON workspace_connections (meta_user_id) WHERE meta_user_id <> '';

-- +goose Down
DROP TABLE workspace_connections;
DROP TABLE workspace_kill_switches;
DROP TABLE workspace_api_keys;
DROP TABLE workspace_login_failures;
DROP TABLE workspace_sessions;
DROP TABLE workspace_invitations;
DROP TABLE workspace_memberships;
DROP TABLE workspace_users;
DROP TABLE workspace_agencies;
DROP TABLE workspace_workspaces;
