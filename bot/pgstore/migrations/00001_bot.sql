-- +goose Up
CREATE TABLE bot_rules (
    workspace_id    text        NOT NULL,
    id              text        NOT NULL,
    position        integer     NOT NULL DEFAULT 0,
    rule            jsonb       NOT NULL,
    disabled        boolean     NOT NULL DEFAULT false,
    disabled_reason text        NOT NULL DEFAULT '',
    failures        integer     NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE bot_claims (
    workspace_id text        NOT NULL,
    key          text        NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, key)
);

CREATE TABLE bot_due (
    workspace_id    text        NOT NULL,
    key             text        NOT NULL,
    version         text        NOT NULL,
    conversation_id text        NOT NULL,
    due_at          timestamptz NOT NULL,
    lease_until     timestamptz NOT NULL DEFAULT '-infinity',
    item            jsonb       NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX bot_due_at ON bot_due (due_at);
CREATE INDEX bot_due_conversation ON bot_due (workspace_id, conversation_id);

CREATE TABLE bot_ai_state (
    workspace_id    text        NOT NULL,
    conversation_id text        NOT NULL,
    paused          boolean     NOT NULL,
    until           timestamptz,
    reason          text        NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, conversation_id)
);

CREATE TABLE bot_score_slots (
    workspace_id text        NOT NULL,
    lead_id      text        NOT NULL,
    scored_at    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, lead_id)
);

-- +goose Down
DROP TABLE bot_score_slots;
DROP TABLE bot_ai_state;
DROP TABLE bot_due;
DROP TABLE bot_claims;
DROP TABLE bot_rules;
