-- +goose Up
CREATE TABLE intake_jobs (
    id          bigserial   PRIMARY KEY,
    kind        text        NOT NULL,
    key         text        NOT NULL,
    body        bytea       NOT NULL,
    state       text        NOT NULL DEFAULT 'queued',
    attempts    int         NOT NULL DEFAULT 0,
    last_error  text        NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL,
    next_at     timestamptz NOT NULL,
    lease_until timestamptz,
    done_at     timestamptz,
    UNIQUE (kind, key)
);

CREATE INDEX intake_jobs_due ON intake_jobs (id) WHERE state = 'queued';
CREATE INDEX intake_jobs_dead ON intake_jobs (id) WHERE state = 'dead';

-- +goose Down
DROP TABLE intake_jobs;
