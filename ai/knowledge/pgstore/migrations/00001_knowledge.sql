-- +goose Up
CREATE EXTENSION IF NOT EXISTS vector;

-- Embedding models in use. Each (name, dims) gets a partial HNSW index on
-- knowledge_chunks, named knowledge_chunks_hnsw_m<id>, created on first use.
CREATE TABLE knowledge_models (
    id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text    NOT NULL,
    dims integer NOT NULL CHECK (dims BETWEEN 1 AND 16000),
    UNIQUE (name, dims)
);

CREATE TABLE knowledge_sources (
    workspace_id text        NOT NULL,
    source_id    text        NOT NULL,
    title        text        NOT NULL,
    url          text        NOT NULL,
    language     text        NOT NULL,
    tags         text[]      NOT NULL,
    format       text        NOT NULL,
    fingerprint  text        NOT NULL,
    model        text        NOT NULL,
    dims         integer     NOT NULL,
    chunks       integer     NOT NULL,
    ingested_at  timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, source_id)
);

-- Vectors of up to 2,000 dimensions (the limit of HNSW on vector) and above
-- 4,000 (exact search only) are stored as vector; 2,001..4,000 as halfvec.
CREATE TABLE knowledge_chunks (
    workspace_id   text    NOT NULL,
    id             text    NOT NULL,
    source_id      text    NOT NULL,
    position       integer NOT NULL,
    start_offset   integer NOT NULL,
    end_offset     integer NOT NULL,
    heading        text    NOT NULL,
    body           text    NOT NULL,
    content_hash   text    NOT NULL,
    title          text    NOT NULL,
    url            text    NOT NULL,
    language       text    NOT NULL,
    tags           text[]  NOT NULL,
    model_id       integer NOT NULL REFERENCES knowledge_models (id),
    model          text    NOT NULL,
    dims           integer NOT NULL,
    normalized     boolean NOT NULL,
    embedding      vector,
    embedding_half halfvec,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, title || ' ' || heading || ' ' || body)) STORED,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, source_id) REFERENCES knowledge_sources (workspace_id, source_id) ON DELETE CASCADE,
    CHECK (num_nonnulls(embedding, embedding_half) = 1)
);

CREATE INDEX knowledge_chunks_workspace_model ON knowledge_chunks (workspace_id, model_id);
CREATE INDEX knowledge_chunks_source ON knowledge_chunks (workspace_id, source_id, position);
CREATE INDEX knowledge_chunks_tsv ON knowledge_chunks USING gin (tsv);

-- +goose Down
DROP TABLE knowledge_chunks;
DROP TABLE knowledge_sources;
DROP TABLE knowledge_models;
