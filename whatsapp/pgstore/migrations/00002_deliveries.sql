-- +goose Up
-- Delivery state of sent messages: a monotonic state machine per message id
-- (see whatsapp.Advance). state: 0 accepted, 1 sent, 2 delivered, 3 read,
-- 4 failed.
CREATE TABLE whatsapp_deliveries (
    workspace_id            text COLLATE "C" NOT NULL,
    message_id              text COLLATE "C" NOT NULL,
    phone_number_id         text COLLATE "C" NOT NULL,
    recipient               text COLLATE "C" NOT NULL,
    callback_data           text NOT NULL DEFAULT '',
    state                   smallint NOT NULL CHECK (state BETWEEN 0 AND 4),
    accepted_at             timestamptz NOT NULL,
    sent_at                 timestamptz,
    delivered_at            timestamptz,
    read_at                 timestamptz,
    failed_at               timestamptz,
    delivered_after_failure boolean NOT NULL DEFAULT false,
    errors                  jsonb,
    pricing                 jsonb,
    conversation            jsonb,
    PRIMARY KEY (workspace_id, message_id)
);
CREATE INDEX whatsapp_deliveries_accepted ON whatsapp_deliveries (workspace_id, accepted_at);

-- Statuses that arrived before their send returned, applied by Track.
CREATE TABLE whatsapp_pending_statuses (
    workspace_id text COLLATE "C" NOT NULL,
    message_id   text COLLATE "C" NOT NULL,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    status       text COLLATE "C" NOT NULL,
    status_at    timestamptz NOT NULL,
    body         jsonb NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, message_id, seq),
    UNIQUE (workspace_id, message_id, status, status_at)
);
CREATE INDEX whatsapp_pending_statuses_received ON whatsapp_pending_statuses (workspace_id, received_at);

-- +goose Down
DROP TABLE whatsapp_pending_statuses;
DROP TABLE whatsapp_deliveries;
