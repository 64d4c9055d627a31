-- +goose Up
CREATE TABLE broadcast_campaigns (
    workspace_id text        NOT NULL,
    id           text        NOT NULL,
    ord          bigserial   NOT NULL,
    state        text        NOT NULL,
    data         jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX broadcast_campaigns_state ON broadcast_campaigns (workspace_id, state, ord);

CREATE TABLE broadcast_recipients (
    workspace_id     text        NOT NULL,
    campaign_id      text        NOT NULL,
    seq              bigint      NOT NULL,
    lead_id          text        NOT NULL DEFAULT '',
    contact          text        NOT NULL DEFAULT '',
    country          text        NOT NULL DEFAULT '',
    time_zone        text        NOT NULL DEFAULT '',
    vals             text[]      NOT NULL DEFAULT '{}',
    status           text        NOT NULL,
    skip_reason      text        NOT NULL DEFAULT '',
    attempts         integer     NOT NULL DEFAULT 0,
    not_before       timestamptz,
    lease_owner      text        NOT NULL DEFAULT '',
    lease_until      timestamptz,
    message_id       text        NOT NULL DEFAULT '',
    error_code       integer     NOT NULL DEFAULT 0,
    fail_reason      text        NOT NULL DEFAULT '',
    billable         boolean     NOT NULL DEFAULT false,
    pricing_category text        NOT NULL DEFAULT '',
    intent_at        timestamptz,
    accepted_at      timestamptz,
    sent_at          timestamptz,
    delivered_at     timestamptz,
    read_at          timestamptz,
    failed_at        timestamptz,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, campaign_id, seq)
);
-- claims scan only the rows that still need a worker
CREATE INDEX broadcast_recipients_open ON broadcast_recipients (workspace_id, campaign_id, seq)
    WHERE status IN ('pending', 'claimed');
-- reconciliation lists the sends whose answer was lost
CREATE INDEX broadcast_recipients_sending ON broadcast_recipients (workspace_id, campaign_id, seq)
    WHERE status = 'sending';

CREATE TABLE broadcast_suppressions (
    workspace_id text        NOT NULL,
    contact      text        NOT NULL,
    source       text        NOT NULL,
    at           timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, contact)
);

-- +goose Down
DROP TABLE broadcast_suppressions;
DROP TABLE broadcast_recipients;
DROP TABLE broadcast_campaigns;
