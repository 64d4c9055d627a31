-- +goose Up
CREATE TABLE widgets (workspace_id text NOT NULL, id text NOT NULL, PRIMARY KEY (workspace_id, id));

-- +goose Down
DROP TABLE widgets;
