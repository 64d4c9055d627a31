-- +goose Up
-- Optimistic concurrency for data-subject requests.
ALTER TABLE privacy_requests ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE privacy_requests DROP COLUMN version;
