-- +goose Up
-- Token buckets shared by server instances (GCRA): tat is the theoretical
-- arrival time of the next slot.
CREATE TABLE whatsapp_rate_buckets (
    workspace_id text COLLATE "C" NOT NULL,
    key          text COLLATE "C" NOT NULL,
    tat          timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

-- +goose Down
DROP TABLE whatsapp_rate_buckets;
