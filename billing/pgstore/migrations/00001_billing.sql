-- +goose Up
CREATE TABLE billing_events (
    account_id   text        NOT NULL,
    event_id     text        NOT NULL,
    claimed_at   timestamptz NOT NULL,
    completed_at timestamptz,
    PRIMARY KEY (account_id, event_id)
);

CREATE TABLE billing_subscriptions (
    workspace_id    text        NOT NULL,
    subscription_id text        NOT NULL,
    plan_id         text        NOT NULL DEFAULT '',
    customer_id     text        NOT NULL DEFAULT '',
    status          text        NOT NULL DEFAULT '',
    paid_count      integer     NOT NULL DEFAULT 0,
    current_start   timestamptz,
    current_end     timestamptz,
    last_event_id   text        NOT NULL DEFAULT '',
    last_event_at   timestamptz,
    updated_at      timestamptz,
    PRIMARY KEY (workspace_id, subscription_id)
);

CREATE TABLE billing_usage_events (
    workspace_id    text        NOT NULL,
    idempotency_key text        NOT NULL,
    metric          text        NOT NULL,
    quantity        bigint      NOT NULL CHECK (quantity > 0),
    at              timestamptz NOT NULL,
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, idempotency_key)
);

CREATE TABLE billing_usage_totals (
    workspace_id text        NOT NULL,
    metric       text        NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    total        bigint      NOT NULL,
    PRIMARY KEY (workspace_id, metric, period_start, period_end)
);

-- Invoice series belong to the supplier (the platform), not to a workspace.
CREATE TABLE billing_invoice_series (
    series         text    NOT NULL,
    financial_year integer NOT NULL,
    last_seq       bigint  NOT NULL,
    PRIMARY KEY (series, financial_year)
);

CREATE TABLE billing_invoices (
    id             bigserial   PRIMARY KEY,
    workspace_id   text        NOT NULL,
    number         text        NOT NULL UNIQUE CHECK (length(number) <= 16),
    series         text        NOT NULL,
    financial_year integer     NOT NULL,
    seq            bigint      NOT NULL,
    kind           text        NOT NULL,
    period_start   timestamptz,
    period_end     timestamptz,
    issued_at      timestamptz NOT NULL,
    document       jsonb       NOT NULL,
    UNIQUE (series, financial_year, seq)
);

CREATE UNIQUE INDEX billing_invoices_period ON billing_invoices (workspace_id, period_start, period_end)
    WHERE kind = 'tax_invoice' AND period_start IS NOT NULL;
CREATE INDEX billing_invoices_workspace ON billing_invoices (workspace_id, issued_at, id);

-- +goose Down
DROP TABLE billing_invoices;
DROP TABLE billing_invoice_series;
DROP TABLE billing_usage_totals;
DROP TABLE billing_usage_events;
DROP TABLE billing_subscriptions;
DROP TABLE billing_events;
