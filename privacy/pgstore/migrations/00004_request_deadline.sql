-- +goose Up
-- The response clock of a data-subject request (a privacy.Deadline).
ALTER TABLE privacy_requests ADD COLUMN deadline jsonb NOT NULL DEFAULT '{}';
CREATE INDEX privacy_requests_open ON privacy_requests (workspace_id, created_at) WHERE state NOT IN ('completed', 'rejected');

-- +goose Down
DROP INDEX privacy_requests_open;
ALTER TABLE privacy_requests DROP COLUMN deadline;
