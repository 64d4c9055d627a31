-- +goose Up
-- Last inbound message per (workspace, business phone number, contact):
-- the customer-service window closes 24 hours after last_inbound.
CREATE TABLE whatsapp_windows (
    workspace_id    text COLLATE "C" NOT NULL,
    phone_number_id text COLLATE "C" NOT NULL,
    contact         text COLLATE "C" NOT NULL,
    last_inbound    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, phone_number_id, contact)
);
CREATE INDEX whatsapp_windows_last_inbound ON whatsapp_windows (workspace_id, last_inbound);

-- +goose Down
DROP TABLE whatsapp_windows;
