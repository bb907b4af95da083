-- Read model of the collections subgraph. Rows are written only by the collections projector.
CREATE TABLE IF NOT EXISTS collections (
  id          text PRIMARY KEY,
  owner_id    text        NOT NULL,
  title       text        NOT NULL,
  description text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS collections_by_owner ON collections (owner_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS collection_items (
  collection_id text        NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  post_id       text        NOT NULL,
  position      bigint      NOT NULL,
  added_at      timestamptz NOT NULL,
  PRIMARY KEY (collection_id, post_id)
);
CREATE INDEX IF NOT EXISTS collection_items_in_order ON collection_items (collection_id, position, post_id);
