-- +goose Up
-- One row per sweep run over (sink, category[, closed workspace]).
CREATE TABLE privacy_sweep_receipts (
    id           bigserial PRIMARY KEY,
    sink         text NOT NULL,
    category     text NOT NULL,
    rule         text NOT NULL DEFAULT '',
    workspace_id text COLLATE "C" NOT NULL DEFAULT '',
    cutoff       timestamptz NOT NULL,
    deleted      bigint NOT NULL,
    batches      integer NOT NULL,
    done         boolean NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE privacy_sweep_receipts;
