-- +goose Up
CREATE TABLE server_ai_settings (
    workspace_id text        PRIMARY KEY,
    settings     jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE server_ai_settings;
