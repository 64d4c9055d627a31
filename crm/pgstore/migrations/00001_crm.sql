-- +goose Up
CREATE TABLE crm_stages (
    workspace_id text NOT NULL,
    key          text NOT NULL,
    position     int  NOT NULL,
    name         text NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE TABLE crm_fields (
    workspace_id text    NOT NULL,
    key          text    NOT NULL,
    label        text    NOT NULL,
    type         text    NOT NULL,
    options      text[]  NOT NULL DEFAULT '{}',
    required     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (workspace_id, key)
);

CREATE TABLE crm_leads (
    workspace_id      text        NOT NULL,
    id                text        NOT NULL,
    name              text        NOT NULL DEFAULT '',
    city              text        NOT NULL DEFAULT '',
    interest          text        NOT NULL DEFAULT '',
    budget            text        NOT NULL DEFAULT '',
    timeline          text        NOT NULL DEFAULT '',
    exam_status       text        NOT NULL DEFAULT '',
    callback_phone    text        NOT NULL DEFAULT '',
    stage             text        NOT NULL DEFAULT '',
    tags              text[]      NOT NULL DEFAULT '{}',
    custom            jsonb       NOT NULL DEFAULT '{}',
    assignee          text        NOT NULL DEFAULT '',
    source_channel    text        NOT NULL DEFAULT '',
    source_campaign   text        NOT NULL DEFAULT '',
    source_ad_id      text        NOT NULL DEFAULT '',
    score             int         NOT NULL DEFAULT 0,
    score_reasons     text[]      NOT NULL DEFAULT '{}',
    consent           boolean     NOT NULL DEFAULT false,
    marketing_opt_out boolean     NOT NULL DEFAULT false,
    merged_into       text,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    last_activity_at  timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
-- Segment filters: unmerged leads by stage, tags, custom fields, score,
-- last activity; pointers of merged leads.
CREATE INDEX crm_leads_stage ON crm_leads (workspace_id, stage, id) WHERE merged_into IS NULL;
CREATE INDEX crm_leads_tags ON crm_leads USING gin (tags);
CREATE INDEX crm_leads_custom ON crm_leads USING gin (custom jsonb_path_ops);
CREATE INDEX crm_leads_score ON crm_leads (workspace_id, score);
CREATE INDEX crm_leads_activity ON crm_leads (workspace_id, last_activity_at);
CREATE INDEX crm_leads_merged ON crm_leads (workspace_id, merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE crm_identities (
    workspace_id text        NOT NULL,
    kind         text        NOT NULL,
    value        text        NOT NULL,
    lead_id      text        NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, kind, value),
    FOREIGN KEY (workspace_id, lead_id) REFERENCES crm_leads (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX crm_identities_lead ON crm_identities (workspace_id, lead_id);

CREATE TABLE crm_activities (
    workspace_id text        NOT NULL,
    id           text        NOT NULL,
    lead_id      text        NOT NULL,
    type         text        NOT NULL,
    actor_kind   text        NOT NULL DEFAULT '',
    actor_id     text        NOT NULL DEFAULT '',
    at           timestamptz NOT NULL,
    text         text        NOT NULL DEFAULT '',
    from_stage   text        NOT NULL DEFAULT '',
    to_stage     text        NOT NULL DEFAULT '',
    tag          text        NOT NULL DEFAULT '',
    ref_id       text        NOT NULL DEFAULT '',
    call         jsonb,
    dedup_key    text,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, lead_id) REFERENCES crm_leads (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX crm_activities_lead ON crm_activities (workspace_id, lead_id, at, seq);
CREATE UNIQUE INDEX crm_activities_dedup ON crm_activities (workspace_id, dedup_key) WHERE dedup_key IS NOT NULL;

CREATE TABLE crm_conversations (
    workspace_id    text        NOT NULL,
    id              text        NOT NULL,
    lead_id         text        NOT NULL,
    channel         text        NOT NULL,
    channel_account text        NOT NULL,
    status          text        NOT NULL,
    assignee        text        NOT NULL DEFAULT '',
    handoff         boolean     NOT NULL DEFAULT false,
    last_inbound_at timestamptz,
    last_message_at timestamptz,
    unread          int         NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, lead_id, channel_account),
    FOREIGN KEY (workspace_id, lead_id) REFERENCES crm_leads (workspace_id, id) ON DELETE CASCADE
);

-- Inbox order: most recent message first.
CREATE INDEX crm_conversations_inbox ON crm_conversations
    (workspace_id, (COALESCE(last_message_at, 'epoch'::timestamptz)) DESC, id DESC);

CREATE TABLE crm_messages (
    workspace_id    text        NOT NULL,
    id              text        NOT NULL,
    conversation_id text        NOT NULL,
    lead_id         text        NOT NULL,
    channel_account text        NOT NULL,
    provider_id     text,
    direction       text        NOT NULL,
    type            text        NOT NULL,
    text            text        NOT NULL DEFAULT '',
    media           jsonb,
    status          text        NOT NULL,
    error           text        NOT NULL DEFAULT '',
    author_kind     text        NOT NULL DEFAULT '',
    author_id       text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, conversation_id) REFERENCES crm_conversations (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX crm_messages_provider ON crm_messages (workspace_id, channel_account, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX crm_messages_conversation ON crm_messages (workspace_id, conversation_id, at);
CREATE INDEX crm_messages_lead ON crm_messages (workspace_id, lead_id);

CREATE TABLE crm_bookings (
    workspace_id text        NOT NULL,
    id           text        NOT NULL,
    lead_id      text        NOT NULL,
    start_at     timestamptz NOT NULL,
    end_at       timestamptz NOT NULL,
    status       text        NOT NULL,
    notes        text        NOT NULL DEFAULT '',
    calendar_id  text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, lead_id) REFERENCES crm_leads (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX crm_bookings_lead ON crm_bookings (workspace_id, lead_id, start_at);

-- +goose Down
DROP TABLE crm_bookings;
DROP TABLE crm_messages;
DROP TABLE crm_conversations;
DROP TABLE crm_activities;
DROP TABLE crm_identities;
DROP TABLE crm_leads;
DROP TABLE crm_fields;
DROP TABLE crm_stages;
