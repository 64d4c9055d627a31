-- +goose Up
-- Raw webhook payloads are platform data until routed; the column lets
-- privacy's TableSink sweep them under the webhook_payloads category.
ALTER TABLE intake_jobs ADD COLUMN workspace_id text NOT NULL DEFAULT '_platform';
CREATE INDEX intake_jobs_received ON intake_jobs (received_at);

-- +goose Down
DROP INDEX intake_jobs_received;
ALTER TABLE intake_jobs DROP COLUMN workspace_id;
